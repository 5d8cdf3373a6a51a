"""TripletexClient against the Tripletex sandbox over real HTTP: sessions, paging, typed errors, secrets."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from backend.connectors.base import (
    AuthError,
    ConflictError,
    ConnectorError,
    Exchange,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    TransportError,
    ValidationError,
)
from backend.connectors.tripletex import InMemorySessionCache, TripletexClient
from backend.flows.explanations import explain
from backend.sandbox.tripletex import create_app
from tests.support.servers import free_port, serve_asgi

# One sandbox for the module; every test makes its own accounts (they share nothing).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Sandbox:
    url: str  # .../sandbox/tripletex
    http: httpx.AsyncClient

    async def account(self, **options: Any) -> dict[str, Any]:
        r = await self.http.post(f"{self.url}/_control/accounts", json={"seed": "empty", **options})
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def control(self, account: dict[str, Any], method: str, what: str, body: Any = None) -> httpx.Response:
        r = await self.http.request(method, f"{self.url}/_control/accounts/{account['accountId']}/{what}", json=body)
        assert r.status_code in (200, 204), r.text
        return r

    async def state(self, account: dict[str, Any]) -> dict[str, Any]:
        return (await self.control(account, "GET", "state")).json()  # type: ignore[no-any-return]

    def client(self, account: dict[str, Any], **kw: Any) -> TripletexClient:
        return TripletexClient(f"{self.url}/v2", account["consumerToken"], account["employeeToken"], **kw)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def sandbox() -> AsyncIterator[Sandbox]:
    outer = Starlette(routes=[Mount("/sandbox/tripletex", create_app())])
    async with serve_asgi(outer) as root, httpx.AsyncClient(timeout=10) as http:
        yield Sandbox(f"{root}/sandbox/tripletex", http)


@pytest_asyncio.fixture(loop_scope="module")
async def account(sandbox: Sandbox) -> dict[str, Any]:
    return await sandbox.account()


@pytest_asyncio.fixture(loop_scope="module")
async def client(sandbox: Sandbox, account: dict[str, Any]) -> AsyncIterator[TripletexClient]:
    async with sandbox.client(account) as c:
        yield c  # type: ignore[misc]


class Clock:
    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


def customer_payload(**fields: Any) -> dict[str, Any]:
    return {"name": "Fjord Sport AS", "isCustomer": True, "isPrivateIndividual": False,
            "postalAddress": {"addressLine1": "Storgata 1", "postalCode": "0150", "city": "Oslo"},
            "invoiceSendMethod": "EHF", **fields}


async def order_payload(client: TripletexClient, **fields: Any) -> dict[str, Any]:
    customer = await client.create_customer(customer_payload())
    vat = await client.find_vat_type("3")
    assert vat is not None
    return {"customer": {"id": customer["id"]}, "orderDate": "2025-03-10", "deliveryDate": "2025-03-10",
            "number": "RB-1042", "isPrioritizeAmountsIncludingVat": False,
            "orderLines": [{"description": "Ullgenser", "count": 2, "unitPriceExcludingVatCurrency": 100,
                            "discount": 10, "vatType": {"id": vat["id"]}},
                           {"description": "Frakt", "count": 3, "unitPriceExcludingVatCurrency": 110,
                            "vatType": {"id": vat["id"]}}], **fields}


# ---------------------------------------------------------------------------------------------------------
# sessions
# ---------------------------------------------------------------------------------------------------------


async def test_session_is_created_on_first_use_and_reused(sandbox: Sandbox, account: dict[str, Any],
                                                          client: TripletexClient) -> None:
    me = await client.who_am_i()
    assert me["companyId"] == account["companyId"]
    await client.list_vat_types()
    await client.find_customer_by_number(1)
    assert client.sessions_created == 1
    assert (await sandbox.state(account))["sessionsCreated"] == 1
    created = [e for e in client.exchanges if ":create" in e.url]
    assert len(created) == 1 and created[0].method == "POST" and created[0].status == 201
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert created[0].request_body["expirationDate"] == tomorrow


async def test_session_cache_is_shared_and_keyed_by_a_hash(sandbox: Sandbox, account: dict[str, Any]) -> None:
    cache = InMemorySessionCache()
    async with sandbox.client(account, session_cache=cache) as one, \
            sandbox.client(account, session_cache=cache) as two:
        await one.who_am_i()
        await two.who_am_i()
    assert (await sandbox.state(account))["sessionsCreated"] == 1
    (key,) = cache._data
    assert account["consumerToken"] not in key and account["employeeToken"] not in key and len(key) == 64


async def test_session_is_renewed_when_its_expiration_date_is_reached(sandbox: Sandbox,
                                                                      account: dict[str, Any]) -> None:
    day0 = date.today()
    clock = Clock(day0)
    async with sandbox.client(account, today=clock, session_days=2) as client:
        await client.who_am_i()
        assert client.exchanges[0].request_body["expirationDate"] == (day0 + timedelta(days=2)).isoformat()
        clock.today = day0 + timedelta(days=1)  # still valid: same session
        await sandbox.control(account, "POST", "clock", {"today": clock.today.isoformat()})
        await client.who_am_i()
        assert client.sessions_created == 1
        clock.today = day0 + timedelta(days=2)  # the expiration date: renewed before the call
        await sandbox.control(account, "POST", "clock", {"today": clock.today.isoformat()})
        await client.who_am_i()
        assert client.sessions_created == 2
        assert not [e for e in client.exchanges if e.status == 401]
    assert (await sandbox.state(account))["sessionsCreated"] == 2


async def test_session_that_dies_mid_run_is_recreated_once(sandbox: Sandbox, account: dict[str, Any],
                                                          client: TripletexClient) -> None:
    await client.who_am_i()
    await sandbox.control(account, "DELETE", "sessions")  # Tripletex forgets every session of the token
    customer = await client.create_customer(customer_payload())
    assert customer["id"]
    assert client.sessions_created == 2
    statuses = [e.status for e in client.exchanges]
    assert statuses == [201, 200, 401, 201, 201]


async def test_a_401_recreates_the_session_only_once() -> None:
    calls = {"create": 0, "api": 0}

    async def create(request: Request) -> Response:
        calls["create"] += 1
        return JSONResponse({"value": {"token": f"session-token-{calls['create']}", "expirationDate": "2099-01-01"}},
                            status_code=201)

    async def api(request: Request) -> Response:
        calls["api"] += 1
        encoded = request.headers.get("authorization", "").removeprefix("Basic ")
        token = base64.b64decode(encoded).decode().partition(":")[2]  # a careless server echoes the session
        return JSONResponse({"status": 401, "code": 3000, "message": f"Unauthorized ({token})", "link": "x",
                             "developerMessage": None, "validationMessages": None, "requestId": "r1"},
                            status_code=401)

    app = Starlette(routes=[Route("/v2/token/session/:create", create, methods=["POST"]),
                            Route("/v2/{path:path}", api, methods=["GET", "POST"])])
    async with serve_asgi(app) as url, TripletexClient(f"{url}/v2", "consumer-secret", "employee-secret") as client:
        with pytest.raises(AuthError) as caught:
            await client.who_am_i()
    assert calls == {"create": 2, "api": 2}
    error = caught.value
    assert error.status == 401 and error.code == "3000" and error.request_id == "r1"
    assert "session-token" not in str(error) and "***" in str(error)  # the echoed session is redacted
    assert "session-token" not in json.dumps([e.as_dict() for e in client.exchanges])


async def test_concurrent_calls_create_one_session(sandbox: Sandbox, account: dict[str, Any],
                                                   client: TripletexClient) -> None:
    await sandbox.control(account, "POST", "faults", {"latency_ms": 50})
    results = await asyncio.gather(*(client.who_am_i() for _ in range(20)))
    assert len(results) == 20
    assert (await sandbox.state(account))["sessionsCreated"] == 1


async def test_wrong_tokens_are_an_auth_error(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client({**account, "employeeToken": "test-wrong"}) as client:
        with pytest.raises(AuthError) as caught:
            await client.who_am_i()
    assert caught.value.status == 401 and caught.value.code == "3000"


# ---------------------------------------------------------------------------------------------------------
# paging and reads
# ---------------------------------------------------------------------------------------------------------


async def test_pagination_walks_every_page(sandbox: Sandbox) -> None:
    demo = await sandbox.account(seed="demo")
    async with sandbox.client(demo) as client:
        products = [p async for p in client.iter_products(page_size=100)]
        pages = [e for e in client.exchanges if e.method == "GET" and "/product?" in e.url]
    assert len(products) == 1050 and len({p["id"] for p in products}) == 1050
    # products are read in price ranges (a search past 10,000 matches is refused), each range page by page
    queries = [dict(parse_qsl(urlsplit(e.url).query)) for e in pages]
    assert all(q["count"] == "100" and "priceExcludingVatCurrencyFrom" in q for q in queries)
    assert max(int(q["from"]) for q in queries) >= 500  # the largest range took several pages
    async with sandbox.client(demo) as client:
        active = [c async for c in client.iter_customers(page_size=50)]
        everyone = [c async for c in client.iter_customers(page_size=50, include_inactive=True)]
        suppliers = [s async for s in client.iter_suppliers()]
        employees = [e async for e in client.iter_employees(page_size=5)]
        projects = [p async for p in client.iter_projects()]
    assert 200 <= len(active) < len(everyone)
    assert len(suppliers) >= 50 and len(employees) > 5 and len(projects) > 0


async def test_reference_data(client: TripletexClient) -> None:
    vat = await client.find_vat_type("33")
    assert vat is not None and vat["percentage"] == 12.0
    assert await client.find_vat_type("99") is None
    assert {"3", "31", "33", "5", "6"} <= {v["number"] for v in await client.list_vat_types()}
    assert "Betalt til bank" in {p["description"] for p in await client.list_payment_types()}
    assert {"NOK", "EUR"} <= {c["code"] for c in await client.list_currencies()}
    assert "Stykk" in {u["name"] for u in await client.list_units()}
    assert await client.bank_account_registered() is True


async def test_find_and_update_customers_suppliers_and_products(client: TripletexClient) -> None:
    customer = await client.create_customer(customer_payload(organizationNumber="914780591"))
    assert (await client.find_customer_by_number(customer["customerNumber"]))["id"] == customer["id"]  # type: ignore[index]
    assert (await client.find_customer_by_org_number("914780591"))["id"] == customer["id"]  # type: ignore[index]
    assert await client.find_customer_by_number(4242) is None
    updated = await client.update_customer(customer["id"], {"version": customer["version"], "isInactive": True})
    assert updated["isInactive"] is True
    # inactive customers are hidden by default; the client still finds them
    assert (await client.find_customer_by_number(customer["customerNumber"]))["id"] == customer["id"]  # type: ignore[index]
    assert (await client.get_customer(customer["id"]))["name"] == "Fjord Sport AS"  # type: ignore[index]

    supplier = await client.create_supplier({"name": "Grossist AS", "organizationNumber": "914780591"})
    assert (await client.find_supplier_by_number(supplier["supplierNumber"]))["id"] == supplier["id"]  # type: ignore[index]
    assert (await client.find_supplier_by_org_number("914780591"))["id"] == supplier["id"]  # type: ignore[index]
    assert (await client.update_supplier(supplier["id"], {"email": "a@b.example"}))["email"] == "a@b.example"
    assert (await client.get_supplier(supplier["id"]))["id"] == supplier["id"]  # type: ignore[index]

    product = await client.create_product({"name": "Ullgenser", "number": "P/100", "priceExcludingVatCurrency": 400})
    assert (await client.find_product_by_number("P/100"))["id"] == product["id"]  # type: ignore[index]
    assert await client.find_product_by_number("P/1") is None
    assert (await client.update_product(product["id"], {"name": "Ullgenser 2"}))["name"] == "Ullgenser 2"
    assert (await client.get_product(product["id"]))["number"] == "P/100"  # type: ignore[index]


# ---------------------------------------------------------------------------------------------------------
# orders and invoices
# ---------------------------------------------------------------------------------------------------------


async def test_order_then_invoice_with_send_to_customer_passed_explicitly(sandbox: Sandbox, account: dict[str, Any],
                                                                          client: TripletexClient) -> None:
    order = await client.create_order(await order_payload(client))
    found = await client.find_order_by_number("RB-1042", date(2025, 3, 9), date(2025, 3, 12))
    assert found is not None and found["id"] == order["id"]
    assert found["orderLines"][0]["amountExcludingVatCurrency"] == 180.0
    assert await client.find_order_by_number("RB-1042", "2025-03-11", "2025-03-12") is None
    fetched = await client.get_order(order["id"])
    assert fetched is not None and len(fetched["orderLines"]) == 2
    invoice = await client.invoice_order(order["id"], date(2025, 3, 10), send_to_customer=False)
    assert invoice["amountExcludingVat"] == 510.0
    again = await client.get_invoice(invoice["id"])
    assert again is not None and len(again["orderLines"]) == 2
    listed = await client.find_invoices(date(2025, 3, 1), date(2025, 4, 1), customer_id=order["customer"]["id"])
    assert [i["id"] for i in listed] == [invoice["id"]] and listed[0]["orders"][0]["id"] == order["id"]
    invoice_calls = [e for e in client.exchanges if ":invoice" in e.url]
    assert "sendToCustomer=false" in invoice_calls[0].url
    state = await sandbox.state(account)
    assert state["invoices"][0]["sentToCustomer"] is False


async def test_create_invoice_with_embedded_order_and_prepayment(sandbox: Sandbox, account: dict[str, Any],
                                                                 client: TripletexClient) -> None:
    payload = await order_payload(client)
    bank = next(p for p in await client.list_payment_types() if p["description"] == "Betalt til bank")
    invoice = await client.create_invoice(
        {"invoiceDate": "2025-03-10", "invoiceDueDate": "2025-03-24", "customer": payload["customer"],
         "orders": [payload]}, send_to_customer=True, payment_type_id=bank["id"], paid_amount=100.0)
    assert invoice["amount"] == 637.5 and invoice["amountOutstanding"] == 537.5
    posted = [e for e in client.exchanges if e.method == "POST" and "/invoice?" in e.url]
    assert "sendToCustomer=true" in posted[0].url and "paidAmount=100.0" in posted[0].url
    assert (await sandbox.state(account))["invoices"][0]["sentToCustomer"] is True
    paid = await client.register_payment(invoice["id"], "2025-03-20", bank["id"], 537.5)
    assert paid["amountOutstanding"] == 0.0
    with pytest.raises(ValueError):
        await client.create_invoice({}, send_to_customer=False, payment_type_id=bank["id"])
    with pytest.raises(ValueError):
        await client.invoice_order(1, "2025-03-10", send_to_customer=False, paid_amount=5.0)


async def test_delete_order_and_404_is_none(client: TripletexClient) -> None:
    order = await client.create_order(await order_payload(client))
    await client.delete_order(order["id"])
    assert await client.get_order(order["id"]) is None
    assert await client.get_invoice(987654321) is None
    assert await client.get_customer(987654321) is None
    assert await client.get_product(987654321) is None
    assert await client.get_supplier(987654321) is None
    with pytest.raises(NotFoundError) as caught:
        await client.delete_order(order["id"])
    assert caught.value.status == 404 and caught.value.code == "6000"


# ---------------------------------------------------------------------------------------------------------
# purchase orders
# ---------------------------------------------------------------------------------------------------------


async def purchase_order_payload(client: TripletexClient) -> dict[str, Any]:
    supplier = await client.create_supplier({"name": "Grossist AS", "organizationNumber": "914780591"})
    product = await client.create_product({"name": "Ullgenser", "number": "P/100", "costExcludingVatCurrency": 180,
                                           "priceExcludingVatCurrency": 400, "vatType": {"id": 3}})
    return {"supplier": {"id": supplier["id"]}, "deliveryDate": "2025-03-20", "comments": "Rackbeat innkjøp 7",
            "orderLines": [{"product": {"id": product["id"]}, "count": 3},
                           {"description": "Frakt", "count": 1, "unitPriceExcludingVatCurrency": 99.5}]}


async def test_purchase_order_with_lines_find_get_and_delete(sandbox: Sandbox, account: dict[str, Any],
                                                             client: TripletexClient) -> None:
    payload = await purchase_order_payload(client)
    created = await client.create_purchase_order(payload)
    assert created["number"] == "1" and created["status"] == "STATUS_OPEN"
    assert created["supplier"]["id"] == payload["supplier"]["id"]
    me = await client.who_am_i()
    assert created["ourContact"]["id"] == me["employeeId"]  # defaulted to the token owner
    assert [(x["description"], x["amountExcludingVatCurrency"]) for x in created["orderLines"]] == [
        ("Ullgenser", 540.0), ("Frakt", 99.5)]
    assert all(x["purchaseOrder"]["id"] == created["id"] for x in created["orderLines"])
    posted = [(e.method, e.url.split("/v2/")[1], e.status) for e in client.exchanges if e.method == "POST"]
    assert ("POST", "purchaseOrder", 201) in posted and ("POST", "purchaseOrder/orderline/list", 201) in posted
    header = next(e for e in client.exchanges if e.method == "POST" and e.url.endswith("/v2/purchaseOrder"))
    assert "orderLines" not in header.request_body  # read-only on PurchaseOrder
    found = await client.find_purchase_order_by_number("1")
    assert found is not None and found["id"] == created["id"] and len(found["orderLines"]) == 2
    assert await client.find_purchase_order_by_number("RB-7") is None
    fetched = await client.get_purchase_order(created["id"])
    assert fetched == created
    state = await sandbox.state(account)
    assert state["counts"]["purchaseOrders"] == 1 and state["purchaseOrders"][0]["amountExcludingVat"] == 639.5
    await client.delete_purchase_order(created["id"])
    assert await client.get_purchase_order(created["id"]) is None
    with pytest.raises(NotFoundError):
        await client.delete_purchase_order(created["id"])
    counts = (await sandbox.state(account))["counts"]
    assert counts["purchaseOrders"] == 0 and counts["purchaseOrderLines"] == 0


async def test_purchase_order_without_lines_and_with_an_explicit_contact(client: TripletexClient) -> None:
    payload = await purchase_order_payload(client)
    me = await client.who_am_i()
    bare = {k: v for k, v in payload.items() if k != "orderLines"}
    created = await client.create_purchase_order({**bare, "ourContact": {"id": me["employeeId"]}})
    assert created["orderLines"] == [] and created["ourContact"]["id"] == me["employeeId"]
    assert not any("orderline" in e.url for e in client.exchanges)
    assert sum(1 for e in client.exchanges if "whoAmI" in e.url) == 1  # only the test's own call


async def test_purchase_order_with_a_refused_line_leaves_nothing_behind(sandbox: Sandbox, account: dict[str, Any],
                                                                        client: TripletexClient) -> None:
    payload = await purchase_order_payload(client)
    payload["orderLines"].append({"product": {"id": 987654321}, "count": 1})
    with pytest.raises(ValidationError) as caught:
        await client.create_purchase_order(payload)
    assert (caught.value.status, caught.value.code, caught.value.field) == (422, "18000", "product.id")
    assert caught.value.details[0]["path"] == "[2].product.id"
    deleted = [e for e in client.exchanges if e.method == "DELETE" and "/purchaseOrder/" in e.url]
    assert len(deleted) == 1 and deleted[0].status == 204
    counts = (await sandbox.state(account))["counts"]
    assert counts["purchaseOrders"] == 0 and counts["purchaseOrderLines"] == 0
    with pytest.raises(ValidationError) as missing:  # no deliveryDate: refused before anything exists
        await client.create_purchase_order({"supplier": payload["supplier"]})
    assert missing.value.field == "deliveryDate"


async def test_purchase_orders_without_logistics_basic_are_an_auth_error(sandbox: Sandbox) -> None:
    account = await sandbox.account(logisticsBasic=False)
    async with sandbox.client(account) as c:
        with pytest.raises(AuthError) as caught:
            await c.find_purchase_order_by_number("1")
    assert caught.value.status == 403 and caught.value.code == "9000"


# ---------------------------------------------------------------------------------------------------------
# typed errors
# ---------------------------------------------------------------------------------------------------------


async def test_422_is_a_validation_error_with_code_and_field(client: TripletexClient) -> None:
    await client.create_product({"name": "A", "number": "4982"})
    with pytest.raises(ValidationError) as caught:
        await client.create_product({"name": "B", "number": "4982"})
    error = caught.value
    assert (error.status, error.code, error.field) == (422, "18000", "number")
    assert "Produktnummeret 4982 er i bruk." in error.message and error.request_id
    assert error.details == [{"field": "number", "message": "Produktnummeret 4982 er i bruk.", "path": "number"}]
    assert not error.retryable
    with pytest.raises(ValidationError) as unknown:
        await client.create_customer({"name": "X AS", "colour": "blue"})
    assert (unknown.value.code, unknown.value.field) == ("16000", "colour")


async def test_business_rule_errors_carry_the_field(sandbox: Sandbox) -> None:
    no_bank = await sandbox.account(bankAccount=False)
    async with sandbox.client(no_bank) as client:
        assert await client.bank_account_registered() is False
        order = await client.create_order(await order_payload(client))
        with pytest.raises(ValidationError) as caught:
            await client.invoice_order(order["id"], "2025-03-10", send_to_customer=False)
        assert caught.value.code == "18000" and caught.value.field is None
        assert "bankkontonummer" in caught.value.message
        payload = await order_payload(client, isPrioritizeAmountsIncludingVat=True)
        with pytest.raises(ValidationError) as vat:
            await client.create_order(payload)
        assert vat.value.field == "orderLines.unitPriceIncludingVatCurrency"
        with pytest.raises(ValidationError) as ehf:
            await client.create_customer({"name": "Uten adresse AS"})
        assert ehf.value.field == "postalAddress"


async def test_refusals_bokbro_avoids_by_design_are_still_explained(sandbox: Sandbox) -> None:
    """Refusals a transfer does not meet (bokbro always sends prices excluding VAT, chooses EHF only with an address,
    and looks a product number up before creating it) — yet a customer's own Tripletex data could bring them
    about. Produced here by the sandbox over real HTTP, each maps to its explanation by status and field."""
    account = await sandbox.account(bankAccount=False)
    async with sandbox.client(account) as client:
        refusals: dict[str, ValidationError] = {}
        with pytest.raises(ValidationError) as caught:
            await client.create_order(await order_payload(client, isPrioritizeAmountsIncludingVat=True))
        refusals["vat_inclusive_price"] = caught.value
        excl_order = await order_payload(client)
        excl_order["orderLines"] = [{"description": "Ullgenser", "count": 1, "unitPriceIncludingVatCurrency": 125,
                                     "vatType": excl_order["orderLines"][0]["vatType"]}]
        with pytest.raises(ValidationError) as caught:
            await client.create_order(excl_order)
        refusals["vat_exclusive_price"] = caught.value
        with pytest.raises(ValidationError) as caught:
            await client.create_customer({"name": "Uten adresse AS"})
        refusals["ehf_needs_address"] = caught.value
        await client.create_product({"name": "A", "number": "7001"})
        with pytest.raises(ValidationError) as caught:
            await client.create_product({"name": "B", "number": "7001"})
        refusals["product_number_in_use"] = caught.value
        with pytest.raises(ValidationError) as caught:
            await client.create_customer(customer_payload(organizationNumber="12345"))
        refusals["invalid_org_number"] = caught.value
        with pytest.raises(NotFoundError) as caught:  # an order deleted meanwhile, asked to be invoiced
            await client.invoice_order(99_999_999, "2025-03-10", send_to_customer=False)
        gone = explain(caught.value)
        assert gone is not None and gone.key == "target_not_found"
        for key, error in refusals.items():
            explanation = explain(error)
            assert explanation is not None and explanation.key == key, (key, error.field, error.details)
            assert explanation.en and explanation.no


async def test_429_is_rate_limited_with_retry_after_from_the_reset_header(sandbox: Sandbox, account: dict[str, Any],
                                                                          client: TripletexClient) -> None:
    await client.who_am_i()
    await sandbox.control(account, "POST", "rate-limit", {"limit": 0, "periodSeconds": 30})
    with pytest.raises(RateLimitedError) as caught:
        await client.who_am_i()
    assert caught.value.status == 429 and caught.value.retryable
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 30
    await sandbox.control(account, "POST", "rate-limit", {"limit": 0, "periodSeconds": 30, "omitResetOn429": True})
    with pytest.raises(RateLimitedError) as bare:
        await client.who_am_i()
    assert bare.value.retry_after is None  # tripletex-api2 issue #103: no header, no guess
    await sandbox.control(account, "POST", "rate-limit", {"limit": 1000, "periodSeconds": 60})
    await sandbox.control(account, "POST", "faults", {"rate_limit_storm": 1, "rate_limit_reset_seconds": 3})
    with pytest.raises(RateLimitedError) as storm:
        await client.who_am_i()
    assert storm.value.retry_after == 3.0
    assert (await client.who_am_i())["companyId"] == account["companyId"]


async def test_timeout_is_a_transport_error(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client(account, timeout=0.2) as client:
        await client.who_am_i()
        await sandbox.control(account, "POST", "faults", {"timeout_rate": 1.0, "timeout_seconds": 0.6})
        with pytest.raises(TransportError) as caught:
            await client.who_am_i()
    assert caught.value.retryable and caught.value.status is None
    assert client.exchanges[-1].error == "timeout"


async def test_5xx_is_retryable(sandbox: Sandbox, account: dict[str, Any], client: TripletexClient) -> None:
    await client.who_am_i()
    await sandbox.control(account, "POST", "faults", {"error_5xx_rate": 1.0})
    with pytest.raises(RetryableError) as caught:
        await client.create_customer(customer_payload())
    error = caught.value
    assert not isinstance(error, RateLimitedError)
    assert (error.status, error.code) == (500, "1000")
    assert error.retry_after is None  # X-Rate-Limit-Reset on a 500 is not a reason to wait


# ---------------------------------------------------------------------------------------------------------
# secrets
# ---------------------------------------------------------------------------------------------------------


async def test_secrets_never_show_in_errors_or_recorded_exchanges(sandbox: Sandbox, account: dict[str, Any]) -> None:
    recorded: list[Exchange] = []
    errors: list[ConnectorError] = []
    cache = InMemorySessionCache()
    async with sandbox.client(account, on_exchange=recorded.append, session_cache=cache) as client:
        await client.who_am_i()
        for call in (lambda: client.create_customer({"name": "X", "colour": 1}),
                     lambda: client.delete_order(1)):
            try:
                await call()
            except ConnectorError as exc:
                errors.append(exc)
        await sandbox.control(account, "DELETE", "sessions")
        await client.find_product_by_number("1")  # 401 → new session
    secrets = list(client._secrets)  # the two tokens and both session tokens
    assert len(secrets) == 4 and {account["consumerToken"], account["employeeToken"]} <= set(secrets)
    assert next(iter(cache._data.values()))[0] in secrets
    assert len(errors) == 2 and len(recorded) >= 6
    text = json.dumps([e.as_dict() for e in recorded]) + " ".join(str(e) for e in errors) + \
        " ".join(repr(e) for e in errors)
    for secret in secrets:
        assert secret not in text
    assert any(e.status == 401 for e in recorded)


# ---------------------------------------------------------------------------------------------------------
# added by the issue-3 audit: the error classes that had no test
# ---------------------------------------------------------------------------------------------------------


async def test_a_stale_version_is_a_conflict_error(client: TripletexClient) -> None:
    customer = await client.create_customer(customer_payload(name="Versjon AS"))
    updated = await client.update_customer(customer["id"], {"version": customer["version"], "phoneNumber": "+47 1"})
    assert updated["version"] == customer["version"] + 1
    with pytest.raises(ConflictError) as caught:  # someone else changed it since we read it
        await client.update_customer(customer["id"], {"version": customer["version"], "name": "Gammel AS"})
    error = caught.value
    assert (error.status, error.code) == (409, "8000") and not error.retryable and error.request_id
    assert (await client.get_customer(customer["id"]))["name"] == "Versjon AS"  # type: ignore[index]


async def test_connection_refused_is_a_transport_error() -> None:
    async with TripletexClient(f"http://127.0.0.1:{free_port()}/v2", "consumer-secret-1",
                               "employee-secret-1") as client:
        with pytest.raises(TransportError) as caught:  # the session cannot even be created
            await client.who_am_i()
    assert caught.value.retryable and caught.value.status is None
    assert client.exchanges[-1].error == "ConnectError" and client.sessions_created == 0
    text = str(caught.value) + json.dumps([e.as_dict() for e in client.exchanges])
    assert "consumer-secret-1" not in text and "employee-secret-1" not in text
