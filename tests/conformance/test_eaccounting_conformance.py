"""Every request the eAccounting connector sends and every response the eAccounting sandbox returns, validated against
the published OpenAPI 3.1 document (``reference/eaccounting/openapi.json``) — over real HTTP.

Same harness as Tripletex (``tests/support/openapi_conformance``, profile ``EACCOUNTING``). The identity server
(``/identity/connect/token``) is not part of the API spec and is not checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.routing import Mount

from backend.connectors.base import AuthError, RateLimitedError, RetryableError, ValidationError
from backend.connectors.eaccounting import EAccountingClient, exchange_code
from backend.sandbox.eaccounting import create_app
from tests.support.openapi_conformance import EACCOUNTING, ConformanceError, ConformanceRecorder, load
from tests.support.servers import serve_asgi

pytestmark = pytest.mark.asyncio(loop_scope="module")
SCOPES = ["ea:api", "offline_access", "ea:sales", "ea:accounting"]
NO_SUCH_ID = "6d2c5a1e-0000-4000-8000-000000000000"


@dataclass
class Sandbox:
    url: str  # .../sandbox/eaccounting
    http: httpx.AsyncClient  # control API and identity server only: not recorded

    async def account(self, **options: Any) -> dict[str, Any]:
        r = await self.http.post(f"{self.url}/_control/accounts", json={"seed": "empty", **options})
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def control(self, account: dict[str, Any], method: str, what: str, body: Any = None) -> httpx.Response:
        r = await self.http.request(method, f"{self.url}/_control/accounts/{account['accountId']}/{what}", json=body)
        assert r.status_code in (200, 204), r.text
        return r

    async def client(self, account: dict[str, Any], recorder: ConformanceRecorder, http: httpx.AsyncClient,
                     scopes: list[str] = SCOPES) -> EAccountingClient:
        code = (await self.control(account, "POST", "authorize", {"scopes": scopes})).json()["code"]
        tokens = await exchange_code(self.http, account["tokenUrl"], account["clientId"], account["clientSecret"],
                                     code, account["redirectUri"])
        return EAccountingClient(account["apiBaseUrl"], client_id=account["clientId"],
                                 client_secret=account["clientSecret"], token_url=account["tokenUrl"],
                                 refresh_token=tokens.refresh_token, access_token=tokens.access_token,
                                 access_token_expires_at=tokens.expires_at, http=http)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def sandbox() -> AsyncIterator[Sandbox]:
    load(EACCOUNTING)
    outer = Starlette(routes=[Mount("/sandbox/eaccounting", create_app())])
    async with serve_asgi(outer) as root, httpx.AsyncClient(timeout=10) as http:
        yield Sandbox(f"{root}/sandbox/eaccounting", http)


@pytest_asyncio.fixture(loop_scope="module")
async def account(sandbox: Sandbox) -> dict[str, Any]:
    return await sandbox.account()


@pytest.fixture
def recorder(account: dict[str, Any]) -> Iterator[ConformanceRecorder]:
    """Checks every exchange of its clients; fails the test at teardown if any did not conform."""
    rec = ConformanceRecorder(EACCOUNTING, account["apiBaseUrl"])
    yield rec
    rec.assert_conforms()


@pytest_asyncio.fixture(loop_scope="module")
async def client(sandbox: Sandbox, account: dict[str, Any],
                 recorder: ConformanceRecorder) -> AsyncIterator[EAccountingClient]:
    async with recorder.client() as http, await sandbox.client(account, recorder, http) as c:
        yield c


def ops(recorder: ConformanceRecorder) -> dict[str, set[int | None]]:
    return recorder.operations()


async def customer_payload(client: EAccountingClient, **fields: Any) -> dict[str, Any]:
    terms = next(t for t in await client.list_terms_of_payment() if t["Name"] == "14 dager netto")
    return {"Name": "Fjord Sport AS", "InvoiceCity": "OSLO", "InvoicePostalCode": "0150",
            "InvoiceAddress1": "Storgata 1", "IsActive": True, "IsPrivatePerson": False,
            "TermsOfPaymentId": terms["Id"], "EmailAddress": "faktura@fjord.example", **fields}


async def article_id(client: EAccountingClient, number: str = "A/100") -> str:
    found = await client.find_article_by_number(number)
    if found is not None:
        return str(found["Id"])
    coding = next(c for c in await client.list_article_account_codings() if c["Name"] == "Varer 25 %")
    unit = next(u for u in await client.list_units() if u["Abbreviation"] == "stk")
    created = await client.create_article({"Number": number, "Name": "Ullgenser", "IsActive": True, "NetPrice": 400,
                                           "CodingId": coding["Id"], "UnitId": unit["Id"]})
    return str(created["Id"])


async def draft_payload(client: EAccountingClient, **fields: Any) -> dict[str, Any]:
    customer = await client.find_customer_by_number("K10") or await client.create_customer(
        await customer_payload(client, CustomerNumber="K10"))
    row = {"ArticleId": await article_id(client), "Quantity": 2, "UnitPrice": 100, "IsTextRow": False,
           "ReversedConstructionServicesVatFree": False}
    return {"CustomerId": customer["Id"], "EuThirdParty": False, "RotReducedInvoicingType": 0, "Rows": [row],
            **fields}


async def test_reference_data(client: EAccountingClient, recorder: ConformanceRecorder) -> None:
    assert (await client.get_company_settings())["Name"]
    assert "Stykk" in {u["Name"] for u in await client.list_units()}
    assert {t["NumberOfDays"] for t in await client.list_terms_of_payment()} >= {14, 30}
    assert {v["Code"] for v in await client.list_vat_codes()} >= {"3", "31", "33"}
    assert len(await client.list_fiscal_years()) == 2
    assert await client.list_article_account_codings()
    label = await client.create_article_label({"Name": "Klær"})
    assert label["Id"] in {x["Id"] for x in await client.list_article_labels()}
    assert {"GET /companysettings", "GET /units", "GET /termsofpayments", "GET /vatcodes", "GET /fiscalyears",
            "GET /articleaccountcodings", "POST /articlelabels", "GET /articlelabels"} <= set(ops(recorder))


async def test_customers_and_articles(client: EAccountingClient, recorder: ConformanceRecorder) -> None:
    customer = await client.create_customer(await customer_payload(client, CustomerNumber="K20"))
    assert (await client.find_customer_by_number("K20"))["Id"] == customer["Id"]  # type: ignore[index]
    assert await client.get_customer(NO_SUCH_ID) is None  # documented as a 400 (ErrorCode 3000)
    updated = await client.update_customer(customer["Id"], {**customer, "Telephone": "22 11 00 00"})
    assert updated["Telephone"] == "22 11 00 00"
    article = await client.get_article(await article_id(client, "A/200"))
    assert article is not None
    changed = await client.update_article(article["Id"], {**article, "NetPrice": 500})
    assert changed["NetPrice"] == 500.0
    seen = ops(recorder)
    assert seen["GET /customers/{customerId}"] == {400}
    assert {"POST /customers", "GET /customers", "PUT /customers/{customerId}", "POST /articles", "GET /articles",
            "GET /articles/{articleId}", "PUT /articles/{articleId}"} <= set(seen)


async def test_draft_convert_email_and_direct_invoice(client: EAccountingClient,
                                                      recorder: ConformanceRecorder) -> None:
    draft = await client.create_invoice_draft(await draft_payload(client, YourReference="RB-1042"))
    assert [d["Id"] for d in await client.find_invoice_drafts(your_reference="RB-1042")] == [draft["Id"]]
    assert (await client.get_invoice_draft(draft["Id"]))["Id"] == draft["Id"]  # type: ignore[index]
    invoice = await client.convert_draft(draft["Id"], expected={"TotalAmountInvoiceCurrency": 250.0,
                                                                "TotalVatAmountInvoiceCurrency": 50.0})
    assert (await client.get_invoice(invoice["Id"]))["InvoiceNumber"] == invoice["InvoiceNumber"]  # type: ignore[index]
    assert [i["Id"] for i in await client.find_invoices(your_reference="RB-1042")] == [invoice["Id"]]
    assert await client.find_invoices(modified_since=datetime(2999, 1, 1, tzinfo=UTC)) == []
    await client.email_invoice(invoice["Id"], subject="Faktura #### fra oss", cc=None)
    direct = await draft_payload(client, YourReference="MS-7")
    # CustomerInvoiceRowApi has no ReversedConstructionServicesVatFree (only draft rows have it)
    direct["Rows"] = [{k: v for k, v in r.items() if k != "ReversedConstructionServicesVatFree"}
                      for r in direct["Rows"]]
    assert (await client.create_invoice(direct))["InvoiceNumber"] > invoice["InvoiceNumber"]
    other = await client.create_invoice_draft(await draft_payload(client))
    await client.delete_invoice_draft(other["Id"])
    kept = await client.create_invoice_draft(await draft_payload(client))
    await client.convert_draft(kept["Id"], keep_original_draft_date=True)
    assert {"POST /customerinvoicedrafts", "GET /customerinvoicedrafts", "GET /customerinvoicedrafts/{invoiceDraftId}",
            "POST /customerinvoicedrafts/{customerInvoiceDraftId}/convert", "GET /customerinvoices/{invoiceId}",
            "GET /customerinvoices", "POST /customerinvoices/{invoiceId}/email", "POST /customerinvoices",
            "DELETE /customerinvoicedrafts/{customerInvoiceDraftId}"} <= set(ops(recorder))


async def test_paging(sandbox: Sandbox, recorder: ConformanceRecorder) -> None:
    demo = await sandbox.account(seed="demo")
    async with recorder.client() as http, await sandbox.client(demo, recorder, http) as c:
        customers = [x async for x in c.iter_customers(page_size=100)]
        active = [x async for x in c.iter_customers(page_size=100, filter="IsActive eq true")]
    assert len(customers) >= 200 and 0 < len(active) < len(customers)
    pages = [e for e in recorder.exchanges if e.operation == "GET /customers"]
    assert len(pages) >= 5 and all("%24pagesize=100" in e.url for e in pages)


async def test_error_responses_conform(sandbox: Sandbox, account: dict[str, Any], client: EAccountingClient,
                                       recorder: ConformanceRecorder) -> None:
    await client.create_customer(await customer_payload(client, CustomerNumber="77"))
    with pytest.raises(ValidationError) as taken:  # 400, documented
        await client.create_customer(await customer_payload(client, CustomerNumber="77"))
    assert (taken.value.status, taken.value.field) == (400, "CustomerNumber")
    await sandbox.control(account, "POST", "tokens/expire")  # 401, then one refresh and the call again
    assert await client.list_units()
    await sandbox.control(account, "POST", "rate-limit", {"limit": 0, "periodSeconds": 30})
    with pytest.raises(RateLimitedError):  # 429
        await client.list_units()
    await sandbox.control(account, "POST", "rate-limit", {"limit": 600, "periodSeconds": 60})
    await sandbox.control(account, "POST", "faults", {"error_5xx_rate": 1.0})
    with pytest.raises(RetryableError):  # 500
        await client.list_fiscal_years()
    await sandbox.control(account, "DELETE", "faults")
    async with recorder.client() as http, await sandbox.client(account, recorder, http,
                                                                ["ea:api", "offline_access", "ea:sales"]) as c:
        with pytest.raises(AuthError):  # 403, documented on /vatcodes
            await c.list_vat_codes()
    seen = ops(recorder)
    assert seen["POST /customers"] == {201, 400} and seen["GET /units"] >= {200, 401, 429}
    assert seen["GET /fiscalyears"] == {500} and seen["GET /vatcodes"] == {403}


async def test_a_request_field_the_spec_does_not_have_is_reported(client: EAccountingClient,
                                                                  recorder: ConformanceRecorder) -> None:
    payload = await customer_payload(client, CustomerNumber="K30", Colour="blue")
    await client.create_customer(payload)  # the sandbox ignores unknown properties (as .NET does by default)
    with pytest.raises(ConformanceError) as caught:
        recorder.assert_conforms()
    assert [(f.operation, f.where, f.reason) for f in caught.value.failures] == [
        ("POST /customers", "request", "body: Additional properties are not allowed ('Colour' was unexpected)")]


# ---------------------------------------------------------------------------------------------------------
# added by the issue-3 audit: the harness bites on responses too
# ---------------------------------------------------------------------------------------------------------


def break_customer_responses(app: Any) -> Any:
    """ASGI middleware: in a 200 answer to GET /v2/customers/{id}, rename ``Name`` and make ``CustomerNumber`` a
    number (the spec says string)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not re.search(r"/v2/customers/[0-9a-f-]{36}$",
                                                                                 scope["path"]):
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start["status"] == 200:
                data = json.loads(body)
                data["Navn"] = data.pop("Name")
                data["CustomerNumber"] = int(data["CustomerNumber"])
                body = json.dumps(data).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


async def test_a_response_broken_on_the_wire_is_reported() -> None:
    outer = Starlette(routes=[Mount("/sandbox/eaccounting", break_customer_responses(create_app()))])
    async with serve_asgi(outer) as root, httpx.AsyncClient(timeout=10) as control:
        broken = Sandbox(f"{root}/sandbox/eaccounting", control)
        account = await broken.account()
        rec = ConformanceRecorder(EACCOUNTING, account["apiBaseUrl"])
        async with rec.client() as http, await broken.client(account, rec, http) as c:
            created = await c.create_customer(await customer_payload(c, CustomerNumber="40"))
            fetched = await c.get_customer(created["Id"])
    assert fetched is not None and fetched["Navn"] == "Fjord Sport AS"  # the connector did not notice
    with pytest.raises(ConformanceError) as caught:
        rec.assert_conforms()
    failures = {(f.operation, f.status, f.where) for f in caught.value.failures}
    assert failures == {("GET /customers/{customerId}", 200, "response")}
    reasons = " | ".join(f.reason for f in caught.value.failures)
    assert "'Navn' was unexpected" in reasons and "CustomerNumber" in reasons, reasons
