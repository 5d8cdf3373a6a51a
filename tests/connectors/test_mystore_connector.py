"""MystoreClient against the Mystore sandbox over real HTTP: JSON:API parsing, paging, typed errors, webhooks,
secrets — and the connector's own wire assumptions compared with the sandbox's guesses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.connectors import mystore as m
from backend.connectors.base import (
    AuthError,
    Exchange,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TransportError,
    ValidationError,
)
from backend.connectors.mystore import MystoreClient, normalise_order, parse_document, sign_webhook, verify_webhook
from backend.sandbox.mystore import create_app
from backend.sandbox.mystore import guesses as g
from tests.support.servers import free_port, serve_asgi


@dataclass
class Sandbox:
    app: Starlette
    url: str
    http: httpx.AsyncClient

    async def account(self, seed: str = "demo", *, unlimited: bool = True) -> dict[str, Any]:
        r = await self.http.post(f"{self.url}/_control/accounts", json={"seed": seed})
        assert r.status_code == 201, r.text
        account: dict[str, Any] = r.json()
        if unlimited:
            await self.control(account, "rate-limit", {"limit": 100_000})
        return account

    async def control(self, account: dict[str, Any], what: str, body: dict[str, Any] | None = None,
                      method: str = "POST", expect: int = 200) -> dict[str, Any]:
        r = await self.http.request(method, f"{self.url}/_control/accounts/{account['accountId']}/{what}", json=body)
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    def client(self, account: dict[str, Any], token: str | None = None, **kw: Any) -> MystoreClient:
        return MystoreClient(self.url, account["shop"], token or account["token"], **kw)

    async def drain(self) -> None:
        async with asyncio.timeout(10):
            await self.app.state.mystore.drain()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    app = create_app()
    async with serve_asgi(app) as url, httpx.AsyncClient(timeout=10) as http:
        yield Sandbox(app, url, http)


@pytest.fixture
async def demo(sandbox: Sandbox) -> AsyncIterator[tuple[MystoreClient, dict[str, Any]]]:
    account = await sandbox.account("demo")
    async with sandbox.client(account) as client:
        yield client, account


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    calls: list[dict[str, Any]] = []

    async def hook(request: Request) -> Response:
        calls.append({"headers": dict(request.headers), "raw": await request.body()})
        return JSONResponse({})

    async with serve_asgi(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as url:
        yield f"{url}/hook", calls


# ---------------------------------------------------------------------------------------------------------
# reading: pagination, orders, statuses, payment methods, customers
# ---------------------------------------------------------------------------------------------------------


async def test_pagination_follows_links_next_across_many_pages(sandbox: Sandbox) -> None:
    account = await sandbox.account("demo")
    state = await sandbox.control(account, "state", method="GET")
    async with sandbox.client(account) as client:
        products = [p async for p in client.iter_products(page_size=100)]
        gets = [ex for ex in client.exchanges if ex.method == "GET"]
    total = state["counts"]["products"]
    assert len(products) == total >= 1000 and len({p["id"] for p in products}) == total
    assert len(gets) == -(-total // 100)
    assert all("page%5Bnumber%5D=" + str(i + 1) in ex.url and "page%5Bsize%5D=100" in ex.url
               for i, ex in enumerate(gets))
    first = products[0]
    assert first["type"] == "products" and m.text_of(first["name"]) and first["sku"] and "attributes" not in first
    async with sandbox.client(account) as client:
        statuses = [o async for o in client.iter_orders(page_size=25, status_id=3)]
        assert len(client.exchanges) == -(-len(statuses) // 25)
    assert len(statuses) > 100 and all(o["status"]["name"] == "Sendt" and o["status"]["is_completed"]
                                       for o in statuses)


async def test_pagination_stops_on_404_past_the_end_and_never_follows_a_foreign_next_link() -> None:
    asked: list[str] = []

    async def products(request: Request) -> Response:
        asked.append(str(request.url))
        page = int(request.query_params.get("page[number]", "1"))
        assert request.headers["authorization"] == "Bearer t0ken-value-123"
        if page == 3:
            return JSONResponse({"errors": [{"status": "404", "title": "Not Found", "detail": "no page"}]},
                                status_code=404)
        return JSONResponse({"data": [{"type": "products", "id": str(page), "attributes": {"sku": f"S{page}"}}],
                             "links": {"next": f"http://evil.example/steal?page={page + 1}"}})

    app = Starlette(routes=[Route("/shops/butikk/products", products)])
    async with serve_asgi(app) as url, MystoreClient(url, "butikk", "t0ken-value-123") as client:
        got = [p["sku"] async for p in client.iter_products(page_size=1)]
    assert got == ["S1", "S2"]
    assert len(asked) == 3 and all(a.startswith(url) for a in asked)  # the token never went to evil.example
    assert "page%5Bnumber%5D=2" in asked[1] and "page%5Bnumber%5D=3" in asked[2]


async def test_a_next_link_that_loops_back_is_an_error_not_an_endless_walk() -> None:
    async def products(request: Request) -> Response:
        return JSONResponse({"data": [{"type": "products", "id": "1", "attributes": {}}],
                             "links": {"next": str(request.url)}})  # "next" is this very page

    app = Starlette(routes=[Route("/shops/butikk/products", products)])
    async with serve_asgi(app) as url, MystoreClient(url, "butikk", "t0ken-value-123") as client:
        with pytest.raises(PermanentError, match="loops"):
            [p async for p in client.iter_products()]
        assert len(client.exchanges) == 2


async def test_get_order_with_lines_fees_customer_payment_method_and_status(
        sandbox: Sandbox, demo: tuple[MystoreClient, dict[str, Any]]) -> None:
    client, account = demo
    placed = await sandbox.control(account, "orders", {
        "customerId": 3, "paymentMethod": "invoice", "shipping": {"method": "Bring Hjemlevering", "price": 149},
        "lines": [{"sku": "GARN-ALP-001", "quantity": 3}, {"sku": "MAT-KAF-002", "quantity": 2}]}, expect=201)
    order = await client.get_order(placed["orderId"])
    assert order is not None
    assert order["id"] == order["number"] == str(placed["orderId"]) and order["currency"] == "NOK"
    assert order["status"]["name"] == "Ikke behandlet" and order["status"]["property"] == "standard"
    assert order["status"]["is_completed"] is False
    assert order["payment_method"] == {"id": "4", "code": "invoice", "name": "Faktura"}
    customer = order["customer"]
    assert customer["number"] == "3" and customer["is_business"] and customer["name"] == customer["company"]
    assert customer["organisation_number"] and len(customer["organisation_number"]) == 9
    assert customer["billing_address"]["postal_code"] and customer["delivery_address"]["country"] == "NO"
    kinds = [line["kind"] for line in order["lines"]]
    assert kinds == ["product", "product", "shipping", "payment_fee"]
    products = order["lines"][:2]
    assert [x["sku"] for x in products] == ["GARN-ALP-001", "MAT-KAF-002"]
    assert [x["vat_rate"] for x in products] == [Decimal(25), Decimal(15)]
    assert all(isinstance(x["quantity"], Decimal) and x["product_id"] for x in products)
    shipping, fee = order["lines"][2:]
    assert shipping["name"] == "Bring Hjemlevering" and shipping["unit_price_incl_vat"] == Decimal(149)
    assert shipping["total_excl_vat"] == Decimal("119.2") and shipping["quantity"] == 1
    assert fee["total_incl_vat"] == Decimal(49) and fee["vat_rate"] == Decimal(25)
    assert sum(x["total_incl_vat"] for x in order["lines"]) == order["total_incl_vat"]
    assert sum(x["total_excl_vat"] for x in order["lines"]) == order["total_excl_vat"]
    assert sum(x["total_vat"] for x in order["lines"]) == order["total_vat"]
    assert order["raw"]["type"] == "orders" and order["raw"][m.REL_CUSTOMER] == {"id": "3", "type": "customers"}
    moved = await client.set_order_status(placed["orderId"], 3)
    assert moved["status"]["name"] == "Sendt" and moved["status"]["is_completed"] is True
    again = await client.get_order(placed["orderId"])
    assert again is not None and again["status"]["property"] == "completed"


async def test_lists_statuses_payment_methods_customers_and_filters(demo: tuple[MystoreClient, dict[str, Any]]) -> None:
    client, _ = demo
    statuses = await client.list_order_statuses()
    completed = [s["name"] for s in statuses if s["is_completed"]]
    assert completed == ["Sendt", "Klar for henting"]
    assert [s["name"] for s in statuses if s["is_cancelled"]] == ["Kansellert"]
    methods = {p["code"]: p for p in await client.list_payment_methods()}
    assert {"vipps", "klarna", "mystore_card", "invoice"} <= set(methods)
    assert methods["invoice"]["fee"] == Decimal(49) and methods["vipps"]["name"] == "Vipps"
    business = await client.get_customer(3)
    assert business is not None and business["number"] == "3" and business["is_business"]
    assert business["organisation_number"] and business["address"]["city"]
    private = await client.get_customer(1)
    assert private is not None and not private["is_business"] and private["organisation_number"] is None
    assert private["name"] == f"{private['first_name']} {private['last_name']}"
    vipps = [o async for o in client.iter_orders(payment_method_code="vipps", page_size=100)]
    assert vipps and all(o["payment_method"]["code"] == "vipps" for o in vipps)
    cut = vipps[len(vipps) // 2]["updated_at"]
    recent = [o async for o in client.iter_orders(updated_since=cut, page_size=100)]
    assert recent and all(o["updated_at"] >= cut for o in recent)
    newest_first = [o["id"] async for o in client.iter_orders(sort="-created_at", page_size=100)]
    assert newest_first[0] == max(newest_first, key=int)
    customers = [c async for c in client.iter_customers(type="business", page_size=100)]
    assert customers and all(c["is_business"] for c in customers)


async def test_not_found_is_none(demo: tuple[MystoreClient, dict[str, Any]]) -> None:
    client, _ = demo
    assert await client.get_order(987654) is None
    assert await client.get_customer(987654) is None
    assert await client.get_order(1001) is not None


# ---------------------------------------------------------------------------------------------------------
# typed errors
# ---------------------------------------------------------------------------------------------------------


async def test_403_outside_the_scopes_is_an_auth_error_and_probe_scopes_names_the_missing_one(
        sandbox: Sandbox) -> None:
    account = await sandbox.account("demo")
    limited = await sandbox.control(account, "tokens", {"scopes": ["read:orders", "read:order-status"]}, expect=201)
    async with sandbox.client(account, limited["token"]) as client:
        with pytest.raises(AuthError) as caught:
            await client.get_order(1001)  # lines need read:order-products
        err = caught.value
        assert err.status == 403 and not err.retryable and err.code == m.INSUFFICIENT_SCOPE_CODE
        assert err.details[0]["meta"] == {m.REQUIRED_SCOPE_META: "read:order-products"}
        assert "read:order-products" in err.message
        probe = await client.probe_scopes()
        assert probe == {"read:orders": True, "read:order-products": False, "read:order-status": True,
                         "read:payment-methods": False}
        with pytest.raises(AuthError):
            await client.ensure_webhook(m.TOPIC_ORDERS_UPDATE, "https://x.no/hook")
    async with sandbox.client(account) as full:
        assert set((await full.probe_scopes(tuple(m.READ_SCOPES))).values()) == {True}


async def test_401_is_an_auth_error_without_the_token(sandbox: Sandbox) -> None:
    account = await sandbox.account("empty")
    async with MystoreClient(sandbox.url, account["shop"], "not-a-valid-token-123") as client:
        with pytest.raises(AuthError) as caught:
            await client.list_order_statuses()
    assert caught.value.status == 401 and "not-a-valid-token-123" not in str(caught.value)


async def test_429_is_rate_limited_with_retry_after(sandbox: Sandbox) -> None:
    account = await sandbox.account("empty", unlimited=False)
    await sandbox.control(account, "rate-limit", {"limit": 2, "periodSeconds": 30})
    async with sandbox.client(account) as client:
        await client.list_order_statuses()
        await client.list_payment_methods()
        with pytest.raises(RateLimitedError) as caught:
            await client.list_order_statuses()
    assert caught.value.status == 429 and caught.value.retryable and caught.value.code == "too_many_requests"
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1
    other = await sandbox.account("empty")
    await sandbox.control(other, "faults", {"rate_limit_storm": 1, "rate_limit_reset_seconds": 3})
    async with sandbox.client(other) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.list_order_statuses()
        assert caught.value.retry_after == 3.0
        assert len(await client.list_order_statuses()) == len(g.DEFAULT_STATUSES)


async def test_timeout_is_a_transport_error(sandbox: Sandbox) -> None:
    account = await sandbox.account("empty")
    await sandbox.control(account, "faults", {"timeout_rate": 1.0, "timeout_seconds": 0.5})
    async with sandbox.client(account, timeout=httpx.Timeout(0.15)) as client:
        with pytest.raises(TransportError) as caught:
            await client.get_order(1001)
    assert caught.value.retryable and caught.value.status is None
    assert client.exchanges[-1].error == "timeout"


async def test_5xx_is_retryable(sandbox: Sandbox) -> None:
    account = await sandbox.account("empty")
    await sandbox.control(account, "faults", {"error_5xx_rate": 1.0})
    async with sandbox.client(account) as client:
        with pytest.raises(RetryableError) as caught:
            await client.list_payment_methods()
    err = caught.value
    assert err.status == 500 and err.retryable and not isinstance(err, PermanentError | RateLimitedError)
    assert "fault injection" in err.message and err.code == "server_error"


async def test_422_names_the_offending_attribute(demo: tuple[MystoreClient, dict[str, Any]]) -> None:
    client, _ = demo
    with pytest.raises(ValidationError) as caught:
        await client.ensure_webhook("orders/paid", "https://x.no/hook")
    assert caught.value.status == 422 and caught.value.field == "topic"
    with pytest.raises(ValidationError) as caught:
        await client.set_order_status(1001, 99)
    assert caught.value.field == m.REL_ORDER_STATUS


# ---------------------------------------------------------------------------------------------------------
# webhooks
# ---------------------------------------------------------------------------------------------------------


def test_verify_webhook_true_false_tampered_missing() -> None:
    body = b'{"data":{"type":"orders","id":"1001"}}'
    secret = "shop-webhook-secret"
    header = sign_webhook(body, secret)
    assert verify_webhook(body, header, secret) is True
    assert verify_webhook(body, f"  {header} ", secret) is True  # surrounding whitespace from proxies
    assert verify_webhook(body, header, "another-secret") is False
    assert verify_webhook(body.replace(b"1001", b"1002"), header, secret) is False  # tampered body
    assert verify_webhook(body + b" ", header, secret) is False  # re-serialised bodies do not verify
    assert verify_webhook(body, header[:-2] + "AA", secret) is False  # tampered signature
    assert verify_webhook(body, None, secret) is False
    assert verify_webhook(body, "", secret) is False
    assert verify_webhook(body, header, "") is False
    assert verify_webhook(body, "ø" * 44, secret) is False  # non-ASCII garbage is just wrong


async def test_ensure_webhook_and_real_deliveries_verify(
        sandbox: Sandbox, receiver: tuple[str, list[dict[str, Any]]]) -> None:
    url, calls = receiver
    account = await sandbox.account("demo")
    async with sandbox.client(account) as client:
        first = await client.ensure_webhook(m.TOPIC_ORDERS_UPDATE, url)
        second = await client.ensure_webhook(m.TOPIC_ORDERS_UPDATE, url)
        assert first["id"] == second["id"] and first[m.WEBHOOK_ADDRESS_FIELD] == url
        assert [h["id"] for h in await client.list_webhooks()] == [first["id"]]
        await client.set_order_status(1001, 2)
        await sandbox.drain()
        assert len(calls) == 1
        call = calls[0]
        assert call["headers"][m.HEADER_TOPIC.lower()] == m.TOPIC_ORDERS_UPDATE
        assert call["headers"][m.HEADER_HOST.lower()] == account["shop"]
        assert verify_webhook(call["raw"], call["headers"].get(m.HEADER_HMAC.lower()), account["webhookSecret"])
        assert not verify_webhook(call["raw"], call["headers"].get(m.HEADER_HMAC.lower()), "wrong")
        parsed = parse_document(json.loads(call["raw"]))
        assert isinstance(parsed, dict)
        assert normalise_order(parsed)["status"]["name"] == "Under behandling"  # the body parses like a GET
        await client.delete_webhook(first["id"])
        await client.delete_webhook(first["id"])  # already gone: fine
        assert await client.list_webhooks() == []


# ---------------------------------------------------------------------------------------------------------
# secrets
# ---------------------------------------------------------------------------------------------------------


async def test_secrets_never_in_errors_or_recorded_exchanges(sandbox: Sandbox) -> None:
    account = await sandbox.account("demo")
    recorded: list[Exchange] = []
    errors: list[str] = []
    async with sandbox.client(account, on_exchange=recorded.append) as client:
        await client.get_order(1001)
        await client.ensure_webhook(m.TOPIC_ORDERS_CREATE, "https://example.com/in")
        try:
            await client.ensure_webhook("nope", "https://example.com/in")
        except ValidationError as exc:
            errors.append(str(exc))
    async with MystoreClient(sandbox.url, account["shop"], account["token"] + "x",
                             on_exchange=recorded.append) as stale:
        try:
            await stale.get_order(1001)
        except AuthError as exc:
            errors.append(str(exc))
    assert len(errors) == 2 and recorded
    dumped = json.dumps([ex.as_dict() for ex in recorded]) + " ".join(errors)
    assert account["token"] not in dumped and account["token"][:40] not in dumped
    assert account["webhookSecret"] not in dumped


async def test_error_messages_that_echo_the_token_are_redacted() -> None:
    token = "secret-token-0123456789"

    async def echo(request: Request) -> Response:
        said = request.headers["authorization"]
        return JSONResponse({"errors": [{"status": "422", "title": "Unprocessable Entity", "detail": f"bad {said}",
                                         "source": {"pointer": "/data/attributes/address"}}]}, status_code=422)

    app = Starlette(routes=[Route("/shops/butikk/webhooks", echo, methods=["GET", "POST"])])
    async with serve_asgi(app) as url, MystoreClient(url, "butikk", token) as client:
        with pytest.raises(ValidationError) as caught:
            await client.list_webhooks()
        recorded = json.dumps([ex.as_dict() for ex in client.exchanges])
    assert token not in str(caught.value) and token not in json.dumps(caught.value.details)
    assert token not in recorded and "bad Bearer ***" in recorded
    assert caught.value.field == "address"


async def test_plain_message_errors_are_understood_too() -> None:
    async def plain(request: Request) -> Response:
        return JSONResponse({"message": "Server Error"}, status_code=503)

    app = Starlette(routes=[Route("/shops/butikk/order-statuses", plain)])
    async with serve_asgi(app) as url, MystoreClient(url, "butikk", "t0ken-value-123") as client:
        with pytest.raises(RetryableError) as caught:
            await client.list_order_statuses()
    assert caught.value.status == 503 and caught.value.message == "Server Error"


async def test_an_order_answered_without_its_lines_is_a_permanent_error() -> None:
    async def order(request: Request) -> Response:
        return JSONResponse({"data": {"type": "orders", "id": "7", "attributes": {}, "relationships": {
            "order-products": {"data": [{"type": "order-products", "id": "1"}]}}}})  # "included" left out

    app = Starlette(routes=[Route("/shops/butikk/orders/7", order)])
    async with serve_asgi(app) as url, MystoreClient(url, "butikk", "t0ken-value-123") as client:
        with pytest.raises(PermanentError, match="lines of order 7"):
            await client.get_order(7)


# ---------------------------------------------------------------------------------------------------------
# the connector's assumptions and the sandbox's guesses must be the same guesses
# ---------------------------------------------------------------------------------------------------------


def test_connector_assumptions_match_the_sandbox_guesses() -> None:
    same_names = (
        "MEDIA_TYPE", "DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "PRODUCTS", "ORDERS", "ORDER_PRODUCTS", "ORDER_STATUSES",
        "CUSTOMERS", "PAYMENT_METHODS", "WEBHOOKS", "REL_ORDER_PRODUCTS", "REL_ORDER_STATUS", "REL_CUSTOMER",
        "REL_PAYMENT_METHOD", "REL_PRODUCT", "STATUS_PROPERTY_FIELD", "STATUS_PUBLIC_NAME_FIELD", "PROPERTY_STANDARD",
        "PROPERTY_COMPLETED", "PROPERTY_CANCELLED", "ORDER_CUSTOMER_FIELD", "CUSTOMER_NUMBER_FIELD",
        "CUSTOMER_TYPE_FIELD", "CUSTOMER_TYPE_BUSINESS", "ORG_NUMBER_FIELD", "ORDER_BILLING_ADDRESS_FIELD",
        "ORDER_DELIVERY_ADDRESS_FIELD", "ORDER_PAYMENT_METHOD_FIELD", "ORDER_PAYMENT_CODE_FIELD",
        "ORDER_TOTALS_FIELD", "TOTAL_SHIPPING", "TOTAL_PAYMENT_FEE", "TOTAL_TAX", "TOTAL_TOTAL",
        "LINE_UNIT_PRICE_FIELD", "LINE_UNIT_PRICE_INCL_FIELD", "LINE_TAX_RATE_FIELD", "WEBHOOK_TOPIC_FIELD",
        "WEBHOOK_ADDRESS_FIELD", "TOPIC_ORDERS_CREATE", "TOPIC_ORDERS_UPDATE", "HEADER_TOPIC", "HEADER_HOST",
        "HEADER_HMAC", "REQUIRED_SCOPE_META", "INVOICE_NUMBER_FIELD",
    )
    for name in same_names:
        assert getattr(m, name) == getattr(g, name), name
    assert g.CODE_INSUFFICIENT_SCOPE == m.INSUFFICIENT_SCOPE_CODE
    assert all(g.READ_SCOPES[resource] == scope for resource, scope in m.READ_SCOPES.items())
    assert g.WRITE_SCOPES[g.WEBHOOKS] == m.WRITE_WEBHOOKS_SCOPE and g.WRITE_SCOPES[g.ORDERS] == m.WRITE_ORDERS_SCOPE
    assert set(m.CHARGE_TOTALS) == {g.TOTAL_SHIPPING, g.TOTAL_PAYMENT_FEE}


# ---------------------------------------------------------------------------------------------------------
# added by the issue-3 audit
# ---------------------------------------------------------------------------------------------------------


async def test_connection_refused_is_a_transport_error_without_the_token() -> None:
    async with MystoreClient(f"http://127.0.0.1:{free_port()}", "butikk", "t0ken-secret-123") as client:
        with pytest.raises(TransportError) as caught:
            await client.list_order_statuses()
    assert caught.value.retryable and caught.value.status is None
    assert client.exchanges[-1].error == "ConnectError" and "t0ken-secret-123" not in str(caught.value)
