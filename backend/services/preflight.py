"""The checks before the initial sync: Rackbeat's groups, and the accounting side's set-up.

This module only gathers facts from the systems (through the connectors) and hands them to the pure rules in
``backend.flows.preflight``; a call that fails becomes an ``Unreadable`` fact (its message is the connector's,
with secrets already removed), so one missing permission does not hide the other checks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlmodel import select

from backend.connectors.base import ConnectorError
from backend.db.models import Connection, ExternalId, Integration, IntegrationSettings, InvoiceNumberSource, System
from backend.flows import mystore as mystore_flow
from backend.flows import preflight as rules
from backend.services.auth import Principal
from backend.services.connector_factory import eaccounting_client, rackbeat_client, tripletex_client
from backend.services.context import AppContext
from backend.services.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class PreflightReport:
    integration_id: str
    system: System
    checks: list[rules.Check]

    @property
    def ok(self) -> bool:
        """Nothing FAILED (warnings are for the user to look at, they do not block the initial sync)."""
        return all(c.status is not rules.Status.FAILED for c in self.checks)


@dataclass(frozen=True)
class PrerequisitesReport:
    integration_id: str
    requirements: list[rules.Requirement]

    @property
    def ready(self) -> bool:
        return all(r.status is rules.Status.OK for r in self.requirements)


async def _integration(ctx: AppContext, principal: Principal, integration_id: str) -> Integration:
    principal.require(integration_id)
    async with ctx.db.session() as s:
        integration = await s.get(Integration, integration_id)
    if integration is None:
        raise NotFound(f"integration {integration_id} not found")
    return integration


async def _connection(ctx: AppContext, integration_id: str, system: System) -> Connection:
    async with ctx.db.session() as s:
        row = (await s.exec(select(Connection).where(Connection.integration_id == integration_id,
                                                     Connection.system == system.value))).first()
    if row is None:
        raise InvalidInput(f"the integration has no {system.value.capitalize()} connection yet: save its "
                           f"credentials first", field="integrationId")
    return row


async def _invoice_numbers_from_source(ctx: AppContext, integration_id: str) -> bool:
    async with ctx.db.session() as s:
        settings = await s.get(IntegrationSettings, integration_id)
    return settings is not None and settings.invoice_number_source == InvoiceNumberSource.SOURCE.value


async def _read(call: Awaitable[T]) -> T | rules.Unreadable:
    try:
        return await call
    except ConnectorError as exc:
        reason = f"{exc.message} (HTTP {exc.status})" if exc.status else exc.message
        log.info("preflight: a fact could not be read: %s", reason)
        return rules.Unreadable(reason)


async def rackbeat_prerequisites(ctx: AppContext, principal: Principal, integration_id: str) -> PrerequisitesReport:
    integration = await _integration(ctx, principal, integration_id)
    if integration.source != System.RACKBEAT.value:
        raise InvalidInput(f"Rackbeat prerequisites are for integrations from Rackbeat; this one is from "
                           f"{integration.source}", field="integrationId")
    client = rackbeat_client(ctx, await _connection(ctx, integration_id, System.RACKBEAT), None)
    customers, suppliers, products = await asyncio.gather(
        _read(client.list_customer_groups()), _read(client.list_supplier_groups()),
        _read(client.list_product_groups()))
    return PrerequisitesReport(integration_id, rules.rackbeat_prerequisites(customers, suppliers, products))


async def preflight_checks(ctx: AppContext, principal: Principal, integration_id: str) -> PreflightReport:
    integration = await _integration(ctx, principal, integration_id)
    target = System(integration.target)
    connection = await _connection(ctx, integration_id, target)
    from_source = await _invoice_numbers_from_source(ctx, integration_id)
    if target is System.TRIPLETEX:
        checks = await _tripletex(ctx, connection, integration.source, from_source,
                                  await _webshop_numbers(ctx, integration_id, integration.source))
    elif target is System.EACCOUNTING:
        checks = await _eaccounting(ctx, connection, integration.source, from_source)
    else:
        raise InvalidInput(f"preflight checks are for Tripletex and eAccounting, not {target.value}",
                           field="integrationId")
    return PreflightReport(integration_id, target, checks)


async def _webshop_numbers(ctx: AppContext, integration_id: str, source: str) -> tuple[int | None, int | None]:
    """Mystore sources: the customer-number offset, and the highest customer number bokbro has made or matched
    for the webshop (the external-id map's customer keys are those numbers). (None, None) for other sources."""
    if source != System.MYSTORE.value:
        return None, None
    async with ctx.db.session() as s:
        settings = await s.get(IntegrationSettings, integration_id)
        keys = (await s.exec(select(ExternalId.source_key).where(
            ExternalId.integration_id == integration_id, ExternalId.entity == "customer"))).all()
    numbers = [int(k) for k in keys if k.isdigit()]
    offset = settings.customer_number_offset if settings is not None else mystore_flow.CUSTOMER_NUMBER_OFFSET
    return offset, max(numbers, default=None)


async def _tripletex(ctx: AppContext, connection: Connection, source: str, from_source: bool,
                     webshop: tuple[int | None, int | None]) -> list[rules.Check]:
    client = tripletex_client(ctx, connection, None)
    # one call first: it creates the session the others share (and says at once when the tokens are refused)
    bank = await _read(client.invoice_bank_accounts())
    payment_types, vat_settings, vat_types, highest = await asyncio.gather(
        _read(client.list_payment_types()), _read(client.get_vat_settings()),
        _read(client.list_outgoing_vat_types()), _read(client.highest_customer_number()))
    return rules.tripletex_checks(rules.TripletexFacts(
        invoice_bank_accounts=bank, payment_types=payment_types, vat_settings=vat_settings,
        outgoing_vat_types=vat_types, highest_customer_number=highest, invoice_numbers_from_source=from_source,
        source=source, customer_number_offset=webshop[0], highest_webshop_customer_number=webshop[1]))


async def _eaccounting(ctx: AppContext, connection: Connection, source: str,
                       from_source: bool) -> list[rules.Check]:
    try:
        client = eaccounting_client(ctx, connection, None)
    except ConnectorError as exc:  # not authorized yet
        raise InvalidInput(exc.message, field="integrationId") from exc
    settings: dict[str, Any] | rules.Unreadable = await _read(client.get_company_settings())
    vat_codes, years = await asyncio.gather(_read(client.list_vat_codes()), _read(client.list_fiscal_years()))
    return rules.eaccounting_checks(rules.EAccountingFacts(
        company_settings=settings, vat_codes=vat_codes, fiscal_years=years, today=date.today(),
        invoice_numbers_from_source=from_source, source=source))
