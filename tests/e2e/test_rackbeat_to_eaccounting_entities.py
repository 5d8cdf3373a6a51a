"""Real-time entity sync Rackbeat → Visma eAccounting, over real HTTP on both back-ends: customers, products and
BOMs created and changed in Rackbeat (which fires its webhooks) become eAccounting customers and articles; updates
update, never duplicate; a switched-off entity and a switched-off invoice flow are left alone; suppliers become
eAccounting suppliers."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tests.e2e import test_entity_sync as entity_sync
from tests.e2e import test_rackbeat_to_eaccounting as ea
from tests.e2e.flow import book_invoice, rackbeat_get
from tests.support.stack import Stack, wait_for

SETTINGS = ("mutation($id: ID!, $i: SettingsInput!) { updateSettings(integrationId: $id, input: $i) "
            "{ syncCustomers syncProducts syncBoms startOrderFlowFrom } }")


async def rackbeat(stack: Stack, setup: ea.EaSetup, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await stack.sandbox("rackbeat", method, f"/api/{path}", json=body,
                            headers={"Authorization": f"Bearer {setup.rackbeat['token']}"})
    assert r.status_code in (200, 201), r.text
    return r.json()  # type: ignore[no-any-return]


async def update_settings(stack: Stack, setup: ea.EaSetup, **values: str) -> dict[str, Any]:
    data = await stack.gql(SETTINGS, {"id": setup.integration_id, "i": values})
    saved: dict[str, Any] = data["updateSettings"]
    assert {k: saved[k] for k in values} == values, saved
    return saved


async def settled(stack: Stack, setup: ea.EaSetup, kind: str, ref: str, attempts: int = 1) -> dict[str, Any]:
    return await entity_sync.settled(stack, setup.rb, kind, ref, attempts)


async def deliveries(stack: Stack, setup: ea.EaSetup, event: str, key: str) -> list[dict[str, Any]]:
    r = await stack.sandbox("rackbeat", "GET", f"/_control/accounts/{setup.rackbeat['accountId']}/state")
    assert r.status_code == 200, r.text
    return [d for d in r.json()["webhookDeliveries"] if d["event"] == event and str(d["key"]) == key]


async def delivered(stack: Stack, setup: ea.EaSetup, event: str, key: str, *, after: int = 0) -> dict[str, Any]:
    """Wait until Rackbeat has delivered one more ``event`` for ``key`` (than ``after``) and bokbro has answered it:
    the answer comes after the webhook was handled, so any transfer it makes exists by then."""
    async def done() -> dict[str, Any] | None:
        finished = [d for d in await deliveries(stack, setup, event, key) if d["outcome"] in ("delivered", "failed")]
        return finished[-1] if len(finished) > after else None

    found: dict[str, Any] = await wait_for(done)
    assert found["outcome"] == "delivered" and found["status"] == 202, found
    return found


def _enc(number: str) -> str:
    return quote(quote(number, safe=""), safe="")


def _with_number(items: list[dict[str, Any]], field: str, number: str) -> list[dict[str, Any]]:
    return [i for i in items if str(i.get(field)) == number]


async def _new_customer(stack: Stack, setup: ea.EaSetup, name: str) -> str:
    terms = (await rackbeat_get(stack, setup.rb, "payment-terms"))["payment_terms"][0]["number"]
    created = await rackbeat(stack, setup, "POST", "customers", {
        "company_name": name, "payment_terms_id": terms, "contact_email": "post@vsykkel.example",
        "address_street": "Strandgaten 5", "address_zipcode": "5013", "address_city": "Bergen"})
    return str(created["customer"]["number"])


async def test_customer_created_then_changed_in_rackbeat_is_one_customer_in_eaccounting(stack: Stack) -> None:
    setup = await ea.onboard(stack)
    number = await _new_customer(stack, setup, "Vestlandsk Sykkel AS")
    first = await settled(stack, setup, "CUSTOMER", number)
    s = await ea.state(stack, setup)
    [customer] = _with_number(s["customers"], "CustomerNumber", number)
    assert customer["Name"] == "Vestlandsk Sykkel AS" and customer["Id"] == first["targetRef"], customer
    assert customer["InvoicePostalCode"] == "5013" and customer["InvoiceCity"] == "Bergen", customer

    await rackbeat(stack, setup, "PUT", f"customers/{number}", {"company_name": "Vestlandsk Sykkel og Ski AS"})
    second = await settled(stack, setup, "CUSTOMER", number, attempts=2)
    assert second["id"] == first["id"] and second["targetRef"] == first["targetRef"], json.dumps(second)
    s = await ea.state(stack, setup)
    assert s["counts"]["customers"] == 1, s["customers"]
    [customer] = _with_number(s["customers"], "CustomerNumber", number)
    assert customer["Id"] == first["targetRef"] and customer["Name"] == "Vestlandsk Sykkel og Ski AS", customer
    assert customer["InvoicePostalCode"] == "5013" and customer["InvoiceCity"] == "Bergen", customer
    assert {t["kind"] for t in await ea.transfers(stack, setup)} == {"CUSTOMER"}


async def test_product_and_bom_created_become_articles_and_price_changes_follow(stack: Stack) -> None:
    setup = await ea.onboard(stack)
    product_number, lot_number = "EA-SYNC/1", "EA-LOT-1"  # a "/" in the number, as Rackbeat allows
    part = (await rackbeat_get(stack, setup.rb, "products?limit=1"))["products"][0]["number"]
    await rackbeat(stack, setup, "POST", "products", {"number": product_number, "name": "Sykkelhjelm Pro",
                                                      "group": 1, "unit_id": 1, "sales_price": 1234.5})
    await rackbeat(stack, setup, "POST", "lots", {"number": lot_number, "name": "Sykkelpakke", "group": 5,
                                                  "unit_id": 1, "sales_price": 2500,
                                                  "lines": [{"product_id": product_number, "quantity": 1},
                                                            {"product_id": part, "quantity": 2}]})
    product_t = await settled(stack, setup, "PRODUCT", product_number)
    lot_t = await settled(stack, setup, "BOM", lot_number)
    s = await ea.state(stack, setup)
    assert s["counts"]["articles"] == 2, s["articles"]
    [article] = _with_number(s["articles"], "Number", product_number)
    assert article["Id"] == product_t["targetRef"] and article["Name"] == "Sykkelhjelm Pro", article
    assert float(article["NetPrice"]) == 1234.5, article
    [bom] = _with_number(s["articles"], "Number", lot_number)
    assert bom["Id"] == lot_t["targetRef"] and bom["Name"] == "Sykkelpakke" and float(bom["NetPrice"]) == 2500, bom

    await rackbeat(stack, setup, "PUT", f"products/{_enc(product_number)}", {"sales_price": 999})
    await rackbeat(stack, setup, "PUT", f"lots/{_enc(lot_number)}", {"sales_price": 2100, "name": "Sykkelpakke (ny)"})
    again = await settled(stack, setup, "PRODUCT", product_number, attempts=2)
    lot_again = await settled(stack, setup, "BOM", lot_number, attempts=2)
    assert again["targetRef"] == product_t["targetRef"] and lot_again["targetRef"] == lot_t["targetRef"]
    s = await ea.state(stack, setup)
    assert s["counts"]["articles"] == 2, s["articles"]
    [article] = _with_number(s["articles"], "Number", product_number)
    assert article["Id"] == product_t["targetRef"] and float(article["NetPrice"]) == 999, article
    [bom] = _with_number(s["articles"], "Number", lot_number)
    assert bom["Id"] == lot_t["targetRef"] and float(bom["NetPrice"]) == 2100, bom
    assert bom["Name"] == "Sykkelpakke (ny)", bom
    assert sorted(t["kind"] for t in await ea.transfers(stack, setup)) == ["BOM", "PRODUCT"]


async def test_a_customer_change_with_customer_sync_off_is_left_alone(stack: Stack) -> None:
    setup = await ea.onboard(stack)
    number = await _new_customer(stack, setup, "Vestlandsk Sykkel AS")
    first = await settled(stack, setup, "CUSTOMER", number)
    before = await ea.state(stack, setup)
    [customer] = _with_number(before["customers"], "CustomerNumber", number)

    await update_settings(stack, setup, syncCustomers="OFF")
    seen = len(await deliveries(stack, setup, "customer.updated", number))
    await rackbeat(stack, setup, "PUT", f"customers/{number}", {"company_name": "Vestlandsk Sykkel og Ski AS"})
    await delivered(stack, setup, "customer.updated", number, after=seen)
    # a new customer with sync off: not even created
    other = await _new_customer(stack, setup, "Ny Kunde AS")
    await delivered(stack, setup, "customer.created", other)

    everything = await ea.transfers(stack, setup)
    assert [(t["kind"], t["sourceRef"], t["attempts"]) for t in everything] == [("CUSTOMER", number, 1)], \
        json.dumps(everything)
    assert everything[0]["id"] == first["id"]
    after = await ea.state(stack, setup)
    assert after["customers"] == before["customers"], after["customers"]
    [kept] = _with_number(after["customers"], "CustomerNumber", number)
    assert after["counts"]["customers"] == 1 and kept["Name"] == customer["Name"] == "Vestlandsk Sykkel AS", kept


async def test_dont_transfer_invoices_leaves_eaccounting_alone_until_set_back_to_source(stack: Stack) -> None:
    setup = await ea.onboard(stack, status="INVOICED")
    await update_settings(stack, setup, startOrderFlowFrom="DONT_TRANSFER")
    skipped = await book_invoice(stack, setup.rb)
    await delivered(stack, setup, "invoice.booked", str(skipped))
    assert await ea.transfers(stack, setup) == []
    s = await ea.state(stack, setup)
    assert s["counts"]["drafts"] == 0 and s["counts"]["invoices"] == 0, s["counts"]
    assert s["counts"]["customers"] == 0 and s["counts"]["articles"] == 0, s["counts"]

    await update_settings(stack, setup, startOrderFlowFrom="RACKBEAT")
    sent = await book_invoice(stack, setup.rb)
    t = await ea.settled(stack, setup, sent)
    assert t["status"] == "SUCCEEDED", json.dumps(t)
    assert [(x["kind"], x["sourceRef"]) for x in await ea.transfers(stack, setup)] == [("INVOICE", str(sent))]
    s = await ea.state(stack, setup)
    [invoice] = ea.by_reference(s["invoices"], sent)
    assert invoice["Id"] == t["targetRef"], invoice
    assert ea.by_reference(s["invoices"], skipped) == [] and s["counts"]["invoices"] == 1, s["counts"]
    assert s["counts"]["drafts"] == 0, s["counts"]


async def test_a_supplier_created_then_changed_in_rackbeat_is_one_supplier_in_eaccounting(stack: Stack) -> None:
    """Suppliers go to eAccounting too (scope ea:purchase, asked for when eAccounting is authorized): created, then
    changed, one supplier with Rackbeat's number."""
    setup = await ea.onboard(stack)
    terms = (await rackbeat_get(stack, setup.rb, "payment-terms"))["payment_terms"][0]["number"]
    created = await rackbeat(stack, setup, "POST", "suppliers", {
        "company_name": "Fjordtre Leverandør AS", "contact_email": "post@fjordtre.example", "payment_terms_id": terms,
        "address_street": "Kaiveien 2", "address_zipcode": "5003", "address_city": "Bergen"})
    number = str(created["supplier"]["number"])
    first = await settled(stack, setup, "SUPPLIER", number)
    [made] = _with_number((await ea.state(stack, setup))["suppliers"], "SupplierNumber", number)
    assert made["Id"] == first["targetRef"] and made["Name"] == "Fjordtre Leverandør AS", made
    assert (made["EmailAddress"], made["PostalCode"], made["City"]) == ("post@fjordtre.example", "5003", "Bergen")

    await rackbeat(stack, setup, "PUT", f"suppliers/{number}", {"company_name": "Fjordtre AS"})
    second = await settled(stack, setup, "SUPPLIER", number, attempts=2)
    assert second["targetRef"] == first["targetRef"], json.dumps(second)
    s = await ea.state(stack, setup)
    [renamed] = _with_number(s["suppliers"], "SupplierNumber", number)
    assert renamed["Name"] == "Fjordtre AS" and renamed["City"] == "Bergen" and s["counts"]["suppliers"] == 1
