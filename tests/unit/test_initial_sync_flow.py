"""The pure rules of the initial sync: organisation numbers, payment terms, and records as Rackbeat gets them."""

from __future__ import annotations

from backend.flows import initial_sync as rules


def test_organisation_numbers_are_checked_with_modulus_11() -> None:
    assert rules.valid_org_number("923609016")  # Equinor ASA
    assert rules.valid_org_number("923 609 016")
    assert not rules.valid_org_number("923609017")
    assert not rules.valid_org_number("12345678")
    assert not rules.valid_org_number("abcdefghi")


def test_tripletex_due_terms_become_rackbeat_payment_terms() -> None:
    assert rules.term_payload("14 DAYS", None, None) == {"name": "Netto 14 dager", "type": "net",
                                                         "maturity_days": 14, "description": "Netto 14 dager"}
    assert rules.term_payload("0 DAYS", None, None)["type"] == "paid_in_cash"
    assert rules.term_payload("1 MONTHS", None, None)["maturity_days"] == 30
    assert rules.term_payload("20 RECURRING_DAY_OF_MONTH", None, None)["type"] == "invoice_month"
    terms = [{"number": 1, "name": "Netto 14 dager", "type": "net", "maturity_days": 14},
             {"number": 2, "name": "30 dagar", "type": "net", "maturity_days": 30}]
    assert rules.matching_term(rules.term_payload("14 DAYS", None, None), terms) == terms[0]  # same name
    assert rules.matching_term(rules.term_payload("30 DAYS", None, None), terms) == terms[1]  # same days
    assert rules.matching_term(rules.term_payload("60 DAYS", None, None), terms) is None


def test_a_tripletex_customer_keeps_its_number_and_drops_an_invalid_org_number() -> None:
    record = {"id": 77, "customerNumber": 10005, "name": "Kunde AS", "organizationNumber": "123456789",
              "email": "post@kunde.example", "invoicesDueIn": 30, "invoicesDueInType": "DAYS",
              "currency": {"code": "NOK"},
              "postalAddress": {"addressLine1": "Gate 1", "postalCode": "0150", "city": "Oslo",
                                "country": {"isoAlpha2Code": "NO"}}}
    planned = rules.tripletex_contact(record, "customerNumber", group=3, terms={"30 DAYS": 9}, default_term=1)
    assert planned.key == "10005" and planned.source_id == "77"
    assert planned.payload == {"number": 10005, "company_name": "Kunde AS", "contact_email": "post@kunde.example",
                               "currency": "NOK", "address_street": "Gate 1", "address_zipcode": "0150",
                               "address_city": "Oslo", "address_country": "NO", "payment_terms_id": 9,
                               "customer_group_id": 3}
    assert planned.notes and "not valid" in planned.notes[0]


def test_records_without_what_rackbeat_needs_are_skipped_with_a_reason() -> None:
    assert rules.tripletex_contact({"id": 1, "name": "X"}, "customerNumber", group=1, terms={},
                                   default_term=1).skip == "NO_NUMBER"
    assert rules.tripletex_employee({"id": 2, "firstName": "Ola", "lastName": "N"}).skip == "NO_EMAIL"
    assert rules.eaccounting_customer({"Id": "g", "CustomerNumber": "K-12", "Name": "X"}, group=1, terms={},
                                      default_term=1).skip == "NO_NUMBER"


def test_products_go_to_the_stock_or_the_service_group() -> None:
    stock = rules.tripletex_product({"id": 5, "number": "A/1", "name": "Ski", "isStockItem": True,
                                     "priceExcludingVatCurrency": 100, "stockOfGoods": 4},
                                    stock_group=10, service_group=20)
    service = rules.tripletex_product({"id": 6, "number": "FRAKT", "name": "Frakt", "isStockItem": False},
                                      stock_group=10, service_group=20)
    assert stock.payload is not None and service.payload is not None
    assert (stock.payload["group"], stock.payload["stock_quantity"]) == (10, "4")
    assert stock.payload["sales_price"] == "100.00"
    assert service.payload["group"] == 20 and "stock_quantity" not in service.payload
    article = rules.eaccounting_article({"Id": "a", "Number": "1", "Name": "Penn", "IsStock": True, "NetPrice": 9.5,
                                         "ArticleLabels": [{"Id": "L1"}], "UnitId": "u"},
                                        stock_group=10, service_group=20, label_groups={"L1": 30}, units={"u": 4})
    assert article.payload is not None and (article.payload["group"], article.payload["unit_id"]) == (30, 4)
