"""Reconciliation rules, pure: what the source booked for a period against what the target holds under our
reference. The service (``backend/services/reconciliation.py``) reads both sides; this module decides.

What a finished transfer leaves in the target (``Held.kind``):
- ``INVOICE``: a booked invoice (Tripletex invoice of our order; eAccounting customer invoice);
- ``ORDER``: a Tripletex sales order (ORDER mode: the bookkeeper invoices it by hand);
- ``DRAFT``: an eAccounting invoice draft (status DRAFT: the bookkeeper books it by hand).

A source document expects one of them; what the bookkeeper does afterwards still counts as there: an order or a
draft that has since been invoiced is OK. An INVOICE expected but only an order or a draft there means the
transfer stopped half-way: MISSING, and transferring it finishes it (the target side looks up first).

Statuses of a line:
- OK: in the target with the same amount (excl. VAT);
- MISSING: booked in the source, not (or not completely) in the target;
- DIFFERENT: in the target with another amount;
- EXTRA: in the target under our reference and dated in the period, but not booked in the source for the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

INVOICE, ORDER, DRAFT = "INVOICE", "ORDER", "DRAFT"
# what counts as done, best first, for each kind a transfer is expected to leave
ACCEPTED: dict[str, tuple[str, ...]] = {INVOICE: (INVOICE,), ORDER: (ORDER, INVOICE), DRAFT: (DRAFT, INVOICE)}
OK, MISSING, DIFFERENT, EXTRA = "OK", "MISSING", "DIFFERENT", "EXTRA"


@dataclass(frozen=True)
class Booked:
    """A document the source booked (or completed) in the period."""
    ref: str  # the transfer's source ref (Rackbeat invoice number, Mystore order id)
    number: str  # what our reference in the target carries after the prefix
    amount: Decimal | None  # excl. VAT
    expects: str  # INVOICE / ORDER / DRAFT


@dataclass(frozen=True)
class Held:
    """A document in the target under our reference (prefix + number)."""
    number: str
    kind: str  # INVOICE / ORDER / DRAFT
    target_ref: str
    amount: Decimal | None  # excl. VAT
    document_date: date | None


@dataclass
class Line:
    source_ref: str
    status: str
    source_amount: Decimal | None = None
    target_ref: str | None = None
    target_kind: str | None = None
    target_amount: Decimal | None = None


def amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def day(value: Any) -> date | None:
    """The date of an ISO date or date-time as the systems write them ("2026-11-29", "2026-11-29T10:00:00Z")."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def compare(booked: Iterable[Booked], held: Iterable[Held], date_from: date, date_to: date) -> list[Line]:
    """One line per booked document, and one per held document of the period that nothing booked explains.
    Sorted by number (shorter numbers first, so 9 comes before 10)."""
    by_number: dict[str, dict[str, Held]] = {}
    for h in held:
        by_number.setdefault(h.number, {}).setdefault(h.kind, h)
    lines: list[tuple[str, Line]] = []
    seen: set[str] = set()
    for b in booked:
        seen.add(b.number)
        there = by_number.get(b.number, {})
        found = next((there[k] for k in ACCEPTED[b.expects] if k in there), None)
        line = Line(source_ref=b.ref, status=OK, source_amount=b.amount)
        if found is None:
            line.status = MISSING
        else:
            line.target_ref, line.target_kind, line.target_amount = found.target_ref, found.kind, found.amount
            if b.amount is not None and found.amount is not None and b.amount != found.amount:
                line.status = DIFFERENT
        lines.append((b.number, line))
    for number, kinds in by_number.items():
        if number in seen:
            continue
        h = kinds.get(INVOICE) or kinds.get(ORDER) or kinds[DRAFT]
        if h.document_date is not None and not date_from <= h.document_date <= date_to:
            continue  # read only because the target is searched a little wider than the period
        lines.append((number, Line(source_ref=number, status=EXTRA, target_ref=h.target_ref, target_kind=h.kind,
                                   target_amount=h.amount)))
    return [line for _, line in sorted(lines, key=lambda x: (len(x[0]), x[0]))]


def ours(prefix: str, reference: Any) -> str | None:
    """The number behind our reference, or None when the document is not one of ours (from this source)."""
    text = str(reference or "")
    return text[len(prefix):] if text.startswith(prefix) and len(text) > len(prefix) else None


# -- the amounts each target reports, excl. VAT --------------------------------------------------------------


def tripletex_order_amount(order: Mapping[str, Any]) -> Decimal | None:
    lines = order.get("orderLines") or []
    if not lines or not all(isinstance(line, dict) and "amountExcludingVatCurrency" in line for line in lines):
        return None
    return amount(sum(Decimal(str(line["amountExcludingVatCurrency"])) for line in lines))


def eaccounting_net_amount(document: Mapping[str, Any], *, invoice: bool) -> Decimal | None:
    """eAccounting's totals include VAT and the rounding to whole units (see the sandbox's guesses on
    TotalAmount); net = total − VAT − roundings. A draft's totals are in its own currency; an invoice's
    ``TotalAmount``/``TotalVatAmount`` are in the base currency and ``*InvoiceCurrency`` in the invoice's. The
    published ``CustomerInvoiceApi`` has no ``TotalRoundingsInvoiceCurrency``: ``TotalRoundings`` is used (the same
    for a NOK/SEK invoice in a NOK/SEK company; off by the rounding's exchange for a foreign-currency invoice)."""
    suffix = "InvoiceCurrency" if invoice else ""
    total = document.get(f"TotalAmount{suffix}")
    if total is None:
        return None
    vat = document.get(f"TotalVatAmount{suffix}") or 0
    roundings = document.get(f"TotalRoundings{suffix}", document.get("TotalRoundings")) or 0
    return amount(Decimal(str(total)) - Decimal(str(vat)) - Decimal(str(roundings)))
