"""The pure mappings: Rackbeat → canonical → Tripletex, and the explanations of known errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.canonical import Customer
from backend.connectors.base import ConnectorError, ValidationError
from backend.flows import rackbeat, tripletex
from backend.flows.explanations import explain

INVOICE = {
    "number": 1042,
    "customer_id": 10001,
    "customer": {"number": 10001, "company_name": "Fjellsport AS", "vat_number": "923 456 789",
                 "email": "post@fjellsport.example", "address_street": "Storgata 1", "address_zipcode": "0155",
                 "address_city": "Oslo", "address_country": "NO"},
    "invoice_date": "2026-11-20",
    "due_date": "2026-12-04",
    "currency": "NOK",
    "is_booked": True,
    "total_subtotal": 510.0,
    "total_total": 637.5,
    "lines": [
        {"item_id": "P/100", "child_type": "product", "name": "Sekk 40L", "quantity": 2, "line_price": 100,
         "discount_percentage": 10, "vat_percentage": 25},
        {"item_id": "KIT-1", "child_type": "lot", "name": "Turpakke", "quantity": 3, "line_price": 110,
         "vat_percentage": 25},
    ],
}


def test_rackbeat_invoice_to_canonical() -> None:
    doc = rackbeat.customer_invoice(INVOICE)
    assert doc.number == "1042" and doc.document_date == date(2026, 11, 20) and doc.due_date == date(2026, 12, 4)
    assert doc.customer.organization_number == "923456789"
    assert [line.net_amount for line in doc.lines] == [Decimal("180.00"), Decimal("330.00")]
    assert doc.lines[1].is_bom and not doc.lines[0].is_bom
    assert doc.total_excl_vat == Decimal("510.0")


@pytest.mark.parametrize("broken", [{"lines": []}, {"number": None}])
def test_rackbeat_invoice_without_what_a_transfer_needs_is_refused(broken: dict[str, object]) -> None:
    with pytest.raises(rackbeat.RackbeatDocumentError):
        rackbeat.customer_invoice({**INVOICE, **broken})


def test_tripletex_order_sends_only_the_excluding_vat_price_and_sets_the_mode() -> None:
    doc = rackbeat.customer_invoice(INVOICE)
    refs = tripletex.LineRefs(product_ids={"P/100": 7}, vat_type_ids={"3": 33})
    order = tripletex.order_payload(doc, customer_id=5, number="RB-1042", refs=refs)
    assert order["isPrioritizeAmountsIncludingVat"] is False
    assert order["number"] == "RB-1042" and order["customer"] == {"id": 5}
    assert order["invoicesDueIn"] == 14
    for line in order["orderLines"]:
        assert "unitPriceExcludingVatCurrency" in line and "unitPriceIncludingVatCurrency" not in line
        assert line["vatType"] == {"id": 33}
    assert order["orderLines"][0]["product"] == {"id": 7} and order["orderLines"][0]["discount"] == 10.0
    assert "product" not in order["orderLines"][1]
    invoice = tripletex.invoice_payload(doc, order)
    assert invoice["invoiceDate"] == "2026-11-20" and invoice["invoiceDueDate"] == "2026-12-04"
    assert invoice["orders"] == [order]


def test_company_customer_gets_an_explicit_send_method() -> None:
    with_address = rackbeat.customer(INVOICE["customer"])  # type: ignore[arg-type]
    assert tripletex.customer_payload(with_address)["invoiceSendMethod"] == "EHF"
    no_address = rackbeat.customer({"number": 5, "company_name": "X AS", "email": "x@x.example"})
    assert tripletex.customer_payload(no_address)["invoiceSendMethod"] == "EMAIL"
    bare = rackbeat.customer({"number": 6, "company_name": "Y AS"})
    assert tripletex.customer_payload(bare)["invoiceSendMethod"] == "MANUAL"


def test_unknown_vat_rate_is_an_error_not_a_guess() -> None:
    assert tripletex.vat_code_for(Decimal("25.00")) == "3"
    assert tripletex.vat_code_for(Decimal("15")) == "31"
    with pytest.raises(ValueError):
        tripletex.vat_code_for(Decimal("7"))


@pytest.mark.parametrize(
    ("field", "key"),
    [("orderLines[0].unitPriceIncludingVatCurrency", "vat_inclusive_price"),
     ("postalAddress", "ehf_needs_address"), ("company.bankAccountNumber", "no_bank_account"),
     ("number", "product_number_in_use"), ("orderLines[1].vatType", "invalid_vat_code")],
)
def test_explanations_match_on_field_not_on_text(field: str, key: str) -> None:
    for message in ("Validering feilet.", "Validation failed."):
        err = ValidationError("tripletex", message, status=422, code="18000", field=field)
        found = explain(err)
        assert found is not None and found.key == key
        assert found.en and found.no


def test_unknown_refusal_has_no_invented_explanation_and_outages_say_we_retry() -> None:
    assert explain(ValidationError("tripletex", "Noe annet.", status=422, code="18000", field="foo")) is None
    outage = explain(ConnectorError("tripletex", "boom", status=503))
    assert outage is not None and outage.key == "unavailable"


@pytest.mark.parametrize(
    ("status", "code", "field", "key"),
    [(400, "3001", None, "fiscal_year_missing"), (400, "4026", None, "locked_period"),
     (400, "2000", "Rows[0].Quantity", "quantity_decimals"), (429, "4010", None, "rate_limit"),
     (401, None, None, "eaccounting_auth"), (403, "4002", None, "eaccounting_permission")],
)
def test_eaccounting_explanations_match_on_its_documented_codes(status: int, code: str | None, field: str | None,
                                                                key: str) -> None:
    found = explain(ConnectorError("eaccounting", "whatever the text", status=status, code=code, field=field))
    assert found is not None and found.key == key and found.en and found.no
    assert explain(ConnectorError("eaccounting", "x", status=400, code="2000", field="Name")) is None


def test_another_customer_only_when_evidently_someone_else() -> None:
    shopper = Customer(number="100002", name="Kari Nordmann", email="kari@example.no")
    business = Customer(number="100003", name="Fjord AS", organization_number="999888777", email="post@fjord.no")
    assert tripletex.another_customer({"name": "Nabo AS", "email": "post@nabo.no"}, shopper) == "Nabo AS <post@nabo.no>"
    assert tripletex.another_customer({"name": "Kari Nordmann", "email": "old@example.no"}, shopper) is None
    assert tripletex.another_customer({"name": "Kari N.", "invoiceEmail": "KARI@example.no"}, shopper) is None
    assert tripletex.another_customer({"name": "Old name"}, shopper) is None  # nothing to tell them apart by
    assert tripletex.another_customer({"name": "Fjord AS", "organizationNumber": "111222333"}, business) \
        == "organisation number 111222333"
    assert tripletex.another_customer({"name": "Renamed AS", "organizationNumber": "999 888 777",
                                       "email": "x@y.no"}, business) is None  # the same company
