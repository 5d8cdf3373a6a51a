"""The Mystore sandbox, one test per rule of reference/mystore/API.md (and guesses.py) — over real HTTP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from backend.sandbox.mystore import create_app
from backend.sandbox.mystore import guesses as g
from tests.support.servers import serve_asgi

JSONAPI = {"Accept": g.MEDIA_TYPE}

# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Shop:
    env: Env
    id: str
    shop: str
    token: str
    secret: str
    scopes: list[str]

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {**JSONAPI, "Authorization": f"Bearer {token or self.token}"}

    async def get(self, path: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
        return await self.env.http.get(f"/shops/{self.shop}/{path}", headers=self.auth(token), **kw)

    async def send(self, method: str, path: str, doc: Any, *, token: str | None = None,
                   content_type: str = g.MEDIA_TYPE, **kw: Any) -> httpx.Response:
        headers = {**self.auth(token), "Content-Type": content_type}
        return await self.env.http.request(method, f"/shops/{self.shop}/{path}", headers=headers,
                                           content=json.dumps(doc), **kw)

    async def control(self, method: str, what: str, **kw: Any) -> httpx.Response:
        return await self.env.http.request(method, f"/_control/accounts/{self.id}/{what}", **kw)

    async def state(self) -> dict[str, Any]:
        r = await self.control("GET", "state")
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def faults(self, **faults: Any) -> None:
        r = await self.control("POST", "faults", json=faults)
        assert r.status_code == 200, r.text

    async def token_with(self, *scopes: str) -> str:
        r = await self.control("POST", "tokens", json={"scopes": list(scopes)})
        assert r.status_code == 201, r.text
        assert r.json()["scopes"] == sorted(scopes)
        return r.json()["token"]  # type: ignore[no-any-return]

    async def place(self, **spec: Any) -> dict[str, Any]:
        body = {"customerId": 3, "lines": [{"sku": "GARN-ALP-001", "quantity": 2}], "paymentMethod": "vipps",
                "shipping": {"method": "Posten Servicepakke", "price": 99}, **spec}
        r = await self.control("POST", "orders", json=body)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def move(self, order_id: int, status: str | int, **extra: Any) -> dict[str, Any]:
        r = await self.control("POST", f"orders/{order_id}/status", json={"status": status, **extra})
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def hook(self, topic: str, address: str) -> dict[str, Any]:
        r = await self.send("POST", "webhooks", {"data": {"type": "webhooks", "attributes": {
            "topic": topic, "address": address}}})
        assert r.status_code == 201, r.text
        return r.json()["data"]  # type: ignore[no-any-return]

    async def order(self, order_id: int | str, include: str = "order-products,order-status") -> dict[str, Any]:
        r = await self.get(f"orders/{order_id}", params={"include": include})
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


@dataclass
class Env:
    app: Starlette
    url: str
    http: httpx.AsyncClient

    async def shop(self, seed: str = "empty", **extra: Any) -> Shop:
        r = await self.http.post("/_control/accounts", json={"seed": seed, **extra})
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) == {"accountId", "shop", "token", "webhookSecret", "scopes"}
        return Shop(self, body["accountId"], body["shop"], body["token"], body["webhookSecret"], body["scopes"])

    async def drain(self) -> None:
        async with asyncio.timeout(10):
            await self.app.state.mystore.drain()


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    app = create_app()
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield Env(app, url, http)


@pytest.fixture
async def demo(env: Env) -> Shop:
    shop = await env.shop("demo")
    r = await shop.control("POST", "rate-limit", json={"limit": 100_000})
    assert r.status_code == 200
    return shop


@dataclass
class Receiver:
    """A webhook receiver: answers with ``statuses`` in turn (then 200), optionally slowly at first."""

    statuses: list[int] = field(default_factory=list)
    slow_first: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            raw = await request.body()
            self.calls.append({"headers": dict(request.headers), "raw": raw, "body": json.loads(raw)})
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


def error_of(r: httpx.Response) -> dict[str, Any]:
    """The single JSON:API error object of an error answer."""
    assert r.headers["content-type"].startswith(g.MEDIA_TYPE), r.headers
    body = r.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1, body
    err = body["errors"][0]
    assert err["status"] == str(r.status_code) and err["title"] and err["detail"]
    return err  # type: ignore[no-any-return]


def hmac_b64(secret: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


# ---------------------------------------------------------------------------------------------------------
# auth and scopes
# ---------------------------------------------------------------------------------------------------------


async def test_missing_wrong_or_other_shops_token_is_401_in_jsonapi_form(env: Env) -> None:
    one, two = await env.shop(), await env.shop()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {one.token}"}):
        r = await env.http.get(f"/shops/{one.shop}/orders", headers=headers)
        assert r.status_code == 401 and error_of(r)["code"] == g.CODE_UNAUTHENTICATED
    foreign = await env.http.get(f"/shops/{two.shop}/orders", headers=one.auth())
    assert foreign.status_code == g.OTHER_SHOP_STATUS
    assert (await one.get("orders")).status_code == 200
    assert one.token.count(".") == 2  # shaped like Mystore's JWT personal access tokens
    payload = json.loads(base64.urlsafe_b64decode(one.token.split(".")[1] + "=="))
    assert payload["no_mystore_hosts"] == [one.shop] and sorted(payload["scopes"]) == one.scopes
    assert set(one.scopes) == set(g.KNOWN_SCOPES) and one.secret and one.secret != two.secret


async def test_a_call_outside_the_tokens_scopes_is_403_naming_the_scope(demo: Shop) -> None:
    products_only = await demo.token_with("read:products")
    assert (await demo.get("products", token=products_only)).status_code == 200
    r = await demo.get("orders", token=products_only)
    assert r.status_code == 403
    err = error_of(r)
    assert err["code"] == g.CODE_INSUFFICIENT_SCOPE and err["meta"] == {g.REQUIRED_SCOPE_META: "read:orders"}
    orders_only = await demo.token_with("read:orders")
    assert (await demo.get("orders/1001", token=orders_only)).status_code == 200
    included = await demo.get("orders/1001", token=orders_only, params={"include": "order-products"})
    assert included.status_code == 403 and error_of(included)["meta"][g.REQUIRED_SCOPE_META] == "read:order-products"
    hook = {"data": {"type": "webhooks", "attributes": {"topic": g.TOPIC_ORDERS_UPDATE, "address": "https://x.no"}}}
    read_hooks = await demo.token_with("read:webhooks")
    refused = await demo.send("POST", "webhooks", hook, token=read_hooks)
    assert refused.status_code == 403 and error_of(refused)["meta"][g.REQUIRED_SCOPE_META] == "write:webhooks"
    patch = {"data": {"type": "orders", "id": "1001", "relationships": {
        "order-status": {"data": {"type": "order-statuses", "id": "3"}}}}}
    no_write = await demo.send("PATCH", "orders/1001", patch, token=orders_only)
    assert no_write.status_code == 403 and error_of(no_write)["meta"][g.REQUIRED_SCOPE_META] == "write:orders"
    nothing = await demo.token_with()
    for path in ("customers", "payment-methods", "order-statuses", "order-products", "order-status-history"):
        r = await demo.get(path, token=nothing)
        assert r.status_code == 403 and error_of(r)["meta"][g.REQUIRED_SCOPE_META] == g.READ_SCOPES[path]
    bad = await demo.control("POST", "tokens", json={"scopes": ["read:everything"]})
    assert bad.status_code == 400


# ---------------------------------------------------------------------------------------------------------
# JSON:API documents, paging, fieldsets, filters, sorting
# ---------------------------------------------------------------------------------------------------------


async def test_order_document_is_jsonapi_with_relationships_and_included(demo: Shop) -> None:
    r = await demo.get("orders/1002", params={"include": "order-products,order-status,customer,payment-method"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(g.MEDIA_TYPE)
    doc = r.json()
    assert doc["jsonapi"] == {"version": "1.0"} and doc["links"]["self"].endswith(f"/shops/{demo.shop}/orders/1002")
    order = doc["data"]
    assert order["type"] == g.ORDERS and order["id"] == "1002" and order["links"]["self"] == doc["links"]["self"]
    assert set(order["attributes"]) == {
        "created_at", "updated_at", "currency", "currency_value", "language", g.ORDER_CUSTOMER_FIELD,
        g.ORDER_BILLING_ADDRESS_FIELD, g.ORDER_DELIVERY_ADDRESS_FIELD, g.ORDER_PAYMENT_METHOD_FIELD,
        g.ORDER_PAYMENT_CODE_FIELD, "shipping_method", "comment", g.ORDER_TOTALS_FIELD, g.INVOICE_NUMBER_FIELD,
        g.INVOICE_DATE_FIELD}
    rels = order["relationships"]
    assert set(rels) == {g.REL_ORDER_PRODUCTS, g.REL_ORDER_STATUS, g.REL_CUSTOMER, g.REL_PAYMENT_METHOD}
    lines = rels[g.REL_ORDER_PRODUCTS]["data"]
    assert lines and all(x["type"] == g.ORDER_PRODUCTS for x in lines)
    assert rels[g.REL_ORDER_STATUS]["data"]["type"] == g.ORDER_STATUSES
    included = {(x["type"], x["id"]): x for x in doc["included"]}
    assert all((x["type"], x["id"]) in included for x in lines)
    status = included[(g.ORDER_STATUSES, rels[g.REL_ORDER_STATUS]["data"]["id"])]
    assert g.STATUS_PROPERTY_FIELD in status["attributes"]
    line = included[(g.ORDER_PRODUCTS, lines[0]["id"])]
    assert set(line["attributes"]) == {"sku", "name", "quantity", g.LINE_UNIT_PRICE_FIELD,
                                       g.LINE_UNIT_PRICE_INCL_FIELD, g.LINE_TAX_RATE_FIELD, "total_excl_vat",
                                       "total_vat", "total_incl_vat"}
    assert line["relationships"]["order"]["data"] == {"type": g.ORDERS, "id": "1002"}
    method = rels[g.REL_PAYMENT_METHOD]["data"]
    assert included[(method["type"], method["id"])]["attributes"]["code"] == \
        order["attributes"][g.ORDER_PAYMENT_CODE_FIELD]
    without = (await demo.get("orders/1002")).json()
    assert "included" not in without and without["data"] == {**order, "links": order["links"]}
    assert (await demo.get("orders/999999")).status_code == 404
    assert (await demo.get("orders/abc")).status_code == 404
    assert (await demo.get("nothing-here")).status_code == 404
    bad_include = await demo.get("orders/1002", params={"include": "order-products.product"})
    assert bad_include.status_code == 400 and error_of(bad_include)["source"] == {"parameter": "include"}


async def test_paging_links_next_until_the_last_page_then_404(demo: Shop) -> None:
    first = (await demo.get("products", params={"page[size]": 100})).json()
    page = first["meta"][g.PAGE_META_KEY]
    total, last = page["total"], page["last-page"]
    assert total >= 1000 and last == -(-total // 100) and page["current-page"] == 1 and page["per-page"] == 100
    assert len(first["data"]) == 100 and "prev" not in first["links"] and first["links"]["next"]
    seen = [p["id"] for p in first["data"]]
    doc = first
    hops = 1
    while "next" in doc["links"]:
        r = await demo.env.http.get(doc["links"]["next"], headers=demo.auth())
        assert r.status_code == 200
        doc = r.json()
        hops += 1
        assert doc["links"]["prev"]
        seen += [p["id"] for p in doc["data"]]
    assert hops == last and doc["meta"][g.PAGE_META_KEY]["current-page"] == last
    assert len(seen) == total == len(set(seen)) and seen == sorted(seen, key=int)  # default order: by id
    assert doc["links"]["last"] == doc["links"]["self"]
    past = await demo.get("products", params={"page[size]": 100, "page[number]": last + 1})
    assert past.status_code == g.PAGE_PAST_END_STATUS and error_of(past)["source"] == {"parameter": "page[number]"}
    default = (await demo.get("products")).json()
    assert len(default["data"]) == g.DEFAULT_PAGE_SIZE
    for params in ({"page[size]": g.MAX_PAGE_SIZE + 1}, {"page[size]": 0}, {"page[number]": "x"}):
        r = await demo.get("products", params=params)
        assert r.status_code == 400 and error_of(r)["source"]["parameter"] in ("page[size]", "page[number]")
    empty = await demo.env.shop()
    hooks = await empty.get("webhooks")
    assert hooks.status_code == 200 and hooks.json()["data"] == [] and "next" not in hooks.json()["links"]


async def test_sparse_fieldsets_and_unknown_field_names(demo: Shop) -> None:
    r = await demo.get("products", params={"fields[products]": "sku,ean,quantity,updated_at", "page[size]": 5})
    assert r.status_code == 200
    assert all(set(p["attributes"]) == {"sku", "ean", "quantity", "updated_at"} for p in r.json()["data"])
    product = r.json()["data"][0]
    assert len(product["attributes"]["ean"]) == 13
    full = (await demo.get(f"products/{product['id']}")).json()["data"]["attributes"]
    assert isinstance(full["name"], dict) and full["name"][g.SHOP_LANGUAGE]  # a name per language
    assert {"price", "cost", "quantity_physical", "quantity_reserved", "status", g.PRODUCT_TAX_RATE_FIELD} <= set(full)
    bad = await demo.get("products", params={"fields[products]": "sku,products_name"})
    assert bad.status_code == g.UNKNOWN_FIELD_STATUS and "products_name" in error_of(bad)["detail"]
    sparse = (await demo.get("orders/1002", params={"include": "order-status", "fields[orders]": "totals,order-status",
                                                      "fields[order-statuses]": "property"})).json()
    assert set(sparse["data"]["attributes"]) == {"totals"} and set(sparse["data"]["relationships"]) == {"order-status"}
    assert set(sparse["included"][0]["attributes"]) == {"property"}


async def test_filter_syntax_path_value_operator_and_sort(demo: Shop) -> None:
    def flt(name: str, path: str, value: Any, operator: str | None = None) -> dict[str, Any]:
        out = {f"filter[{name}][path]": path, f"filter[{name}][value]": str(value)}
        if operator:
            out[f"filter[{name}][operator]"] = operator
        return out

    everything = (await demo.get("orders", params={"page[size]": 100})).json()["meta"]["page"]["total"]
    sent = (await demo.get("orders", params={**flt("s", "order-status", 3), "page[size]": 100})).json()
    assert 0 < sent["meta"]["page"]["total"] < everything
    assert all(o["relationships"]["order-status"]["data"]["id"] == "3" for o in sent["data"])
    orders = (await demo.get("orders", params={"page[size]": 100, "page[number]": 2})).json()["data"]
    cut = orders[40]["attributes"]["updated_at"]
    newer = (await demo.get("orders", params={**flt("u", "updated_at", cut, "gte"), "page[size]": 100})).json()
    assert newer["data"] and all(o["attributes"]["updated_at"] >= cut for o in newer["data"])
    business = (await demo.get("orders", params={**flt("b", f"{g.ORDER_CUSTOMER_FIELD}.type", "business"),
                                                 **flt("p", g.ORDER_PAYMENT_CODE_FIELD, "invoice,vipps", "in"),
                                                 "page[size]": 100})).json()["data"]
    assert business and all(o["attributes"][g.ORDER_CUSTOMER_FIELD]["type"] == "business" and
                            o["attributes"][g.ORDER_PAYMENT_CODE_FIELD] in ("invoice", "vipps") for o in business)
    cheap = (await demo.get("products", params={**flt("p", "price", 50, "lt"), "sort": "-price",
                                                "page[size]": 100})).json()["data"]
    prices = [p["attributes"]["price"] for p in cheap]
    assert prices and max(prices) < 50 and prices == sorted(prices, reverse=True)
    history = (await demo.get("order-status-history", params=flt("o", "order", 1002))).json()["data"]
    assert len(history) >= 2 and all(h["relationships"]["order"]["data"]["id"] == "1002" for h in history)
    for params in (flt("x", "price", 1, "between"), flt("x", "no_such_attribute", 1), {"filter[sku]": "X"},
                   flt("x", "price", "cheap", "lt"), {"sort": "nonsense"}):
        r = await demo.get("products", params=params)
        assert r.status_code == 400 and error_of(r)["code"] == g.CODE_INVALID_PARAMETER, params


async def test_order_statuses_carry_a_property_and_completed_is_decided_by_it(demo: Shop) -> None:
    statuses = (await demo.get("order-statuses")).json()["data"]
    by_name = {s["attributes"]["name"]: s["attributes"] for s in statuses}
    for status_id, name, public, prop in g.DEFAULT_STATUSES:
        assert by_name[name][g.STATUS_PROPERTY_FIELD] == prop and by_name[name][g.STATUS_PUBLIC_NAME_FIELD] == public
        assert next(s["id"] for s in statuses if s["attributes"]["name"] == name) == str(status_id)
    assert by_name["Sendt"][g.STATUS_PROPERTY_FIELD] == g.PROPERTY_COMPLETED
    completed = {s["attributes"]["name"] for s in statuses
                 if s["attributes"][g.STATUS_PROPERTY_FIELD] == g.PROPERTY_COMPLETED}
    assert completed == {"Sendt", "Klar for henting"}  # the demo shop renamed/added one: go by the property
    r = await demo.control("POST", "order-statuses", json={"name": "Levert", "property": g.PROPERTY_COMPLETED})
    assert r.status_code == 201 and r.json()["property"] == g.PROPERTY_COMPLETED
    assert (await demo.control("POST", "order-statuses", json={"name": "X", "property": "done"})).status_code == 400
    assert (await demo.control("POST", "order-statuses", json={"name": "Sendt"})).status_code == 400
    one = (await demo.get(f"order-statuses/{r.json()['id']}")).json()["data"]["attributes"]
    assert one["name"] == "Levert" and one[g.STATUS_PROPERTY_FIELD] == g.PROPERTY_COMPLETED


async def test_orders_have_shipping_and_payment_fee_totals_and_a_customer_block(demo: Shop) -> None:
    placed = await demo.place(customerId=3, paymentMethod="invoice",
                              lines=[{"sku": "GARN-ALP-001", "quantity": 3}, {"sku": "BOK-STRI-001", "quantity": 1}],
                              shipping={"method": "Bring Hjemlevering", "price": 149})
    assert placed["statusProperty"] == g.PROPERTY_STANDARD and placed["paymentMethod"] == "invoice"
    doc = await demo.order(placed["orderId"])
    attrs = doc["data"]["attributes"]
    block = attrs[g.ORDER_CUSTOMER_FIELD]
    customer = (await demo.get("customers/3")).json()["data"]["attributes"]
    assert customer["type"] == g.CUSTOMER_TYPE_BUSINESS and len(customer[g.ORG_NUMBER_FIELD]) == 9
    assert block[g.CUSTOMER_NUMBER_FIELD] == 3 and block[g.CUSTOMER_TYPE_FIELD] == g.CUSTOMER_TYPE_BUSINESS
    assert block[g.ORG_NUMBER_FIELD] == customer[g.ORG_NUMBER_FIELD] and block["company"] == customer["company"]
    assert attrs[g.ORDER_BILLING_ADDRESS_FIELD]["company"] == customer["company"]
    assert attrs[g.ORDER_PAYMENT_METHOD_FIELD] == "Faktura"
    lines = [x["attributes"] for x in doc["included"] if x["type"] == g.ORDER_PRODUCTS]
    assert [x["sku"] for x in lines] == ["GARN-ALP-001", "BOK-STRI-001"]
    assert [x[g.LINE_TAX_RATE_FIELD] for x in lines] == [25.0, 0.0]  # books are zero-rated
    for x in lines:
        unit_incl = Decimal(str(x[g.LINE_UNIT_PRICE_INCL_FIELD]))
        assert Decimal(str(x["total_incl_vat"])) == unit_incl * x["quantity"]
        assert Decimal(str(x["total_excl_vat"])) + Decimal(str(x["total_vat"])) == Decimal(str(x["total_incl_vat"]))
    totals = {t["code"]: t for t in attrs[g.ORDER_TOTALS_FIELD]}
    assert set(totals) == {g.TOTAL_SUBTOTAL, g.TOTAL_SHIPPING, g.TOTAL_PAYMENT_FEE, g.TOTAL_TAX, g.TOTAL_TOTAL}
    assert totals[g.TOTAL_SHIPPING]["value"] == 149.0 and totals[g.TOTAL_SHIPPING]["value_excl_vat"] == 119.2
    fee = g.DEFAULT_PAYMENT_METHODS[3][3]
    assert totals[g.TOTAL_PAYMENT_FEE]["value"] == float(fee) and totals[g.TOTAL_PAYMENT_FEE]["tax_rate"] == 25.0
    lines_incl = sum(Decimal(str(x["total_incl_vat"])) for x in lines)
    assert Decimal(str(totals[g.TOTAL_SUBTOTAL]["value"])) == lines_incl
    assert Decimal(str(totals[g.TOTAL_TOTAL]["value"])) == lines_incl + 149 + fee
    vat = sum(Decimal(str(x["total_vat"])) for x in lines) + Decimal("29.8") + fee / 5
    assert Decimal(str(totals[g.TOTAL_TAX]["value"])) == vat
    assert placed["total"] == totals[g.TOTAL_TOTAL]["value"]
    vipps = await demo.place(paymentMethod="vipps", customerId=None, customer={
        "firstName": "Åse", "lastName": "Ødegård", "email": "ase@example.no",
        "address": {"streetAddress": "Bakkegata 1", "postcode": "0155", "city": "OSLO"}})
    guest = (await demo.order(vipps["orderId"], include="order-products"))["data"]
    assert guest["relationships"][g.REL_CUSTOMER]["data"] is None
    assert guest["attributes"][g.ORDER_CUSTOMER_FIELD][g.CUSTOMER_NUMBER_FIELD] is None
    assert g.TOTAL_PAYMENT_FEE not in {t["code"] for t in guest["attributes"][g.ORDER_TOTALS_FIELD]}
    for bad, pointer in (({"lines": []}, "/lines"), ({"lines": [{"sku": "NOPE"}]}, "/lines/0"),
                         ({"paymentMethod": "bitcoin"}, "/paymentMethod"), ({"customerId": 99999}, "/customerId"),
                         ({"lines": [{"sku": "GARN-ALP-001", "quantity": 0}]}, "/lines/0/quantity"),
                         ({"status": "Ukjent"}, "/status")):
        body = {"customerId": 3, "lines": [{"sku": "GARN-ALP-001"}], "paymentMethod": "vipps", **bad}
        r = await demo.control("POST", "orders", json=body)
        assert r.status_code == 400 and r.json()["pointer"] == pointer, (bad, r.text)


async def test_status_changes_by_control_and_by_patch_write_history(demo: Shop) -> None:
    placed = await demo.place()
    moved = await demo.move(placed["orderId"], "Sendt", comment="Sendt med Posten")
    assert moved["status"] == "Sendt" and moved["statusProperty"] == g.PROPERTY_COMPLETED
    patch = {"data": {"type": "orders", "id": str(placed["orderId"]), "relationships": {
        "order-status": {"data": {"type": "order-statuses", "id": "2"}}}, "meta": {"comment": "angret"}}}
    r = await demo.send("PATCH", f"orders/{placed['orderId']}", patch)
    assert r.status_code == 200 and r.json()["data"]["relationships"]["order-status"]["data"]["id"] == "2"
    history = (await demo.get("order-status-history", params={
        "filter[o][path]": "order", "filter[o][value]": placed["orderId"], "include": "order-status"})).json()
    names = {x["id"]: x["attributes"]["name"] for x in history["included"]}
    assert [names[h["relationships"]["order-status"]["data"]["id"]] for h in history["data"]] == [
        "Ikke behandlet", "Sendt", "Under behandling"]
    assert [h["attributes"]["comment"] for h in history["data"]] == [None, "Sendt med Posten", "angret"]
    for doc, status in (
        ({**patch, "data": {**patch["data"], "id": "1"}}, 409),
        ({"data": {**patch["data"], "type": "products"}}, 409),
        ({"data": {**patch["data"], "relationships": {"order-status": {"data": {"type": "order-statuses",
                                                                                 "id": "99"}}}}}, 422),
        ({"data": {**patch["data"], "attributes": {"comment": "x"}}}, 422),
        ({"nodata": 1}, 400),
    ):
        bad = await demo.send("PATCH", f"orders/{placed['orderId']}", doc)
        assert bad.status_code == status, (doc, bad.text)
        assert error_of(bad)
    wrong_type = await demo.send("PATCH", f"orders/{placed['orderId']}", patch, content_type="text/plain")
    assert wrong_type.status_code == 415 and error_of(wrong_type)["code"] == g.CODE_MEDIA_TYPE
    assert (await demo.send("PUT", f"orders/{placed['orderId']}", patch)).status_code == 405
    assert (await demo.send("POST", "orders", patch)).status_code == 405
    assert (await demo.control("POST", "orders/424242/status", json={"status": "Sendt"})).status_code == 404


async def test_cancelling_puts_the_items_back_in_stock(demo: Shop) -> None:
    def stock() -> Any:
        return demo.get("products", params={"filter[s][path]": "sku", "filter[s][value]": "GARN-MER-002"})

    before = (await stock()).json()["data"][0]["attributes"]["quantity"]
    placed = await demo.place(lines=[{"sku": "GARN-MER-002", "quantity": 4}])
    assert (await stock()).json()["data"][0]["attributes"]["quantity"] == before - 4
    await demo.move(placed["orderId"], "Kansellert")
    assert (await stock()).json()["data"][0]["attributes"]["quantity"] == before


# ---------------------------------------------------------------------------------------------------------
# webhooks
# ---------------------------------------------------------------------------------------------------------


async def test_webhook_subscriptions_through_the_api(demo: Shop) -> None:
    r = await demo.send("POST", "webhooks", {"data": {"type": "webhooks", "attributes": {
        "topic": g.TOPIC_ORDERS_UPDATE, "address": "https://gateway.example.no/webhooks/mystore/1"}}})
    assert r.status_code == 201
    hook = r.json()["data"]
    assert r.headers["location"] == hook["links"]["self"] and hook["type"] == g.WEBHOOKS
    assert set(hook["attributes"]) == {g.WEBHOOK_TOPIC_FIELD, g.WEBHOOK_ADDRESS_FIELD, "created_at", "updated_at"}
    listed = (await demo.get("webhooks")).json()["data"]
    assert [w["id"] for w in listed] == [hook["id"]]
    for attributes, pointer in (
        ({"topic": g.TOPIC_ORDERS_UPDATE, "address": "https://gateway.example.no/webhooks/mystore/1"}, "address"),
        ({"topic": "orders/paid", "address": "https://x.no"}, "topic"),
        ({"topic": g.TOPIC_ORDERS_CREATE, "address": "not a url"}, "address"),
        ({"topic": g.TOPIC_ORDERS_CREATE, "address": "https://x.no", "secret": "mine"}, "secret"),
    ):
        bad = await demo.send("POST", "webhooks", {"data": {"type": "webhooks", "attributes": attributes}})
        assert bad.status_code == 422 and error_of(bad)["source"] == {"pointer": f"/data/attributes/{pointer}"}
    assert (await demo.send("POST", "webhooks", {"data": {"type": "orders", "attributes": {}}})).status_code == 409
    assert (await demo.hook("products/update", "https://x.no"))["attributes"]["topic"] == "products/update"
    deleted = await demo.env.http.delete(f"/shops/{demo.shop}/webhooks/{hook['id']}", headers=demo.auth())
    assert deleted.status_code == 204
    again = await demo.env.http.delete(f"/shops/{demo.shop}/webhooks/{hook['id']}", headers=demo.auth())
    assert again.status_code == 404


async def test_webhook_delivery_headers_and_hmac_of_the_raw_body(demo: Shop, receiver: Receiver) -> None:
    await demo.hook(g.TOPIC_ORDERS_CREATE, receiver.url)
    await demo.hook(g.TOPIC_ORDERS_UPDATE, receiver.url)
    started = time.monotonic()
    placed = await demo.place(paymentMethod="klarna")
    assert time.monotonic() - started < 1  # delivery never blocks the call
    await demo.move(placed["orderId"], "Sendt")
    await demo.env.drain()
    assert [c["headers"]["x-no-mystore-topic"] for c in receiver.calls] == [g.TOPIC_ORDERS_CREATE,
                                                                           g.TOPIC_ORDERS_UPDATE]
    for call in receiver.calls:
        headers = call["headers"]
        assert headers["x-no-mystore-host"] == demo.shop
        assert headers["x-no-mystore-hmac-sha256"] == hmac_b64(demo.secret, call["raw"])
        assert headers["x-no-mystore-hmac-sha256"] != hmac_b64("another secret", call["raw"])
        assert headers["content-type"] == g.WEBHOOK_CONTENT_TYPE and headers["user-agent"] == g.WEBHOOK_USER_AGENT
        body = call["body"]
        assert body["data"]["type"] == g.ORDERS and body["data"]["id"] == str(placed["orderId"])
        assert {x["type"] for x in body["included"]} == {g.ORDER_PRODUCTS, g.ORDER_STATUSES}
    created, updated = (c["body"] for c in receiver.calls)
    status_of = {x["id"]: x["attributes"]["name"] for b in (created, updated) for x in b["included"]
                 if x["type"] == g.ORDER_STATUSES}
    assert status_of[created["data"]["relationships"]["order-status"]["data"]["id"]] == "Ikke behandlet"
    assert status_of[updated["data"]["relationships"]["order-status"]["data"]["id"]] == "Sendt"
    log = (await demo.state())["webhookDeliveries"]
    assert [(e["topic"], e["orderId"], e["status"], e["attempt"], e["outcome"]) for e in log] == [
        (g.TOPIC_ORDERS_CREATE, placed["orderId"], 200, 1, "delivered"),
        (g.TOPIC_ORDERS_UPDATE, placed["orderId"], 200, 1, "delivered")]
    # the resend recipe: saving the order again with the same status fires orders/update again
    await demo.move(placed["orderId"], "Sendt")
    patch = {"data": {"type": "orders", "id": str(placed["orderId"]), "relationships": {
        "order-status": {"data": {"type": "order-statuses", "id": "3"}}}}}
    assert (await demo.send("PATCH", f"orders/{placed['orderId']}", patch)).status_code == 200
    await demo.env.drain()
    assert len(receiver.calls) == 2 + 2 * g.SAME_STATUS_UPDATE_FIRES_WEBHOOK


async def test_failed_deliveries_are_retried_until_success_with_the_same_body(demo: Shop, receiver: Receiver) -> None:
    assert (await demo.control("POST", "webhook-retry", json={"delays": [0.05, 0.05, 0.05]})).status_code == 200
    receiver.statuses = [500, 503]
    await demo.hook(g.TOPIC_ORDERS_UPDATE, receiver.url)
    await demo.move(1002, "Returnert")
    await demo.env.drain()
    assert len(receiver.calls) == 3
    assert len({c["raw"] for c in receiver.calls}) == 1
    assert len({c["headers"]["x-no-mystore-hmac-sha256"] for c in receiver.calls}) == 1
    log = (await demo.state())["webhookDeliveries"]
    assert [(e["attempt"], e["status"], e["outcome"]) for e in log] == [(1, 500, "failed"), (2, 503, "failed"),
                                                                          (3, 200, "delivered")]


async def test_deliveries_give_up_after_the_schedule_and_retry_connection_errors(demo: Shop) -> None:
    await demo.control("POST", "webhook-retry", json={"delays": [0.02, 0.02]})
    await demo.hook(g.TOPIC_ORDERS_CREATE, "http://127.0.0.1:9/nowhere")  # nothing listens on port 9
    await demo.place()
    await demo.env.drain()
    log = (await demo.state())["webhookDeliveries"]
    assert [(e["attempt"], e["status"], e["outcome"]) for e in log] == [(1, None, "failed"), (2, None, "failed"),
                                                                          (3, None, "failed")]
    assert log[-1]["gaveUp"] is True and log[0]["error"]


async def test_slow_receivers_count_as_failed_and_are_retried(demo: Shop, receiver: Receiver) -> None:
    await demo.control("POST", "webhook-retry", json={"delays": [0.05], "timeoutSeconds": 0.2})
    receiver.slow_first = 0.6
    await demo.hook(g.TOPIC_ORDERS_CREATE, receiver.url)
    await demo.place()
    await demo.env.drain()
    log = (await demo.state())["webhookDeliveries"]
    assert [(e["attempt"], e["error"], e["outcome"]) for e in log] == [(1, "timeout", "failed"),
                                                                         (2, None, "delivered")]


async def test_duplicate_and_drop_rates(demo: Shop, receiver: Receiver) -> None:
    await demo.hook(g.TOPIC_ORDERS_UPDATE, receiver.url)
    await demo.faults(webhook_duplicate_rate=1.0, seed=1)
    await demo.move(1002, "Under behandling")
    await demo.env.drain()
    assert len(receiver.calls) == 2 and receiver.calls[0]["raw"] == receiver.calls[1]["raw"]
    await demo.faults(webhook_drop_rate=1.0, seed=1)
    await demo.move(1002, "Sendt")
    await demo.env.drain()
    assert len(receiver.calls) == 2  # dropped: never sent
    state = await demo.state()
    assert [(e["copy"], e["outcome"]) for e in state["webhookDeliveries"]] == [(1, "delivered"), (2, "delivered"),
                                                                               (1, "dropped")]
    assert state["faults"]["injected"] == {"webhook_drop": 1}
    assert next(o for o in state["orders"] if o["orderId"] == 1002)["status"] == "Sendt"  # the change itself held


async def test_shutdown_cancels_pending_deliveries() -> None:
    app = create_app()
    rec = Receiver(statuses=[500] * 10)
    async with serve_asgi(rec.app()) as receiver_url:
        async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
            shop = await Env(app, url, http).shop("demo")
            await shop.control("POST", "webhook-retry", json={"delays": [60]})
            await shop.hook(g.TOPIC_ORDERS_CREATE, f"{receiver_url}/hook")
            await shop.place()
            for _ in range(100):
                if rec.calls:
                    break
                await asyncio.sleep(0.02)
            assert len(rec.calls) == 1 and app.state.mystore.webhooks.pending == 1  # waiting to retry
        assert app.state.mystore.webhooks.pending == 0  # the lifespan cancelled it


# ---------------------------------------------------------------------------------------------------------
# rate limit and faults
# ---------------------------------------------------------------------------------------------------------


async def test_rate_limit_is_a_sliding_window_per_token(env: Env) -> None:
    shop = await env.shop()
    other_token = await shop.token_with("read:webhooks")
    assert (await shop.control("POST", "rate-limit", json={"limit": 3, "periodSeconds": 0.5})).status_code == 200
    answers = [await shop.get("webhooks") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    limited = await shop.get("webhooks")
    assert limited.status_code == 429 and error_of(limited)["code"] == g.CODE_RATE_LIMITED
    assert int(limited.headers["Retry-After"]) >= 1 and limited.headers["X-RateLimit-Limit"] == "3"
    assert (await shop.get("webhooks", token=other_token)).status_code == 200  # another token, another budget
    await asyncio.sleep(0.55)
    assert (await shop.get("webhooks")).status_code == 200
    assert (await shop.control("POST", "rate-limit", json={"limit": 0})).status_code == 400
    fresh = await env.shop()
    state = await fresh.state()
    assert state["rateLimit"] == {"limit": g.DEFAULT_RATE_LIMIT, "periodSeconds": g.DEFAULT_RATE_PERIOD_SECONDS}


async def test_fault_latency(demo: Shop) -> None:
    await demo.faults(latency_ms=300)
    started = time.monotonic()
    assert (await demo.get("order-statuses")).status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_fault_5xx_does_nothing(demo: Shop, receiver: Receiver) -> None:
    await demo.hook(g.TOPIC_ORDERS_UPDATE, receiver.url)
    await demo.faults(error_5xx_rate=1.0)
    patch = {"data": {"type": "orders", "id": "1002", "relationships": {
        "order-status": {"data": {"type": "order-statuses", "id": "5"}}}}}
    r = await demo.send("PATCH", "orders/1002", patch)
    assert r.status_code == 500 and error_of(r)["code"] == g.CODE_SERVER
    await demo.env.drain()
    state = await demo.state()
    assert next(o for o in state["orders"] if o["orderId"] == 1002)["status"] != "Returnert"
    assert receiver.calls == [] and state["faults"]["injected"] == {"error_5xx": 1}


async def test_fault_commit_then_500(demo: Shop, receiver: Receiver) -> None:
    await demo.hook(g.TOPIC_ORDERS_UPDATE, receiver.url)
    await demo.faults(commit_then_500_rate=1.0)
    patch = {"data": {"type": "orders", "id": "1002", "relationships": {
        "order-status": {"data": {"type": "order-statuses", "id": "5"}}}}}
    r = await demo.send("PATCH", "orders/1002", patch)
    assert r.status_code == 500 and error_of(r)
    await demo.control("DELETE", "faults")
    await demo.env.drain()
    order = await demo.order(1002)
    assert order["data"]["relationships"]["order-status"]["data"]["id"] == "5"  # done although the client saw 500
    assert len(receiver.calls) == 1


async def test_fault_timeout(demo: Shop) -> None:
    await demo.faults(timeout_rate=1.0, timeout_seconds=0.3)
    started = time.monotonic()
    r = await demo.get("order-statuses")
    assert r.status_code == 504 and time.monotonic() - started >= 0.3 and error_of(r)
    with pytest.raises(httpx.ReadTimeout):
        await demo.get("order-statuses", timeout=0.1)


async def test_fault_429_storm(demo: Shop) -> None:
    await demo.faults(rate_limit_storm=2, rate_limit_reset_seconds=2)
    first, second, third = [await demo.get("order-statuses") for _ in range(3)]
    assert first.status_code == second.status_code == 429 and first.headers["Retry-After"] == "2"
    assert error_of(first)["code"] == g.CODE_RATE_LIMITED
    assert third.status_code == 200


async def test_control_api_validation(env: Env) -> None:
    shop = await env.shop()
    assert (await shop.control("POST", "faults", json={"error_rate": 1})).status_code == 400
    await shop.faults(latency_ms=1)
    assert (await shop.control("GET", "faults")).json()["faults"]["latency_ms"] == 1
    assert (await shop.control("DELETE", "faults")).status_code == 200
    assert (await shop.control("GET", "faults")).json() == {"faults": None}
    assert (await shop.control("POST", "webhook-retry", json={"delays": [-1]})).status_code == 400
    assert (await env.http.get("/_control/accounts/nope/state")).status_code == 404
    assert (await env.http.post("/_control/accounts", json={"seed": "full"})).status_code == 400
    named = await env.shop(shop="min-butikk")
    assert named.shop == "min-butikk" and (await named.get("order-statuses")).status_code == 200
    taken = await env.http.post("/_control/accounts", json={"shop": "min-butikk"})
    assert taken.status_code == 409
    assert (await env.http.post("/_control/accounts", json={"shop": "Min Butikk"})).status_code == 400
    state = await shop.state()
    assert state["counts"]["orderStatuses"] == len(g.DEFAULT_STATUSES) and state["counts"]["orders"] == 0
    assert {p["code"] for p in state["paymentMethods"]} >= {"vipps", "klarna", "mystore_card", "invoice"}


# ---------------------------------------------------------------------------------------------------------
# demo data, mounting
# ---------------------------------------------------------------------------------------------------------


async def test_demo_seed_is_realistic_and_deterministic(env: Env) -> None:
    one, two = await env.shop("demo"), await env.shop("demo")
    state, other = await one.state(), await two.state()
    counts = state["counts"]
    assert counts["products"] >= 1000 and counts["customers"] >= 200 and counts["orders"] >= 200
    completed = {s["name"] for s in state["orderStatuses"] if s["property"] == g.PROPERTY_COMPLETED}
    paid_by = {o["paymentMethod"] for o in state["orders"] if o["status"] in completed}
    assert {"vipps", "klarna", "mystore_card", "invoice"} <= paid_by
    assert {o["statusProperty"] for o in state["orders"]} == {g.PROPERTY_STANDARD, g.PROPERTY_NONE,
                                                              g.PROPERTY_COMPLETED, g.PROPERTY_CANCELLED}
    assert {o["customerType"] for o in state["orders"]} == {"private", "business"}
    assert any(o["customerNumber"] is None for o in state["orders"])  # guest checkouts
    customers = (await one.get("customers", params={"page[size]": 100})).json()["data"]
    business = [c["attributes"] for c in customers if c["attributes"]["type"] == g.CUSTOMER_TYPE_BUSINESS]
    assert business and all(len(c[g.ORG_NUMBER_FIELD]) == 9 and c["company"] for c in business)
    assert any(c["attributes"]["type"] == g.CUSTOMER_TYPE_PRIVATE for c in customers)

    def content(s: dict[str, Any]) -> list[Any]:
        return [{k: v for k, v in o.items() if k not in ("createdAt", "updatedAt")} for o in s["orders"]]

    assert content(state) == content(other)
    first = (await one.get("products", params={"page[size]": 100})).json()["data"]
    again = (await two.get("products", params={"page[size]": 100})).json()["data"]
    assert [p["attributes"]["sku"] for p in first] == [p["attributes"]["sku"] for p in again]
    assert [p["attributes"]["price"] for p in first] == [p["attributes"]["price"] for p in again]
    names = " ".join(p["attributes"]["name"][g.SHOP_LANGUAGE] for p in first)
    assert any(ch in names for ch in "æøåÆØÅ")


async def test_mounted_under_a_prefix_links_keep_the_prefix() -> None:
    sandbox = create_app()
    outer = Starlette(routes=[Mount("/sandbox/mystore", sandbox)])
    async with serve_asgi(outer) as url, httpx.AsyncClient(base_url=f"{url}/sandbox/mystore") as http:
        created = (await http.post("/_control/accounts", json={"seed": "demo"})).json()
        auth = {"Authorization": f"Bearer {created['token']}", **JSONAPI}
        doc = (await http.get(f"/shops/{created['shop']}/orders", params={"page[size]": 10}, headers=auth)).json()
        prefix = f"{url}/sandbox/mystore/shops/{created['shop']}/orders"
        assert doc["links"]["next"].startswith(prefix) and doc["data"][0]["links"]["self"].startswith(prefix)
        nxt = await http.get(doc["links"]["next"], headers=auth)
        assert nxt.status_code == 200 and nxt.json()["meta"]["page"]["current-page"] == 2
        one = await http.get(doc["data"][0]["links"]["self"], headers=auth)
        assert one.status_code == 200 and one.json()["data"]["id"] == doc["data"][0]["id"]


# ---------------------------------------------------------------------------------------------------------
# added by the issue-3 audit
# ---------------------------------------------------------------------------------------------------------


async def test_default_budget_is_120_requests_a_minute_per_token(env: Env) -> None:
    shop = await env.shop()
    other_token = await shop.token_with("read:webhooks")
    answers = [await shop.get("webhooks") for _ in range(120)]
    assert {a.status_code for a in answers} == {200} and answers[0].headers["X-RateLimit-Limit"] == "120"
    assert answers[-1].headers["X-RateLimit-Remaining"] == "0"
    limited = await shop.get("webhooks")
    assert limited.status_code == 429 and error_of(limited)["code"] == g.CODE_RATE_LIMITED
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert (await shop.get("webhooks", token=other_token)).status_code == 200  # another token, another budget
