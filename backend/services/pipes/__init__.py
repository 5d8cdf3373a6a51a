"""One transfer's work: fetch from the source, map through the canonical model, ensure it in the target.

Sources and targets meet in the canonical model: a source turns a reference into a canonical document,
a target makes sure a canonical document exists in its system ("ensure", never a blind create). Adding a
system means adding one module under ``sources/`` or ``targets/`` and one line in the registry below, not a
flow per pair.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal

import httpx
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.connectors.base import ExchangeHook
from backend.db.models import (
    Connection,
    CustomerMatch,
    EAccountingInvoiceStatus,
    ExternalId,
    IntegrationSettings,
    InvoiceNumberSource,
    System,
    Transfer,
    TransferKind,
    TransferMode,
    new_id,
    utcnow,
)
from backend.infra.locks import redis_lock
from backend.services import mappings
from backend.services.connector_factory import eaccounting_client, mystore_client, rackbeat_client, tripletex_client
from backend.services.context import AppContext
from backend.services.pipes.base import PipeResult, Source, SourceProblem, Target, TransferOptions
from backend.services.pipes.sources.mystore import MystoreSource
from backend.services.pipes.sources.rackbeat import RackbeatSource
from backend.services.pipes.targets.eaccounting import EAccountingTarget
from backend.services.pipes.targets.tripletex import TripletexTarget

__all__ = ["MystoreSource", "PipeResult", "RackbeatSource", "SourceProblem", "TransferOptions", "execute",
           "remember_external_id"]

# -- registry: how each system is built as a source or a target -----------------------------------------

SourceFactory = Callable[[AppContext, Connection, ExchangeHook, IntegrationSettings], Source]
TargetFactory = Callable[[AppContext, Connection, ExchangeHook, httpx.AsyncClient | None, str], Target]

SOURCES: dict[System, SourceFactory] = {
    System.RACKBEAT: lambda ctx, conn, hook, settings: RackbeatSource(rackbeat_client(ctx, conn, hook)),
    System.MYSTORE: lambda ctx, conn, hook, settings: MystoreSource(
        mystore_client(ctx, conn, hook), customer_offset=settings.customer_number_offset),
}


def entity_lock(ctx: AppContext, integration_id: str) -> Callable[[str], AbstractAsyncContextManager[None]]:
    """A lock per (integration, entity) shared by every worker through Redis: two transfers that make sure the
    same customer exists take turns (held for one lookup-and-create, at most 30 s)."""
    def lock(key: str) -> AbstractAsyncContextManager[None]:
        return redis_lock(ctx.redis, f"{ctx.settings.redis_prefix}:entity-lock:{integration_id}:{key}", 30)

    return lock


TARGETS: dict[System, TargetFactory] = {
    System.TRIPLETEX: lambda ctx, conn, hook, http, prefix: TripletexTarget(
        tripletex_client(ctx, conn, hook, http), prefix, entity_lock(ctx, conn.integration_id)),
    System.EACCOUNTING: lambda ctx, conn, hook, http, prefix: EAccountingTarget(
        eaccounting_client(ctx, conn, hook, http), prefix,
        lambda: mappings.payment_terms_to_target(ctx, conn.integration_id)),
}


# -- wiring -----------------------------------------------------------------------------------------


async def remember_external_id(s: AsyncSession, integration_id: str, entity: str, source_key: str,
                               target_id: str) -> None:
    """Upsert: transfers running at the same moment may record the same customer or product."""
    values = {"id": new_id(), "integration_id": integration_id, "entity": entity, "source_key": source_key,
              "target_id": target_id, "created_at": utcnow(), "updated_at": utcnow()}
    insert = sqlite_insert if s.get_bind().dialect.name == "sqlite" else pg_insert
    stmt = insert(ExternalId).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["integration_id", "entity", "source_key"],
        set_={"target_id": stmt.excluded.target_id, "updated_at": stmt.excluded.updated_at},
    )
    await s.execute(stmt)


async def _load(ctx: AppContext, transfer: Transfer) -> tuple[dict[str, Connection], IntegrationSettings,
                                                               dict[tuple[str, str], str]]:
    async with ctx.db.session() as s:
        connections = {c.system: c for c in (await s.exec(select(Connection).where(
            Connection.integration_id == transfer.integration_id))).all()}
        settings = await s.get(IntegrationSettings, transfer.integration_id)
        known = {(e.entity, e.source_key): e.target_id for e in (await s.exec(select(ExternalId).where(
            ExternalId.integration_id == transfer.integration_id,
            ExternalId.source_key == transfer.source_ref))).all()}
    assert settings is not None
    return connections, settings, known


def _missing_connection(system: str) -> SourceProblem:
    return SourceProblem(
        f"no {system} connection",
        f"The integration has no {system.capitalize()} credentials yet. Add them under Connections and resend.",
        f"Integrasjonen mangler {system.capitalize()}-nøkler. Legg dem inn under Koblinger og send på nytt.")


async def execute(ctx: AppContext, transfer: Transfer, on_exchange: ExchangeHook,
                  target_http: httpx.AsyncClient | None = None) -> PipeResult:
    """Run one transfer. ``target_http`` replaces the target's HTTP client (the preview uses one that
    records writes instead of sending them)."""
    connections, settings, known = await _load(ctx, transfer)
    source_conn = connections.get(transfer.source_system)
    target_conn = connections.get(transfer.target_system)
    if source_conn is None:
        raise _missing_connection(transfer.source_system)
    if target_conn is None:
        raise _missing_connection(transfer.target_system)
    kind = TransferKind(transfer.kind)
    make_source = SOURCES.get(System(transfer.source_system))
    make_target = TARGETS.get(System(transfer.target_system))
    if make_source is None or make_target is None:
        raise SourceProblem(
            f"transfers from {transfer.source_system} to {transfer.target_system} are not supported yet",
            "This integration's systems are not supported yet.", "Systemene i denne integrasjonen støttes ikke ennå.")
    source = make_source(ctx, source_conn, on_exchange, settings)
    target = make_target(ctx, target_conn, on_exchange, target_http, source.prefix)
    ref = transfer.source_ref
    if kind is TransferKind.CUSTOMER:
        return await target.upsert_customer(await source.customer(ref))
    if kind is TransferKind.SUPPLIER:
        return await target.upsert_supplier(await source.supplier(ref))
    if kind is TransferKind.PRODUCT:
        return await target.upsert_product(await source.product(ref))
    if kind is TransferKind.BOM:
        return await target.upsert_product(await source.bom(ref))
    if kind is TransferKind.PURCHASE_ORDER:
        if not settings.transfer_purchase_orders:
            raise SourceProblem(
                "purchase order transfer is off in the settings",
                "Purchase orders are not transferred for this integration. Turn on \"transfer purchase orders\" "
                "in the settings and resend.",
                "Innkjøpsordre overføres ikke for denne integrasjonen. Skru på «overfør innkjøpsordre» i "
                "innstillingene og send på nytt.")
        return await target.ensure_purchase_order(await source.purchase_order(ref), known)
    if kind not in (TransferKind.INVOICE, TransferKind.ORDER):
        raise SourceProblem(f"{kind.value} transfers are not supported yet",
                            "This kind of transfer is not supported yet.", "Denne typen overføring støttes ikke ennå.")
    document = await source.sales_document(ref)
    send = transfer.send_email if transfer.send_email is not None else settings.send_invoice_to_customer
    mode = TransferMode(transfer.mode or settings.invoice_transfer_mode)
    payment_type_id: int | None = None
    paid_amount: Decimal | None = None
    notes: tuple[str, ...] = ()
    if kind is TransferKind.ORDER:
        # A webshop order: how it goes over follows its payment method's mapping, unless the transfer says.
        pay = await mappings.payment_options(ctx, transfer.integration_id, document.payment_method)
        mode = TransferMode(transfer.mode) if transfer.mode else pay.transfer_as
        send = transfer.send_email if transfer.send_email is not None else pay.send_invoice
        if mode is TransferMode.INVOICE and pay.mark_as_paid:
            if pay.payment_type_id is not None and document.total_incl_vat is not None:
                payment_type_id, paid_amount = pay.payment_type_id, document.total_incl_vat
            else:
                notes = (f"Not registered as paid: the payment method {document.payment_method or '(none)'} "
                         "has no payment type mapped.",)
    invoice_number: int | None = None
    if settings.invoice_number_source == InvoiceNumberSource.SOURCE.value and mode is TransferMode.INVOICE:
        if not document.number.isdigit() or int(document.number) < 1:
            raise SourceProblem(
                f"the source number {document.number!r} cannot be an invoice number",
                f"Invoice numbers are taken from the source, but \"{document.number}\" is not a whole number above 0. "
                "Let the accounting system number invoices (setting \"invoice numbers\") and resend.",
                f"Fakturanummer hentes fra kilden, men «{document.number}» er ikke et helt tall over 0. La "
                "regnskapssystemet bestemme fakturanummer (innstillingen «fakturanummer») og send på nytt.")
        invoice_number = int(document.number)
    options = TransferOptions(
        mode=mode,
        send_to_customer=send,
        send_email=transfer.send_email,
        known_ids=known,
        eaccounting_status=EAccountingInvoiceStatus(settings.eaccounting_invoice_status),
        use_exact_quantity=settings.use_exact_quantity,
        payment_type_id=payment_type_id,
        paid_amount=paid_amount,
        notes=notes,
        customer_match=CustomerMatch(settings.customer_match),
        # Rackbeat customers follow through their own sync; a webshop order's customer is updated from the order
        update_existing_customer=kind is TransferKind.ORDER and settings.update_existing_customers,
        invoice_number=invoice_number,
        guard_customer_identity=kind is TransferKind.ORDER,
    )
    return await target.ensure_sales_document(document, options)
