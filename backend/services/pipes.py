"""One transfer's work: fetch from the source, map through the canonical model, ensure it in the target.

Sources and targets meet in the canonical model: a source turns a reference into a canonical document,
a target makes sure a canonical document exists in its system ("ensure", never a blind create). Adding a
system means adding one source or one target here, not a flow per pair.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.canonical import Customer, Product, SalesDocument, Supplier
from backend.connectors.base import ExchangeHook, ValidationError
from backend.connectors.rackbeat import RackbeatClient
from backend.connectors.tripletex import TripletexClient
from backend.db.models import (
    Connection,
    ExternalId,
    IntegrationSettings,
    System,
    Transfer,
    TransferKind,
    TransferMode,
    new_id,
    utcnow,
)
from backend.flows import rackbeat as rackbeat_flow
from backend.flows import tripletex as tripletex_flow
from backend.services.connector_factory import rackbeat_client, tripletex_client
from backend.services.context import AppContext


class SourceProblem(Exception):
    """The source document cannot be transferred as it is (not booked, no lines, ...): fail, explain."""

    def __init__(self, message: str, en: str, no: str) -> None:
        super().__init__(message)
        self.message = message
        self.explanation_en = en
        self.explanation_no = no


@dataclass
class PipeResult:
    target_ref: str
    target_url: str | None = None
    external_ids: list[tuple[str, str, str]] = field(default_factory=list)  # (entity, source key, target id)


@dataclass(frozen=True)
class TransferOptions:
    mode: TransferMode
    send_to_customer: bool
    known_ids: dict[tuple[str, str], str]  # (entity, source key) → target id from the external-id map


class Source(Protocol):
    prefix: str

    async def sales_document(self, ref: str) -> SalesDocument: ...
    async def customer(self, ref: str) -> Customer: ...
    async def supplier(self, ref: str) -> Supplier: ...
    async def product(self, ref: str) -> Product: ...
    async def bom(self, ref: str) -> Product: ...


class Target(Protocol):
    async def ensure_sales_document(self, document: SalesDocument, options: TransferOptions) -> PipeResult: ...
    async def upsert_customer(self, customer: Customer) -> PipeResult: ...
    async def upsert_supplier(self, supplier: Supplier) -> PipeResult: ...
    async def upsert_product(self, product: Product) -> PipeResult: ...


# -- sources ----------------------------------------------------------------------------------------


class RackbeatSource:
    prefix = "RB-"

    def __init__(self, client: RackbeatClient) -> None:
        self.client = client

    async def sales_document(self, ref: str) -> SalesDocument:
        data = await self.client.get_customer_invoice(int(ref))
        if data is None:
            raise SourceProblem(
                f"Rackbeat has no customer invoice {ref}",
                f"Rackbeat has no customer invoice number {ref}. Check the number; a deleted draft cannot be "
                "transferred.",
                f"Rackbeat har ingen kundefaktura med nummer {ref}. Sjekk nummeret; et slettet utkast kan ikke "
                "overføres.")
        if not rackbeat_flow.is_booked(data):
            raise SourceProblem(
                f"Rackbeat invoice {ref} is not booked",
                f"Invoice {ref} is still a draft in Rackbeat. Book it in Rackbeat; it is then transferred "
                "automatically.",
                f"Faktura {ref} er fortsatt et utkast i Rackbeat. Bokfør den i Rackbeat; da overføres den "
                "automatisk.")
        customer_number = (data.get("customer") or {}).get("number") or data.get("customer_id")
        customer_data = await self.client.get_customer(int(customer_number)) if customer_number else None
        try:
            document = rackbeat_flow.customer_invoice(data, customer_data)
        except rackbeat_flow.RackbeatDocumentError as exc:
            raise SourceProblem(str(exc), f"{exc} — correct it in Rackbeat and resend.",
                                f"{exc} — rett det i Rackbeat og send på nytt.") from exc
        products: list[Product] = []
        for line in document.lines:
            if line.item_number is None:
                continue
            item = await self.client.get_product(line.item_number)
            is_bom = False
            if item is None:
                item = await self.client.get_lot(line.item_number)
                is_bom = item is not None
            if item is not None:
                products.append(rackbeat_flow.product(item, is_bom=is_bom))
        return dataclasses.replace(document, products=tuple(products))

    @staticmethod
    def _gone(what: str, ref: str) -> SourceProblem:
        return SourceProblem(
            f"Rackbeat has no {what} {ref}",
            f"Rackbeat has no {what} number {ref} (any more). Nothing was changed in the accounting system.",
            f"Rackbeat har ingen {what} med nummer {ref} (lenger). Ingenting ble endret i regnskapet.")

    async def customer(self, ref: str) -> Customer:
        data = await self.client.get_customer(int(ref))
        if data is None:
            raise self._gone("customer", ref)
        return rackbeat_flow.customer(data)

    async def supplier(self, ref: str) -> Supplier:
        data = await self.client.get_supplier(int(ref))
        if data is None:
            raise self._gone("supplier", ref)
        return rackbeat_flow.supplier(data)

    async def product(self, ref: str) -> Product:
        data = await self.client.get_product(ref)
        if data is None:
            raise self._gone("product", ref)
        return rackbeat_flow.product(data)

    async def bom(self, ref: str) -> Product:
        data = await self.client.get_lot(ref)
        if data is None:
            raise self._gone("BOM", ref)
        return rackbeat_flow.product(data, is_bom=True)


# -- targets ----------------------------------------------------------------------------------------


async def _find_or_create(
    find: Callable[[], Awaitable[dict[str, Any] | None]],
    create: Callable[[], Awaitable[dict[str, Any]]],
    unique_field: str,
) -> dict[str, Any]:
    """Look up, create if missing; when the create is refused because the number was taken meanwhile (another
    transfer for the same customer or product ran at the same moment), the winner's object is the one."""
    found = await find()
    if found is not None:
        return found
    try:
        return await create()
    except ValidationError as exc:
        if exc.field is None or not exc.field.endswith(unique_field):
            raise
        again = await find()
        if again is None:
            raise
        return again


class TripletexTarget:
    def __init__(self, client: TripletexClient, source_prefix: str) -> None:
        self.client = client
        self.prefix = source_prefix
        self._vat_ids: dict[str, int] = {}

    async def _vat_type_id(self, code: str) -> int:
        if code not in self._vat_ids:
            vat = await self.client.find_vat_type(code)
            if vat is None:
                raise ValidationError("tripletex", f"VAT code {code} does not exist in Tripletex", status=422,
                                      field="vatType")
            self._vat_ids[code] = int(vat["id"])
        return self._vat_ids[code]

    async def ensure_customer(self, customer: Customer, result: PipeResult) -> int:
        async def find() -> dict[str, Any] | None:
            if not customer.number.isdigit():
                return None
            return await self.client.find_customer_by_number(int(customer.number))

        found = await _find_or_create(
            find, lambda: self.client.create_customer(tripletex_flow.customer_payload(customer)), "customerNumber")
        result.external_ids.append(("customer", customer.number, str(found["id"])))
        return int(found["id"])

    async def ensure_product(self, product: Product, result: PipeResult) -> int:
        async def create() -> dict[str, Any]:
            vat_id = None
            if product.vat_percentage is not None:
                vat_id = await self._vat_type_id(tripletex_flow.vat_code_for(product.vat_percentage))
            return await self.client.create_product(tripletex_flow.product_payload(product, vat_id))

        found = await _find_or_create(lambda: self.client.find_product_by_number(product.number), create, "number")
        result.external_ids.append(("product", product.number, str(found["id"])))
        return int(found["id"])

    async def upsert_customer(self, customer: Customer) -> PipeResult:
        """Create the customer, or bring the existing one (same customer number) up to date."""
        result = PipeResult(target_ref="")
        payload = tripletex_flow.customer_payload(customer)
        found = await self.client.find_customer_by_number(int(customer.number)) if customer.number.isdigit() \
            else None
        if found is None:
            customer_id = await self.ensure_customer(customer, result)
        else:
            customer_id = int(found["id"])
            update = {k: v for k, v in payload.items() if k not in ("customerNumber", "invoiceSendMethod")}
            await self.client.update_customer(customer_id, update)
            result.external_ids.append(("customer", customer.number, str(customer_id)))
        result.target_ref = str(customer_id)
        return result

    async def upsert_supplier(self, supplier: Supplier) -> PipeResult:
        result = PipeResult(target_ref="")
        payload = tripletex_flow.supplier_payload(supplier)

        async def find() -> dict[str, Any] | None:
            if not supplier.number.isdigit():
                return None
            return await self.client.find_supplier_by_number(int(supplier.number))

        existing = await find()
        if existing is None:
            existing = await _find_or_create(find, lambda: self.client.create_supplier(payload), "supplierNumber")
        else:
            await self.client.update_supplier(int(existing["id"]),
                                              {k: v for k, v in payload.items() if k != "supplierNumber"})
        result.target_ref = str(existing["id"])
        result.external_ids.append(("supplier", supplier.number, result.target_ref))
        return result

    async def upsert_product(self, product: Product) -> PipeResult:
        """Create the product, or update name, prices and VAT of the existing one (same number). A Rackbeat
        BOM becomes a Tripletex product of its own: Tripletex has no BOMs."""
        result = PipeResult(target_ref="")
        found = await self.client.find_product_by_number(product.number)
        if found is None:
            product_id = await self.ensure_product(product, result)
        else:
            product_id = int(found["id"])
            vat_id = None
            if product.vat_percentage is not None:
                vat_id = await self._vat_type_id(tripletex_flow.vat_code_for(product.vat_percentage))
            payload = tripletex_flow.product_payload(product, vat_id)
            payload.pop("number", None)
            await self.client.update_product(product_id, payload)
            result.external_ids.append(("product", product.number, str(product_id)))
        result.target_ref = str(product_id)
        return result

    async def _find_invoice_of_order(
        self, document: SalesDocument, order: dict[str, object]
    ) -> dict[str, object] | None:
        date_from, date_to = tripletex_flow.search_window(document.document_date)
        customer = order.get("customer")
        customer_id = customer.get("id") if isinstance(customer, dict) else None
        for invoice in await self.client.find_invoices(date_from, date_to, customer_id=customer_id):
            refs = invoice.get("orders") or []
            if any(isinstance(r, dict) and r.get("id") == order["id"] for r in refs):
                return dict(invoice)
        return None

    async def ensure_sales_document(self, document: SalesDocument, options: TransferOptions) -> PipeResult:
        number = tripletex_flow.order_number(self.prefix, document)
        entity = "invoice" if options.mode is TransferMode.INVOICE else "order"
        result = PipeResult(target_ref="")

        # 1. Known from an earlier run, and still there? Then there is nothing to do.
        known = options.known_ids.get((entity, document.number))
        if known is not None:
            existing = await (self.client.get_invoice(int(known)) if entity == "invoice"
                              else self.client.get_order(int(known)))
            if existing is not None:
                result.target_ref = known
                return result

        # 2. Look for our own order (by our reference) before creating anything.
        date_from, date_to = tripletex_flow.search_window(document.document_date)
        order = await self.client.find_order_by_number(number, date_from, date_to)
        if order is not None:
            if options.mode is TransferMode.ORDER:
                result.target_ref = str(order["id"])
                result.external_ids.append(("order", document.number, result.target_ref))
                return result
            invoice = await self._find_invoice_of_order(document, order)
            if invoice is None:
                invoice = await self._invoice(lambda: self.client.invoice_order(
                    int(str(order["id"])), document.document_date, send_to_customer=options.send_to_customer))
            result.target_ref = str(invoice["id"])
            result.external_ids.append(("invoice", document.number, result.target_ref))
            return result

        # 3. Not there: make sure the customer and every product exist, then create.
        customer_id = await self.ensure_customer(document.customer, result)
        product_ids: dict[str, int] = {}
        for product in document.products:
            product_ids[product.number] = await self.ensure_product(product, result)
        vat_ids = {}
        for line in document.lines:
            code = tripletex_flow.vat_code_for(line.vat_percentage)
            vat_ids[code] = await self._vat_type_id(code)
        refs = tripletex_flow.LineRefs(product_ids=product_ids, vat_type_ids=vat_ids)
        order_payload = tripletex_flow.order_payload(document, customer_id=customer_id, number=number, refs=refs)
        if options.mode is TransferMode.ORDER:
            created = await self.client.create_order(order_payload)
            result.target_ref = str(created["id"])
            result.external_ids.append(("order", document.number, result.target_ref))
            return result
        payload = tripletex_flow.invoice_payload(document, order_payload)
        created = await self._invoice(lambda: self.client.create_invoice(
            payload, send_to_customer=options.send_to_customer))
        result.target_ref = str(created["id"])
        result.external_ids.append(("invoice", document.number, result.target_ref))
        return result

    async def _invoice(self, call: object) -> dict[str, object]:
        """Create an invoice; a refusal without a field is checked against the bank-account rule, the most
        common cause, so that the bookkeeper gets the right explanation."""
        try:
            return dict(await call())  # type: ignore[operator]
        except ValidationError as exc:
            if not exc.field and not await self.client.bank_account_registered():
                exc.field = "company.bankAccountNumber"
            raise


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
    if System(transfer.source_system) is not System.RACKBEAT or System(transfer.target_system) is not System.TRIPLETEX:
        raise SourceProblem(
            f"transfers from {transfer.source_system} to {transfer.target_system} are not supported yet",
            "This integration's systems are not supported yet.", "Systemene i denne integrasjonen støttes ikke ennå.")
    source = RackbeatSource(rackbeat_client(ctx, source_conn, on_exchange))
    target = TripletexTarget(tripletex_client(ctx, target_conn, on_exchange, target_http), source.prefix)
    ref = transfer.source_ref
    if kind is TransferKind.CUSTOMER:
        return await target.upsert_customer(await source.customer(ref))
    if kind is TransferKind.SUPPLIER:
        return await target.upsert_supplier(await source.supplier(ref))
    if kind is TransferKind.PRODUCT:
        return await target.upsert_product(await source.product(ref))
    if kind is TransferKind.BOM:
        return await target.upsert_product(await source.bom(ref))
    if kind is not TransferKind.INVOICE:
        raise SourceProblem(f"{kind.value} transfers are not supported yet",
                            "This kind of transfer is not supported yet.", "Denne typen overføring støttes ikke ennå.")
    document = await source.sales_document(ref)
    send = transfer.send_email if transfer.send_email is not None else settings.send_invoice_to_customer
    options = TransferOptions(
        mode=TransferMode(transfer.mode or settings.invoice_transfer_mode),
        send_to_customer=send,
        known_ids=known,
    )
    return await target.ensure_sales_document(document, options)
