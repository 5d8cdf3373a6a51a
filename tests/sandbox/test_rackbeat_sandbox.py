"""The Rackbeat sandbox, one test per rule of reference/rackbeat/API.md §0, §1, §2, §4 — over real HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from backend.sandbox.rackbeat import create_app
from backend.sandbox.rackbeat import guesses as g
from tests.support.servers import serve_asgi

# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Account:
    env: Env
    id: str
    token: str
    user_account_id: int

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.auth, **kw.pop("headers", {})}
        return await self.env.http.request(method, f"/api/{path.lstrip('/')}", headers=headers, **kw)

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.call("POST", path, json=json if json is not None else {}, **kw)

    async def put(self, path: str, json: Any, **kw: Any) -> httpx.Response:
        return await self.call("PUT", path, json=json, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.call("DELETE", path, **kw)

    async def control(self, method: str, what: str, **kw: Any) -> httpx.Response:
        return await self.env.http.request(method, f"/_control/accounts/{self.id}/{what}", **kw)

    async def state(self) -> dict[str, Any]:
        r = await self.control("GET", "state")
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def faults(self, **faults: Any) -> None:
        r = await self.control("POST", "faults", json=faults)
        assert r.status_code == 200, r.text

    async def basics(self) -> None:
        """What an empty account needs before customers, products and invoices."""
        for path, body in (
            ("payment-terms", {"number": 1, "name": "Netto 14 dager", "type": "net", "maturity_days": 14}),
            ("customer-groups", {"number": 1, "name": "Bedriftskunder"}),
            ("supplier-groups", {"number": 1, "name": "Leverandører"}),
            ("product-groups", {"number": 1, "name": "Lagervarer", "has_inventory": True, "vat_domestic": 25}),
            ("product-groups", {"number": 2, "name": "Tjenester", "has_inventory": False}),
            ("product-groups", {"number": 3, "name": "Matvarer", "has_inventory": True, "vat_domestic": 15}),
            ("units", {"number": 1, "name": "stk"}),
            ("customers", {"number": 1001, "company_name": "Fjord Bygg AS", "company_vat": "923609016",
                           "payment_terms_id": 1, "customer_group_id": 1, "contact_email": "post@fjordbygg.no",
                           "address_street": "Strandveien 5", "address_zipcode": "5003", "address_city": "BERGEN",
                           "address_country": "NO"}),
            ("suppliers", {"number": 2001, "company_name": "Engros AS", "payment_terms_id": 1,
                           "supplier_group_id": 1}),
            ("products", {"number": "P-1", "name": "Skrue", "group": 1, "unit_id": 1, "sales_price": 100,
                          "recommended_cost_price": 60}),
            ("products", {"number": "P-2", "name": "Bolt", "group": 1, "unit_id": 1, "sales_price": 110}),
            ("products", {"number": "F-1", "name": "Kaffe", "group": 3, "unit_id": 1, "sales_price": 80}),
            ("products", {"number": "S-1", "name": "Montering", "group": 2, "unit_id": 1, "sales_price": 900}),
        ):
            r = await self.post(path, body, params={"suppress_webhooks": "true"})
            assert r.status_code == 201, (path, r.text)

    async def draft(self, lines: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        body = {"customer_id": 1001,
                "lines": lines or [{"item_id": "P-1", "quantity": 2, "line_price": 100, "discount_percentage": 10},
                                   {"item_id": "P-2", "quantity": 3, "line_price": 110}],
                **extra}
        r = await self.post("customer-invoices/drafts", body)
        assert r.status_code == 201, r.text
        return r.json()["customer_invoice"]  # type: ignore[no-any-return]

    async def hook(self, event: str, url: str) -> dict[str, Any]:
        r = await self.post("webhooks", {"event": event, "url": url})
        assert r.status_code == 201, r.text
        return r.json()["webhook"]  # type: ignore[no-any-return]


@dataclass
class Env:
    app: Starlette
    url: str
    http: httpx.AsyncClient

    async def account(self, seed: str = "empty") -> Account:
        r = await self.http.post("/_control/accounts", json={"seed": seed})
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) == {"accountId", "token", "userAccountId"}
        return Account(self, body["accountId"], body["token"], body["userAccountId"])

    async def drain(self) -> None:
        async with asyncio.timeout(10):
            await self.app.state.rackbeat.drain()


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    app = create_app()
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield Env(app, url, http)


@pytest.fixture
async def acc(env: Env) -> Account:
    account = await env.account()
    await account.basics()
    return account


@dataclass
class Receiver:
    """A webhook receiver: answers with ``statuses`` in turn (then 200), optionally slowly at first."""

    statuses: list[int] = field(default_factory=list)
    slow_first: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = json.loads(await request.body())
            self.calls.append({"headers": dict(request.headers), "body": body})
            if self.slow_first and len(self.calls) == 1:
                await asyncio.sleep(self.slow_first)
            status = self.statuses.pop(0) if self.statuses else 200
            return JSONResponse({"ok": status < 300}, status_code=status)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    async with serve_asgi(rec.app()) as url:
        rec.url = f"{url}/hook"
        yield rec


# ---------------------------------------------------------------------------------------------------------
# auth
# ---------------------------------------------------------------------------------------------------------


async def test_unknown_or_missing_token_is_401_json(env: Env) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        r = await env.http.get("/api/customers", headers=headers)
        assert r.status_code == 401
        assert r.json() == {"message": g.UNAUTHENTICATED_MESSAGE}


async def test_self_and_token_replacement(env: Env) -> None:
    account = await env.account()
    me = (await account.get("self")).json()
    assert me["user_account"]["id"] == account.user_account_id
    assert set(me["user_account"]["address"]) >= {"street", "city", "zipcode", "country"}
    assert {"id", "name", "email"} <= set(me["user"])
    assert account.token.count(".") == 2  # shaped like Rackbeat's Passport JWTs
    r = await account.post("tokens/replace-current")
    assert r.status_code == 200
    new = r.json()["token"]
    assert new != account.token
    assert (await account.get("self")).status_code == 401  # the old token stops working
    account.token = new
    assert (await account.get("self")).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# envelopes, paging, filters, fields, keys
# ---------------------------------------------------------------------------------------------------------


async def test_single_object_envelope_create_201_with_self_and_timestamps(acc: Account) -> None:
    r = await acc.post("customers", {"company_name": "Hav AS", "payment_terms_id": 1})
    assert r.status_code == 201
    customer = r.json()["customer"]
    assert list(r.json()) == ["customer"]
    assert customer["number"] == 1002  # auto-numbered after the highest
    assert customer["self"] == f"{acc.env.url}/api/customers/1002"
    assert customer["created_at"].endswith("+00:00") and customer["updated_at"] == customer["created_at"]
    got = await acc.get("customers/1002")
    assert got.status_code == 200 and got.json() == {"customer": customer}
    via_self = await acc.env.http.get(customer["self"], headers=acc.auth)
    assert via_self.json() == {"customer": customer}
    product = (await acc.get("products/P-1")).json()["product"]
    assert isinstance(product["sales_price"], float) and product["sales_price"] == 100.0
    assert product["group"]["number"] == 1 and product["group"]["has_inventory"] is True
    assert product["unit"]["name"] == "stk"


async def test_lists_are_206_with_the_plural_key_first(acc: Account) -> None:
    r = await acc.get("products")
    assert r.status_code == 206
    body = r.json()
    assert list(body) == ["products", "total", "pages", "limit", "page"]
    assert body["total"] == 4 and body["pages"] == 1 and body["limit"] == g.DEFAULT_LIMIT and body["page"] == 1
    for path, key in (("customer-groups", "customer_groups"), ("payment-terms", "payment_terms"),
                      ("product-groups", "product_groups"), ("customer-invoices", "customer_invoices"),
                      ("webhooks", "webhooks"), ("items", "items")):
        r = await acc.get(path)
        assert r.status_code == 206 and next(iter(r.json())) == key, (path, r.text)


async def test_paging_metadata_and_pages_past_the_end(env: Env) -> None:
    demo = await env.account("demo")
    first = (await demo.get("products", params={"limit": 100})).json()
    total = first["total"]
    assert total >= 1000 and first["pages"] == -(-total // 100) and len(first["products"]) == 100
    last = (await demo.get("products", params={"limit": 100, "page": first["pages"]})).json()
    assert len(last["products"]) == total - 100 * (first["pages"] - 1)
    beyond = await demo.get("products", params={"limit": 100, "page": first["pages"] + 1})
    assert beyond.status_code == 206
    assert beyond.json() == {"products": [], "total": total, "pages": first["pages"], "limit": 100,
                             "page": first["pages"] + 1}
    capped = (await demo.get("products", params={"limit": 5000})).json()
    assert capped["limit"] == 1000 and len(capped["products"]) == 1000
    assert (await demo.get("products", params={"page": "x"})).status_code == 422
    empty = await env.account()
    assert (await empty.get("lots")).json() == {"lots": [], "total": 0, "pages": 1, "limit": 20, "page": 1}


async def test_boolean_filters_accept_true_false_1_0(env: Env) -> None:
    demo = await env.account("demo")
    everything = (await demo.get("customer-invoices", params={"limit": 1000})).json()["customer_invoices"]
    booked = {i["number"] for i in everything if i["is_booked"]}
    assert booked and len(booked) < len(everything)
    for value, expected in (("true", True), ("1", True), ("false", False), ("0", False)):
        r = await demo.get("customer-invoices", params={"is_booked": value, "limit": 1000})
        got = r.json()["customer_invoices"]
        assert {i["number"] for i in got} == ({n for n in booked} if expected else
                                              {i["number"] for i in everything} - booked)
        assert r.json()["total"] == len(got)  # metadata reflects the filtered set
    barred = (await demo.get("customers", params={"is_barred": "1", "limit": 1000})).json()
    assert barred["total"] > 0 and all(c["is_barred"] for c in barred["customers"])
    unpaid = (await demo.get("customer-invoices", params={"is_paid": "false"})).json()
    assert unpaid["total"] == len(everything)
    bad = await demo.get("customer-invoices", params={"is_booked": "yes"})
    assert bad.status_code == 422 and "is_booked" in bad.json()["errors"]


async def test_search_customer_number_and_invoice_date_filters(env: Env) -> None:
    demo = await env.account("demo")
    found = (await demo.get("customers", params={"search": "nordlys elektro"})).json()
    assert found["total"] >= 1 and all("nordlys elektro" in c["company_name"].lower() for c in found["customers"])
    invoices = (await demo.get("customer-invoices", params={"limit": 100})).json()["customer_invoices"]
    customer = invoices[0]["customer_id"]
    mine = (await demo.get("customer-invoices", params={"customer_number": customer})).json()["customer_invoices"]
    assert mine and all(i["customer_id"] == customer for i in mine)
    day = invoices[3][g.INVOICE_DATE_FIELD]
    since = (await demo.get("customer-invoices", params={g.INVOICE_DATE_FROM_PARAM: day})).json()
    assert since["total"] == sum(1 for i in invoices if i[g.INVOICE_DATE_FIELD] >= day)
    until = (await demo.get("customer-invoices", params={g.INVOICE_DATE_TO_PARAM: day})).json()
    assert until["total"] == sum(1 for i in invoices if i[g.INVOICE_DATE_FIELD] <= day)


async def test_fields_and_order_by(env: Env) -> None:
    demo = await env.account("demo")
    r = await demo.get("products", params={"fields": "number,name", "limit": 5})
    assert all(set(p) == {"number", "name"} for p in r.json()["products"])
    one = await demo.get("customers/10001", params={"fields": "number,company_name"})
    assert one.json() == {"customer": {"number": 10001, "company_name": "Nordlys Elektro AS"}}
    desc = (await demo.get("products", params={"order_by": "sales_price", "order_direction": "DESC",
                                               "limit": 50})).json()["products"]
    prices = [p["sales_price"] for p in desc]
    assert prices == sorted(prices, reverse=True)
    asc = (await demo.get("customers", params={"order_by": "company_name", "limit": 30})).json()["customers"]
    names = [c["company_name"] for c in asc]
    assert names == sorted(names)


async def test_product_numbers_with_slash_single_and_double_encoded(acc: Account) -> None:
    number = "AB/12 #3"
    r = await acc.post("products", {"number": number, "name": "Skråbolt", "group": 1, "sales_price": 10})
    assert r.status_code == 201, r.text
    product = r.json()["product"]
    assert product["number"] == number and product["urlfriendly_number"] == quote(number, safe="")
    single = quote(number, safe="")
    double = quote(single, safe="")
    for key in (single, double):
        got = await acc.get(f"products/{key}")
        assert got.status_code == 200, (key, got.text)
        assert got.json()["product"]["number"] == number
    assert (await acc.env.http.get(product["self"], headers=acc.auth)).json()["product"]["number"] == number
    assert (await acc.get(f"items/{double}")).json()["item"]["type"] == "product"
    updated = await acc.put(f"products/{double}", {"name": "Skråbolt M8"})
    assert updated.status_code == 200 and updated.json()["product"]["name"] == "Skråbolt M8"
    too_long = await acc.post("products", {"number": "X" * 26, "name": "x", "group": 1, "sales_price": 1})
    assert too_long.status_code == 422 and "number" in too_long.json()["errors"]


async def test_items_lots_and_unknown_keys(acc: Account) -> None:
    r = await acc.post("lots", {"number": "SETT/1", "name": "Sett", "group": 1, "sales_price": 300,
                                "lines": [{"product_id": "P-1", "quantity": 2}, {"item_id": "P-2", "quantity": 1}]})
    assert r.status_code == 201, r.text
    lot = r.json()["lot"]
    assert lot["type"] == "lot" and [(x["product_id"], x["quantity"]) for x in lot["lines"]] == [("P-1", 2),
                                                                                                ("P-2", 1)]
    assert lot["cost_price"] == 120.0  # 2 × 60 + 1 × 0
    items = (await acc.get("items", params={"limit": 100})).json()
    assert items["total"] == 5 and {i["type"] for i in items["items"]} == {"product", "lot"}
    assert [i["number"] for i in (await acc.get("items", params={"type": "lot"})).json()["items"]] == ["SETT/1"]
    assert (await acc.get(f"lots/{quote(quote('SETT/1', safe=''), safe='')}")).status_code == 200
    assert (await acc.post("items", {"number": "x"})).status_code == 405
    missing = await acc.get("customers/999")
    assert missing.status_code == 404 and "message" in missing.json()
    assert (await acc.get("customers/abc")).status_code == 404
    assert (await acc.get("no-such-thing")).status_code == 404
    stocked = await acc.post("products", {"number": "ST-1", "name": "x", "group": 1, "sales_price": 1,
                                          "stock_quantity": 5})
    assert stocked.status_code == 201
    moved = await acc.put("products/ST-1", {"group": 2})  # to the service group: stock setting differs
    assert moved.status_code == 422 and "group" in moved.json()["errors"]
    assert (await acc.put("products/P-2", {"group": 2})).json()["product"]["group"]["number"] == 2  # no stock yet
    assert (await acc.delete("products/P-1")).status_code == 422  # used in the lot
    locked = await acc.put("product-groups/1", {"has_inventory": False})
    assert locked.status_code == 422 and "has_inventory" in locked.json()["errors"]
    dup = await acc.post("products", {"number": "SETT/1", "name": "x", "group": 1, "sales_price": 1})
    assert dup.json()["errors"] == {"number": ["The number has already been taken."]}  # items share numbers


# ---------------------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------------------


async def test_validation_errors_are_422_laravel_style(acc: Account) -> None:
    r = await acc.post("products", {"barcode": "123"})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert set(errors) == {"number", "name", "group", "sales_price"}
    assert errors["name"] == ["The name field is required."]
    r = await acc.post("products", {"number": "Z-1", "name": "Z", "group": 99, "sales_price": "abc", "unit_id": 9})
    assert r.json()["errors"] == {"sales_price": ["The sales price must be a number."],
                                  "group": ["The selected group is invalid."],
                                  "unit_id": ["The selected unit id is invalid."]}
    r = await acc.post("customers", {"company_name": "", "payment_terms_id": 77})
    assert r.json()["errors"] == {"company_name": ["The company name field is required."],
                                  "payment_terms_id": ["The selected payment terms id is invalid."]}
    r = await acc.post("customer-invoices/drafts", {"customer_id": 4242, "lines": [
        {"item_id": "P-1", "quantity": 1}, {"item_id": "NOPE", "quantity": 1}, {"quantity": 2},
        {"item_id": "P-2"}]})
    assert r.status_code == 422
    assert r.json()["errors"] == {
        "customer_id": [g.CUSTOMER_INVALID_MESSAGE],
        "lines.1.item_id": ["The selected lines.1.item_id is invalid."],
        "lines.2.item_id": [g.ITEM_NEEDED_MESSAGE],
        "lines.3.quantity": ["The lines.3.quantity field is required."],
    }
    r = await acc.post("customer-invoices/drafts", {"customer_id": 1001, "lines": []})
    assert r.json()["errors"] == {"lines": ["The lines field is required."]}
    assert (await acc.state())["counts"]["customerInvoices"] == 0  # nothing was created by refused calls
    bad_json = await acc.call("POST", "customers", content=b"{nope", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and "message" in bad_json.json()


async def test_duplicate_number_is_422_taken(acc: Account) -> None:
    for path, body in (("customers", {"number": 1001, "company_name": "Igjen AS", "payment_terms_id": 1}),
                       ("products", {"number": "P-1", "name": "Igjen", "group": 1, "sales_price": 1}),
                       ("units", {"number": 1, "name": "stk"})):
        r = await acc.post(path, body)
        assert r.status_code == 422
        assert r.json()["errors"] == {"number": ["The number has already been taken."]}


# ---------------------------------------------------------------------------------------------------------
# documents
# ---------------------------------------------------------------------------------------------------------


async def test_draft_then_book_computes_totals_with_discount_and_vat(acc: Account) -> None:
    draft = await acc.draft(lines=[
        {"item_id": "P-1", "quantity": 2, "line_price": 100, "discount_percentage": 10},
        {"item_id": "P-2", "quantity": 3, "line_price": 110},
        {"item_id": "F-1", "quantity": 1.5, "line_price": 33.33, "name": "Kaffe 500 g"},
    ], heading="Ordre 17", your_reference="Per")
    assert draft["number"] == g.FIRST_INVOICE_NUMBER and draft["is_booked"] is False and draft["booked_at"] is None
    # 2 × 100 − 10 % = 180.00; 3 × 110 = 330.00; 1.5 × 33.33 = 49.995 → 50.00 (half up)
    assert [x[g.LINE_TOTAL_FIELD] for x in draft["lines"]] == [180.0, 330.0, 50.0]
    assert [x[g.LINE_VAT_FIELD] for x in draft["lines"]] == [25.0, 25.0, 15.0]
    assert draft["total_subtotal"] == 560.0
    assert draft[g.TOTAL_VAT_FIELD] == 127.5 + 7.5
    assert draft["total_total"] == 695.0
    line = draft["lines"][0]
    assert {k: line[k] for k in ("item_id", "child_type", "name", "quantity", "line_price", "discount_percentage",
                                 "unit_id")} == {"item_id": "P-1", "child_type": "product", "name": "Skrue",
                                                 "quantity": 2.0, "line_price": 100.0, "discount_percentage": 10.0,
                                                 "unit_id": 1}
    assert draft["lines"][2]["name"] == "Kaffe 500 g"
    customer = draft["customer"]
    assert customer["number"] == 1001 and customer["company_name"] == "Fjord Bygg AS"
    assert customer["company_vat"] == "923609016" and customer["contact_email"] == "post@fjordbygg.no"
    assert customer["address_city"] == "BERGEN" and customer["currency"] == "NOK"
    assert draft["currency"] == "NOK" and draft[g.INVOICE_DATE_FIELD] and draft["due_date"]
    booked = await acc.post(f"customer-invoices/{draft['number']}/book", {})
    assert booked.status_code == 200
    invoice = booked.json()["customer_invoice"]
    assert invoice["number"] == draft["number"] and invoice["is_booked"] is True and invoice["booked_at"]
    assert invoice["total_total"] == 695.0
    again = await acc.post(f"customer-invoices/{draft['number']}/book", {})
    assert again.status_code == 422 and g.BOOKED_FIELD in again.json()["errors"]
    second = await acc.draft()
    assert second["number"] == draft["number"] + 1
    assert Decimal(str(second["total_total"])) == Decimal("637.5")  # 510 + 25 %


async def test_put_and_delete_on_a_booked_invoice_are_422_but_drafts_can_change(acc: Account) -> None:
    draft = await acc.draft()
    number = draft["number"]
    changed = await acc.put(f"customer-invoices/{number}", {"lines": [{"item_id": "P-2", "quantity": 1}]})
    assert changed.status_code == 200
    assert changed.json()["customer_invoice"]["total_subtotal"] == 110.0  # line_price defaults to sales_price
    await acc.post(f"customer-invoices/{number}/book", {})
    refused = await acc.put(f"customer-invoices/{number}", {"heading": "endret"})
    assert refused.status_code == 422 and refused.json()["errors"] == {g.BOOKED_FIELD: [g.BOOKED_IMMUTABLE_MESSAGE]}
    assert (await acc.delete(f"customer-invoices/{number}")).status_code == 422
    other = await acc.draft()
    assert (await acc.delete(f"customer-invoices/{other['number']}")).status_code == 200
    assert (await acc.get(f"customer-invoices/{other['number']}")).status_code == 404
    created_booked = await acc.post("customer-invoices", {"customer_id": 1001, "book": True,
                                                          "lines": [{"item_id": "S-1", "quantity": 2}]})
    assert created_booked.status_code == 201 and created_booked.json()["customer_invoice"]["is_booked"] is True


async def test_purchase_orders_draft_book_and_list(acc: Account) -> None:
    r = await acc.post("purchase-orders/drafts", {"supplier_id": 2001, "lines": [{"item_id": "P-1", "quantity": 10}]})
    assert r.status_code == 201, r.text
    po = r.json()["purchase_order"]
    assert po["number"] == g.FIRST_PURCHASE_ORDER_NUMBER and po["supplier"]["company_name"] == "Engros AS"
    assert po["lines"][0]["line_price"] == 60.0 and po["total_subtotal"] == 600.0 and po["total_total"] == 750.0
    booked = (await acc.post(f"purchase-orders/{po['number']}/book")).json()["purchase_order"]
    assert booked["is_booked"] is True and booked["booked_at"]
    listed = (await acc.get("purchase-orders", params={"supplier_number": 2001, "is_booked": "true"})).json()
    assert [p["number"] for p in listed["purchase_orders"]] == [po["number"]]
    bad = await acc.post("purchase-orders", {"supplier_id": 1, "lines": [{"item_id": "P-1", "quantity": 1}]})
    assert bad.json()["errors"] == {"supplier_id": [g.SUPPLIER_INVALID_MESSAGE]}


# ---------------------------------------------------------------------------------------------------------
# webhooks
# ---------------------------------------------------------------------------------------------------------


async def test_webhook_registration_upserts_and_returns_the_token_only_on_create(acc: Account) -> None:
    r = await acc.post("webhooks", {"event": g.INVOICE_BOOKED_EVENT, "url": "https://example.com/rb"})
    assert r.status_code == 201
    hook = r.json()["webhook"]
    assert len(hook["token"]) == 32 and hook["is_active"] is True
    assert {"id", "event", "url", "is_active", "created_at", "updated_at"} <= set(hook)
    again = await acc.post("webhooks", {"event": g.INVOICE_BOOKED_EVENT, "url": "https://example.com/rb",
                                        "is_active": False})
    assert again.status_code == 200
    same = again.json()["webhook"]
    assert same["id"] == hook["id"] and "token" not in same and same["is_active"] is False
    listed = (await acc.get("webhooks", params={"event": g.INVOICE_BOOKED_EVENT})).json()
    assert listed["total"] == 1 and "token" not in listed["webhooks"][0]
    assert "token" not in (await acc.get(f"webhooks/{hook['id']}")).json()["webhook"]
    put = await acc.put(f"webhooks/{hook['id']}", {"is_active": True})
    assert put.json()["webhook"]["is_active"] is True
    other = await acc.hook(g.CUSTOMER_CREATED, "https://example.com/rb")
    assert other["id"] != hook["id"]
    assert (await acc.get("webhooks", params={"event": g.CUSTOMER_CREATED})).json()["total"] == 1
    assert (await acc.delete(f"webhooks/{hook['id']}")).status_code == 200
    assert (await acc.get(f"webhooks/{hook['id']}")).status_code == 404
    wrong = await acc.post("webhooks", {"event": "customer_invoice.booked", "url": "https://example.com/rb"})
    assert wrong.status_code == 422 and "event" in wrong.json()["errors"]  # only ONE name for the booked event
    bad_url = await acc.post("webhooks", {"event": g.CUSTOMER_CREATED, "url": "not a url"})
    assert bad_url.json()["errors"] == {"url": ["The url format is invalid."]}


async def test_webhook_delivery_headers_and_body(acc: Account, receiver: Receiver) -> None:
    hook = await acc.hook(g.INVOICE_BOOKED_EVENT, receiver.url)
    draft = await acc.draft()
    assert receiver.calls == []  # creating a draft fires nothing
    started = time.monotonic()
    await acc.post(f"customer-invoices/{draft['number']}/book", {})
    assert time.monotonic() - started < 1  # delivery never blocks the API call
    await acc.env.drain()
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    headers = call["headers"]
    assert headers["rackbeat-webhook-token"] == hook["token"]
    assert headers["rackbeat-webhook-event"] == g.INVOICE_BOOKED_EVENT
    assert headers["rackbeat-account-id"] == str(acc.user_account_id)
    assert headers["user-agent"] == "Rackbeat Webhook"
    body = call["body"]
    assert body["key"] == draft["number"] and body["key_name"] == "number" and body["event"] == g.INVOICE_BOOKED_EVENT
    assert body["data"]["number"] == draft["number"] and body["data"]["is_booked"] is True
    assert "old_key" not in body
    log = (await acc.state())["webhookDeliveries"]
    assert [(e["event"], e["url"], e["status"], e["attempt"], e["outcome"]) for e in log] == [
        (g.INVOICE_BOOKED_EVENT, receiver.url, 200, 1, "delivered")]


async def test_entity_events_and_update_body_has_old_key_new_key_changed(acc: Account, receiver: Receiver) -> None:
    for event in (g.CUSTOMER_CREATED, g.CUSTOMER_UPDATED, g.PRODUCT_CREATED, g.PRODUCT_UPDATED, g.PRODUCT_DELETED,
                  g.LOT_CREATED, g.LOT_UPDATED, g.SUPPLIER_CREATED, g.SUPPLIER_UPDATED,
                  g.PURCHASE_ORDER_BOOKED_EVENT):
        await acc.hook(event, receiver.url)
    await acc.post("customers", {"number": 5, "company_name": "Ny AS", "payment_terms_id": 1})
    await acc.put("customers/5", {"number": 6, "contact_email": "ny@ny.no"})
    await acc.put("customers/6", {"contact_email": "ny@ny.no"})  # nothing changed: no event
    await acc.post("products", {"number": "N/1", "name": "Ny", "group": 1, "sales_price": 5})
    await acc.put("products/N%2F1", {"sales_price": 6})
    await acc.delete("products/N%252F1")
    await acc.post("lots", {"number": "L-1", "name": "Sett", "group": 1, "lines": [{"product_id": "P-1",
                                                                                     "quantity": 1}]})
    await acc.put("lots/L-1", {"name": "Sett 2"})
    await acc.post("suppliers", {"company_name": "Lev AS", "payment_terms_id": 1})
    await acc.put("suppliers/2002", {"company_name": "Lev 2 AS"})
    po = (await acc.post("purchase-orders/drafts", {"supplier_id": 2001, "lines": [{"item_id": "P-1",
                                                                                      "quantity": 1}]})).json()
    await acc.post(f"purchase-orders/{po['purchase_order']['number']}/book")
    await acc.env.drain()
    events = [(c["body"]["event"], c["body"]["key"]) for c in receiver.calls]
    assert sorted(events) == sorted([
        (g.CUSTOMER_CREATED, 5), (g.CUSTOMER_UPDATED, 6), (g.PRODUCT_CREATED, "N/1"), (g.PRODUCT_UPDATED, "N/1"),
        (g.PRODUCT_DELETED, "N/1"), (g.LOT_CREATED, "L-1"), (g.LOT_UPDATED, "L-1"), (g.SUPPLIER_CREATED, 2002),
        (g.SUPPLIER_UPDATED, 2002), (g.PURCHASE_ORDER_BOOKED_EVENT, g.FIRST_PURCHASE_ORDER_NUMBER)])
    update = next(c["body"] for c in receiver.calls if c["body"]["event"] == g.CUSTOMER_UPDATED)
    assert update["old_key"] == 5 and update["new_key"] == 6 and update["key"] == 6
    assert update["changed"] == ["number", "contact_email"]
    assert update["data"]["contact_email"] == "ny@ny.no"
    price = next(c["body"] for c in receiver.calls if c["body"]["event"] == g.PRODUCT_UPDATED)
    assert price["changed"] == ["sales_price"] and price["old_key"] == price["new_key"] == "N/1"


async def test_failed_deliveries_are_retried_until_success(acc: Account, receiver: Receiver) -> None:
    r = await acc.control("POST", "webhook-retry", json={"delays": [0.05, 0.05, 0.05]})
    assert r.status_code == 200
    receiver.statuses = [500, 503]
    await acc.hook(g.INVOICE_BOOKED_EVENT, receiver.url)
    number = (await acc.draft())["number"]
    await acc.post(f"customer-invoices/{number}/book", {})
    await acc.env.drain()
    assert len(receiver.calls) == 3
    assert len({json.dumps(c["body"], sort_keys=True) for c in receiver.calls}) == 1  # the same delivery again
    state = await acc.state()
    log = state["webhookDeliveries"]
    assert [(e["attempt"], e["status"], e["outcome"]) for e in log] == [(1, 500, "failed"), (2, 503, "failed"),
                                                                          (3, 200, "delivered")]
    assert state["webhooks"][0]["failures_since_last_success"] == 0


async def test_deliveries_give_up_after_the_schedule_and_retry_connection_errors(acc: Account) -> None:
    await acc.control("POST", "webhook-retry", json={"delays": [0.02, 0.02]})
    await acc.hook(g.INVOICE_BOOKED_EVENT, "http://127.0.0.1:9/nowhere")  # nothing listens on port 9
    await acc.post(f"customer-invoices/{(await acc.draft())['number']}/book", {})
    await acc.env.drain()
    state = await acc.state()
    log = state["webhookDeliveries"]
    assert [(e["attempt"], e["status"], e["outcome"]) for e in log] == [(1, None, "failed"), (2, None, "failed"),
                                                                          (3, None, "failed")]
    assert log[-1]["gaveUp"] is True and log[0]["error"]
    assert state["webhooks"][0]["failures_since_last_success"] == 3


async def test_slow_receivers_count_as_failed_and_are_retried(acc: Account, receiver: Receiver) -> None:
    await acc.control("POST", "webhook-retry", json={"delays": [0.05], "timeoutSeconds": 0.2})
    receiver.slow_first = 0.6
    await acc.hook(g.INVOICE_BOOKED_EVENT, receiver.url)
    await acc.post(f"customer-invoices/{(await acc.draft())['number']}/book", {})
    await acc.env.drain()
    log = (await acc.state())["webhookDeliveries"]
    assert [(e["attempt"], e["error"], e["outcome"]) for e in log] == [(1, "timeout", "failed"),
                                                                         (2, None, "delivered")]


async def test_duplicate_and_drop_rates(acc: Account, receiver: Receiver) -> None:
    await acc.hook(g.INVOICE_BOOKED_EVENT, receiver.url)
    await acc.faults(webhook_duplicate_rate=1.0, seed=1)
    await acc.post(f"customer-invoices/{(await acc.draft())['number']}/book", {})
    await acc.env.drain()
    assert len(receiver.calls) == 2 and receiver.calls[0]["body"] == receiver.calls[1]["body"]
    await acc.faults(webhook_drop_rate=1.0, seed=1)
    await acc.post(f"customer-invoices/{(await acc.draft())['number']}/book", {})
    await acc.env.drain()
    assert len(receiver.calls) == 2  # dropped: never sent
    state = await acc.state()
    assert [e["outcome"] for e in state["webhookDeliveries"]] == ["delivered", "delivered", "dropped"]
    assert state["faults"]["injected"] == {"webhook_drop": 1}


async def test_suppress_webhooks_in_query_or_body(acc: Account, receiver: Receiver) -> None:
    await acc.hook(g.CUSTOMER_CREATED, receiver.url)
    await acc.hook(g.INVOICE_BOOKED_EVENT, receiver.url)
    await acc.post("customers", {"company_name": "Stille AS", "payment_terms_id": 1},
                   params={"suppress_webhooks": "true"})
    await acc.post("customers", {"company_name": "Stille 2 AS", "payment_terms_id": 1, "suppress_webhooks": True})
    number = (await acc.draft())["number"]
    await acc.post(f"customer-invoices/{number}/book", {"suppress_webhooks": True})
    await acc.env.drain()
    assert receiver.calls == []
    await acc.post("customers", {"company_name": "Høylytt AS", "payment_terms_id": 1})
    await acc.env.drain()
    assert [c["body"]["data"]["company_name"] for c in receiver.calls] == ["Høylytt AS"]
    assert "suppress_webhooks" not in receiver.calls[0]["body"]["data"]


# ---------------------------------------------------------------------------------------------------------
# rate limit and faults
# ---------------------------------------------------------------------------------------------------------


async def test_rate_limit_is_a_sliding_window_per_token(env: Env) -> None:
    one, two = await env.account(), await env.account()
    assert (await one.control("POST", "rate-limit", json={"limit": 3, "periodSeconds": 0.5})).status_code == 200
    assert [(await one.get("units")).status_code for _ in range(3)] == [206, 206, 206]
    limited = await one.get("units")
    assert limited.status_code == 429 and limited.json() == {"message": g.RATE_LIMIT_MESSAGE}
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await two.get("units")).status_code == 206  # another token, another budget
    await asyncio.sleep(0.55)
    assert (await one.get("units")).status_code == 206
    assert (await one.control("POST", "rate-limit", json={"limit": 0})).status_code == 400


async def test_fault_latency(acc: Account) -> None:
    await acc.faults(latency_ms=300)
    started = time.monotonic()
    assert (await acc.get("units")).status_code == 206
    assert time.monotonic() - started >= 0.3


async def test_fault_5xx_does_nothing(acc: Account) -> None:
    await acc.faults(error_5xx_rate=1.0)
    r = await acc.post("customers", {"company_name": "Aldri AS", "payment_terms_id": 1})
    assert r.status_code == 500 and "message" in r.json()
    state = await acc.state()
    assert state["counts"]["customers"] == 1 and state["faults"]["injected"] == {"error_5xx": 1}


async def test_fault_commit_then_500(acc: Account) -> None:
    await acc.faults(commit_then_500_rate=1.0)
    r = await acc.post("customers", {"company_name": "Likevel AS", "payment_terms_id": 1})
    assert r.status_code == 500
    await acc.control("DELETE", "faults")
    found = (await acc.get("customers", params={"search": "Likevel"})).json()
    assert found["total"] == 1  # the work was done although the client saw 500


async def test_fault_timeout(acc: Account) -> None:
    await acc.faults(timeout_rate=1.0, timeout_seconds=0.3)
    started = time.monotonic()
    r = await acc.get("units")
    assert r.status_code == 504 and time.monotonic() - started >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        await acc.get("units", timeout=0.1)


async def test_fault_429_storm(acc: Account) -> None:
    await acc.faults(rate_limit_storm=2, rate_limit_reset_seconds=2)
    first, second, third = [await acc.get("units") for _ in range(3)]
    assert first.status_code == second.status_code == 429 and first.headers["Retry-After"] == "2"
    assert "message" in first.json()
    assert third.status_code == 206


async def test_faults_control_api(acc: Account) -> None:
    bad = await acc.control("POST", "faults", json={"error_rate": 1})
    assert bad.status_code == 400
    await acc.faults(latency_ms=1)
    assert (await acc.control("GET", "faults")).json()["faults"]["latency_ms"] == 1
    assert (await acc.control("DELETE", "faults")).status_code == 200
    assert (await acc.control("GET", "faults")).json() == {"faults": None}
    assert (await acc.env.http.get("/_control/accounts/nope/state")).status_code == 404
    assert (await acc.env.http.post("/_control/accounts", json={"seed": "full"})).status_code == 400


# ---------------------------------------------------------------------------------------------------------
# demo data, state, mounting
# ---------------------------------------------------------------------------------------------------------


async def test_demo_seed_is_realistic_and_deterministic(env: Env) -> None:
    demo, again = await env.account("demo"), await env.account("demo")
    state = await demo.state()
    counts = state["counts"]
    assert counts["customers"] >= 200 and counts["suppliers"] >= 50 and counts["products"] >= 1000
    assert counts["lots"] >= 3 and counts["employees"] >= 3 and counts["units"] >= 3 and counts["paymentTerms"] >= 3
    assert counts["customerGroups"] >= 2 and counts["supplierGroups"] >= 1
    groups = state["productGroups"]
    assert any(gr["has_inventory"] for gr in groups) and any(not gr["has_inventory"] for gr in groups)
    assert any("/" in n for n in state["products"])
    assert len({str(p)[:3] for p in state["products"]}) >= 4  # several families
    invoices = state["customerInvoices"]
    assert any(i["is_booked"] for i in invoices) and any(not i["is_booked"] for i in invoices)
    assert any(x["child_type"] == "lot" for i in invoices for x in i["lines"])
    assert any(p["is_booked"] for p in state["purchaseOrders"])
    lots = (await demo.get("lots")).json()["lots"]
    assert all(len(lot["lines"]) >= 2 for lot in lots)
    first = (await demo.get("customers", params={"limit": 1})).json()["customers"][0]
    assert first["company_vat"] and first["address_city"] and first["contact_email"] and not first["is_barred"]
    other = await again.state()
    assert other["products"] == state["products"] and other["customers"] == state["customers"]
    names = [c["company_name"] for c in (await demo.get("customers", params={"limit": 50})).json()["customers"]]
    assert names == [c["company_name"] for c in (await again.get("customers", params={"limit": 50})).json()[
        "customers"]]
    assert any(ch in "".join(names) for ch in "æøåÆØÅ")


async def test_mounted_under_a_prefix_self_urls_and_slash_keys_work() -> None:
    sandbox = create_app()
    outer = Starlette(routes=[Mount("/sandbox/rackbeat", sandbox)])
    async with serve_asgi(outer) as url, httpx.AsyncClient(base_url=f"{url}/sandbox/rackbeat") as http:
        created = (await http.post("/_control/accounts", json={"seed": "demo"})).json()
        auth = {"Authorization": f"Bearer {created['token']}"}
        product = (await http.get("/api/products", params={"search": "/", "limit": 1}, headers=auth)).json()[
            "products"][0]
        assert product["self"].startswith(f"{url}/sandbox/rackbeat/api/products/")
        got = await http.get(product["self"], headers=auth)
        assert got.status_code == 200 and got.json()["product"]["number"] == product["number"]
        double = quote(quote(product["number"], safe=""), safe="")
        assert (await http.get(f"/api/products/{double}", headers=auth)).json()["product"]["number"] == \
            product["number"]


async def test_shutdown_cancels_pending_deliveries() -> None:
    app = create_app()
    rec = Receiver(statuses=[500] * 10)
    async with serve_asgi(rec.app()) as receiver_url:
        async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
            env = Env(app, url, http)
            account = await env.account()
            await account.basics()
            await account.control("POST", "webhook-retry", json={"delays": [60]})
            await account.hook(g.INVOICE_BOOKED_EVENT, f"{receiver_url}/hook")
            await account.post(f"customer-invoices/{(await account.draft())['number']}/book", {})
            for _ in range(100):
                if rec.calls:
                    break
                await asyncio.sleep(0.02)
            assert len(rec.calls) == 1 and app.state.rackbeat.webhooks.pending == 1  # waiting to retry
        assert app.state.rackbeat.webhooks.pending == 0  # the lifespan cancelled it


# ---------------------------------------------------------------------------------------------------------
# added by the issue-3 audit: the entities and the default budget that had no test of their own
# ---------------------------------------------------------------------------------------------------------


async def test_suppliers_groups_units_payment_terms_and_employees(acc: Account) -> None:
    """Every entity of the issue's list is created with an explicit number (API.md §1, "creating with an explicit
    number"), read back singular and listed plural."""
    for path, singular, plural, body in (
        ("suppliers", "supplier", "suppliers", {"number": 2050, "company_name": "Grossist AS",
                                                "payment_terms_id": 1, "supplier_group_id": 1}),
        ("supplier-groups", "supplier_group", "supplier_groups", {"number": 2, "name": "Utland"}),
        ("customer-groups", "customer_group", "customer_groups", {"number": 2, "name": "Privat"}),
        ("units", "unit", "units", {"number": 2, "name": "kg"}),
        ("payment-terms", g.PAYMENT_TERM_SINGULAR, "payment_terms",
         {"number": 2, "name": "Netto 30 dager", "type": "net", "maturity_days": 30}),
        ("employees", "employee", "employees", {"number": 7, "name": "Lars Olsen", "initials": "LO",
                                                "contact_email": "lars@fjordbygg.no"}),
    ):
        r = await acc.post(path, body)
        assert r.status_code == 201, (path, r.text)
        created = r.json()[singular]
        assert created["number"] == body["number"] and list(r.json()) == [singular]
        got = await acc.get(f"{path}/{body['number']}")
        assert got.status_code == 200 and got.json()[singular]["number"] == body["number"], (path, got.text)
        listed = await acc.get(path)
        assert listed.status_code == 206 and next(iter(listed.json())) == plural
        assert body["number"] in {x["number"] for x in listed.json()[plural]}, path
    supplier = (await acc.get("suppliers/2050")).json()["supplier"]
    assert supplier["company_name"] == "Grossist AS"
    bad = await acc.post("employees", {"number": 8, "name": "X", "contact_email": "not-an-email"})
    assert bad.status_code == 422 and "contact_email" in bad.json()["errors"]
    assert (await acc.post("payment-terms", {"number": 3, "name": "Kontant"})).status_code == 422  # type, days


async def test_default_budget_is_480_requests_a_minute_per_token(env: Env) -> None:
    account, other = await env.account(), await env.account()
    assert (await account.state())["rateLimit"] == {"limit": 480, "periodSeconds": 60.0}
    statuses = [(await account.get("units")).status_code for _ in range(480)]
    assert statuses == [206] * 480
    limited = await account.get("units")
    assert limited.status_code == 429 and limited.json() == {"message": g.RATE_LIMIT_MESSAGE}
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert (await other.get("units")).status_code == 206  # another token, another budget
