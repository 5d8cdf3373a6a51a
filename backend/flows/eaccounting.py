"""The canonical model → Visma eAccounting v2 payloads (PascalCase). Pure: ids of existing eAccounting objects
(terms of payment, codings, units, customers, articles) are handed in.

Rules from the eAccounting reference and spec that live here:
- A customer needs Name, InvoicePostalCode, InvoiceCity, IsActive, IsPrivatePerson and TermsOfPaymentId;
  ``CustomerNumber`` is the source's customer number, which is what we find it by.
- An article needs Number, Name, CodingId, UnitId and IsActive. The coding (``ArticleAccountCoding``) carries the
  VAT rate as a FRACTION (``VatRatePercent`` 0.25) and the kind (``Type`` "Goods" / "Service"); the row's VAT
  comes from the article's coding, so the coding is chosen by the line's VAT rate.
- Draft rows: ``DiscountPercentage`` is a FRACTION between 0 and 1 with at most 4 decimals (the spec's
  ``minimum: 0, maximum: 1``; the row amount is Quantity × UnitPrice × (1 − DiscountPercentage)), ``Quantity``
  takes at most 2 decimals, ``UnitPrice`` 2 decimals for a domestic customer in the company currency.
- ``OurReference`` on drafts and invoices is ``<prefix><source document number>``: drafts have no number, so it is
  what we look drafts and invoices up by before creating anything.
- Money is Decimal, rounded ROUND_HALF_UP (never Python's round()), sent as JSON numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.canonical import Customer, Product, SalesDocument, SalesLine, Supplier

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_QUANTITY_DECIMALS = 2
MAX_PRICE_DECIMALS = 2
MAX_DISCOUNT_DECIMALS = 4  # of the fraction
DEFAULT_VAT_PERCENT = Decimal(25)
DEFAULT_UNIT_CODE = "STK"
GOODS, SERVICE = "Goods", "Service"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimals_of(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def plain(value: Decimal) -> str:
    """A number as a person writes it, without trailing zeros: 1.234, 25."""
    return format(value.normalize(), "f")


def _num(value: Decimal) -> float:
    return float(value)


def our_reference(prefix: str, document: SalesDocument) -> str:
    return f"{prefix}{document.number}"


# -- customers ----------------------------------------------------------------------------------------------


def missing_customer_fields(c: Customer) -> list[str]:
    """What eAccounting requires of a customer that the source's customer lacks."""
    address = c.address
    missing = []
    if address is None or not (address.postal_code or "").strip():
        missing.append("postal code")
    if address is None or not (address.city or "").strip():
        missing.append("city")
    return missing


def customer_payload(c: Customer, *, terms_of_payment_id: str) -> dict[str, Any]:
    address = c.address
    payload: dict[str, Any] = {
        "CustomerNumber": c.number[:16],
        "Name": c.name[:50],
        "IsActive": True,
        "IsPrivatePerson": c.is_private_individual,
        "TermsOfPaymentId": terms_of_payment_id,
        "InvoicePostalCode": ((address.postal_code if address else None) or "").strip()[:10],
        "InvoiceCity": ((address.city if address else None) or "").strip()[:50],
    }
    if address is not None:
        if address.street:
            payload["InvoiceAddress1"] = address.street[:50]
        if address.street2:
            payload["InvoiceAddress2"] = address.street2[:50]
        if address.country and len(address.country.strip()) == 2:
            payload["InvoiceCountryCode"] = address.country.strip().upper()
    email = c.invoice_email or c.email
    if email:
        payload["EmailAddress"] = email[:255]
    if c.organization_number and not c.is_private_individual:
        payload["CorporateIdentityNumber"] = c.organization_number[:20]
    if c.phone:
        payload["Telephone"] = c.phone[:50]
    if c.currency and len(c.currency.strip()) == 3:
        payload["CurrencyCode"] = c.currency.strip().upper()
    return payload


def supplier_payload(sup: Supplier, *, terms_of_payment_id: str) -> dict[str, Any]:
    """A supplier (``SupplierApi``: Name and TermsOfPaymentId required; an address is optional, unlike customers)."""
    payload: dict[str, Any] = {"SupplierNumber": sup.number[:16], "Name": sup.name[:50], "IsActive": True,
                               "TermsOfPaymentId": terms_of_payment_id}
    address = sup.address
    if address is not None:
        for key, value, size in (("Address1", address.street, 50), ("Address2", address.street2, 50),
                                 ("PostalCode", address.postal_code, 10), ("City", address.city, 50)):
            if value and value.strip():
                payload[key] = value.strip()[:size]
        if address.country and len(address.country.strip()) == 2:
            payload["CountryCode"] = address.country.strip().upper()
    if sup.email:
        payload["EmailAddress"] = sup.email[:255]
    if sup.organization_number:
        payload["CorporateIdentityNumber"] = sup.organization_number[:20]
    if sup.phone:
        payload["Telephone"] = sup.phone[:50]
    if sup.currency and len(sup.currency.strip()) == 3:
        payload["CurrencyCode"] = sup.currency.strip().upper()
    return payload


def supplier_update(existing: Mapping[str, Any], sup: Supplier) -> dict[str, Any]:
    """PUT replaces the whole supplier: the existing one with our fields over it (its terms of payment kept)."""
    ours = supplier_payload(sup, terms_of_payment_id=str(existing.get("TermsOfPaymentId") or ""))
    return {**{k: v for k, v in existing.items() if v is not None}, **ours}


def customer_update(existing: Mapping[str, Any], c: Customer, *, terms_of_payment_id: str,
                    mapped_terms: bool = False) -> dict[str, Any]:
    """PUT replaces the whole customer: the existing one with our fields over it. Its terms of payment are kept
    unless ``mapped_terms`` (the source's terms map to ``terms_of_payment_id``: the source decides)."""
    terms = terms_of_payment_id if mapped_terms else str(existing.get("TermsOfPaymentId") or terms_of_payment_id)
    ours = customer_payload(c, terms_of_payment_id=terms)
    return {**{k: v for k, v in existing.items() if v is not None}, **ours}


# -- articles -----------------------------------------------------------------------------------------------


def is_service(p: Product) -> bool:
    """eAccounting's Goods/Service: a product without stock that is not a BOM is a service."""
    return not p.is_stock_item and not p.is_bom


def coding_id_for(codings: Iterable[Mapping[str, Any]], vat_percent: Decimal, *, service: bool) -> str | None:
    """The active coding with this VAT rate (a percent here, a fraction in eAccounting), of the right kind if
    there is one, else any kind."""
    fraction = (vat_percent / HUNDRED).normalize()
    matching = [c for c in codings if c.get("IsActive", True) and c.get("VatRatePercent") is not None
                and Decimal(str(c["VatRatePercent"])).normalize() == fraction]
    kind = SERVICE if service else GOODS
    preferred = [c for c in matching if str(c.get("Type") or "").lower() == kind.lower()]
    chosen = preferred or matching
    return str(chosen[0]["Id"]) if chosen else None


def unit_id_for(units: Iterable[Mapping[str, Any]], unit: str | None) -> str | None:
    """The eAccounting unit matching the source's unit (by Code, abbreviation or name), else pieces (STK)."""
    listed = list(units)
    wanted = (unit or "").strip().lower()
    if wanted:
        for key in ("Code", "Abbreviation", "AbbreviationEnglish", "Name"):
            for u in listed:
                if str(u.get(key) or "").strip().lower() == wanted:
                    return str(u["Id"])
    for u in listed:
        if str(u.get("Code") or "").upper() == DEFAULT_UNIT_CODE:
            return str(u["Id"])
    return str(listed[0]["Id"]) if listed else None


def article_payload(p: Product, *, coding_id: str, unit_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"Number": p.number[:40], "Name": p.name[:50], "CodingId": coding_id,
                               "UnitId": unit_id, "IsActive": True}
    if p.sales_price is not None:
        payload["NetPrice"] = _num(money(max(p.sales_price, Decimal(0))))
    if p.cost_price is not None:
        payload["PurchasePrice"] = _num(money(max(p.cost_price, Decimal(0))))
    return payload


def article_update(existing: Mapping[str, Any], p: Product, *, coding_id: str, unit_id: str) -> dict[str, Any]:
    """PUT replaces the whole article: the existing one with our fields over it. A price from the source wins;
    without one the existing prices stay (NetPrice wins over GrossPrice, so the old gross price is dropped)."""
    ours = article_payload(p, coding_id=coding_id, unit_id=unit_id)
    merged = {**{k: v for k, v in existing.items() if v is not None}, **ours}
    if "NetPrice" in ours:
        merged.pop("GrossPrice", None)
    return merged


def product_for_line(line: SalesLine) -> Product:
    """An article for a line whose item the source could not give us: from the line itself."""
    assert line.item_number is not None
    return Product(number=line.item_number, name=line.description or line.item_number,
                   sales_price=line.unit_price_excl_vat, vat_percentage=line.vat_percentage, is_bom=line.is_bom)


# -- invoice drafts -----------------------------------------------------------------------------------------


@dataclass
class Rows:
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _line_label(index: int, line: SalesLine) -> str:
    item = f" ({line.item_number})" if line.item_number else ""
    return f"Line {index + 1}{item}"


def line_amount(line: SalesLine) -> Decimal:
    """The exact net line amount, as the source computes it: quantity × price × (1 − discount), to the cent."""
    return money(line.quantity * line.unit_price_excl_vat * (1 - line.discount_percentage / HUNDRED))


def invoice_row(index: int, line: SalesLine, article_id: str, *, use_exact_quantity: bool) -> tuple[dict[str, Any],
                                                                                                   list[str]]:
    """One draft row and what a bookkeeper should know about how it was carried over."""
    notes: list[str] = []
    label = _line_label(index, line)
    text = line.description or (line.item_number or "")
    quantity, price = line.quantity, line.unit_price_excl_vat
    discount = (line.discount_percentage / HUNDRED).normalize()
    too_precise = decimals_of(quantity) > MAX_QUANTITY_DECIMALS
    price_too_precise = decimals_of(price) > MAX_PRICE_DECIMALS
    if (too_precise or price_too_precise) and use_exact_quantity:
        # eAccounting cannot take this quantity (or price): one unit at the exact line amount, the real
        # quantity and price in the text, so the invoice total is the source's to the cent.
        exact = line_amount(line)
        shown = f"{plain(quantity)} × {money(price) if not price_too_precise else plain(price)}"
        if line.discount_percentage:
            shown += f" − {plain(line.discount_percentage)} %"
        text = f"{text} ({shown})" if text else shown
        what = f"quantity {plain(quantity)}" if too_precise else f"unit price {plain(price)}"
        notes.append(f"{label}: {what} has more decimals than eAccounting allows (2); sent as quantity 1 at "
                     f"{exact} (the exact line amount{', discount included' if line.discount_percentage else ''}), "
                     f"with {shown} in the line text.")
        quantity, price, discount = Decimal(1), exact, Decimal(0)
    else:
        if too_precise:
            rounded = quantity.quantize(CENT, rounding=ROUND_HALF_UP)
            before = line_amount(line)
            after = money(rounded * price * (1 - line.discount_percentage / HUNDRED))
            notes.append(f"{label}: quantity {plain(quantity)} rounded to {rounded} (eAccounting allows 2 decimals); "
                         f"the line amount is {after} instead of {before}.")
            quantity = rounded
        if price_too_precise:
            rounded_price = money(price)
            notes.append(f"{label}: unit price {plain(price)} rounded to {rounded_price} (eAccounting allows 2 "
                         "decimals).")
            price = rounded_price
        if decimals_of(discount) > MAX_DISCOUNT_DECIMALS:
            rounded_discount = discount.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            notes.append(f"{label}: discount {plain(line.discount_percentage)} % rounded to "
                         f"{plain(rounded_discount * HUNDRED)} % (eAccounting allows 2 decimals on a percent).")
            discount = rounded_discount
    row: dict[str, Any] = {
        "ArticleId": article_id,
        "Text": text[:2000],
        "Quantity": _num(quantity),
        "UnitPrice": _num(money(price)),
        "DiscountPercentage": _num(discount),
        "IsTextRow": False,
        "ReversedConstructionServicesVatFree": False,
    }
    return row, notes


def text_row(text: str) -> dict[str, Any]:
    return {"IsTextRow": True, "Text": text[:2000], "ReversedConstructionServicesVatFree": False}


def invoice_rows(document: SalesDocument, article_ids: Mapping[str, str], *, use_exact_quantity: bool) -> Rows:
    """Rows for every line: a line without an item and without an amount becomes a text row; the target has
    refused lines without an item that carry an amount before calling this."""
    out = Rows()
    for i, line in enumerate(document.lines):
        if line.item_number is None or line.item_number not in article_ids:
            out.rows.append(text_row(line.description or "-"))
            continue
        row, notes = invoice_row(i, line, article_ids[line.item_number], use_exact_quantity=use_exact_quantity)
        out.rows.append(row)
        out.notes.extend(notes)
    return out


def row_notes(document: SalesDocument, *, use_exact_quantity: bool) -> list[str]:
    """The notes ``invoice_rows`` gives, without the articles (a draft found again says the same)."""
    notes: list[str] = []
    for i, line in enumerate(document.lines):
        if line.item_number is not None:
            notes.extend(invoice_row(i, line, "", use_exact_quantity=use_exact_quantity)[1])
    return notes


def invoice_draft_payload(document: SalesDocument, *, customer_id: str, reference: str,
                          rows: list[dict[str, Any]]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "CustomerId": customer_id,
        "EuThirdParty": False,
        "RotReducedInvoicingType": 0,
        "InvoiceDate": document.document_date.isoformat(),
        "OurReference": reference[:100],
        "Rows": rows,
    }
    if document.due_date is not None:
        payload["DueDate"] = document.due_date.isoformat()
    if document.your_reference:
        payload["YourReference"] = document.your_reference[:100]
    return payload
