"""Mystore (Acendy) orders → the canonical model. Pure: no I/O.

Input is the order as ``MystoreClient.get_order`` normalises it (``backend/connectors/mystore.py``): product
lines, then shipping and payment fees as lines of their own, Decimal amounts, the customer block, the payment
method (code + name) and the status with its property.

Rules kept here:
- **Completed is a property, never a name.** An order is transferred when its status has the Completed
  property (Mystore's default "Sendt"); ``is_completed`` says so, or None when the property is unknown.
- **Customers.** A registered customer becomes customer number ``offset + Mystore customer number``
  (offset 100000 by default, as the seed article recommends, so that webshop customers never collide with the
  accounting system's own). A business keeps its organisation number; a private person is a private
  individual. A **guest checkout** has no customer number: it becomes one accounting customer per e-mail
  address (key ``guest:<e-mail, lower case>``; the target looks it up by organisation number, then by e-mail,
  and lets the accounting system number it). A guest without an e-mail is a customer of that order alone.
- **Lines.** Product lines refer to their product by SKU (a canonical ``Product`` per SKU, so that the target
  makes sure it exists); a line without a SKU is a description line. Shipping and payment fees are
  description lines with their own VAT rate (no product).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from backend.canonical import Address, Customer, Product, SalesDocument, SalesDocumentKind, SalesLine

CUSTOMER_NUMBER_OFFSET = 100_000
GUEST_PREFIX = "guest:"
DEFAULT_VAT = Decimal("25")
CHARGE_DESCRIPTIONS = {"shipping": "Frakt", "payment_fee": "Betalingsgebyr"}


class MystoreDocumentError(ValueError):
    """The Mystore order lacks something a transfer needs."""


def is_completed(order: dict[str, Any]) -> bool | None:
    """Whether the order's status has the Completed property; None when the property is not known."""
    status = order.get("status")
    if not isinstance(status, dict):
        return None
    flag = status.get("is_completed")
    return None if flag is None else bool(flag)


def payment_method_code(order: dict[str, Any]) -> str | None:
    method = order.get("payment_method") or {}
    code = method.get("code") or method.get("name")
    return str(code) if code else None


def _dec(value: Any, default: str = "0") -> Decimal:
    if value is None or value == "":
        return Decimal(default)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None


def _address(raw: Any) -> Address | None:
    if not isinstance(raw, dict):
        return None
    address = Address(street=raw.get("street"), street2=raw.get("street2"), postal_code=raw.get("postal_code"),
                      city=raw.get("city"), country=raw.get("country"))
    return address if any((address.street, address.city, address.postal_code)) else None


def customer_key(block: dict[str, Any], order_id: str, offset: int = CUSTOMER_NUMBER_OFFSET) -> str:
    """The canonical customer number: offset + Mystore's number, or ``guest:<e-mail>`` for a guest."""
    number = block.get("number")
    if number not in (None, "") and str(number).isdigit():
        return str(offset + int(str(number)))
    email = str(block.get("email") or "").strip().lower()
    return f"{GUEST_PREFIX}{email}" if email else f"{GUEST_PREFIX}order-{order_id}"


def customer(block: dict[str, Any], order_id: str, offset: int = CUSTOMER_NUMBER_OFFSET) -> Customer:
    is_business = bool(block.get("is_business"))
    name = block.get("name") or block.get("company") or block.get("email") or f"Mystore customer ({order_id})"
    email = block.get("email") or None
    return Customer(
        number=customer_key(block, order_id, offset),
        name=str(name),
        organization_number=str(block["organisation_number"]).replace(" ", "")
        if is_business and block.get("organisation_number") else None,
        email=email,
        phone=block.get("phone") or None,
        is_private_individual=not is_business,
        address=_address(block.get("billing_address")) or _address(block.get("address")),
        invoice_email=email,
    )


def _line(line: dict[str, Any]) -> SalesLine:
    quantity = _dec(line.get("quantity"), "1")
    rate = _dec(line.get("vat_rate"), str(DEFAULT_VAT))
    unit_excl = line.get("unit_price_excl_vat")
    if unit_excl is None:
        incl = line.get("unit_price_incl_vat")
        if incl is None:
            raise MystoreDocumentError(f"order line {line.get('id')} has no price")
        unit_excl = _dec(incl) * 100 / (100 + rate)
    kind = str(line.get("kind") or "product")
    sku = line.get("sku") if kind == "product" else None
    description = line.get("name") or CHARGE_DESCRIPTIONS.get(kind) or sku or kind
    return SalesLine(item_number=str(sku) if sku else None, description=str(description), quantity=quantity,
                     unit_price_excl_vat=_dec(unit_excl), vat_percentage=rate)


def product(line: dict[str, Any]) -> Product:
    sku = line.get("sku")
    if not sku:
        raise MystoreDocumentError("a product line without SKU has no product")
    return Product(number=str(sku), name=str(line.get("name") or sku),
                   sales_price=_dec(line["unit_price_excl_vat"]) if line.get("unit_price_excl_vat") is not None
                   else None,
                   vat_percentage=_dec(line.get("vat_rate"), str(DEFAULT_VAT)), is_stock_item=True)


def sales_document(order: dict[str, Any], *, customer_offset: int = CUSTOMER_NUMBER_OFFSET) -> SalesDocument:
    """A Mystore order (normalised) as a canonical sales document of kind ORDER."""
    order_id = str(order.get("id") or "")
    number = str(order.get("number") or order_id)
    if not number:
        raise MystoreDocumentError("the Mystore order has no number")
    raw_lines = [x for x in order.get("lines") or [] if isinstance(x, dict)]
    # a charge of 0 (free shipping, no fee) is no line
    raw_lines = [x for x in raw_lines if x.get("kind", "product") == "product"
                 or _dec(x.get("total_incl_vat"), "0") != 0 or _dec(x.get("unit_price_excl_vat"), "0") != 0]
    if not any(x.get("kind", "product") == "product" for x in raw_lines):
        raise MystoreDocumentError(f"Mystore order {number} has no product lines")
    lines = tuple(_line(x) for x in raw_lines)
    products: dict[str, Product] = {}
    for x in raw_lines:
        if x.get("kind", "product") == "product" and x.get("sku") and str(x["sku"]) not in products:
            products[str(x["sku"])] = product(x)
    block = order.get("customer") if isinstance(order.get("customer"), dict) else {}
    assert isinstance(block, dict)
    method = order.get("payment_method") or {}
    return SalesDocument(
        kind=SalesDocumentKind.ORDER,
        number=number,
        customer=customer(block, order_id, customer_offset),
        document_date=_date(order.get("created_at")) or date.today(),
        lines=lines,
        currency=str(order.get("currency") or "NOK"),
        your_reference=str(block.get("name"))[:100] if block.get("name") else None,
        heading=f"Nettbutikkordre {number}" + (f" ({method.get('name')})" if method.get("name") else ""),
        total_excl_vat=_dec(order["total_excl_vat"]) if order.get("total_excl_vat") is not None else None,
        total_incl_vat=_dec(order["total_incl_vat"]) if order.get("total_incl_vat") is not None else None,
        payment_method=payment_method_code(order),
        products=tuple(products.values()),
    )
