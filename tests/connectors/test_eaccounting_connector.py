"""EAccountingClient against the eAccounting sandbox over real HTTP: OAuth code exchange, refresh before expiry and
on 401, rotation under concurrent use, paging, typed errors, secrets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from backend.connectors.base import (
    AuthError,
    ConnectorError,
    Exchange,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    TransportError,
    ValidationError,
)
from backend.connectors.eaccounting import (
    EAccountingClient,
    InMemoryTokenStore,
    TokenSet,
    authorize_url,
    exchange_code,
    odata_literal,
)
from backend.flows.explanations import explain
from backend.sandbox.eaccounting import create_app
from tests.support.servers import free_port, serve_asgi

# One sandbox for the module; every test makes its own companies (they share nothing).
pytestmark = pytest.mark.asyncio(loop_scope="module")
SCOPES = ["ea:api", "offline_access", "ea:sales", "ea:accounting"]


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Sandbox:
    url: str  # .../sandbox/eaccounting
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

    async def tokens(self, account: dict[str, Any], scopes: list[str] | None = None) -> TokenSet:
        code = (await self.control(account, "POST", "authorize", {"scopes": scopes or SCOPES})).json()["code"]
        return await exchange_code(self.http, account["tokenUrl"], account["clientId"], account["clientSecret"],
                                   code, account["redirectUri"])

    async def client(self, account: dict[str, Any], tokens: TokenSet | None = None, **kw: Any) -> EAccountingClient:
        tokens = tokens or await self.tokens(account)
        return EAccountingClient(account["apiBaseUrl"], client_id=account["clientId"],
                                 client_secret=account["clientSecret"], token_url=account["tokenUrl"],
                                 refresh_token=tokens.refresh_token, access_token=tokens.access_token,
                                 access_token_expires_at=tokens.expires_at, **kw)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def sandbox() -> AsyncIterator[Sandbox]:
    outer = Starlette(routes=[Mount("/sandbox/eaccounting", create_app())])
    async with serve_asgi(outer) as root, httpx.AsyncClient(timeout=10) as http:
        yield Sandbox(f"{root}/sandbox/eaccounting", http)


@pytest_asyncio.fixture(loop_scope="module")
async def account(sandbox: Sandbox) -> dict[str, Any]:
    return await sandbox.account()


@pytest_asyncio.fixture(loop_scope="module")
async def client(sandbox: Sandbox, account: dict[str, Any]) -> AsyncIterator[EAccountingClient]:
    async with await sandbox.client(account) as c:
        yield c


async def customer_payload(client: EAccountingClient, **fields: Any) -> dict[str, Any]:
    terms = next(t for t in await client.list_terms_of_payment() if t["Name"] == "14 dager netto")
    return {"Name": "Fjord Sport AS", "InvoiceCity": "OSLO", "InvoicePostalCode": "0150", "IsActive": True,
            "IsPrivatePerson": False, "TermsOfPaymentId": terms["Id"], "EmailAddress": "faktura@fjord.example",
            **fields}


async def article_payload(client: EAccountingClient, **fields: Any) -> dict[str, Any]:
    coding = next(c for c in await client.list_article_account_codings() if c["Name"] == "Varer 25 %")
    unit = next(u for u in await client.list_units() if u["Abbreviation"] == "stk")
    return {"Number": "A/100", "Name": "Ullgenser", "IsActive": True, "NetPrice": 400, "CodingId": coding["Id"],
            "UnitId": unit["Id"], **fields}


def row(article_id: str, quantity: Any, price: Any) -> dict[str, Any]:
    return {"ArticleId": article_id, "Quantity": quantity, "UnitPrice": price, "IsTextRow": False,
            "ReversedConstructionServicesVatFree": False}


async def draft_payload(client: EAccountingClient, quantity: Any = 2, **fields: Any) -> dict[str, Any]:
    customer = await client.create_customer(await customer_payload(client))
    article = await client.find_article_by_number("A/100") or await client.create_article(
        await article_payload(client))
    return {"CustomerId": customer["Id"], "EuThirdParty": False, "RotReducedInvoicingType": 0,
            "Rows": [row(article["Id"], quantity, 100)], **fields}


# ---------------------------------------------------------------------------------------------------------
# OAuth2: code exchange, refresh, rotation
# ---------------------------------------------------------------------------------------------------------


async def test_authorize_url_and_code_exchange(sandbox: Sandbox, account: dict[str, Any]) -> None:
    url = authorize_url(account["authorizeUrl"], account["clientId"], account["redirectUri"], SCOPES, "st-1")
    assert "scope=ea%3Aapi%20offline_access%20ea%3Asales%20ea%3Aaccounting" in url and "response_type=code" in url
    r = await sandbox.http.get(url)
    assert r.status_code == 302
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["state"] == ["st-1"]
    recorded: list[Exchange] = []
    before = datetime.now(UTC)
    tokens = await exchange_code(sandbox.http, account["tokenUrl"], account["clientId"], account["clientSecret"],
                                 query["code"][0], account["redirectUri"], on_exchange=recorded.append)
    assert tokens.access_token and tokens.refresh_token and tokens.expires_at is not None
    assert timedelta(seconds=3599) <= tokens.expires_at - before <= timedelta(seconds=3601)
    with pytest.raises(AuthError) as caught:  # codes are single-use
        await exchange_code(sandbox.http, account["tokenUrl"], account["clientId"], account["clientSecret"],
                            query["code"][0], account["redirectUri"], on_exchange=recorded.append)
    assert (caught.value.status, caught.value.code) == (400, "invalid_grant") and not caught.value.retryable
    text = json.dumps([e.as_dict() for e in recorded]) + str(caught.value)
    for secret in (query["code"][0], tokens.access_token, tokens.refresh_token, account["clientSecret"]):
        assert secret not in text
    assert recorded[0].request_body == {"grant_type": "authorization_code", "code": "***",
                                        "redirect_uri": account["redirectUri"]}
    with pytest.raises(AuthError) as wrong:
        await exchange_code(sandbox.http, account["tokenUrl"], account["clientId"], "wrong", "x",
                            account["redirectUri"])
    assert wrong.value.code == "invalid_client"


async def test_only_a_refresh_token_refreshes_once_then_reuses(sandbox: Sandbox, account: dict[str, Any]) -> None:
    tokens = await sandbox.tokens(account)
    async with await sandbox.client(account, TokenSet(None, tokens.refresh_token)) as client:
        await client.get_company_settings()
        await client.list_units()
        assert client.refreshes == 1
        assert (await client.tokens()).refresh_token != tokens.refresh_token  # rotated and stored
    assert (await sandbox.state(account))["tokens"]["refreshes"] == 1


async def test_refresh_happens_before_expiry_with_a_60_second_margin(sandbox: Sandbox,
                                                                     account: dict[str, Any]) -> None:
    clock = Clock()
    async with await sandbox.client(account, clock=clock) as client:
        await client.list_units()
        clock.offset = timedelta(seconds=3600 - 61)
        await client.list_units()
        assert client.refreshes == 0
        clock.offset = timedelta(seconds=3600 - 59)  # inside the margin: refreshed before the call
        await client.list_units()
        assert client.refreshes == 1
        assert not [e for e in client.exchanges if e.status == 401]
        refreshed = await client.tokens()
        assert refreshed.expires_at is not None and refreshed.expires_at > clock() + timedelta(seconds=3500)


async def test_expiry_mid_run_answers_401_and_one_refresh_repeats_the_call(sandbox: Sandbox, account: dict[str, Any],
                                                                          client: EAccountingClient) -> None:
    payload = await customer_payload(client)
    await sandbox.control(account, "POST", "tokens/expire")  # the server says no before the client expected it
    customer = await client.create_customer(payload)
    assert customer["CustomerNumber"] == "1" and client.refreshes == 1
    statuses = [(e.method, e.status) for e in client.exchanges]
    assert statuses[-4:] == [("GET", 200), ("POST", 401), ("POST", 200), ("POST", 201)]
    assert client.exchanges[-2].url == account["tokenUrl"]
    assert (await sandbox.state(account))["counts"]["customers"] == 1


async def test_a_401_refreshes_only_once() -> None:
    calls = {"token": 0, "api": 0}

    async def token(request: Request) -> Response:
        calls["token"] += 1
        return JSONResponse({"access_token": f"access-token-{calls['token']}", "refresh_token": "refresh-2",
                             "token_type": "bearer", "expires_in": 3600})

    async def api(request: Request) -> Response:
        calls["api"] += 1
        echoed = request.headers.get("authorization", "")  # a careless server echoes the token
        return JSONResponse({"ErrorCode": 4002, "DeveloperErrorMessage": f"Unauthorized ({echoed})",
                             "ErrorId": "e-1", "Errors": []}, status_code=401)

    app = Starlette(routes=[Route("/connect/token", token, methods=["POST"]),
                            Route("/v2/{path:path}", api, methods=["GET"])])
    async with serve_asgi(app) as url, EAccountingClient(
            f"{url}/v2", client_id="c", client_secret="client-secret-x", token_url=f"{url}/connect/token",
            refresh_token="refresh-token-1", access_token="access-token-0") as client:
        with pytest.raises(AuthError) as caught:
            await client.list_units()
    assert calls == {"token": 1, "api": 2}
    error = caught.value
    assert (error.status, error.code, error.request_id) == (401, "4002", "e-1")
    text = str(error) + json.dumps([e.as_dict() for e in client.exchanges])
    for secret in ("access-token-0", "access-token-1", "refresh-token-1", "refresh-2", "client-secret-x"):
        assert secret not in text


async def test_rotation_under_concurrent_use_refreshes_exactly_once(sandbox: Sandbox,
                                                                    account: dict[str, Any]) -> None:
    clock = Clock()
    store = InMemoryTokenStore()
    async with await sandbox.client(account, token_store=store, clock=clock) as client:
        await client.list_units()
        await sandbox.control(account, "POST", "faults", {"latency_ms": 30})
        # 1) the server expired the token: 20 calls get 401, one refreshes, the others take the rotated token
        await sandbox.control(account, "POST", "tokens/expire")
        results = await asyncio.gather(*(client.list_units() for _ in range(20)))
        assert all(len(r) >= 4 for r in results) and client.refreshes == 1
        # 2) the client sees the expiry coming: 20 calls, one refresh, no 401 at all
        clock.offset = timedelta(seconds=3600)
        unauthorized = len([e for e in client.exchanges if e.status == 401])
        settings = await asyncio.gather(*(client.get_company_settings() for _ in range(20)))
        assert len(settings) == 20 and client.refreshes == 2
        assert len([e for e in client.exchanges if e.status == 401]) == unauthorized
    tokens = (await sandbox.state(account))["tokens"]
    assert tokens["refreshes"] == 2 and tokens["refusedRefreshes"] == 0


async def test_clients_sharing_a_store_use_the_rotated_token(sandbox: Sandbox, account: dict[str, Any]) -> None:
    tokens = await sandbox.tokens(account)
    store = InMemoryTokenStore()
    expired = TokenSet(None, tokens.refresh_token)
    async with await sandbox.client(account, expired, token_store=store) as one, \
            await sandbox.client(account, expired, token_store=store) as two:
        await one.list_units()
        await two.list_units()  # reads the store: no second refresh with the dead refresh token
        assert (one.refreshes, two.refreshes) == (1, 0)
    # without a shared store the second client would use the dead refresh token: the server refuses it
    async with await sandbox.client(account, expired) as three:
        with pytest.raises(AuthError) as caught:
            await three.list_units()
    assert caught.value.code == "invalid_grant" and caught.value.status == 400
    assert (await sandbox.state(account))["tokens"]["refusedRefreshes"] == 1


async def test_a_revoked_grant_is_an_auth_error(sandbox: Sandbox, account: dict[str, Any],
                                                client: EAccountingClient) -> None:
    await client.list_units()
    await sandbox.control(account, "DELETE", "tokens")
    with pytest.raises(AuthError) as caught:
        await client.list_units()
    assert caught.value.code == "invalid_grant" and client.refreshes == 0


# ---------------------------------------------------------------------------------------------------------
# paging and reads
# ---------------------------------------------------------------------------------------------------------


async def test_pagination_walks_every_page(sandbox: Sandbox) -> None:
    demo = await sandbox.account(seed="demo")
    async with await sandbox.client(demo) as client:
        articles = [a async for a in client.iter_articles(page_size=100)]
        pages = [e for e in client.exchanges if e.method == "GET" and "/articles?" in e.url]
        assert len(articles) == 1050 and len({a["Id"] for a in articles}) == 1050
        assert len(pages) == 11 and "%24page=11" in pages[-1].url and "%24pagesize=100" in pages[-1].url
        big = [a async for a in client.iter_articles(page_size=1000)]  # the server serves 500 at most
        assert len(big) == 1050
        customers = [c async for c in client.iter_customers()]
        active = [c async for c in client.iter_customers(filter="IsActive eq true")]
        assert len(customers) >= 200 and 0 < len(active) < len(customers)
        assert len(await client.find_invoices()) >= 20


async def test_reference_data(client: EAccountingClient) -> None:
    assert "Stykk" in {u["Name"] for u in await client.list_units()}
    assert {t["NumberOfDays"] for t in await client.list_terms_of_payment()} >= {10, 14, 30}
    assert {v["Code"] for v in await client.list_vat_codes()} >= {"3", "31", "33"}
    assert len(await client.list_fiscal_years()) == 2
    settings = await client.get_company_settings()
    assert settings["CurrencyCode"] == "NOK" and settings["NextCustomerInvoiceNumber"] == 1
    label = await client.create_article_label({"Name": "Klær"})
    assert [x["Id"] for x in await client.list_article_labels()] == [label["Id"]]


async def test_find_create_and_update_customers_and_articles(client: EAccountingClient) -> None:
    customer = await client.create_customer(await customer_payload(client, CustomerNumber="K'10"))
    found = await client.find_customer_by_number("K'10")
    assert found is not None and found["Id"] == customer["Id"]
    assert await client.find_customer_by_number("K'1") is None
    assert await client.get_customer("6d2c5a1e-0000-4000-8000-000000000000") is None
    updated = await client.update_customer(customer["Id"], {**customer, "IsActive": False})
    assert updated["IsActive"] is False and updated["CustomerNumber"] == "K'10"
    article = await client.create_article(await article_payload(client))
    assert (await client.find_article_by_number("A/100"))["Id"] == article["Id"]  # type: ignore[index]
    assert await client.find_article_by_number("A/1") is None
    changed = await client.update_article(article["Id"], {**article, "NetPrice": 500})
    assert changed["GrossPrice"] == 625.0
    assert (await client.get_article(article["Id"]))["NetPrice"] == 500.0  # type: ignore[index]
    assert odata_literal("O'Hara") == "'O''Hara'" and odata_literal(True) == "true"


# ---------------------------------------------------------------------------------------------------------
# drafts, invoices, e-mail
# ---------------------------------------------------------------------------------------------------------


async def test_draft_convert_and_email(sandbox: Sandbox, account: dict[str, Any], client: EAccountingClient) -> None:
    draft = await client.create_invoice_draft(await draft_payload(client, YourReference="RB-1042"))
    assert draft["TotalAmount"] == 250.0
    assert [d["Id"] for d in await client.find_invoice_drafts(your_reference="RB-1042")] == [draft["Id"]]
    assert [d["Id"] for d in await client.find_invoice_drafts(customer_id=draft["CustomerId"])] == [draft["Id"]]
    assert await client.find_invoice_drafts(your_reference="RB-9") == []
    assert (await client.get_invoice_draft(draft["Id"]))["Id"] == draft["Id"]  # type: ignore[index]
    invoice = await client.convert_draft(draft["Id"], expected={"TotalAmountInvoiceCurrency": 250.0,
                                                                "TotalVatAmountInvoiceCurrency": 50.0})
    assert invoice["InvoiceNumber"] == 1 and invoice["CreatedFromDraftId"] == draft["Id"]
    assert await client.get_invoice_draft(draft["Id"]) is None
    assert (await client.get_invoice(invoice["Id"]))["InvoiceNumber"] == 1  # type: ignore[index]
    assert [i["Id"] for i in await client.find_invoices(your_reference="RB-1042")] == [invoice["Id"]]
    assert [i["Id"] for i in await client.find_invoices(created_from_draft_id=draft["Id"])] == [invoice["Id"]]
    assert [i["Id"] for i in await client.find_invoices(invoice_number=1, customer_id=invoice["CustomerId"])] == [
        invoice["Id"]]
    assert await client.find_invoices(modified_since=datetime.now(UTC) + timedelta(days=1)) == []
    await client.email_invoice(invoice["Id"], subject="Faktura #### fra oss", cc=None)
    state = await sandbox.state(account)
    assert state["invoices"][0]["emailed"] is True
    assert state["emails"][0]["subject"] == "Faktura 1 fra oss" and state["emails"][0]["cc"] == []
    direct = await client.create_invoice(await draft_payload(client, YourReference="MS-7"))
    assert direct["InvoiceNumber"] == 2
    other = await client.create_invoice_draft(await draft_payload(client))
    await client.delete_invoice_draft(other["Id"])
    assert await client.get_invoice_draft(other["Id"]) is None
    kept = await client.create_invoice_draft(await draft_payload(
        client, InvoiceDate=(date.today() - timedelta(days=2)).isoformat()))
    booked = await client.convert_draft(kept["Id"], keep_original_draft_date=True)
    assert booked["InvoiceDate"].startswith((date.today() - timedelta(days=2)).isoformat())


# ---------------------------------------------------------------------------------------------------------
# typed errors
# ---------------------------------------------------------------------------------------------------------


async def test_400_is_a_validation_error_with_code_and_field(client: EAccountingClient) -> None:
    with pytest.raises(ValidationError) as caught:
        await client.create_invoice_draft(await draft_payload(client, quantity=1.005))
    error = caught.value
    assert (error.status, error.code, error.field) == (400, "2000", "Rows[0].Quantity")
    assert error.request_id and len(error.request_id) == 36 and not error.retryable
    assert error.details[0]["field"] == "Rows[0].Quantity" and error.details[0]["code"] == "InvalidFormat"
    explained = explain(error)  # a quantity bokbro would round or keep exact: still explained if met
    assert explained is not None and explained.key == "quantity_decimals"
    await client.create_customer(await customer_payload(client, CustomerNumber="77"))
    with pytest.raises(ValidationError) as duplicate:
        await client.create_customer(await customer_payload(client, CustomerNumber="77"))
    assert (duplicate.value.code, duplicate.value.field) == ("4000", "CustomerNumber")
    with pytest.raises(NotFoundError) as missing:  # a referenced id that does not exist: 400 with 3000
        await client.create_invoice_draft({"CustomerId": "6d2c5a1e-0000-4000-8000-000000000000",
                                           "EuThirdParty": False, "RotReducedInvoicingType": 0})
    assert (missing.value.status, missing.value.code, missing.value.field) == (400, "3000", "CustomerId")
    gone = explain(missing.value)
    assert gone is not None and gone.key == "target_not_found" and "Resend" in gone.en


async def test_no_fiscal_year_is_a_validation_error_3001(sandbox: Sandbox) -> None:
    bare = await sandbox.account(fiscalYear=False)
    async with await sandbox.client(bare) as client:
        draft = await client.create_invoice_draft(await draft_payload(client))
        with pytest.raises(ValidationError) as caught:
            await client.convert_draft(draft["Id"])
    assert (caught.value.status, caught.value.code, caught.value.field) == (400, "3001", None)


async def test_422_and_404_from_elsewhere_are_typed_too() -> None:
    async def api(request: Request) -> Response:
        if request.url.path.endswith("units"):
            return JSONResponse({"errorCode": 2000, "developerErrorMessage": "bad", "errorId": "e-2",
                                 "errors": [{"field": "Name", "errorCode": "Required", "message": "needed"}]},
                                status_code=422)
        return Response(status_code=404)

    app = Starlette(routes=[Route("/v2/{path:path}", api, methods=["GET"])])
    async with serve_asgi(app) as url, EAccountingClient(
            f"{url}/v2", client_id="c", client_secret="s", token_url=f"{url}/t", refresh_token="r",
            access_token="a") as client:
        with pytest.raises(ValidationError) as caught:
            await client.list_units()
        assert (caught.value.code, caught.value.field, caught.value.request_id) == ("2000", "Name", "e-2")
        assert await client.get_invoice("x") is None


async def test_invoices_by_date_filtered_by_eaccounting_or_else_here() -> None:
    """The InvoiceDate filter is a guess: when eAccounting refuses it (400), the list is read whole and the dates
    are checked on our side; either way only the period's documents come back."""
    seen: list[str | None] = []
    rows = [{"Id": str(i), "InvoiceDate": f"2026-11-{day:02d}T00:00:00", "OurReference": f"RB-{i}"}
            for i, day in enumerate((1, 14, 15, 30))]

    async def api(request: Request) -> Response:
        seen.append(request.query_params.get("$filter"))
        if request.query_params.get("$filter"):
            return JSONResponse({"ErrorCode": 2000, "DeveloperErrorMessage": "unknown filter", "ErrorId": "e-3"},
                                status_code=400)
        return JSONResponse({"Meta": {"CurrentPage": 1, "TotalNumberOfPages": 1}, "Data": rows})

    app = Starlette(routes=[Route("/v2/{path:path}", api, methods=["GET"])])
    async with serve_asgi(app) as url, EAccountingClient(
            f"{url}/v2", client_id="c", client_secret="s", token_url=f"{url}/t", refresh_token="r",
            access_token="a") as client:
        found = await client.invoices_dated(date(2026, 11, 14), date(2026, 11, 15))
    assert [r["Id"] for r in found] == ["1", "2"]
    assert seen[0] is not None and "InvoiceDate ge" in seen[0] and seen[1] is None


async def test_invoices_by_date_in_the_sandbox(client: EAccountingClient) -> None:
    today = date.today()
    drafts = []
    for days in (-3, 0):
        payload = await draft_payload(client)
        payload["InvoiceDate"] = (today + timedelta(days=days)).isoformat()
        drafts.append(await client.create_invoice_draft(payload))
    found = {d["Id"] for d in await client.invoice_drafts_dated(today - timedelta(days=1), today)}
    assert drafts[1]["Id"] in found and drafts[0]["Id"] not in found


async def test_missing_scope_is_an_auth_error(sandbox: Sandbox, account: dict[str, Any]) -> None:
    tokens = await sandbox.tokens(account, ["ea:api", "offline_access", "ea:sales"])
    async with await sandbox.client(account, tokens) as client:
        with pytest.raises(AuthError) as caught:
            await client.list_vat_codes()
    assert (caught.value.status, caught.value.code) == (403, "4002") and client.refreshes == 0


async def test_429_is_rate_limited_with_retry_after(sandbox: Sandbox, account: dict[str, Any],
                                                    client: EAccountingClient) -> None:
    await client.list_units()
    await sandbox.control(account, "POST", "rate-limit", {"limit": 0, "periodSeconds": 30})
    with pytest.raises(RateLimitedError) as caught:  # no Retry-After header: the seconds come from the message
        await client.list_units()
    assert (caught.value.status, caught.value.code) == (429, "4010") and caught.value.retryable
    assert caught.value.retry_after == 30.0
    await sandbox.control(account, "POST", "rate-limit", {"limit": 0, "periodSeconds": 60, "retryAfterHeader": True})
    with pytest.raises(RateLimitedError) as header:
        await client.list_units()
    assert header.value.retry_after == 60.0
    await sandbox.control(account, "POST", "rate-limit", {"limit": 600, "periodSeconds": 60})
    await sandbox.control(account, "POST", "faults", {"rate_limit_storm": 1, "rate_limit_reset_seconds": 3})
    with pytest.raises(RateLimitedError) as storm:
        await client.list_units()
    assert storm.value.retry_after == 3.0
    assert len(await client.list_units()) >= 4


async def test_timeout_is_a_transport_error(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with await sandbox.client(account, timeout=0.2) as client:
        await client.list_units()
        await sandbox.control(account, "POST", "faults", {"timeout_rate": 1.0, "timeout_seconds": 0.6})
        with pytest.raises(TransportError) as caught:
            await client.list_units()
    assert caught.value.retryable and caught.value.status is None
    assert client.exchanges[-1].error == "timeout"


async def test_5xx_is_retryable(sandbox: Sandbox, account: dict[str, Any], client: EAccountingClient) -> None:
    await client.list_units()
    await sandbox.control(account, "POST", "faults", {"error_5xx_rate": 1.0})
    with pytest.raises(RetryableError) as caught:
        await client.create_customer(await customer_payload(client))
    error = caught.value
    assert not isinstance(error, RateLimitedError) and (error.status, error.code) == (500, "1000")
    assert error.retry_after is None


# ---------------------------------------------------------------------------------------------------------
# secrets
# ---------------------------------------------------------------------------------------------------------


async def test_secrets_never_show_in_errors_or_recorded_exchanges(sandbox: Sandbox, account: dict[str, Any]) -> None:
    recorded: list[Exchange] = []
    errors: list[ConnectorError] = []
    tokens = await sandbox.tokens(account)
    store = InMemoryTokenStore()
    async with await sandbox.client(account, TokenSet(None, tokens.refresh_token), on_exchange=recorded.append,
                                    token_store=store) as client:
        await client.list_units()  # refresh (rotation)
        calls: list[Callable[[], Awaitable[Any]]] = [lambda: client.create_customer({"Name": "X"}),
                                                     lambda: client.get_invoice_draft("not-a-guid")]
        for call in calls:
            try:
                await call()
            except ConnectorError as exc:
                errors.append(exc)
        await sandbox.control(account, "POST", "tokens/expire")
        await client.list_units()  # 401 → another refresh
        await sandbox.control(account, "DELETE", "tokens")
        try:
            await client.list_units()  # 401 → refresh refused
        except ConnectorError as exc:
            errors.append(exc)
    current = await store.load(client.token_key)
    assert current is not None and client.refreshes == 2
    secrets = list(client._secrets)  # the client secret, three refresh tokens and two access tokens
    assert {account["clientSecret"], tokens.refresh_token, current.access_token, current.refresh_token} <= set(secrets)
    assert len(secrets) == 6
    assert len(errors) == 3 and any(e.status == 401 for e in recorded)
    assert sum(1 for e in recorded if e.url == account["tokenUrl"]) == 3
    text = json.dumps([e.as_dict() for e in recorded]) + " ".join(str(e) for e in errors) + \
        " ".join(repr(e) for e in errors)
    for secret in [*secrets, tokens.access_token]:
        assert secret is not None and secret not in text


# ---------------------------------------------------------------------------------------------------------
# added by the issue-3 audit
# ---------------------------------------------------------------------------------------------------------


async def test_two_workers_rotating_at_once_refresh_exactly_once(sandbox: Sandbox, account: dict[str, Any]) -> None:
    """Two clients of one credential (two workers sharing the token store and its lock), both with an expired
    access token, 10 calls each at the same moment: one refresh in all, and the rotated-away refresh token is
    never presented again."""
    tokens = await sandbox.tokens(account)
    store = InMemoryTokenStore()
    expired = TokenSet(None, tokens.refresh_token)
    await sandbox.control(account, "POST", "faults", {"latency_ms": 30})
    async with await sandbox.client(account, expired, token_store=store) as one, \
            await sandbox.client(account, expired, token_store=store) as two:
        results = await asyncio.gather(*(c.list_units() for c in (one, two) for _ in range(10)))
        assert len(results) == 20 and all(results)
        assert one.refreshes + two.refreshes == 1
        assert not [e for e in one.exchanges + two.exchanges if e.status == 401]
    state = (await sandbox.state(account))["tokens"]
    assert state["refreshes"] == 1 and state["refusedRefreshes"] == 0


async def test_connection_refused_is_a_transport_error(account: dict[str, Any]) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    fresh = datetime.now(UTC) + timedelta(hours=1)
    async with EAccountingClient(f"{down}/v2", client_id=account["clientId"], client_secret=account["clientSecret"],
                                 token_url=account["tokenUrl"], refresh_token="refresh-secret-1",
                                 access_token="access-secret-1", access_token_expires_at=fresh) as client:
        with pytest.raises(TransportError) as api:
            await client.list_units()
    assert api.value.retryable and api.value.status is None and client.exchanges[-1].error == "ConnectError"
    async with EAccountingClient(f"{down}/v2", client_id=account["clientId"], client_secret=account["clientSecret"],
                                 token_url=f"{down}/connect/token", refresh_token="refresh-secret-1") as client:
        with pytest.raises(TransportError) as identity:  # the identity server is down while refreshing
            await client.list_units()
    assert identity.value.retryable and client.refreshes == 0
    text = str(api.value) + str(identity.value) + json.dumps([e.as_dict() for e in client.exchanges])
    for secret in ("refresh-secret-1", "access-secret-1", account["clientSecret"]):
        assert secret not in text
