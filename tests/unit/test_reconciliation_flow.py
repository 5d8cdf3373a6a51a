"""The reconciliation rules (``backend/flows/reconciliation.py``), case by case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend.flows import reconciliation as rules
from backend.flows.reconciliation import DRAFT, INVOICE, ORDER, Booked, Held

D1, D2 = date(2026, 11, 1), date(2026, 11, 30)


def held(number: str, kind: str, amount: str | None = "100.00", day: date | None = date(2026, 11, 15)) -> Held:
    return Held(number, kind, f"{kind.lower()}-{number}", Decimal(amount) if amount else None, day)


def statuses(lines: list[rules.Line]) -> list[tuple[str, str, str | None]]:
    return [(line.source_ref, line.status, line.target_kind) for line in lines]


def test_what_counts_as_done_for_each_expectation() -> None:
    booked = [Booked("1", "1", Decimal("100.00"), INVOICE), Booked("2", "2", Decimal("100.00"), INVOICE),
              Booked("3", "3", Decimal("100.00"), ORDER), Booked("4", "4", Decimal("100.00"), ORDER),
              Booked("5", "5", Decimal("100.00"), DRAFT), Booked("6", "6", Decimal("100.00"), DRAFT),
              Booked("7", "7", Decimal("100.00"), INVOICE)]
    target = [held("1", ORDER), held("1", INVOICE),  # invoiced: the invoice is what counts
              held("2", ORDER),  # an order without its invoice: stopped half-way
              held("3", ORDER), held("4", ORDER), held("4", INVOICE),  # invoiced by hand later: still the order
              held("5", DRAFT), held("6", INVOICE),  # a draft the bookkeeper has booked counts
              held("7", DRAFT)]  # a draft where an invoice is expected: stopped half-way
    assert statuses(rules.compare(booked, target, D1, D2)) == [
        ("1", "OK", INVOICE), ("2", "MISSING", None), ("3", "OK", ORDER), ("4", "OK", ORDER),
        ("5", "OK", DRAFT), ("6", "OK", INVOICE), ("7", "MISSING", None)]


def test_amounts_differ_only_when_both_are_known() -> None:
    booked = [Booked("1", "1", Decimal("100.00"), INVOICE), Booked("2", "2", None, INVOICE),
              Booked("3", "3", Decimal("100.00"), INVOICE)]
    target = [held("1", INVOICE, "99.99"), held("2", INVOICE), held("3", INVOICE, None)]
    lines = rules.compare(booked, target, D1, D2)
    assert [line.status for line in lines] == ["DIFFERENT", "OK", "OK"]
    assert lines[0].source_amount == Decimal("100.00") and lines[0].target_amount == Decimal("99.99")


def test_extra_only_when_dated_in_the_period() -> None:
    target = [held("8", INVOICE), held("9", ORDER, day=date(2026, 12, 1)), held("10", DRAFT, day=None)]
    lines = rules.compare([], target, D1, D2)
    assert statuses(lines) == [("8", "EXTRA", INVOICE), ("10", "EXTRA", DRAFT)]


def test_source_refs_and_target_numbers_may_differ_and_order_is_by_number() -> None:
    booked = [Booked("order-10", "10", None, ORDER), Booked("order-9", "9", None, ORDER)]
    lines = rules.compare(booked, [held("10", ORDER)], D1, D2)
    assert statuses(lines) == [("order-9", "MISSING", None), ("order-10", "OK", ORDER)]


def test_our_reference_and_amounts() -> None:
    assert rules.ours("RB-", "RB-1001") == "1001"
    assert rules.ours("RB-", "MS-1001") is None and rules.ours("RB-", "RB-") is None and rules.ours("RB-", None) is None
    assert rules.tripletex_order_amount({"orderLines": [{"amountExcludingVatCurrency": 10.004},
                                                        {"amountExcludingVatCurrency": 5}]}) == Decimal("15.00")
    assert rules.tripletex_order_amount({"orderLines": [{"id": 1}]}) is None
    invoice = {"TotalAmountInvoiceCurrency": 638.0, "TotalVatAmountInvoiceCurrency": 127.5, "TotalRoundings": 0.5,
               "TotalAmount": 1.0}
    assert rules.eaccounting_net_amount(invoice, invoice=True) == Decimal("510.00")
    draft = {"TotalAmount": 637.5, "TotalVatAmount": 127.5, "TotalRoundings": 0}
    assert rules.eaccounting_net_amount(draft, invoice=False) == Decimal("510.00")
    assert rules.eaccounting_net_amount({}, invoice=False) is None
    assert rules.day("2026-11-29T10:00:00Z") == date(2026, 11, 29) and rules.day("soon") is None
