"""``bokbro demo``: the embedded default. One process: SQLite file, in-process Redis and worker, the
sandboxes mounted in the same server with demo data, and a demo integration Rackbeat → Tripletex that is
connected to fresh sandbox accounts at every start (sandbox state lives in memory)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
import uvicorn

from backend.config import Settings
from backend.db.models import Integration, System
from backend.infra.crypto import generate_secret_key, new_token
from backend.services import connections, integrations
from backend.services.auth import authenticate
from backend.services.context import AppContext

log = logging.getLogger("bokbro.demo")


def _kept(path: Path, make: str) -> str:
    if path.exists():
        return path.read_text().strip()
    path.write_text(make)
    path.chmod(0o600)
    return make


def demo_settings(port: int, data_dir: Path, host: str = "127.0.0.1") -> tuple[Settings, str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = _kept(data_dir / "secret_key", generate_secret_key())
    token = _kept(data_dir / "operator_token", new_token("op"))
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{(data_dir / 'bokbro.db').resolve()}",
        redis_url="",
        public_url=f"http://{host}:{port}",
        secret_key=secret,
        bootstrap_token=token,
        embedded_worker=True,
        sandboxes=True,
        data_dir=data_dir,
        sweeper_interval_seconds=5,
    )
    return settings, token


async def sandbox_accounts(app: AppContext) -> dict[str, dict[str, str]]:
    """A fresh demo account in each sandbox (their state lives in memory, so every start makes new ones)."""
    base = app.settings.public_url
    extra = {"eaccounting": {"redirectUri": f"{base}/oauth/eaccounting/callback"}}
    accounts = {}
    async with httpx.AsyncClient(timeout=60) as http:
        for system in ("rackbeat", "tripletex", "eaccounting", "mystore"):
            r = await http.post(f"{base}/sandbox/{system}/_control/accounts",
                                json={"seed": "demo", **extra.get(system, {})})
            if r.status_code == 201:
                accounts[system] = r.json()
    return accounts


async def connect_demo_integration(app: AppContext, token: str, accounts: dict[str, dict[str, str]]) -> str:
    """The demo integration Rackbeat → Tripletex, pointed at the fresh sandbox accounts."""
    rb, tx = accounts["rackbeat"], accounts["tripletex"]
    principal = await authenticate(app, f"Bearer {token}")
    existing = [i for i in await integrations.list_integrations(app, principal) if i.company_name == "Demo AS"]
    integration: Integration = existing[0] if existing else await integrations.start_onboarding(
        app, principal, company_name="Demo AS", contact_person="Kari Nordmann", email="kari@demo.example",
        source=System.RACKBEAT, target=System.TRIPLETEX)
    for system, creds in ((System.RACKBEAT, {"token": rb["token"]}),
                          (System.TRIPLETEX, {"consumerToken": tx["consumerToken"],
                                              "employeeToken": tx["employeeToken"]})):
        row = await connections.save_connection(app, principal, integration_id=integration.id, system=system,
                                                base_url=None, credentials=creds)
        await connections.test_connection(app, principal, row.id)
    return integration.id


def sandbox_guide(base: str, accounts: dict[str, dict[str, str]]) -> str:
    rows = {
        "rackbeat": (f"{base}/sandbox/rackbeat/api", "Authorization: Bearer <token>", "token"),
        "tripletex": (f"{base}/sandbox/tripletex/v2", "session from consumerToken + employeeToken",
                      "consumerToken employeeToken"),
        "eaccounting": (f"{base}/sandbox/eaccounting/v2", "OAuth2 at /sandbox/eaccounting/identity/connect",
                        "clientId clientSecret"),
        "mystore": (f"{base}/sandbox/mystore", "Authorization: Bearer <token>", "shop token webhookSecret"),
    }
    lines = []
    for system, (url, auth, keys) in rows.items():
        account = accounts.get(system)
        if account is None:
            continue
        values = "  ".join(f"{k}={account.get(k)}" for k in keys.split())
        lines.append(f"  {system:<12}{url}   ({auth})\n  {'':<12}{values}")
        lines.append(f"  {'':<12}control: POST {base}/sandbox/{system}/_control/accounts  (faults, state, ...)")
    return "\n".join(lines)


def run_demo(port: int, data_dir: Path, host: str = "127.0.0.1") -> None:
    settings, token = demo_settings(port, data_dir, host)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from backend.api.app import create_app

    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))

    async def main() -> None:
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()
                return
            await asyncio.sleep(0.05)
        accounts = await sandbox_accounts(app.state.ctx)
        integration_id = await connect_demo_integration(app.state.ctx, token, accounts)
        rackbeat_token = accounts["rackbeat"]["token"]
        (data_dir / "sandboxes.json").write_text(json.dumps(accounts, indent=2))
        (data_dir / "sandboxes.json").chmod(0o600)
        rb = f"{settings.public_url}/sandbox/rackbeat/api"
        sandboxes = sandbox_guide(settings.public_url, accounts)
        print(f"""
bokbro demo is running (embedded: SQLite in {data_dir}/, in-process Redis and worker, sandboxes).

  GraphiQL      {settings.public_url}/graphql    header  Authorization: Bearer {token}
  Admin page    {settings.public_url}/
  Demo integration "Demo AS" (Rackbeat -> Tripletex): {integration_id}

Sandboxes of the external systems, each with a fresh demo account (credentials also in {data_dir}/sandboxes.json):
{sandboxes}

Book an invoice in the Rackbeat sandbox; it arrives in the Tripletex sandbox within a second:

  export RB_TOKEN={rackbeat_token}
  curl -s -H "Authorization: Bearer $RB_TOKEN" -H 'Content-Type: application/json' \\
    {rb}/customer-invoices/drafts \\
    -d '{{"customer_id": 10001, "lines": [{{"item_id": "SKR-0001", "quantity": 2, "line_price": 100}}]}}'
  curl -s -XPOST -H "Authorization: Bearer $RB_TOKEN" {rb}/customer-invoices/<number>/book

Stop with Ctrl+C.
""", flush=True)
        await serving

    asyncio.run(main())
