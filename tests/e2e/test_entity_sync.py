"""Real-time entity sync Rackbeat → Tripletex: customers, suppliers, products and BOMs, created and
changed in Rackbeat, each switchable; updates update, never duplicate."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.flow import Setup, onboard, rackbeat_get, transfers, tripletex_state
from tests.support.stack import Stack, wait_for


async def rackbeat(stack: Stack, setup: Setup, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await stack.sandbox("rackbeat", method, f"/api/{path}", json=body,
                            headers={"Authorization": f"Bearer {setup.rackbeat['token']}"})
    assert r.status_code in (200, 201), r.text
    return r.json()  # type: ignore[no-any-return]


async def settled(stack: Stack, setup: Setup, kind: str, ref: str, attempts: int = 1) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        for t in await transfers(stack, setup):
            if t["kind"] == kind and t["sourceRef"] == ref and t["status"] in ("SUCCEEDED", "FAILED") \
                    and t["attempts"] >= attempts:
                return t
        return None

    found: dict[str, Any] = await wait_for(done)
    assert found["status"] == "SUCCEEDED", json.dumps(found)
    return found


async def test_customer_created_then_changed_in_rackbeat_is_one_customer_in_tripletex(stack: Stack) -> None:
    setup = await onboard(stack)
    terms = (await rackbeat_get(stack, setup, "payment-terms"))["payment_terms"][0]["number"]
    created = await rackbeat(stack, setup, "POST", "customers", {
        "company_name": "Vestlandsk Sykkel AS", "payment_terms_id": terms, "contact_email": "post@vsykkel.example",
        "address_street": "Strandgaten 5", "address_zipcode": "5013", "address_city": "Bergen"})
    number = str(created["customer"]["number"])
    first = await settled(stack, setup, "CUSTOMER", number)
    await rackbeat(stack, setup, "PUT", f"customers/{number}", {"company_name": "Vestlandsk Sykkel og Ski AS"})
    second = await settled(stack, setup, "CUSTOMER", number, attempts=2)
    assert second["id"] == first["id"] and second["targetRef"] == first["targetRef"]
    customers = (await tripletex_state(stack, setup))["customers"]
    assert len(customers) == 1
    assert customers[0]["name"] == "Vestlandsk Sykkel og Ski AS"
    assert str(customers[0]["customerNumber"]) == number


async def test_product_and_bom_become_products_and_price_changes_follow(stack: Stack) -> None:
    setup = await onboard(stack)
    product = (await rackbeat_get(stack, setup, "products?limit=1"))["products"][0]
    number = product["number"]
    await rackbeat(stack, setup, "PUT", f"products/{_enc(number)}", {"sales_price": 1234.5})
    await settled(stack, setup, "PRODUCT", number)
    lot = (await rackbeat_get(stack, setup, "lots?limit=1"))["lots"][0]
    await rackbeat(stack, setup, "PUT", f"lots/{_enc(lot['number'])}", {"name": lot["name"] + " (ny)"})
    await settled(stack, setup, "BOM", lot["number"])
    products = {p["number"]: p for p in (await tripletex_state(stack, setup))["products"]}
    assert float(products[number]["priceExcludingVatCurrency"]) == 1234.5
    assert products[lot["number"]]["name"] == lot["name"] + " (ny)"
    await rackbeat(stack, setup, "PUT", f"products/{_enc(number)}", {"sales_price": 999})
    await settled(stack, setup, "PRODUCT", number, attempts=2)
    products = {p["number"]: p for p in (await tripletex_state(stack, setup))["products"]}
    assert float(products[number]["priceExcludingVatCurrency"]) == 999.0
    assert len(products) == 2


async def test_supplier_sync_and_a_switched_off_entity_is_left_alone(stack: Stack) -> None:
    setup = await onboard(stack)
    await stack.gql("mutation($id: ID!) { updateSettings(integrationId: $id, input: {syncCustomers: OFF}) "
                    "{ syncCustomers syncSuppliers } }", {"id": setup.integration_id})
    terms = (await rackbeat_get(stack, setup, "payment-terms"))["payment_terms"][0]["number"]
    await rackbeat(stack, setup, "POST", "customers", {"company_name": "Av AS", "payment_terms_id": terms})
    supplier = await rackbeat(stack, setup, "POST", "suppliers", {"company_name": "Leverandøren AS",
                                                                   "payment_terms_id": terms})
    await settled(stack, setup, "SUPPLIER", str(supplier["supplier"]["number"]))
    assert [t["kind"] for t in await transfers(stack, setup)] == ["SUPPLIER"]
    state = await tripletex_state(stack, setup)
    assert state["customers"] == []
    assert [s["name"] for s in state["suppliers"]] == ["Leverandøren AS"]


def _enc(number: str) -> str:
    from urllib.parse import quote

    return quote(quote(number, safe=""), safe="")
