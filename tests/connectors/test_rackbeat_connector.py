"""RackbeatClient against the Rackbeat sandbox over real HTTP: paging, keys, typed errors, webhooks, secrets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.connectors.base import (
    AuthError,
    Exchange,
    PermanentError,
    RateLimitedError,
    RetryableError,
    TransportError,
    ValidationError,
)
from backend.connectors.rackbeat import RackbeatClient, encode_key
from backend.infra.ratelimit import Budget, RedisRateLimiter
from backend.infra.redis import create_redis
from backend.sandbox.rackbeat import create_app
from backend.sandbox.rackbeat import guesses as g
from tests.support.servers import free_port, serve_asgi


@dataclass
class Sandbox:
    app: Starlette
    url: str
    http: httpx.AsyncClient

    async def account(self, seed: str = "demo") -> dict[str, Any]:
        r = await self.http.post(f"{self.url}/_control/accounts", json={"seed": seed})
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def control(self, account: dict[str, Any], what: str, body: dict[str, Any] | None = None,
                      method: str = "POST") -> dict[str, Any]:
        r = await self.http.request(method, f"{self.url}/_control/accounts/{account['accountId']}/{what}", json=body)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def client(self, account: dict[str, Any], **kw: Any) -> RackbeatClient:
        return RackbeatClient(f"{self.url}/api", account["token"], **kw)

    async def drain(self) -> None:
        async with asyncio.timeout(10):
            await self.app.state.rackbeat.drain()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    app = create_app()
    async with serve_asgi(app) as url, httpx.AsyncClient(timeout=10) as http:
        yield Sandbox(app, url, http)


@pytest.fixture
async def demo(sandbox: Sandbox) -> AsyncIterator[tuple[RackbeatClient, dict[str, Any]]]:
    account = await sandbox.account("demo")
    async with sandbox.client(account) as client:
        yield client, account  # type: ignore[misc]


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    calls: list[dict[str, Any]] = []

    async def hook(request: Request) -> Response:
        calls.append({"headers": dict(request.headers), "body": json.loads(await request.body())})
        return JSONResponse({})

    async with serve_asgi(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as url:
        yield f"{url}/hook", calls


async def test_get_self_with_bearer_token(sandbox: Sandbox) -> None:
    account = await sandbox.account("empty")
    async with sandbox.client(account) as client:
        me = await client.get_self()
    assert me["user_account"]["id"] == account["userAccountId"]


async def test_pagination_walks_every_page(sandbox: Sandbox) -> None:
    account = await sandbox.account("demo")
    state = await sandbox.control(account, "state", method="GET")
    async with sandbox.client(account) as client:
        numbers = [p["number"] async for p in client.iter_products(page_size=100)]
        gets = [ex for ex in client.exchanges if ex.method == "GET"]
        customers = [c["number"] async for c in client.iter_customers()]  # default page size 200
        booked = [i async for i in client.iter_customer_invoices(is_booked=True)]
    assert numbers == state["products"] and len(numbers) >= 1000
    assert len(gets) == -(-len(numbers) // 100)
    assert all("limit=100" in ex.url for ex in gets)
    assert customers == state["customers"]
    assert booked and all(i["is_booked"] for i in booked)
    assert len(booked) == sum(1 for i in state["customerInvoices"] if i["is_booked"])


async def test_pagination_stops_on_an_empty_page_even_if_pages_says_more() -> None:
    async def lying(request: Request) -> Response:
        page = int(request.query_params["page"])
        items = [{"number": f"X-{page}"}] if page == 1 else []
        return JSONResponse({"products": items, "total": 99, "pages": 50, "limit": 1, "page": page}, status_code=206)

    async with serve_asgi(Starlette(routes=[Route("/api/products", lying)])) as url, \
            RackbeatClient(f"{url}/api", "t0ken-value") as client:
        got = [p async for p in client.iter_products(page_size=1)]
        assert got == [{"number": "X-1"}] and len(client.exchanges) == 2


async def test_numbers_with_slash_are_encoded_safely(demo: tuple[RackbeatClient, dict[str, Any]]) -> None:
    client, _ = demo
    assert encode_key("A/1 #2") == "A%252F1%2520%25232"
    created = await client.create_product({"number": "RB/7 #x", "name": "Rar vare", "group": 1, "sales_price": 12.5})
    assert created["number"] == "RB/7 #x"
    got = await client.get_product("RB/7 #x")
    assert got is not None and got["name"] == "Rar vare"
    lot = await client.get_item("SETT/KJOKKEN-1")
    assert lot is not None and lot["type"] == "lot" and lot["lines"]
    assert (await client.get_lot("SETT/KJOKKEN-1")) == lot
    item = await client.get_item("RB/7 #x")
    assert item is not None and item["type"] == "product"


async def test_not_found_is_none(demo: tuple[RackbeatClient, dict[str, Any]]) -> None:
    client, _ = demo
    assert await client.get_customer(987654) is None
    assert await client.get_supplier(987654) is None
    assert await client.get_product("NO/SUCH") is None
    assert await client.get_lot("NO-SUCH") is None
    assert await client.get_item("NO-SUCH") is None
    assert await client.get_customer_invoice(987654) is None
    assert await client.get_purchase_order(987654) is None
    customer = await client.get_customer(10001)
    assert customer is not None and customer["company_name"] == "Nordlys Elektro AS"
    assert (await client.get_supplier(20001)) is not None
    assert (await client.get_purchase_order(g.FIRST_PURCHASE_ORDER_NUMBER)) is not None


async def test_422_is_a_validation_error_with_the_first_field(demo: tuple[RackbeatClient, dict[str, Any]]) -> None:
    client, _ = demo
    with pytest.raises(ValidationError) as caught:
        await client.create_customer_invoice_draft({"customer_id": 10001, "lines": [{"item_id": "NOPE",
                                                                                     "quantity": 1}]})
    err = caught.value
    assert err.status == 422 and err.field == "lines.0.item_id" and not err.retryable
    assert err.message == "The selected lines.0.item_id is invalid."
    with pytest.raises(ValidationError) as caught:
        await client.create_product({"name": "x"})
    assert caught.value.field == "number"
    assert {d["field"] for d in caught.value.details} == {"number", "group", "sales_price"}
    assert "The number field is required." in caught.value.message and ";" in caught.value.message
    with pytest.raises(ValidationError) as caught:
        await client.create_customer({"number": 10001, "company_name": "Dup AS", "payment_terms_id": 1})
    assert caught.value.field == "number" and caught.value.message == "The number has already been taken."


async def test_429_is_rate_limited_with_retry_after(sandbox: Sandbox) -> None:
    account = await sandbox.account("empty")
    await sandbox.control(account, "rate-limit", {"limit": 2, "periodSeconds": 30})
    async with sandbox.client(account) as client:
        await client.get_self()
        await client.list_units()
        with pytest.raises(RateLimitedError) as caught:
            await client.get_self()
    assert caught.value.status == 429 and caught.value.retryable
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1
    other = await sandbox.account("empty")
    await sandbox.control(other, "faults", {"rate_limit_storm": 1, "rate_limit_reset_seconds": 3})
    async with sandbox.client(other) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.get_self()
        assert caught.value.retry_after == 3.0
        assert (await client.get_self())["user_account"]["id"] == other["userAccountId"]


async def test_timeout_is_a_transport_error(sandbox: Sandbox) -> None:
    account = await sandbox.account("empty")
    await sandbox.control(account, "faults", {"timeout_rate": 1.0, "timeout_seconds": 0.5})
    async with sandbox.client(account, timeout=httpx.Timeout(0.15)) as client:
        with pytest.raises(TransportError) as caught:
            await client.get_self()
    assert caught.value.retryable and caught.value.status is None
    assert client.exchanges[-1].error == "timeout"


async def test_5xx_is_retryable(sandbox: Sandbox) -> None:
    account = await sandbox.account("empty")
    await sandbox.control(account, "faults", {"error_5xx_rate": 1.0})
    async with sandbox.client(account) as client:
        with pytest.raises(RetryableError) as caught:
            await client.list_payment_terms()
    err = caught.value
    assert err.status == 500 and err.retryable and not isinstance(err, PermanentError | RateLimitedError)
    assert "fault injection" in err.message


async def test_401_is_an_auth_error_without_the_token(sandbox: Sandbox) -> None:
    async with RackbeatClient(f"{sandbox.url}/api", "not-a-valid-token-123") as client:
        with pytest.raises(AuthError) as caught:
            await client.get_self()
    assert caught.value.status == 401 and not caught.value.retryable
    assert "not-a-valid-token-123" not in str(caught.value)


async def test_ensure_webhook_is_idempotent_and_always_returns_a_token(
        sandbox: Sandbox, receiver: tuple[str, list[dict[str, Any]]]) -> None:
    url, calls = receiver
    account = await sandbox.account("demo")
    async with sandbox.client(account) as client:
        first = await client.ensure_webhook(g.INVOICE_BOOKED_EVENT, url)
        second = await client.ensure_webhook(g.INVOICE_BOOKED_EVENT, url)
        assert len(first["token"]) == 32 and len(second["token"]) == 32 and first["token"] != second["token"]
        hooks = await client.list_webhooks(g.INVOICE_BOOKED_EVENT)
        assert len(hooks) == 1 and hooks[0]["id"] == second["id"]
        assert await client.list_webhooks("customer.created") == []
        draft = await client.create_customer_invoice_draft({"customer_id": 10001, "lines": [
            {"item_id": "SKR-0001", "quantity": 2, "line_price": 100, "discount_percentage": 10}]})
        booked = await client.book_customer_invoice(draft["number"])
        assert booked["is_booked"] and booked["total_subtotal"] == 180.0
        await sandbox.drain()
        # the token Rackbeat sends is the one ensure_webhook returned last
        assert [c["headers"]["rackbeat-webhook-token"] for c in calls] == [second["token"]]
        await client.delete_webhook(second["id"])
        await client.delete_webhook(second["id"])  # already gone: fine
        assert await client.list_webhooks() == []


async def test_secrets_never_in_errors_or_recorded_exchanges(sandbox: Sandbox) -> None:
    account = await sandbox.account("demo")
    recorded: list[Exchange] = []
    errors: list[str] = []
    async with sandbox.client(account, on_exchange=recorded.append) as client:
        hook = await client.ensure_webhook(g.INVOICE_BOOKED_EVENT, "https://example.com/in")
        hook2 = await client.ensure_webhook(g.INVOICE_BOOKED_EVENT, "https://example.com/in")
        old = client.token
        new = await client.replace_token()
        assert new != old and (await client.get_self())["user_account"]["id"] == account["userAccountId"]
        try:
            await client.create_customer({"company_name": "Ny AS", "payment_terms_id": 99})
        except ValidationError as exc:
            errors.append(str(exc))
    async with RackbeatClient(f"{sandbox.url}/api", old, on_exchange=recorded.append) as stale:
        try:
            await stale.get_self()
        except AuthError as exc:
            errors.append(str(exc))
    assert len(errors) == 2
    dumped = json.dumps([ex.as_dict() for ex in recorded]) + " ".join(errors)
    for secret in (old, new, hook["token"], hook2["token"]):
        assert secret not in dumped
    assert '"token": "***"' in dumped


async def test_error_messages_that_echo_the_token_are_redacted() -> None:
    token = "secret-token-0123456789"

    async def echo(request: Request) -> Response:
        said = request.headers["authorization"]
        return JSONResponse({"message": "x", "errors": {"company_name": [f"bad {said}"]}}, status_code=422)

    async with serve_asgi(Starlette(routes=[Route("/api/customers", echo, methods=["POST"])])) as url, \
            RackbeatClient(f"{url}/api", token) as client:
        with pytest.raises(ValidationError) as caught:
            await client.create_customer({"company_name": "x"})
        recorded = json.dumps([ex.as_dict() for ex in client.exchanges])
    assert token not in str(caught.value) and token not in json.dumps(caught.value.details)
    assert token not in recorded and "bad Bearer ***" in recorded
    assert caught.value.field == "company_name"


async def test_gateway_writes_suppress_webhooks_by_default(
        sandbox: Sandbox, receiver: tuple[str, list[dict[str, Any]]]) -> None:
    url, calls = receiver
    account = await sandbox.account("empty")
    async with sandbox.client(account) as client:
        await client.ensure_webhook(g.CUSTOMER_CREATED, url)
        await client.ensure_webhook(g.PRODUCT_CREATED, url)
        term = await client.create_payment_term({"name": "Netto 10", "type": "net", "maturity_days": 10})
        group = await client.create_customer_group({"name": "Kunder"})
        await client.create_supplier_group({"name": "Leverandører"})
        pgroup = await client.create_product_group({"name": "Lager", "has_inventory": True})
        unit = await client.create_unit({"name": "stk"})
        await client.create_employee({"name": "Kari Nordmann"})
        await client.create_customer({"company_name": "Stille AS", "payment_terms_id": term["number"],
                                      "customer_group_id": group["number"]})
        await client.create_supplier({"company_name": "Lev AS", "payment_terms_id": term["number"]})
        await client.create_product({"number": "P-1", "name": "Vare", "group": pgroup["number"],
                                     "unit_id": unit["number"], "sales_price": 10})
        await sandbox.drain()
        assert calls == []
        await client.create_customer({"company_name": "Høylytt AS", "payment_terms_id": term["number"]},
                                      suppress_webhooks=False)
        await sandbox.drain()
        assert [c["body"]["event"] for c in calls] == [g.CUSTOMER_CREATED]
        assert [x["name"] for x in await client.list_customer_groups()] == ["Kunder"]
        assert [x["name"] for x in await client.list_supplier_groups()] == ["Leverandører"]
        assert [x["has_inventory"] for x in await client.list_product_groups()] == [True]
        assert [x["name"] for x in await client.list_units()] == ["stk"]
        assert [x["maturity_days"] for x in await client.list_payment_terms()] == [10]
        assert [x["name"] for x in await client.list_employees()] == ["Kari Nordmann"]
        assert [s["company_name"] async for s in client.iter_suppliers()] == ["Lev AS"]
        assert [lot async for lot in client.iter_lots()] == []


async def test_invoice_helpers_round_trip(demo: tuple[RackbeatClient, dict[str, Any]]) -> None:
    client, _ = demo
    draft = await client.create_customer_invoice_draft({"customer_id": 10001, "lines": [
        {"item_id": "SKR-0001", "quantity": 2, "line_price": 100, "discount_percentage": 10},
        {"item_id": "SETT/KJOKKEN-1", "quantity": 1, "line_price": 1000}]})
    assert draft["is_booked"] is False
    got = await client.get_customer_invoice(draft["number"])
    assert got is not None and got["number"] == draft["number"]
    assert [x["child_type"] for x in got["lines"]] == ["product", "lot"]
    await client.book_customer_invoice(draft["number"], suppress_webhooks=True)
    booked = await client.get_customer_invoice(draft["number"])
    assert booked is not None and booked["is_booked"] and booked["total_total"] == 1475.0
    mine = [i["number"] async for i in client.iter_customer_invoices(customer_number=10001, is_booked=True)]
    assert draft["number"] in mine
    with pytest.raises(ValidationError) as caught:
        await client.book_customer_invoice(draft["number"])
    assert caught.value.field == g.BOOKED_FIELD


# ---------------------------------------------------------------------------------------------------------
# added by the issue-3 audit: connection failures and the budget shared by every worker of one credential
# ---------------------------------------------------------------------------------------------------------


async def test_connection_refused_is_a_transport_error_without_the_token() -> None:
    client = RackbeatClient(f"http://127.0.0.1:{free_port()}/api", "a-secret-token-123")
    with pytest.raises(TransportError) as caught:
        await client.get_self()
    await client.aclose()
    assert caught.value.retryable and caught.value.status is None
    assert client.exchanges[-1].error == "ConnectError" and "a-secret-token-123" not in str(caught.value)


async def _shared_budget_run(sandbox: Sandbox, sandbox_limit: int) -> tuple[list[int | None], float]:
    """Two clients (two workers) of one token share one Redis budget of 4 requests a second; 12 calls."""
    account = await sandbox.account("empty")
    await sandbox.control(account, "rate-limit", {"limit": sandbox_limit, "periodSeconds": 1})
    redis = create_redis("")
    limiter = RedisRateLimiter(redis, "t", Budget(4, 1.0))
    one, two = sandbox.client(account, rate_limiter=limiter), sandbox.client(account, rate_limiter=limiter)
    try:
        while not 0.4 < time.time() % 1 < 0.6:  # start mid-window, as a real run does
            await asyncio.sleep(0.01)
        started = time.monotonic()
        for i in range(12):
            with contextlib.suppress(RateLimitedError):
                await (one if i % 2 else two).list_units()
        elapsed = time.monotonic() - started
        statuses = [e.status for e in one.exchanges + two.exchanges]
    finally:
        await one.aclose()
        await two.aclose()
        await redis.aclose()
    return statuses, elapsed


async def test_workers_sharing_a_token_share_one_budget(sandbox: Sandbox) -> None:
    statuses, elapsed = await _shared_budget_run(sandbox, sandbox_limit=8)
    assert statuses == [206] * 12
    assert elapsed >= 1.0  # 12 calls at 4 per window: they waited for two new windows


async def test_a_budget_equal_to_the_limit_never_meets_a_429(sandbox: Sandbox) -> None:
    statuses, _ = await _shared_budget_run(sandbox, sandbox_limit=4)
    assert 429 not in statuses
