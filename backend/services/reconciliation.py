"""Reconciliation: the source's booked documents for a period against the transfer log and against what
the target really holds. Webhooks get lost; the ledger must not.

Every integration bokbro carries documents for: Rackbeat → Tripletex and Rackbeat → eAccounting (booked customer
invoices, and Rackbeat purchase orders to Tripletex when that is on), Mystore → Tripletex (orders whose status has
the Completed property, by the date they were placed — the date the Tripletex order carries). What each side
reads is here; what the two readings mean (OK / MISSING / DIFFERENT / EXTRA) is decided in
``backend/flows/reconciliation.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from backend.connectors.base import ConnectorError, RetryableError
from backend.db.models import (
    Connection,
    EAccountingInvoiceStatus,
    Integration,
    IntegrationSettings,
    OrderFlowStart,
    System,
    TokenRole,
    Transfer,
    TransferKind,
    TransferMode,
)
from backend.flows import mystore as mystore_flow
from backend.flows import rackbeat as rackbeat_flow
from backend.flows import reconciliation as rules
from backend.flows import tripletex as tripletex_flow
from backend.services import mappings, transfers
from backend.services.auth import Principal
from backend.services.connector_factory import eaccounting_client, mystore_client, rackbeat_client, tripletex_client
from backend.services.context import AppContext
from backend.services.errors import ExternalSystemError, InvalidInput, NotFound
from backend.services.pipes import MystoreSource, RackbeatSource

log = logging.getLogger(__name__)

# Rackbeat's list filter on invoice dates is not confirmed by the public reference: we pass it, and filter
# by invoice date ourselves as well, so the result is right whether or not Rackbeat honours it.
RACKBEAT_DATE_FILTERS = ("invoice_date_from", "invoice_date_to")
MAX_PERIOD_DAYS = 366
READ_TRIES = 4  # a read that meets 5xx / 429 / a timeout is tried this often before the caller is told
# The target is searched this much wider than the period: a document's date there may differ by a day from the
# source's (time zones, a booking just after midnight).
TARGET_MARGIN = timedelta(days=1)


@dataclass
class ReconciliationLine(rules.Line):
    """A line of the comparison, with the transfer the log holds for the document."""
    transfer_id: str | None = None
    transfer_status: str | None = None


@dataclass
class ReconciliationReport:
    integration_id: str
    date_from: date
    date_to: date
    mode: TransferMode
    lines: list[ReconciliationLine] = field(default_factory=list)
    transferred: list[str] = field(default_factory=list)  # transfer ids queued for what was missing

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date


# -- the source side: what was booked in the period --------------------------------------------------------


async def _rackbeat_booked(ctx: AppContext, conn: Connection, settings: IntegrationSettings, target: System,
                           period: Period) -> list[rules.Booked]:
    """Customer invoices booked with an invoice date in the period, expected as the settings say: a Tripletex
    invoice or order (``invoiceTransferMode``), an eAccounting invoice or draft (``eaccountingInvoiceStatus``)."""
    if target is System.EACCOUNTING:
        draft = settings.eaccounting_invoice_status == EAccountingInvoiceStatus.DRAFT.value
        expects = rules.DRAFT if draft else rules.INVOICE
    else:
        expects = TransferMode(settings.invoice_transfer_mode).value
    source = rackbeat_client(ctx, conn, None)
    booked: list[rules.Booked] = []
    filters: dict[str, Any] = {"is_booked": True, RACKBEAT_DATE_FILTERS[0]: period.date_from.isoformat(),
                               RACKBEAT_DATE_FILTERS[1]: period.date_to.isoformat()}
    async for data in source.iter_customer_invoices(**filters):
        when = rackbeat_flow.document_date(data)
        if when is None or not period.date_from <= when <= period.date_to or not rackbeat_flow.is_booked(data):
            continue
        number = str(data["number"])
        booked.append(rules.Booked(number, number, rules.amount(data.get("total_subtotal")), expects))
    return booked


async def _mystore_completed(ctx: AppContext, conn: Connection, settings: IntegrationSettings, target: System,
                             period: Period) -> list[rules.Booked]:
    """Orders placed in the period whose status has the Completed property. Whether one should be an invoice or
    an order in Tripletex: what its payment method's mapping says (the caller puts what a transfer was
    explicitly asked to be over it)."""
    shop = mystore_client(ctx, conn, None)
    modes: dict[str | None, TransferMode] = {}
    booked: list[rules.Booked] = []
    async for order in shop.iter_orders(created_since=period.date_from.isoformat()):
        placed = rules.day(order.get("created_at"))
        if placed is None or not period.date_from <= placed <= period.date_to or not mystore_flow.is_completed(order):
            continue
        method = mystore_flow.payment_method_code(order)
        if method not in modes:
            modes[method] = (await mappings.payment_options(ctx, conn.integration_id, method)).transfer_as
        ref = str(order["id"])
        booked.append(rules.Booked(ref, str(order.get("number") or ref), rules.amount(order.get("total_excl_vat")),
                                   modes[method].value))
    return booked


# -- the target side: what is there under our reference ----------------------------------------------------


async def _tripletex_held(ctx: AppContext, conn: Connection, prefix: str, period: Period) -> list[rules.Held]:
    target = tripletex_client(ctx, conn, None)
    window_from, _ = tripletex_flow.search_window(period.date_from)
    _, window_to = tripletex_flow.search_window(period.date_to)
    held: list[rules.Held] = []
    number_of_order: dict[Any, str] = {}
    async for order in target.iter_orders(window_from, window_to):
        number = rules.ours(prefix, order.get("number"))
        if number is None:
            continue
        number_of_order[order.get("id")] = number
        held.append(rules.Held(number, rules.ORDER, str(order["id"]), rules.tripletex_order_amount(order),
                               rules.day(order.get("orderDate"))))
    for invoice in await target.find_invoices(window_from, window_to + timedelta(days=1)):
        for ref in invoice.get("orders") or []:
            number = number_of_order.get(ref.get("id")) if isinstance(ref, dict) else None
            if number is not None:
                held.append(rules.Held(number, rules.INVOICE, str(invoice["id"]),
                                       rules.amount(invoice.get("amountExcludingVat")),
                                       rules.day(invoice.get("invoiceDate"))))
    return held


async def _eaccounting_held(ctx: AppContext, conn: Connection, prefix: str, period: Period) -> list[rules.Held]:
    target = eaccounting_client(ctx, conn, None)
    window_from, window_to = period.date_from - TARGET_MARGIN, period.date_to + TARGET_MARGIN
    held: list[rules.Held] = []
    for kind, documents in ((rules.INVOICE, await target.invoices_dated(window_from, window_to)),
                            (rules.DRAFT, await target.invoice_drafts_dated(window_from, window_to))):
        for doc in documents:
            number = rules.ours(prefix, doc.get("OurReference"))
            if number is not None:
                held.append(rules.Held(number, kind, str(doc["Id"]),
                                       rules.eaccounting_net_amount(doc, invoice=kind == rules.INVOICE),
                                       rules.day(doc.get("InvoiceDate"))))
    return held


@dataclass(frozen=True)
class SourceSide:
    read: Callable[[AppContext, Connection, IntegrationSettings, System, Period], Awaitable[list[rules.Booked]]]
    kind: TransferKind  # what its transfers are
    prefix: str  # our reference in the target: prefix + the document's number


TargetReader = Callable[[AppContext, Connection, str, Period], Awaitable[list[rules.Held]]]
SOURCES = {System.RACKBEAT: SourceSide(_rackbeat_booked, TransferKind.INVOICE, RackbeatSource.prefix),
           System.MYSTORE: SourceSide(_mystore_completed, TransferKind.ORDER, MystoreSource.prefix)}
TARGETS: dict[System, TargetReader] = {System.TRIPLETEX: _tripletex_held, System.EACCOUNTING: _eaccounting_held}
PAIRS = frozenset({(System.RACKBEAT, System.TRIPLETEX), (System.RACKBEAT, System.EACCOUNTING),
                   (System.MYSTORE, System.TRIPLETEX)})


# -- the run ------------------------------------------------------------------------------------------------


async def reconcile(
    ctx: AppContext, principal: Principal, integration_id: str, date_from: date, date_to: date,
    *, transfer_missing: bool = False,
) -> ReconciliationReport:
    """Compare [date_from, date_to] (both inclusive) and, if asked, transfer what is missing.

    A system that answers 5xx, 429 or not at all is asked again a few times (a reconciliation only reads, and the
    transfers it asks for are requested idempotently); then the caller is told in words, not by a crash."""
    for attempt in range(READ_TRIES):
        try:
            return await _reconcile_once(ctx, principal, integration_id, date_from, date_to,
                                         transfer_missing=transfer_missing)
        except RetryableError as exc:
            if attempt == READ_TRIES - 1:
                raise ExternalSystemError(f"{exc.system.capitalize()} did not answer properly {READ_TRIES} times "
                                          f"(it may be down or slow); try again later. ({exc})") from exc
            await asyncio.sleep(min(exc.retry_after or 0.5 * 2 ** attempt, 5.0))
        except ConnectorError as exc:
            raise ExternalSystemError(f"{exc.system.capitalize()} refused a read the reconciliation needs: "
                                      f"{exc}") from exc
    raise AssertionError("unreachable")


async def _reconcile_once(
    ctx: AppContext, principal: Principal, integration_id: str, date_from: date, date_to: date,
    *, transfer_missing: bool,
) -> ReconciliationReport:
    principal.require(integration_id)
    if date_to < date_from:
        raise InvalidInput("'to' is before 'from'", field="to")
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise InvalidInput(f"a reconciliation covers at most {MAX_PERIOD_DAYS} days", field="to")
    async with ctx.db.session() as s:
        integration = await s.get(Integration, integration_id)
        settings = await s.get(IntegrationSettings, integration_id)
        connections = {c.system: c for c in (await s.exec(select(Connection).where(
            Connection.integration_id == integration_id))).all()}
    if integration is None or settings is None:
        raise NotFound(f"integration {integration_id} not found")
    source, target = System(integration.source), System(integration.target)
    if (source, target) not in PAIRS:
        raise InvalidInput(f"reconciliation is not available for {source.value} → {target.value} integrations")
    if source.value not in connections or target.value not in connections:
        raise InvalidInput("both connections must be saved before reconciling")
    purchase_orders = source is System.RACKBEAT and target is System.TRIPLETEX and settings.transfer_purchase_orders
    invoices_off = source is System.RACKBEAT and settings.start_order_flow_from == OrderFlowStart.DONT_TRANSFER.value
    if invoices_off and not purchase_orders:
        raise InvalidInput("invoices are not transferred for this integration (setting \"start order flow from\": "
                           "don't transfer), so there is nothing to reconcile", field="integrationId")
    period = Period(date_from, date_to)
    side = SOURCES[source]
    kind = side.kind
    booked: list[rules.Booked] = []
    held: list[rules.Held] = []
    if not invoices_off:  # (with invoices off, only purchase orders are reconciled)
        booked = await side.read(ctx, connections[source.value], settings, target, period)
        held = await TARGETS[target](ctx, connections[target.value], side.prefix, period)
    async with ctx.db.session() as s:
        logged = {t.source_ref: t for t in (await s.exec(select(Transfer).where(
            Transfer.integration_id == integration_id, Transfer.kind == kind.value,
            col(Transfer.source_ref).in_({b.ref for b in booked} | {h.number for h in held})))).all()}
    if target is System.TRIPLETEX:
        # a document whose transfer was asked to go as an invoice or as an order is judged by that
        asked = {ref: t.mode for ref, t in logged.items() if t.mode}
        booked = [dataclasses.replace(b, expects=asked[b.ref]) if b.ref in asked else b for b in booked]

    report = ReconciliationReport(integration_id, date_from, date_to, TransferMode(settings.invoice_transfer_mode))
    for found in rules.compare(booked, held, date_from, date_to):
        transfer = logged.get(found.source_ref)
        report.lines.append(ReconciliationLine(
            **dataclasses.asdict(found), transfer_id=transfer.id if transfer else None,
            transfer_status=transfer.status if transfer else None))

    if transfer_missing:
        for line in report.lines:
            if line.status == rules.MISSING:
                row = await transfers.request_transfer(ctx, integration_id, kind, line.source_ref, trigger="reconcile")
                report.transferred.append(row.id)
                line.transfer_id, line.transfer_status = row.id, row.status
        if purchase_orders:
            report.transferred.extend(await _transfer_missing_purchase_orders(
                ctx, integration_id, rackbeat_client(ctx, connections[source.value], None), date_from, date_to))
    return report


async def _transfer_missing_purchase_orders(ctx: AppContext, integration_id: str, source: Any, date_from: date,
                                            date_to: date) -> list[str]:
    """Booked Rackbeat purchase orders of the period that the transfer log has not carried over (a lost webhook):
    queue them. Compared with the log only — Tripletex numbers purchase orders itself, and the transfer finds an
    existing one by its marker before it creates anything, so queueing one that is there costs a lookup, never a
    duplicate."""
    booked: list[str] = []
    async for data in source.iter_purchase_orders(is_booked=True):
        when = rackbeat_flow.document_date(data)
        if data.get("is_booked") and (when is None or date_from <= when <= date_to):
            booked.append(str(data["number"]))
    if not booked:
        return []
    async with ctx.db.session() as s:
        logged = {t.source_ref for t in (await s.exec(select(Transfer).where(
            Transfer.integration_id == integration_id, Transfer.kind == TransferKind.PURCHASE_ORDER.value,
            col(Transfer.source_ref).in_(booked)))).all()}
    queued: list[str] = []
    for ref in booked:
        if ref not in logged:
            row = await transfers.request_transfer(ctx, integration_id, TransferKind.PURCHASE_ORDER, ref,
                                                   trigger="reconcile")
            queued.append(row.id)
    return queued


async def reconcile_recent(ctx: AppContext, days: int) -> int:
    """The worker's periodic run: the last ``days`` days of every integration reconciliation covers, transferring
    what is missing. Returns how many transfers it queued.

    Never from before the integration was made: what was booked before bokbro was connected may well be in the
    accounting system already, entered by hand, and must not arrive a second time by itself (a reconciliation
    asked for by a person covers whatever period that person chooses)."""
    today = date.today()
    async with ctx.db.session() as s:
        starts = {i.id: max(today - timedelta(days=days), i.created_at.date())
                  for i in (await s.exec(select(Integration))).all()
                  if (System(i.source), System(i.target)) in PAIRS}
    system = Principal("system", "reconciliation", TokenRole.OPERATOR, frozenset())
    queued = 0
    for integration_id, start in starts.items():
        try:
            report = await reconcile(ctx, system, integration_id, start, today, transfer_missing=True)
        except (InvalidInput, NotFound):
            continue  # not connected yet, or nothing to reconcile
        except Exception:
            log.exception("reconciliation of %s failed; next round tries again", integration_id)
            continue
        queued += len(report.transferred)
        if report.transferred:
            log.warning("reconciliation of %s: %d document(s) were missing in the target; transferring",
                        integration_id, len(report.transferred))
    return queued
