"""What sources and targets share: the result of a run, the options, the protocols, typed problems."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from backend.canonical import Customer, Product, PurchaseOrder, SalesDocument, Supplier
from backend.connectors.base import ValidationError
from backend.db.models import CustomerMatch, EAccountingInvoiceStatus, TransferMode


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
    notes: list[str] = field(default_factory=list)  # what a bookkeeper should know about how it was carried over


@dataclass(frozen=True)
class TransferOptions:
    mode: TransferMode
    send_to_customer: bool
    known_ids: dict[tuple[str, str], str]  # (entity, source key) → target id from the external-id map
    # what the transfer itself asked (transferDocument / resendTransfer ``sendEmail``); None: the settings decide
    send_email: bool | None = None
    eaccounting_status: EAccountingInvoiceStatus = EAccountingInvoiceStatus.INVOICED
    use_exact_quantity: bool = True
    # An invoice registered as paid when it is made (webshop orders: the payment method's mapped payment type)
    payment_type_id: int | None = None
    paid_amount: Decimal | None = None  # incl. VAT
    notes: tuple[str, ...] = ()  # carried into the result's notes
    # Webshop orders: how the customer is found, and whether an existing one is brought up to date
    customer_match: CustomerMatch = CustomerMatch.CUSTOMER_NUMBER
    update_existing_customer: bool = False
    # The invoice number to use (the source document's, when the settings say so); None: the target decides
    invoice_number: int | None = None
    # Webshop orders: a customer found by number must be this customer (its number is offset + the webshop's
    # number, and a customer made by hand in that range is someone else): see ``tripletex.another_customer``
    guard_customer_identity: bool = False


class Source(Protocol):
    prefix: str

    async def sales_document(self, ref: str) -> SalesDocument: ...
    async def customer(self, ref: str) -> Customer: ...
    async def supplier(self, ref: str) -> Supplier: ...
    async def product(self, ref: str) -> Product: ...
    async def bom(self, ref: str) -> Product: ...
    async def purchase_order(self, ref: str) -> PurchaseOrder: ...


class Target(Protocol):
    async def ensure_sales_document(self, document: SalesDocument, options: TransferOptions) -> PipeResult: ...
    async def upsert_customer(self, customer: Customer) -> PipeResult: ...
    async def upsert_supplier(self, supplier: Supplier) -> PipeResult: ...
    async def upsert_product(self, product: Product) -> PipeResult: ...
    async def ensure_purchase_order(self, po: PurchaseOrder, known_ids: dict[tuple[str, str], str]) -> PipeResult: ...



async def find_or_create(
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


