"""Credentials for each side of an integration, the connection test, and webhook registration."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from backend.connectors.base import ConnectorError
from backend.db.models import Connection, ConnectionStatus, Integration, System, utcnow
from backend.services.auth import Principal
from backend.services.connector_factory import (
    default_base_url,
    eaccounting_client,
    mystore_client,
    rackbeat_client,
    tripletex_client,
    validate_credentials,
)
from backend.services.context import AppContext
from backend.services.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

MYSTORE_WEBHOOK_TOPICS = ("orders/create", "orders/update")

# Rackbeat events bokbro listens to (what each one transfers: services.webhooks.RACKBEAT_EVENTS).
RACKBEAT_WEBHOOK_EVENTS = (
    "invoice.booked",
    "customer.created", "customer.updated",
    "supplier.created", "supplier.updated",
    "product.created", "product.updated",
    "lot.created", "lot.updated",
    "purchase_order.booked",
)


@dataclass
class Check:
    name: str
    ok: bool
    message: str
    status: int | None = None  # the HTTP status of a failed probe

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "message": self.message}


async def save_connection(
    ctx: AppContext, principal: Principal, *, integration_id: str, system: System,
    base_url: str | None, credentials: Any,
) -> Connection:
    principal.require(integration_id)
    creds = validate_credentials(system, credentials)
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise InvalidInput("baseUrl must be an http(s) URL", field="baseUrl")
    async with ctx.db.session() as s:
        integration = await s.get(Integration, integration_id)
        if integration is None:
            raise NotFound(f"integration {integration_id} not found")
        if system.value not in (integration.source, integration.target):
            raise InvalidInput(
                f"this integration connects {integration.source} to {integration.target}, not {system.value}",
                field="system",
            )
        row = (await s.exec(select(Connection).where(
            Connection.integration_id == integration_id, Connection.system == system.value))).first()
        if row is None:
            row = Connection(integration_id=integration_id, system=system.value, credentials_encrypted="")
        row.base_url = base_url.rstrip("/") if base_url else None
        row.credentials_encrypted = ctx.box.encrypt(creds)
        row.status = ConnectionStatus.UNTESTED.value
        row.checks = []
        s.add(row)
        await s.commit()
        await s.refresh(row)
    return row


async def connections_of(ctx: AppContext, integration_id: str) -> Sequence[Connection]:
    async with ctx.db.session() as s:
        return (await s.exec(select(Connection).where(Connection.integration_id == integration_id))).all()


async def get_connection(ctx: AppContext, principal: Principal, connection_id: str) -> Connection:
    async with ctx.db.session() as s:
        row = await s.get(Connection, connection_id)
    if row is None or not principal.can_access(row.integration_id):
        raise NotFound(f"connection {connection_id} not found")
    return row


async def _check(name: str, ok_message: str, call: Callable[[], Awaitable[Any]],
                 denied: str | None = None) -> Check:
    """One probe. ``denied``: what to say when the system answers 403 (the credential lacks that access): what is
    missing and how to grant it."""
    try:
        await call()
        return Check(name, True, ok_message)
    except ConnectorError as exc:
        if exc.status == 403 and denied:
            return Check(name, False, denied, exc.status)
        return Check(name, False, f"{exc.message} (HTTP {exc.status})" if exc.status else exc.message, exc.status)


async def _test_rackbeat(ctx: AppContext, row: Connection) -> list[Check]:
    client = rackbeat_client(ctx, row, None)
    checks = [await _check("authentication", "the API key is valid", client.get_self)]
    if not checks[0].ok:
        return checks
    for name, call in (
        ("customers", lambda: client.list_customer_groups()),
        ("suppliers", lambda: client.list_supplier_groups()),
        ("products", lambda: client.list_product_groups()),
        ("customer invoices", lambda: _first(client.iter_customer_invoices())),
    ):
        checks.append(await _check(name, f"{name} can be read", call,
                                   f"the API key has no access to {name}: make the key in Rackbeat (Settings → API) "
                                   f"as a user who can see {name}, save it here and test again"))
    webhook_url = f"{ctx.settings.public_url.rstrip('/')}/webhooks/rackbeat/{row.integration_id}"
    try:
        tokens = {}
        for event in RACKBEAT_WEBHOOK_EVENTS:
            hook = await client.ensure_webhook(event, webhook_url)
            tokens[event] = str(hook["token"])
        row.webhook_secret_encrypted = ctx.box.encrypt(tokens)
        checks.append(Check("webhooks", True, f"registered {len(RACKBEAT_WEBHOOK_EVENTS)} events → {webhook_url}"))
    except ConnectorError as exc:
        checks.append(Check("webhooks", False, f"could not register webhooks: {exc.message}"))
    return checks


async def _first(iterator: Any) -> None:
    async for _ in iterator:
        break


async def _test_tripletex(ctx: AppContext, row: Connection) -> list[Check]:
    client = tripletex_client(ctx, row, None)
    checks = [await _check("authentication", "a session token was created from the consumer and employee token",
                           client.who_am_i)]
    if not checks[0].ok:
        return checks
    today = date.today()
    for name, area, call in (
        ("customers", "Customers (Kunder)", lambda: client.find_customer_by_number(0)),
        ("suppliers", "Suppliers (Leverandører)", lambda: client.find_supplier_by_number(0)),
        ("products", "Products (Produkter)", lambda: client.find_product_by_number("0")),
        ("sales orders", "Orders (Ordre)",
         lambda: client.find_order_by_number("0", today, today + timedelta(days=1))),
        ("customer invoices", "Customer invoices (Faktura)",
         lambda: client.find_invoices(today, today + timedelta(days=1))),
        ("VAT types", "Accounting (Regnskap)", client.list_vat_types),
        ("invoice payment types", "Customer invoices (Faktura)", client.list_payment_types),
    ):
        checks.append(await _check(name, f"{name} can be read", call, _tripletex_denied(name, area)))
    try:
        ok = await client.bank_account_registered()
        checks.append(Check("bank account number", ok,
                            "the company has a bank account number" if ok else
                            "the company has no bank account number: Tripletex refuses invoices until one is "
                            "registered (Company → Bank accounts)"))
    except ConnectorError as exc:
        checks.append(Check("bank account number", False, exc.message))
    return checks


def _tripletex_denied(name: str, area: str) -> str:
    """What a 403 on one area means for a Tripletex API key, and how to grant it. The employee token acts with its
    employee's access, narrowed when the key was made ("Egendefinert tilgang")."""
    return (f"the API key has no access to {name} (HTTP 403). In Tripletex, give the employee the key belongs to "
            f"access to {area} (Company → Employees → the employee → Access), or make a new key under My profile → "
            f"API access with access to {area} (or all of the employee's access); save the new employee token here "
            f"and test again")


# The scopes bokbro asks eAccounting for (``authorizeEAccounting``), what each is for, and how to grant one that is
# missing.
EACCOUNTING_SCOPES = ("ea:api", "ea:sales", "ea:accounting", "ea:purchase", "offline_access")
EACCOUNTING_SCOPE_HINTS = {
    "ea:sales": "customers, articles and invoices",
    "ea:accounting": "VAT codes and fiscal years",
    "ea:purchase": "suppliers",
}


def _eaccounting_denied(scope: str) -> str:
    return (f"the authorization lacks {scope} ({EACCOUNTING_SCOPE_HINTS[scope]}): authorize again and accept access "
            f"to it (the app must be registered for {scope} in Visma's Developer Portal, and bokbro asks for "
            f"{' '.join(EACCOUNTING_SCOPES)})")


async def _test_eaccounting(ctx: AppContext, row: Connection) -> list[Check]:
    """One probe per scope bokbro needs (eAccounting requires ``ea:api`` on every call, so it is granted when
    any probe gets through), plus the fiscal year invoices need."""
    try:
        client = eaccounting_client(ctx, row, None)
    except ConnectorError as exc:
        return [Check("authorization", False, exc.message)]
    years: list[dict[str, Any]] | None = None

    async def fiscal_years() -> None:
        nonlocal years
        years = await client.list_fiscal_years()

    sales = await _check("ea:sales", "customers, articles and invoices can be read and written",
                         lambda: client.find_customer_by_number("0"), _eaccounting_denied("ea:sales"))
    accounting = await _check("ea:accounting", "VAT codes and fiscal years can be read", client.list_vat_codes,
                              _eaccounting_denied("ea:accounting"))
    purchase = await _check("ea:purchase", "suppliers can be read and written",
                            lambda: client.find_supplier_by_number("0"),
                            _eaccounting_denied("ea:purchase") + " — or turn supplier sync off in the settings")
    year_check = await _check("fiscal year", "a fiscal year exists", fiscal_years)
    if sales.status == 401 or accounting.status == 401:
        return [Check("authorization", False, "eAccounting refused the authorization: authorize again")]
    api = Check("ea:api", sales.ok or accounting.ok or year_check.ok,
                "the authorization is valid" if (sales.ok or accounting.ok or year_check.ok)
                else "the authorization lacks ea:api: authorize again and grant API access")
    if year_check.ok and not years:
        year_check = Check("fiscal year", False,
                           "no fiscal year: create one in eAccounting (Settings → Fiscal years) before invoicing")
    creds = ctx.box.decrypt(row.credentials_encrypted)
    offline = Check("offline_access", bool(creds.get("refreshToken")),
                    "a refresh token keeps the connection alive" if creds.get("refreshToken") else
                    "no refresh token: authorize again and grant offline access")
    return [api, sales, accounting, purchase, offline, year_check]


async def _test_mystore(ctx: AppContext, row: Connection) -> list[Check]:
    client = mystore_client(ctx, row, None)
    try:
        scopes = await client.probe_scopes()
    except ConnectorError as exc:
        return [Check("authentication", False, exc.message)]
    checks = [Check("authentication", True, "the access token is valid")]
    checks += [Check(scope, ok, f"{scope} granted" if ok else
                     f"the token lacks {scope}: create a token with it in Mystore (Innstillinger → API)")
               for scope, ok in scopes.items()]
    webhook_url = f"{ctx.settings.public_url.rstrip('/')}/webhooks/mystore/{row.integration_id}"
    try:
        for topic in MYSTORE_WEBHOOK_TOPICS:
            await client.ensure_webhook(topic, webhook_url)
        creds = ctx.box.decrypt(row.credentials_encrypted)
        row.webhook_secret_encrypted = ctx.box.encrypt({"hmac": creds["webhookSecret"]})
        checks.append(Check("webhooks", True, f"registered {', '.join(MYSTORE_WEBHOOK_TOPICS)} → {webhook_url}"))
    except ConnectorError as exc:
        checks.append(Check("webhooks", False, f"could not register webhooks: {exc.message}"))
    return checks


async def test_connection(ctx: AppContext, principal: Principal, connection_id: str) -> Connection:
    row = await get_connection(ctx, principal, connection_id)
    testers = {System.RACKBEAT: _test_rackbeat, System.TRIPLETEX: _test_tripletex,
               System.EACCOUNTING: _test_eaccounting, System.MYSTORE: _test_mystore}
    checks = await testers[System(row.system)](ctx, row)
    async with ctx.db.session() as s:
        fresh = await s.get(Connection, row.id)
        assert fresh is not None
        fresh.checks = [c.as_dict() for c in checks]
        fresh.status = (ConnectionStatus.OK if all(c.ok for c in checks) else ConnectionStatus.FAILED).value
        fresh.last_tested_at = utcnow()
        if row.webhook_secret_encrypted:
            fresh.webhook_secret_encrypted = row.webhook_secret_encrypted
        s.add(fresh)
        await s.commit()
        await s.refresh(fresh)
    return fresh


async def verify_webhook_token(ctx: AppContext, integration_id: str, system: System, event: str,
                               token: str | None) -> bool:
    """Constant-time check of a webhook's token against the one the source gave us at registration."""
    if not token:
        return False
    async with ctx.db.session() as s:
        row = (await s.exec(select(Connection).where(
            Connection.integration_id == integration_id, Connection.system == system.value))).first()
    if row is None or not row.webhook_secret_encrypted:
        return False
    tokens: dict[str, str] = ctx.box.decrypt(row.webhook_secret_encrypted)
    return any(hmac.compare_digest(token.encode(), t.encode()) for t in tokens.values())


def base_url_of(ctx: AppContext, row: Connection) -> str:
    return row.base_url or default_base_url(ctx, System(row.system))
