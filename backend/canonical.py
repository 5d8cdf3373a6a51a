"""The canonical model: where every source meets every target.

Flows map a source system's document to these types, and these types to a target's payload, so that
N sources and M targets need N + M mappings, not N × M. Money and quantities are ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum


class Side(str, Enum):
    SOURCE = "source"
    TARGET = "target"


@dataclass(frozen=True)
class Address:
    street: str | None = None
    street2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Customer:
    number: str  # the source's customer number, as text
    name: str
    organization_number: str | None = None
    email: str | None = None
    phone: str | None = None
    is_private_individual: bool = False
    currency: str | None = None
    address: Address | None = None
    invoice_email: str | None = None
    payment_terms: str | None = None  # the source's payment-terms key (Rackbeat: the payment term's number)


@dataclass(frozen=True)
class Supplier:
    number: str
    name: str
    organization_number: str | None = None
    email: str | None = None
    phone: str | None = None
    currency: str | None = None
    address: Address | None = None


@dataclass(frozen=True)
class Product:
    number: str
    name: str
    sales_price: Decimal | None = None  # excl. VAT
    cost_price: Decimal | None = None
    vat_percentage: Decimal | None = None
    unit: str | None = None
    is_stock_item: bool = True
    is_bom: bool = False
    ean: str | None = None


@dataclass(frozen=True)
class SalesLine:
    item_number: str | None
    description: str
    quantity: Decimal
    unit_price_excl_vat: Decimal
    vat_percentage: Decimal
    discount_percentage: Decimal = Decimal(0)
    is_bom: bool = False
    # components of a BOM line (each per one unit of the parent), expanded by target flows that need it
    components: tuple[SalesLine, ...] = ()

    @property
    def net_amount(self) -> Decimal:
        return (self.quantity * self.unit_price_excl_vat * (1 - self.discount_percentage / 100)).quantize(
            Decimal("0.01")
        )


class SalesDocumentKind(str, Enum):
    INVOICE = "invoice"
    ORDER = "order"


@dataclass(frozen=True)
class SalesDocument:
    """A customer invoice (Rackbeat) or a completed webshop order (Mystore)."""

    kind: SalesDocumentKind
    number: str  # the source's document number
    customer: Customer
    document_date: date
    lines: tuple[SalesLine, ...]
    due_date: date | None = None
    currency: str = "NOK"
    our_reference: str | None = None
    your_reference: str | None = None
    heading: str | None = None
    total_excl_vat: Decimal | None = None
    total_incl_vat: Decimal | None = None
    payment_method: str | None = None
    products: tuple[Product, ...] = field(default=())  # the products the lines refer to


@dataclass(frozen=True)
class PurchaseLine:
    item_number: str | None
    description: str
    quantity: Decimal
    unit_cost_excl_vat: Decimal
    discount_percentage: Decimal = Decimal(0)


@dataclass(frozen=True)
class PurchaseOrder:
    """A booked purchase order (Rackbeat): what was ordered from a supplier, to be matched against the
    supplier's invoice in the accounting system."""

    number: str  # the source's purchase order number
    supplier: Supplier
    order_date: date
    delivery_date: date
    lines: tuple[PurchaseLine, ...]
    currency: str = "NOK"
    our_reference: str | None = None
    their_reference: str | None = None
    heading: str | None = None
    total_excl_vat: Decimal | None = None
    products: tuple[Product, ...] = field(default=())
