"""Rackbeat documents → the canonical model. Pure: no I/O.

Rackbeat field names that the public reference marks as uncertain are read leniently here, in one place
(see ``_first_of``): the invoice date may come as ``invoice_date`` or ``date``; the organisation number
as ``company_vat`` (current), ``vat_number``, ``cvr`` or ``organisation_number``; a product's VAT rate from
its group's ``vat_domestic``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from backend.canonical import (
    Address,
    Customer,
    Product,
    PurchaseLine,
    PurchaseOrder,
    SalesDocument,
    SalesDocumentKind,
    SalesLine,
    Supplier,
)


class RackbeatDocumentError(ValueError):
    """The Rackbeat document lacks something a transfer needs."""


def _first_of(data: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = data.get(name)
        if value not in (None, ""):
            return value
    return None


def _dec(value: Any, default: str = "0") -> Decimal:
    if value in (None, ""):
        return Decimal(default)
    return Decimal(str(value))


def _date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return date.fromisoformat(text[:10])


def _address(data: dict[str, Any]) -> Address | None:
    address = Address(
        street=_first_of(data, "address_street", "street"),
        street2=_first_of(data, "address_street2", "street2"),
        postal_code=_first_of(data, "address_zipcode", "zipcode", "postal_code"),
        city=_first_of(data, "address_city", "city"),
        country=_first_of(data, "address_country", "country"),
    )
    return address if any((address.street, address.city, address.postal_code)) else None


def _org_number(data: dict[str, Any]) -> str | None:
    org = _first_of(data, "company_vat", "vat_number", "organisation_number", "organization_number", "cvr")
    return str(org).replace(" ", "") if org else None


def customer(data: dict[str, Any]) -> Customer:
    number = _first_of(data, "number", "customer_number")
    if number is None:
        raise RackbeatDocumentError("the Rackbeat customer has no number")
    return Customer(
        number=str(number),
        name=str(_first_of(data, "company_name", "name") or f"Customer {number}"),
        organization_number=_org_number(data),
        email=_first_of(data, "contact_email", "email"),
        phone=_first_of(data, "contact_phone", "phone", "mobile"),
        is_private_individual=bool(data.get("is_private") or data.get("is_private_individual")),
        currency=_first_of(data, "currency"),
        address=_address(data),
        invoice_email=_first_of(data, "invoice_email", "contact_email", "email"),
        payment_terms=_payment_terms(data),
    )


def _payment_terms(data: dict[str, Any]) -> str | None:
    """The customer's payment term number: ``payment_terms_id``, or the nested ``payment_terms`` object's number."""
    nested = data.get("payment_terms")
    key = data.get("payment_terms_id") or (nested.get("number") if isinstance(nested, dict) else None)
    return str(key) if key not in (None, "") else None


def supplier(data: dict[str, Any]) -> Supplier:
    number = _first_of(data, "number", "supplier_number")
    if number is None:
        raise RackbeatDocumentError("the Rackbeat supplier has no number")
    return Supplier(
        number=str(number),
        name=str(_first_of(data, "company_name", "name") or f"Supplier {number}"),
        organization_number=_org_number(data),
        email=_first_of(data, "contact_email", "email"),
        phone=_first_of(data, "contact_phone", "phone", "mobile"),
        currency=_first_of(data, "currency"),
        address=_address(data),
    )


def product(data: dict[str, Any], *, is_bom: bool = False) -> Product:
    number = _first_of(data, "number")
    if number is None:
        raise RackbeatDocumentError("the Rackbeat product has no number")
    group = data.get("group") if isinstance(data.get("group"), dict) else {}
    has_inventory = group.get("has_inventory") if group else None
    unit = data.get("unit")
    return Product(
        number=str(number),
        name=str(_first_of(data, "name") or number),
        sales_price=_dec(data.get("sales_price")) if data.get("sales_price") is not None else None,
        cost_price=_dec(data.get("cost_price")) if data.get("cost_price") is not None else None,
        vat_percentage=_dec(_first_of(group, "vat_domestic", "vat_percentage"))
        if group and _first_of(group, "vat_domestic", "vat_percentage") is not None else None,
        unit=str(unit.get("name")) if isinstance(unit, dict) and unit.get("name") else None,
        is_stock_item=bool(has_inventory) if has_inventory is not None else not is_bom,
        is_bom=is_bom,
        ean=_first_of(data, "barcode", "ean"),
    )


def _line(data: dict[str, Any]) -> SalesLine:
    item = _first_of(data, "item_id", "child_id", "product_id", "lot_id", "item_number")
    return SalesLine(
        item_number=str(item) if item is not None else None,
        description=str(_first_of(data, "name", "description") or item or ""),
        quantity=_dec(data.get("quantity"), "1"),
        unit_price_excl_vat=_dec(data.get("line_price")),
        vat_percentage=_dec(data.get("vat_percentage"), "25"),
        discount_percentage=_dec(data.get("discount_percentage")),
        is_bom=str(_first_of(data, "child_type", "item_type", "lineable_type") or "").lower() in ("lot", "bom"),
    )


def customer_invoice(data: dict[str, Any], customer_data: dict[str, Any] | None = None) -> SalesDocument:
    """A booked Rackbeat customer invoice as a canonical sales document."""
    number = data.get("number")
    if number is None:
        raise RackbeatDocumentError("the Rackbeat invoice has no number")
    cust = customer_data or data.get("customer") or {}
    if not cust:
        cust_number = _first_of(data, "customer_id", "customer_number")
        if cust_number is None:
            raise RackbeatDocumentError(f"Rackbeat invoice {number} has no customer")
        cust = {"number": cust_number}
    lines = tuple(_line(line) for line in data.get("lines") or [])
    if not lines:
        raise RackbeatDocumentError(f"Rackbeat invoice {number} has no lines")
    doc_date = document_date(data) or date.today()
    return SalesDocument(
        kind=SalesDocumentKind.INVOICE,
        number=str(number),
        customer=customer(cust),
        document_date=doc_date,
        due_date=_date(data.get("due_date")),
        lines=lines,
        currency=str(_first_of(data, "currency") or "NOK"),
        our_reference=_first_of(data, "our_reference"),
        your_reference=_first_of(data, "your_reference"),
        heading=_first_of(data, "heading"),
        total_excl_vat=_dec(data.get("total_subtotal")) if data.get("total_subtotal") is not None else None,
        total_incl_vat=_dec(data.get("total_total")) if data.get("total_total") is not None else None,
    )


def document_date(data: dict[str, Any]) -> date | None:
    """The invoice date (or, lacking one, when it was booked or made)."""
    return _date(_first_of(data, "invoice_date", "date", "booked_at", "created_at"))


def is_booked(data: dict[str, Any]) -> bool:
    return bool(data.get("is_booked"))


def purchase_order(data: dict[str, Any], supplier_data: dict[str, Any] | None = None) -> PurchaseOrder:
    """A booked Rackbeat purchase order as a canonical purchase order (line prices are costs, excl. VAT)."""
    number = data.get("number")
    if number is None:
        raise RackbeatDocumentError("the Rackbeat purchase order has no number")
    sup = supplier_data or data.get("supplier") or {}
    if not sup:
        sup_number = _first_of(data, "supplier_id", "supplier_number")
        if sup_number is None:
            raise RackbeatDocumentError(f"Rackbeat purchase order {number} has no supplier")
        sup = {"number": sup_number}
    lines = tuple(
        PurchaseLine(
            item_number=str(item) if (item := _first_of(x, "item_id", "child_id", "product_id", "lot_id")) is not None
            else None,
            description=str(_first_of(x, "name", "description") or item or ""),
            quantity=_dec(x.get("quantity"), "1"),
            unit_cost_excl_vat=_dec(x.get("line_price")),
            discount_percentage=_dec(x.get("discount_percentage")),
        )
        for x in data.get("lines") or [] if isinstance(x, dict))
    if not lines:
        raise RackbeatDocumentError(f"Rackbeat purchase order {number} has no lines")
    order_date = _date(_first_of(data, "date", "order_date", "booked_at", "created_at")) or date.today()
    return PurchaseOrder(
        number=str(number),
        supplier=supplier(sup),
        order_date=order_date,
        delivery_date=_date(data.get("delivery_date")) or order_date,
        lines=lines,
        currency=str(_first_of(data, "currency") or "NOK"),
        our_reference=_first_of(data, "our_reference"),
        their_reference=_first_of(data, "their_reference"),
        heading=_first_of(data, "heading"),
        total_excl_vat=_dec(data.get("total_subtotal")) if data.get("total_subtotal") is not None else None,
    )
