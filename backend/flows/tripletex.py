"""The canonical model → Tripletex payloads. Pure: ids of existing Tripletex objects are handed in.

Rules from the Tripletex reference that live here:
- ``isPrioritizeAmountsIncludingVat`` is always set explicitly, and each line carries only the matching
  unit-price field (sending the other, or both, is refused with "The unit price must be inclusive VAT…").
- A company customer gets an explicit ``invoiceSendMethod``: EHF only when it has a postal address
  (EHF requires one), otherwise EMAIL when there is an address to mail to, else MANUAL.
- Our reference on orders is ``number`` (``<prefix><source document number>``): it is what we look the
  order up by before creating one, so that a second run never makes a second order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.canonical import (
    Address,
    Customer,
    Product,
    PurchaseLine,
    PurchaseOrder,
    SalesDocument,
    SalesLine,
    Supplier,
)

# Norwegian outgoing VAT codes (SAF-T) by rate: the Tripletex vatType ``number`` to use on sales lines.
OUTGOING_VAT_CODE_BY_RATE = {
    Decimal("25"): "3",
    Decimal("15"): "31",
    Decimal("12"): "33",
    Decimal("0"): "5",
}
DEFAULT_DUE_DAYS = 14


def vat_code_for(rate: Decimal) -> str:
    code = OUTGOING_VAT_CODE_BY_RATE.get(rate.normalize() if rate else Decimal("0"))
    if code is None:
        code = OUTGOING_VAT_CODE_BY_RATE.get(rate.quantize(Decimal("1")))
    if code is None:
        raise ValueError(f"no Norwegian outgoing VAT code for {rate} %")
    return code


# ``PUT /invoice/{id}/:send``'s sendType values (the spec's enum); a customer's invoiceSendMethod outside them is sent
# as EMAIL.
SEND_TYPES = frozenset({"EMAIL", "EHF", "AVTALEGIRO", "EFAKTURA", "VIPPS", "PAPER", "MANUAL"})


def order_number(prefix: str, document: SalesDocument) -> str:
    return f"{prefix}{document.number}"


def customer_payload(c: Customer) -> dict[str, Any]:
    # (isCustomer / isSupplier are read-only in Tripletex: the endpoint decides which it is)
    payload: dict[str, Any] = {"name": c.name, "isPrivateIndividual": c.is_private_individual}
    if c.number.isdigit():
        payload["customerNumber"] = int(c.number)
    if c.organization_number and not c.is_private_individual:
        payload["organizationNumber"] = c.organization_number
    if c.email:
        payload["email"] = c.email
    if c.invoice_email:
        payload["invoiceEmail"] = c.invoice_email
    if c.phone:
        payload["phoneNumber"] = c.phone
    if c.address:
        payload["postalAddress"] = _address(c.address)
        payload["physicalAddress"] = _address(c.address)
    if not c.is_private_individual:
        if c.address:
            payload["invoiceSendMethod"] = "EHF"
        elif c.invoice_email:
            payload["invoiceSendMethod"] = "EMAIL"
        else:
            payload["invoiceSendMethod"] = "MANUAL"
    return payload


def another_customer(found: dict[str, Any], customer: Customer) -> str | None:
    """Why the customer Tripletex holds under the number is evidently someone else — another organisation number,
    or another name AND no e-mail in common — in words; None when it may be the same customer (a changed address
    or a renamed company with the same e-mail is the same customer)."""
    org = str(found.get("organizationNumber") or "").replace(" ", "")
    if customer.organization_number and org:
        return None if org == customer.organization_number else f"organisation number {org}"
    emails = {str(found.get(k) or "").strip().lower() for k in ("email", "invoiceEmail")} - {""}
    name = str(found.get("name") or "").strip()
    if customer.email and emails and customer.email.strip().lower() not in emails \
            and name.lower() != customer.name.strip().lower():
        return f"{name} <{', '.join(sorted(emails))}>"
    return None


def _address(a: Address) -> dict[str, Any]:
    return {"addressLine1": a.street or "", "addressLine2": a.street2 or "", "postalCode": a.postal_code or "",
            "city": a.city or ""}


def supplier_payload(sup: Supplier) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": sup.name}
    if sup.number.isdigit():
        payload["supplierNumber"] = int(sup.number)
    if sup.organization_number:
        payload["organizationNumber"] = sup.organization_number
    if sup.email:
        payload["email"] = sup.email
    if sup.phone:
        payload["phoneNumber"] = sup.phone
    if sup.address:
        payload["postalAddress"] = _address(sup.address)
        payload["physicalAddress"] = _address(sup.address)
    return payload


def product_payload(p: Product, vat_type_id: int | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": p.name[:255], "number": p.number}
    if p.sales_price is not None:
        payload["priceExcludingVatCurrency"] = float(p.sales_price)
    if p.cost_price is not None:
        payload["costExcludingVatCurrency"] = float(p.cost_price)
    if vat_type_id is not None:
        payload["vatType"] = {"id": vat_type_id}
    if p.ean:
        payload["ean"] = p.ean
    payload["isStockItem"] = p.is_stock_item
    return payload


@dataclass(frozen=True)
class LineRefs:
    product_ids: dict[str, int]  # item number → Tripletex product id
    vat_type_ids: dict[str, int]  # VAT code → Tripletex vatType id


def _money(value: Decimal, places: str = "0.01") -> float:
    return float(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def order_line(line: SalesLine, refs: LineRefs) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "description": line.description[:255],
        "count": float(line.quantity),
        # isPrioritizeAmountsIncludingVat is false on our orders: send only the excluding-VAT price.
        "unitPriceExcludingVatCurrency": _money(line.unit_price_excl_vat, "0.000001"),
        "vatType": {"id": refs.vat_type_ids[vat_code_for(line.vat_percentage)]},
    }
    if line.discount_percentage:
        payload["discount"] = float(line.discount_percentage)
    if line.item_number and line.item_number in refs.product_ids:
        payload["product"] = {"id": refs.product_ids[line.item_number]}
    return payload


def order_payload(document: SalesDocument, *, customer_id: int, number: str, refs: LineRefs) -> dict[str, Any]:
    due = document.due_date or (document.document_date + timedelta(days=DEFAULT_DUE_DAYS))
    payload: dict[str, Any] = {
        "customer": {"id": customer_id},
        "orderDate": document.document_date.isoformat(),
        "deliveryDate": document.document_date.isoformat(),
        "number": number,
        "isPrioritizeAmountsIncludingVat": False,
        "orderLines": [order_line(line, refs) for line in document.lines],
        "invoicesDueIn": max(0, (due - document.document_date).days),
        "invoicesDueInType": "DAYS",
    }
    if document.your_reference:
        payload["reference"] = document.your_reference[:255]
    comment = " ".join(x for x in (document.heading, f"Rackbeat invoice {document.number}") if x)
    payload["invoiceComment"] = comment[:255]
    return payload


def invoice_payload(document: SalesDocument, order: dict[str, Any]) -> dict[str, Any]:
    due = document.due_date or (document.document_date + timedelta(days=DEFAULT_DUE_DAYS))
    return {
        "invoiceDate": document.document_date.isoformat(),
        "invoiceDueDate": due.isoformat(),
        "customer": order["customer"],
        "orders": [order],
    }


def search_window(document_date: date) -> tuple[date, date]:
    """The order-date range we search our own orders in (``To`` is exclusive in Tripletex)."""
    return document_date - timedelta(days=1), document_date + timedelta(days=2)


# -- purchase orders -------------------------------------------------------------------------------------------
# Tripletex numbers purchase orders itself (``number`` is read-only), so our reference travels in
# ``internalComment`` ("bokbro:<prefix>PO-<number>"): it is what a later run looks the order up by (among the
# supplier's purchase orders) before it creates one.


def purchase_order_marker(prefix: str, po: PurchaseOrder) -> str:
    return f"bokbro:{prefix}PO-{po.number}"


def purchase_order_line(line: PurchaseLine, product_ids: dict[str, int]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "description": line.description[:255],
        "count": float(line.quantity),
        "unitPriceExcludingVatCurrency": _money(line.unit_cost_excl_vat, "0.000001"),
    }
    if line.discount_percentage:
        payload["discount"] = float(line.discount_percentage)
    if line.item_number and line.item_number in product_ids:
        payload["product"] = {"id": product_ids[line.item_number]}
    return payload


def purchase_order_payload(po: PurchaseOrder, *, supplier_id: int, marker: str,
                           product_ids: dict[str, int]) -> dict[str, Any]:
    comment = " ".join(x for x in (po.heading, f"Rackbeat purchase order {po.number}") if x)
    payload: dict[str, Any] = {
        "supplier": {"id": supplier_id},
        "deliveryDate": po.delivery_date.isoformat(),
        "comments": comment[:255],
        "internalComment": marker,
        "orderLines": [purchase_order_line(line, product_ids) for line in po.lines],
    }
    return payload
