"""The README's first command: ``bokbro demo`` comes up with all four sandboxes, a connected demo
integration, and an invoice booked in the Rackbeat sandbox reaches the Tripletex sandbox."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from tests.support.processes import Proc, processes, wait_http
from tests.support.servers import free_port
from tests.support.stack import wait_for


async def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tmp_path / "demo"
    with processes(tmp_path) as procs:
        demo = Proc("demo", ["demo", "--port", str(port), "--data-dir", str(data)], {}, tmp_path)
        procs.append(demo)
        await asyncio.to_thread(wait_http, f"{base}/healthz", 60)
        await wait_for(lambda: _printed(demo), timeout=60)
        out = demo.log()
        for system in ("rackbeat", "tripletex", "eaccounting", "mystore"):
            assert f"/sandbox/{system}" in out
        token = (data / "operator_token").read_text().strip()
        accounts = json.loads((data / "sandboxes.json").read_text())
        assert set(accounts) == {"rackbeat", "tripletex", "eaccounting", "mystore"}
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=30) as http:
            r = await http.post(f"{base}/graphql", headers=headers, json={
                "query": "{ integrations { id companyName connections { system status } } }"})
            integrations = r.json()["data"]["integrations"]
            assert [i["companyName"] for i in integrations] == ["Demo AS"]
            assert {c["status"] for c in integrations[0]["connections"]} == {"OK"}
            rb = {"Authorization": f"Bearer {accounts['rackbeat']['token']}"}
            draft = await http.post(f"{base}/sandbox/rackbeat/api/customer-invoices/drafts", headers=rb, json={
                "customer_id": 10001, "lines": [{"item_id": "SKR-0001", "quantity": 2, "line_price": 100}]})
            assert draft.status_code == 201, draft.text
            number = draft.json()["customer_invoice"]["number"]
            assert (await http.post(f"{base}/sandbox/rackbeat/api/customer-invoices/{number}/book",
                                    headers=rb)).status_code == 200

            async def succeeded() -> bool:
                r = await http.post(f"{base}/graphql", headers=headers, json={
                    "query": "{ transfers { edges { node { sourceRef status } } } }"})
                nodes = [e["node"] for e in r.json()["data"]["transfers"]["edges"]]
                return any(n["sourceRef"] == str(number) and n["status"] == "SUCCEEDED" for n in nodes)

            await wait_for(succeeded, timeout=30)


async def _printed(proc: Proc) -> bool:
    return "bokbro demo is running" in proc.log()
