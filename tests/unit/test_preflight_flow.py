"""The pure preflight rules: Rackbeat's groups and the accounting side's checks, from plain facts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from backend.flows.preflight import (
    EAccountingFacts,
    Status,
    TripletexFacts,
    Unreadable,
    eaccounting_checks,
    rackbeat_prerequisites,
    tripletex_checks,
)

CUSTOMER_GROUPS = [{"number": 1, "name": "Bedriftskunder"}]
SUPPLIER_GROUPS = [{"number": 1, "name": "Norske leverandører"}]
PRODUCT_GROUPS = [{"number": 1, "name": "Lagervarer", "has_inventory": True},
                  {"number": 2, "name": "Tjenester", "has_inventory": False}]


def by_code(items: Sequence[Any]) -> dict[str, Any]:
    return {i.code: i for i in items}


def test_all_groups_present() -> None:
    reqs = by_code(rackbeat_prerequisites(CUSTOMER_GROUPS, SUPPLIER_GROUPS, PRODUCT_GROUPS))
    assert all(r.status is Status.OK and r.missing is False for r in reqs.values())
    assert [g.name for g in reqs["SERVICE_PRODUCT_GROUP"].found] == ["Tjenester"]
    assert [g.number for g in reqs["STOCK_PRODUCT_GROUP"].found] == ["1"]
    assert reqs["CUSTOMER_GROUP"].message == "Found: 1 Bedriftskunder."


def test_missing_groups_say_how_to_create_them_in_both_languages() -> None:
    reqs = by_code(rackbeat_prerequisites([{"number": 9, "name": "Utkast", "is_draft": True}], SUPPLIER_GROUPS,
                                          PRODUCT_GROUPS[:1]))
    assert reqs["CUSTOMER_GROUP"].status is Status.FAILED and reqs["CUSTOMER_GROUP"].missing is True
    service = reqs["SERVICE_PRODUCT_GROUP"]
    assert service.missing is True and "switched off" in service.message and "uten lager" in service.message_no
    assert reqs["STOCK_PRODUCT_GROUP"].status is Status.OK


def test_a_service_group_is_not_a_stock_group() -> None:
    reqs = by_code(rackbeat_prerequisites(CUSTOMER_GROUPS, SUPPLIER_GROUPS, PRODUCT_GROUPS[1:]))
    assert reqs["STOCK_PRODUCT_GROUP"].missing is True and reqs["SERVICE_PRODUCT_GROUP"].missing is False


def test_unreadable_groups_are_not_reported_missing() -> None:
    reqs = rackbeat_prerequisites(CUSTOMER_GROUPS, SUPPLIER_GROUPS, Unreadable("HTTP 500"))
    product = [r for r in reqs if "PRODUCT" in r.code]
    assert all(r.status is Status.WARNING and r.missing is None and "HTTP 500" in r.message for r in product)


def tripletex(**overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = dict(
        invoice_bank_accounts=[{"number": 1920, "name": "Bankinnskudd", "bankAccountNumber": "15032080119"}],
        payment_types=[{"id": 1, "description": "Betalt til bank"}],
        vat_settings={"vatRegistrationStatus": "VAT_REGISTERED"},
        outgoing_vat_types=[{"number": "3"}, {"number": "33"}],
        highest_customer_number=100_412)
    facts.update(overrides)
    return by_code(tripletex_checks(TripletexFacts(**facts)))


def test_tripletex_all_in_place() -> None:
    checks = tripletex()
    assert checks["BANK_ACCOUNT_NUMBER"].status is Status.OK
    assert checks["VAT_SETUP"].status is Status.OK
    assert checks["CUSTOMER_NUMBER_SERIES"].status is Status.OK
    assert checks["FISCAL_YEAR"].status is Status.NOT_APPLICABLE
    # what the API cannot tell stays a WARNING to check by hand
    assert {c.code for c in checks.values() if not c.verifiable} == {
        "PAYMENT_TYPES_ON_ORDERS", "CUSTOMER_NUMBER_SERIES", "EHF_DEFAULT_SEND_METHOD"}
    assert checks["EHF_DEFAULT_SEND_METHOD"].status is Status.WARNING


def test_tripletex_bank_account_missing() -> None:
    bank = tripletex(invoice_bank_accounts=[{"number": 1920, "name": "Bankinnskudd", "bankAccountNumber": ""}])[
        "BANK_ACCOUNT_NUMBER"]
    assert bank.status is Status.FAILED and "refuses" in bank.explanation and "nekter" in bank.explanation_no


def test_tripletex_vat_and_payment_types() -> None:
    assert tripletex(outgoing_vat_types=[{"number": "5"}])["VAT_SETUP"].status is Status.FAILED
    not_registered = tripletex(vat_settings={"vatRegistrationStatus": "VAT_NOT_REGISTERED"})["VAT_SETUP"]
    assert not_registered.status is Status.WARNING and "Rackbeat" in not_registered.explanation
    unknown = tripletex(vat_settings=Unreadable("no access (HTTP 403)"))["VAT_SETUP"]
    assert unknown.status is Status.WARNING and not unknown.verifiable and "HTTP 403" in unknown.explanation
    assert tripletex(payment_types=[])["PAYMENT_TYPES_ON_ORDERS"].status is Status.FAILED


def test_customer_number_series() -> None:
    low = tripletex(highest_customer_number=10_219)["CUSTOMER_NUMBER_SERIES"]
    assert low.status is Status.WARNING and "100 000" in low.explanation and "10219" in (low.found or "")
    none = tripletex(highest_customer_number=None)["CUSTOMER_NUMBER_SERIES"]
    assert none.status is Status.WARNING and none.found == "no customers yet"
    unreadable = tripletex(highest_customer_number=Unreadable("x"))["CUSTOMER_NUMBER_SERIES"]
    assert unreadable.status is Status.WARNING and "Could not be checked" in unreadable.explanation


def test_webshop_customer_series_must_stay_below_the_offset() -> None:
    def series(highest: int | None, webshop: int | None = None) -> Status:
        return tripletex(highest_customer_number=highest, source="MYSTORE", customer_number_offset=100_000,
                         highest_webshop_customer_number=webshop)["CUSTOMER_NUMBER_SERIES"].status

    assert series(10_219) is Status.OK  # Tripletex's own series, well below the webshop's
    assert series(100_000) is Status.OK  # the offset itself is never a webshop number (they start at offset + 1)
    assert series(100_001) is Status.WARNING  # in the webshop's range, and bokbro made no webshop customer
    assert series(100_420, webshop=100_420) is Status.OK  # the highest is bokbro's own webshop customer
    assert series(100_421, webshop=100_420) is Status.WARNING
    assert series(None) is Status.WARNING


SETTINGS = {"BankAccount": "15032080119", "VatCode": "NO999888777MVA", "NextCustomerNumber": 100_001,
            "NextCustomerInvoiceNumber": 1, "AutoInvoice": {"AutoInvoiceActivationStatus": 2}}


def eaccounting(today: date = date(2026, 3, 1), **overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = dict(company_settings=SETTINGS, vat_codes=[{"Code": "3"}],
                 fiscal_years=[{"StartDate": "2026-01-01T00:00:00", "EndDate": "2026-12-31T00:00:00"}])
    facts.update(overrides)
    return by_code(eaccounting_checks(EAccountingFacts(today=today, **facts)))


def test_eaccounting_all_in_place() -> None:
    checks = eaccounting()
    assert {c.code: c.status for c in checks.values()} == {
        "BANK_ACCOUNT_NUMBER": Status.OK, "PAYMENT_TYPES_ON_ORDERS": Status.NOT_APPLICABLE, "VAT_SETUP": Status.OK,
        "CUSTOMER_NUMBER_SERIES": Status.OK, "INVOICE_NUMBER_SERIES": Status.OK,
        "EHF_DEFAULT_SEND_METHOD": Status.OK, "FISCAL_YEAR": Status.OK}


def test_eaccounting_fiscal_year_must_cover_today() -> None:
    assert eaccounting(fiscal_years=[])["FISCAL_YEAR"].status is Status.FAILED
    old = eaccounting(today=date(2027, 2, 1))["FISCAL_YEAR"]
    assert old.status is Status.FAILED and "2026-01-01" in (old.found or "") and "regnskapsår" in old.explanation_no


def test_eaccounting_settings_gaps() -> None:
    checks = eaccounting(company_settings={**SETTINGS, "BankAccount": None, "VatCode": "", "NextCustomerNumber": 5,
                                           "AutoInvoice": {"AutoInvoiceActivationStatus": 0}})
    assert checks["BANK_ACCOUNT_NUMBER"].status is Status.FAILED
    assert checks["VAT_SETUP"].status is Status.WARNING
    assert checks["CUSTOMER_NUMBER_SERIES"].status is Status.WARNING
    assert checks["EHF_DEFAULT_SEND_METHOD"].status is Status.WARNING
    no_auto = eaccounting(company_settings={k: v for k, v in SETTINGS.items() if k != "AutoInvoice"})
    assert no_auto["EHF_DEFAULT_SEND_METHOD"].verifiable is False
    unreadable = eaccounting(company_settings=Unreadable("HTTP 403"))
    assert unreadable["BANK_ACCOUNT_NUMBER"].status is Status.WARNING and len(unreadable) == 7


def test_invoice_number_policy_follows_the_setting() -> None:
    assert tripletex()["INVOICE_NUMBER_SERIES"].status is Status.OK
    source = tripletex(invoice_numbers_from_source=True)["INVOICE_NUMBER_SERIES"]
    assert source.status is Status.WARNING and "50 000" in source.explanation and "source" in (source.found or "")
    assert eaccounting(invoice_numbers_from_source=True)["INVOICE_NUMBER_SERIES"].status is Status.WARNING
