"""The eAccounting sandbox, one test per rule of reference/eaccounting/API.md — over real HTTP, mounted where the
product mounts it (``/sandbox/eaccounting``)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.routing import Mount

from backend.sandbox.eaccounting import create_app
from backend.sandbox.eaccounting.schemas import REQUIRED, SCHEMAS, SCOPES
from tests.support.servers import serve_asgi

SPEC = Path("/work/shared/reference/eaccounting/openapi.json")
ERROR_KEYS = {"ErrorCode", "DeveloperErrorMessage", "ErrorId", "Errors"}

# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Env:
    http: httpx.AsyncClient
    base: str  # http://127.0.0.1:<port>/sandbox/eaccounting


@dataclass
class Acc:
    env: Env
    id: str
    client_id: str
    client_secret: str
    redirect_uri: str
    access: str = ""
    refresh: str = ""

    async def call(self, method: str, path: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token if token is not None else self.access}", **kw.pop("headers", {})}
        return await self.env.http.request(method, f"/v2/{path.lstrip('/')}", headers=headers, **kw)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.call("GET", path, params=params)

    async def post(self, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return await self.call("POST", path, json=body, params=params)

    async def put(self, path: str, body: Any) -> httpx.Response:
        return await self.call("PUT", path, json=body)

    async def control(self, method: str, what: str, **kw: Any) -> httpx.Response:
        return await self.env.http.request(method, f"/_control/accounts/{self.id}/{what}", **kw)

    async def state(self) -> dict[str, Any]:
        r = await self.control("GET", "state")
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def code(self, scopes: list[str] | None = None) -> str:
        r = await self.control("POST", "authorize", json={"scopes": scopes} if scopes is not None else {})
        assert r.status_code == 200, r.text
        return str(r.json()["code"])

    async def token(self, form: dict[str, str], auth: tuple[str, str] | None = None) -> httpx.Response:
        return await self.env.http.post("/identity/connect/token", data=form,
                                        auth=auth or (self.client_id, self.client_secret))

    async def login(self, scopes: list[str] | None = None) -> dict[str, Any]:
        r = await self.token({"grant_type": "authorization_code", "code": await self.code(scopes),
                              "redirect_uri": self.redirect_uri})
        assert r.status_code == 200, r.text
        tokens = r.json()
        self.access, self.refresh = tokens["access_token"], tokens.get("refresh_token", "")
        return tokens  # type: ignore[no-any-return]

    # -- builders --
    async def terms(self, name: str = "14 dager netto") -> dict[str, Any]:
        return next(t for t in (await self.get("termsofpayments")).json()["Data"] if t["Name"] == name)

    async def customer(self, **fields: Any) -> dict[str, Any]:
        body = {"Name": "Fjord Sport AS", "InvoiceCity": "OSLO", "InvoicePostalCode": "0150", "IsActive": True,
                "IsPrivatePerson": False, "TermsOfPaymentId": (await self.terms())["Id"],
                "EmailAddress": "faktura@fjordsport.example", **fields}
        r = await self.post("customers", body)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def reference(self, path: str, name: str) -> dict[str, Any]:
        return next(x for x in (await self.get(path)).json()["Data"] if x["Name"] == name)

    async def article(self, **fields: Any) -> dict[str, Any]:
        if not fields:  # the default article, made once per company
            found = (await self.get("articles", **{"$filter": "Number eq 'A-100'"})).json()["Data"]
            if found:
                return found[0]  # type: ignore[no-any-return]
        body = {"Number": "A-100", "Name": "Ullgenser", "IsActive": True, "NetPrice": 400,
                "CodingId": (await self.reference("articleaccountcodings", "Varer 25 %"))["Id"],
                "UnitId": (await self.reference("units", "Stykk"))["Id"], **fields}
        r = await self.post("articles", body)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def draft_body(self, rows: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
        customer = fields.pop("customer", None) or await self.customer()
        if rows is None:
            article = await self.article()
            rows = [row(article["Id"], 2, 100)]
        return {"CustomerId": customer["Id"], "EuThirdParty": False, "RotReducedInvoicingType": 0, "Rows": rows,
                **fields}

    async def draft(self, rows: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
        r = await self.post("customerinvoicedrafts", await self.draft_body(rows, **fields))
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]


def row(article_id: str, quantity: Any, price: Any, **fields: Any) -> dict[str, Any]:
    return {"ArticleId": article_id, "Quantity": quantity, "UnitPrice": price, "IsTextRow": False,
            "ReversedConstructionServicesVatFree": False, **fields}


# One server for the module (each test makes its own companies, which share nothing): fast.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def env() -> AsyncIterator[Env]:
    outer = Starlette(routes=[Mount("/sandbox/eaccounting", create_app())])
    async with serve_asgi(outer) as root:
        base = f"{root}/sandbox/eaccounting"
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            yield Env(http, base)


async def make_account(env: Env, *, login: bool = True, **options: Any) -> Acc:
    r = await env.http.post("/_control/accounts", json={"seed": "empty", **options})
    assert r.status_code == 201, r.text
    data = r.json()
    acc = Acc(env, data["accountId"], data["clientId"], data["clientSecret"], data["redirectUri"])
    if login:
        await acc.login()
    return acc


@pytest_asyncio.fixture(loop_scope="module")
async def acc(env: Env) -> Acc:
    return await make_account(env)


def assert_error(r: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == ERROR_KEYS, body
    assert body["ErrorCode"] == code, body
    assert len(body["ErrorId"]) == 36 and body["DeveloperErrorMessage"]
    return body  # type: ignore[no-any-return]


def fields_of(body: dict[str, Any]) -> list[str | None]:
    return [e["Field"] for e in body["Errors"] or []]


# ---------------------------------------------------------------------------------------------------------
# control API and seed data
# ---------------------------------------------------------------------------------------------------------


async def test_control_create_account_returns_a_registered_client(env: Env) -> None:
    r = await env.http.post("/_control/accounts", json={"seed": "empty", "fiscalYear": True})
    assert r.status_code == 201
    data = r.json()
    assert {"accountId", "clientId", "clientSecret", "redirectUri", "scopes", "apiBaseUrl", "tokenUrl",
            "authorizeUrl"} == set(data)
    assert data["scopes"] == ["ea:api", "ea:sales", "ea:accounting", "ea:purchase", "offline_access"]
    assert data["apiBaseUrl"] == f"{env.base}/v2" and data["tokenUrl"] == f"{env.base}/identity/connect/token"
    for bad in ({"seed": "full"}, {"colour": "blue"}, {"refreshTokens": "sometimes"}, {"scopes": ["ea:everything"]}):
        assert (await env.http.post("/_control/accounts", json=bad)).status_code == 400
    assert (await env.http.get("/_control/accounts/nope/state")).status_code == 404


async def test_new_company_has_what_every_company_has(acc: Acc) -> None:
    units = {u["Abbreviation"] for u in (await acc.get("units")).json()["Data"]}
    assert {"stk", "t", "kg", "l"} <= units
    terms = {t["Name"]: t for t in (await acc.get("termsofpayments")).json()["Data"]}
    assert terms["14 dager netto"]["NumberOfDays"] == 14 and terms["Kontant"]["TermsOfPaymentTypeId"] == 2
    codings = {c["Name"]: c for c in (await acc.get("articleaccountcodings")).json()["Data"]}
    assert codings["Varer 25 %"]["VatRatePercent"] == 0.25 and codings["Tjenester 25 %"]["Type"] == "Service"
    vat = {v["Code"]: v["VatRate"] for v in (await acc.get("vatcodes")).json()["Data"]}
    assert {k: vat[k] for k in ("3", "31", "33", "5")} == {"3": 25.0, "31": 15.0, "33": 12.0, "5": 0.0}
    years = (await acc.get("fiscalyears")).json()["Data"]
    this_year = date.today().year
    assert [y["StartDate"][:4] for y in years] == [str(this_year - 1), str(this_year)]
    settings = (await acc.get("companysettings")).json()
    assert settings["CurrencyCode"] == "NOK" and settings["CountryCode"] == "NO"
    assert settings["NextCustomerInvoiceNumber"] == 1 and settings["TermsOfPaymentId"] == terms["14 dager netto"]["Id"]
    state = await acc.state()
    assert state["counts"] == {"customers": 0, "suppliers": 0, "articles": 0, "articleLabels": 0, "drafts": 0,
                               "invoices": 0, "emails": 0}
    no_year = await make_account(acc.env, fiscalYear=False)
    assert (await no_year.get("fiscalyears")).json()["Data"] == []


async def test_demo_seed_is_realistic_and_deterministic(env: Env) -> None:
    one, two = await make_account(env, seed="demo"), await make_account(env, seed="demo")
    s1, s2 = await one.state(), await two.state()
    counts = s1["counts"]
    assert counts["customers"] >= 200 and counts["articles"] >= 1000 and counts["articleLabels"] >= 5
    assert counts["invoices"] >= 20 and counts["drafts"] >= 1 and counts["emails"] >= 1
    assert [c["Name"] for c in s1["customers"]] == [c["Name"] for c in s2["customers"]]
    assert [a["Number"] for a in s1["articles"]] == [a["Number"] for a in s2["articles"]]
    assert [i["TotalAmount"] for i in s1["invoices"]] == [i["TotalAmount"] for i in s2["invoices"]]
    assert len({a["ArticleLabels"][0]["Name"] for a in s1["articles"]}) >= 5
    assert any(c["IsPrivatePerson"] for c in s1["customers"]) and any(c["CurrencyCode"] != "NOK"
                                                                      for c in s1["customers"])
    assert any(i["emailed"] for i in s1["invoices"]) and any(not i["emailed"] for i in s1["invoices"])
    assert len({a["Number"] for a in s1["articles"]}) == counts["articles"]
    assert any("/" in a["Number"] for a in s1["articles"])


# ---------------------------------------------------------------------------------------------------------
# OAuth2: the identity server
# ---------------------------------------------------------------------------------------------------------


async def test_browser_authorize_redirects_with_code_and_state(env: Env) -> None:
    a = await make_account(env, login=False)
    params = {"client_id": a.client_id, "redirect_uri": a.redirect_uri, "response_type": "code",
              "scope": "ea:api offline_access ea:sales", "state": "xyz 1", "prompt": "select_account"}
    r = await env.http.get("/identity/connect/authorize", params=params)
    assert r.status_code == 302
    location = urlsplit(r.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == a.redirect_uri
    query = parse_qs(location.query)
    assert query["state"] == ["xyz 1"] and len(query["code"][0]) > 20
    r = await a.token({"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": a.redirect_uri})
    assert r.status_code == 200 and "refresh_token" in r.json()
    # unknown client or unregistered redirect: 400, nothing redirected
    assert (await env.http.get("/identity/connect/authorize", params={**params, "client_id": "x"})).status_code == 400
    r = await env.http.get("/identity/connect/authorize", params={**params, "redirect_uri": "https://evil.example/"})
    assert r.status_code == 400 and "location" not in r.headers
    # other errors go back to the client
    r = await env.http.get("/identity/connect/authorize", params={**params, "response_type": "token"})
    assert parse_qs(urlsplit(r.headers["location"]).query)["error"] == ["unsupported_response_type"]
    r = await env.http.get("/identity/connect/authorize", params={**params, "scope": "ea:api ea:purchase_readonly"})
    assert parse_qs(urlsplit(r.headers["location"]).query)["error"] == ["invalid_scope"]


async def test_code_exchange_returns_tokens_and_codes_are_single_use(env: Env) -> None:
    a = await make_account(env, login=False)
    code = await a.code()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": a.redirect_uri}
    r = await a.token(form)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    tokens = r.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3600
    again = await a.token(form)
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}
    # the first use's tokens keep working
    a.access = tokens["access_token"]
    assert (await a.get("customers")).status_code == 200
    # a code must come back with the redirect_uri it was issued for
    r = await a.token({**form, "code": await a.code(), "redirect_uri": "https://other.example/cb"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert (await a.state())["tokens"]["codeExchanges"] == 1


async def test_codes_expire_after_five_minutes(env: Env) -> None:
    a = await make_account(env, login=False)
    fresh, stale = await a.code(), await a.code()
    assert (await a.control("POST", "clock", json={"advanceSeconds": 299})).status_code == 200
    ok = await a.token({"grant_type": "authorization_code", "code": fresh, "redirect_uri": a.redirect_uri})
    assert ok.status_code == 200
    await a.control("POST", "clock", json={"advanceSeconds": 2})
    r = await a.token({"grant_type": "authorization_code", "code": stale, "redirect_uri": a.redirect_uri})
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}


async def test_token_endpoint_authenticates_the_client(acc: Acc) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": acc.refresh}
    for auth in ((acc.client_id, "wrong-secret"), ("unknown-client", acc.client_secret)):
        r = await acc.token(form, auth=auth)
        assert r.status_code == 400 and r.json() == {"error": "invalid_client"}
    r = await acc.env.http.post("/identity/connect/token", data=form)  # no client authentication at all
    assert r.json() == {"error": "invalid_client"}
    other = await make_account(acc.env)
    r = await other.token(form)  # another client's refresh token
    assert r.json() == {"error": "invalid_grant"}
    r = await acc.token({"grant_type": "password", "username": "x", "password": "y"})
    assert r.json() == {"error": "unsupported_grant_type"}
    # form-body client credentials work too (IdentityServer accepts both)
    r = await acc.env.http.post("/identity/connect/token", data={
        **form, "client_id": acc.client_id, "client_secret": acc.client_secret})
    assert r.status_code == 200


async def test_refresh_rotates_and_the_old_refresh_token_is_refused_at_once(acc: Acc) -> None:
    old_access, old_refresh = acc.access, acc.refresh
    r = await acc.token({"grant_type": "refresh_token", "refresh_token": old_refresh})
    assert r.status_code == 200
    new = r.json()
    assert new["refresh_token"] != old_refresh and new["access_token"] != old_access
    # no grace window: the used refresh token is dead at once, also for an immediate retry
    again = await acc.token({"grant_type": "refresh_token", "refresh_token": old_refresh})
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}
    # the new refresh token works (once), the old access token lives until it expires
    assert (await acc.call("GET", "customers", token=old_access)).status_code == 200
    assert (await acc.call("GET", "customers", token=new["access_token"])).status_code == 200
    assert (await acc.token({"grant_type": "refresh_token", "refresh_token": new["refresh_token"]})).status_code == 200
    tokens = (await acc.state())["tokens"]
    assert tokens["refreshes"] == 2 and tokens["refusedRefreshes"] == 1 and tokens["validRefreshTokens"] == 1


async def test_reusable_refresh_tokens_mode(env: Env) -> None:
    a = await make_account(env, refreshTokens="reusable")
    for _ in range(2):
        r = await a.token({"grant_type": "refresh_token", "refresh_token": a.refresh})
        assert r.status_code == 200 and r.json()["refresh_token"] == a.refresh


async def test_no_refresh_token_without_offline_access(acc: Acc) -> None:
    tokens = await acc.login(["ea:api", "ea:sales"])
    assert "refresh_token" not in tokens and tokens["access_token"]


async def test_access_tokens_expire_after_an_hour_with_a_401(acc: Acc) -> None:
    await acc.control("POST", "clock", json={"advanceSeconds": 3590})
    assert (await acc.get("customers")).status_code == 200
    await acc.control("POST", "clock", json={"advanceSeconds": 11})
    r = await acc.get("customers")
    assert r.status_code == 401 and r.content == b""
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    r = await acc.token({"grant_type": "refresh_token", "refresh_token": acc.refresh})
    acc.access = r.json()["access_token"]
    assert (await acc.get("customers")).status_code == 200
    # the control API can expire every access token at once (refresh tokens keep working)
    assert (await acc.control("POST", "tokens/expire")).json() == {"expired": 1}
    assert (await acc.get("customers")).status_code == 401
    assert (await acc.token({"grant_type": "refresh_token", "refresh_token": r.json()["refresh_token"]})
            ).status_code == 200


async def test_missing_or_unknown_bearer_token_is_401(acc: Acc) -> None:
    r = await acc.env.http.get("/v2/customers")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = await acc.call("GET", "customers", token="not-a-token")
    assert r.status_code == 401 and "invalid_token" in r.headers["www-authenticate"]
    r = await acc.call("GET", "customers", headers={"Authorization": f"Basic {acc.access}"})
    assert r.status_code == 401


async def test_revoked_grants_stop_working(acc: Acc) -> None:
    assert (await acc.control("DELETE", "tokens")).status_code == 204
    assert (await acc.get("customers")).status_code == 401
    r = await acc.token({"grant_type": "refresh_token", "refresh_token": acc.refresh})
    assert r.json() == {"error": "invalid_grant"}
    await acc.login()
    r = await acc.env.http.post("/identity/connect/revocation", data={
        "token": acc.refresh, "token_type_hint": "refresh_token"}, auth=(acc.client_id, acc.client_secret))
    assert r.status_code == 200 and r.content == b""
    assert (await acc.token({"grant_type": "refresh_token", "refresh_token": acc.refresh})).status_code == 400


async def test_scopes_decide_what_a_token_may_do(acc: Acc) -> None:
    await acc.login(["ea:api", "offline_access", "ea:accounting"])
    r = await acc.get("customers")
    body = assert_error(r, 403, 4002)
    assert "ea:sales" in body["DeveloperErrorMessage"] and body["Errors"] == []
    assert (await acc.get("vatcodes")).status_code == 200
    assert (await acc.get("fiscalyears")).status_code == 200  # sales or accounting
    await acc.login(["ea:api", "ea:sales"])
    assert (await acc.get("customers")).status_code == 200
    assert_error(await acc.get("vatcodes"), 403, 4002)  # VAT codes need an accounting scope
    ro = await make_account(acc.env, scopes=["ea:api", "offline_access", "ea:sales_readonly"])
    assert (await ro.get("customers")).status_code == 200
    assert_error(await ro.post("customers", {"Name": "X"}), 403, 4002)
    await acc.login(["ea:sales", "offline_access"])  # without ea:api
    assert_error(await acc.get("customers"), 403, 4002)


# ---------------------------------------------------------------------------------------------------------
# envelopes, case, errors
# ---------------------------------------------------------------------------------------------------------


async def test_list_envelope_and_paging(env: Env) -> None:
    demo = await make_account(env, seed="demo")
    first = (await demo.get("articles")).json()
    meta = first["Meta"]
    assert set(first) == {"Meta", "Data"}
    assert {k: meta[k] for k in ("CurrentPage", "PageSize", "TotalNumberOfPages", "TotalNumberOfResults")} == {
        "CurrentPage": 1, "PageSize": 50, "TotalNumberOfPages": 21, "TotalNumberOfResults": 1050}
    assert meta["ServerTimeUtc"].endswith("Z") and len(first["Data"]) == 50
    page3 = (await demo.get("articles", **{"$page": 3, "$pagesize": 100})).json()
    assert page3["Meta"]["CurrentPage"] == 3 and page3["Meta"]["TotalNumberOfPages"] == 11
    everything = (await demo.get("articles", **{"$pagesize": 100})).json()["Data"]
    assert everything[0]["Number"] == first["Data"][0]["Number"]
    capped = (await demo.get("articles", **{"$pagesize": 5000})).json()["Meta"]
    assert capped["PageSize"] == 500 and capped["TotalNumberOfPages"] == 3
    past = (await demo.get("articles", **{"$page": 99})).json()
    assert past["Data"] == [] and past["Meta"]["TotalNumberOfResults"] == 1050
    for bad in ({"$page": 0}, {"$pagesize": "ten"}):
        assert fields_of(assert_error(await demo.get("articles", **bad), 400, 2000)) == [next(iter(bad))]
    empty = (await (await make_account(env)).get("customers")).json()["Meta"]
    assert empty["TotalNumberOfResults"] == 0 and empty["TotalNumberOfPages"] == 0


async def test_filter_and_orderby(acc: Acc) -> None:
    for n, name in ((7, "Bryggen AS"), (12, "Alfa Bygg AS"), (3, "O'Hara Import AS")):
        await acc.customer(CustomerNumber=str(n), Name=name, IsActive=n != 12)

    async def names(**params: Any) -> list[str]:
        r = await acc.get("customers", **params)
        assert r.status_code == 200, r.text
        return [c["Name"] for c in r.json()["Data"]]

    assert await names(**{"$filter": "CustomerNumber eq '12'"}) == ["Alfa Bygg AS"]
    assert await names(**{"$filter": "Name eq 'O''Hara Import AS'"}) == ["O'Hara Import AS"]
    assert await names(**{"$filter": "IsActive eq false"}) == ["Alfa Bygg AS"]
    assert await names(**{"$filter": "contains(Name,'bygg') or CustomerNumber eq '3'"}) == [
        "Alfa Bygg AS", "O'Hara Import AS"]
    assert await names(**{"$filter": "isactive eq true and startswith(Name,'Br')"}) == ["Bryggen AS"]
    assert await names(**{"$orderby": "Name desc"}) == ["O'Hara Import AS", "Bryggen AS", "Alfa Bygg AS"]
    assert await names(**{"$filter": "ChangedUtc gt 2000-01-01T00:00:00Z", "$orderby": "CustomerNumber"}) == [
        "Alfa Bygg AS", "O'Hara Import AS", "Bryggen AS"]  # CustomerNumber is a string: "12" < "3" < "7"
    for bad in ("Colour eq 'blue'", "Name eq", "Name is 'x'"):
        assert_error(await acc.get("customers", **{"$filter": bad}), 400, 2000)
    assert_error(await acc.get("customers", **{"$orderby": "Name sideways"}), 400, 2000)


async def test_pascal_case_out_and_case_insensitive_in(acc: Acc) -> None:
    terms = await acc.terms()
    r = await acc.post("customers", {"name": "Liten Bokstav AS", "invoiceCity": "BERGEN", "invoicePostalCode": "5003",
                                     "isActive": True, "isPrivatePerson": False, "termsOfPaymentId": terms["Id"]})
    assert r.status_code == 201, r.text
    customer = r.json()
    assert list(customer) == list(SCHEMAS["CustomerApi"])  # every property of the spec, in its order
    assert customer["Name"] == "Liten Bokstav AS" and customer["CustomerNumber"] == "1"
    assert customer["TermsOfPayment"]["Id"] == terms["Id"] and customer["CurrencyCode"] == "NOK"
    assert customer["ChangedUtc"].endswith("Z")


async def test_unknown_properties_are_ignored_or_rejected(env: Env, acc: Acc) -> None:
    customer = await acc.customer(Colour="blue", CustomerNo="99")
    assert "Colour" not in customer and customer["CustomerNumber"] == "1"
    assert {"Colour", "CustomerNo"} <= set((await acc.state())["ignoredProperties"])
    strict = await make_account(env, unknownProperties="reject")
    body = {"Name": "X AS", "InvoiceCity": "OSLO", "InvoicePostalCode": "0150", "IsActive": True,
            "IsPrivatePerson": False, "TermsOfPaymentId": (await strict.terms())["Id"], "Colour": "blue"}
    err = assert_error(await strict.post("customers", body), 400, 2000)
    assert fields_of(err) == ["Colour"] and err["Errors"][0]["ErrorCode"] == "UnknownProperty"


async def test_read_only_properties_are_accepted_and_ignored(acc: Acc) -> None:
    customer = await acc.customer(Id="00000000-0000-0000-0000-000000000001", UnpaidInvoicesAmount=99,
                                  ChangedUtc="2001-01-01T00:00:00")
    assert customer["Id"] != "00000000-0000-0000-0000-000000000001" and customer["UnpaidInvoicesAmount"] == 0
    assert not customer["ChangedUtc"].startswith("2001")


async def test_validation_errors_are_400_code_2000_with_fields(acc: Acc) -> None:
    body = assert_error(await acc.post("customers", {"Name": "X" * 51, "IsActive": "yes"}), 400, 2000)
    by_field = {e["Field"]: e for e in body["Errors"]}
    assert by_field["Name"]["ErrorCode"] == "MaxLength" and by_field["IsActive"]["ErrorCode"] == "InvalidType"
    assert {"InvoiceCity", "InvoicePostalCode", "IsPrivatePerson", "TermsOfPaymentId"} <= set(by_field)
    assert all(by_field[f]["ErrorCode"] == "Required" for f in ("InvoiceCity", "TermsOfPaymentId"))
    assert set(body["Errors"][0]) == {"Field", "ErrorCode", "Message", "Key"}
    assert body["DeveloperErrorMessage"] == body["Errors"][0]["Message"]
    body = assert_error(await acc.post("customers", {"Name": "X", "InvoiceCity": "OSLO", "InvoicePostalCode": "0150",
                                                     "IsActive": True, "IsPrivatePerson": False,
                                                     "TermsOfPaymentId": "not-a-guid"}), 400, 2000)
    assert fields_of(body) == ["TermsOfPaymentId"] and body["Errors"][0]["ErrorCode"] == "InvalidFormat"
    r = await acc.call("POST", "customers", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(r, 400, 2000)
    assert_error(await acc.post("customers", [1, 2]), 400, 2000)
    assert (await acc.state())["counts"]["customers"] == 0


async def test_not_found_is_400_3000_or_404_where_the_spec_says(acc: Acc) -> None:
    missing = "6d2c5a1e-0000-4000-8000-000000000000"
    for path in ("customers", "articles", "customerinvoicedrafts", "customerinvoices", "articlelabels",
                 "termsofpayments"):
        assert_error(await acc.get(f"{path}/{missing}"), 400, 3000)
    for path in ("units", "vatcodes", "fiscalyears"):
        assert_error(await acc.get(f"{path}/{missing}"), 404, 3000)
    assert_error(await acc.call("DELETE", f"articlelabels/{missing}"), 404, 3000)
    body = assert_error(await acc.get("customers/42"), 400, 2000)
    assert fields_of(body) == ["customerId"]


async def test_unknown_routes_404_and_read_only_units_and_terms_405(acc: Acc) -> None:
    r = await acc.get("nosuchthing")
    assert r.status_code == 404 and r.content == b""
    for path in ("units", "termsofpayments", "vatcodes", "articleaccountcodings"):
        r = await acc.post(path, {"Name": "Kasse"})
        assert r.status_code == 405 and r.headers["allow"] == "GET", path
    unit = (await acc.get("units")).json()["Data"][0]
    r = await acc.put(f"units/{unit['Id']}", {"Name": "Kasse"})
    assert r.status_code == 405
    assert (await acc.call("DELETE", f"termsofpayments/{(await acc.terms())['Id']}")).status_code == 405
    assert (await acc.call("DELETE", f"articles/{(await acc.article())['Id']}")).status_code == 405
    assert (await acc.get("Customers")).status_code == 200  # path case does not matter


async def test_referenced_ids_must_exist_3000(acc: Acc) -> None:
    missing = "6d2c5a1e-0000-4000-8000-000000000000"
    body = assert_error(await acc.post("customers", {"Name": "X", "InvoiceCity": "OSLO", "InvoicePostalCode": "0150",
                                                     "IsActive": True, "IsPrivatePerson": False,
                                                     "TermsOfPaymentId": missing}), 400, 3000)
    assert fields_of(body) == ["TermsOfPaymentId"]
    body = assert_error(await acc.post("customerinvoicedrafts", {"CustomerId": missing, "EuThirdParty": False,
                                                                 "RotReducedInvoicingType": 0}), 400, 3000)
    assert fields_of(body) == ["CustomerId"]
    customer = await acc.customer()
    body = assert_error(await acc.post("customerinvoicedrafts", await acc.draft_body(
        [row(missing, 1, 10)], customer=customer)), 400, 3000)
    assert fields_of(body) == ["Rows[0].ArticleId"]
    body = assert_error(await acc.post("articles", {"Number": "X", "Name": "X", "IsActive": True, "CodingId": missing,
                                                    "UnitId": missing}), 400, 3000)
    assert fields_of(body) == ["CodingId"]


# ---------------------------------------------------------------------------------------------------------
# customers, articles, labels
# ---------------------------------------------------------------------------------------------------------


async def test_customer_numbers_are_generated_and_unique(acc: Acc) -> None:
    first, second = await acc.customer(), await acc.customer(Name="Neste AS")
    assert (first["CustomerNumber"], second["CustomerNumber"]) == ("1", "2")
    await acc.customer(CustomerNumber="3")
    assert (await acc.customer(Name="Fjerde AS"))["CustomerNumber"] == "4"
    body = assert_error(await acc.post("customers", {**(await acc.get(f"customers/{first['Id']}")).json(),
                                                     "CustomerNumber": "2"}), 400, 4000)
    assert fields_of(body) == ["CustomerNumber"]
    assert_error(await acc.post("customers", {
        "Name": "X", "InvoiceCity": "OSLO", "InvoicePostalCode": "0150", "IsActive": True, "IsPrivatePerson": False,
        "TermsOfPaymentId": first["TermsOfPaymentId"], "EmailAddresses": ["cc@example.no"]}), 400, 2000)


async def test_customer_put_replaces_the_whole_customer(acc: Acc) -> None:
    customer = await acc.customer(Telephone="22 33 44 55", CustomerNumber="K-7")
    replaced = {k: customer[k] for k in ("Name", "InvoiceCity", "InvoicePostalCode", "IsPrivatePerson",
                                         "TermsOfPaymentId")}
    r = await acc.put(f"customers/{customer['Id']}", {**replaced, "IsActive": False})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["IsActive"] is False and after["Telephone"] is None  # omitted → blanked
    assert after["CustomerNumber"] == "K-7"  # kept when omitted
    assert (await acc.call("DELETE", f"customers/{customer['Id']}")).status_code == 200
    assert_error(await acc.get(f"customers/{customer['Id']}"), 400, 3000)


async def test_customer_with_documents_cannot_be_deleted_4001(acc: Acc) -> None:
    draft = await acc.draft()
    assert_error(await acc.call("DELETE", f"customers/{draft['CustomerId']}"), 400, 4001)


async def test_articles_numbers_prices_and_labels(acc: Acc) -> None:
    label = (await acc.post("articlelabels", {"Name": "Klær", "Description": "Tekstiler"})).json()
    assert_error(await acc.post("articlelabels", {"Name": "klær"}), 400, 4000)
    article = await acc.article(Number="P/100", NetPrice=99.99, ArticleLabels=[{"Id": label["Id"], "Name": "Klær"}])
    assert article["GrossPrice"] == 124.99 and article["CodingName"] == "Varer 25 %"  # 124.9875 → 124.99
    assert article["UnitAbbreviation"] == "stk" and article["IsServiceArticle"] is False
    assert article["ArticleLabels"] == [{"Id": label["Id"], "Name": "Klær", "Description": "Tekstiler"}]
    assert_error(await acc.post("articles", {**article, "Name": "Kopi"}), 400, 4000)
    r = await acc.post("articles", {"Number": "P/101", "Name": "Brutto", "IsActive": True, "GrossPrice": 125,
                                    "CodingId": article["CodingId"], "UnitId": article["UnitId"]})
    assert r.json()["NetPrice"] == 100.0
    body = assert_error(await acc.post("articles", {**article, "Number": "P/102", "NetPrice": 1.005}), 400, 2000)
    assert fields_of(body) == ["NetPrice"]
    r = await acc.get("articles", **{"$filter": "Number eq 'P/100'"})
    assert [a["Id"] for a in r.json()["Data"]] == [article["Id"]]
    updated = (await acc.put(f"articles/{article['Id']}", {**article, "Name": "Ullgenser 2", "IsActive": False})).json()
    assert updated["Name"] == "Ullgenser 2" and updated["CreatedUtc"] == article["CreatedUtc"]
    assert_error(await acc.call("DELETE", f"articlelabels/{label['Id']}"), 400, 4001)
    renamed = (await acc.put(f"articlelabels/{label['Id']}", {"Name": "Tekstil"})).json()
    assert renamed["Name"] == "Tekstil"
    assert (await acc.get(f"articles/{article['Id']}")).json()["ArticleLabels"][0]["Name"] == "Tekstil"


# ---------------------------------------------------------------------------------------------------------
# drafts, invoices, e-mail
# ---------------------------------------------------------------------------------------------------------


async def test_quantity_takes_at_most_two_decimals(acc: Acc) -> None:
    article = await acc.article()
    customer = await acc.customer()
    for quantity in (1.005, 0.125, 2.0001):
        r = await acc.post("customerinvoicedrafts", await acc.draft_body([row(article["Id"], quantity, 10)],
                                                                          customer=customer))
        body = assert_error(r, 400, 2000)
        assert fields_of(body) == ["Rows[0].Quantity"] and body["Errors"][0]["ErrorCode"] == "InvalidFormat"
    ok = await acc.draft([row(article["Id"], 1.25, 10), row(article["Id"], 1.10, 10)], customer=customer)
    assert [r["Quantity"] for r in ok["Rows"]] == [1.25, 1.1]
    r = await acc.post("customerinvoices", {**(await acc.draft_body([row(article["Id"], 1.333, 10)],
                                                                     customer=customer))})
    assert fields_of(assert_error(r, 400, 2000)) == ["Rows[0].Quantity"]
    assert (await acc.state())["counts"]["drafts"] == 1


async def test_discount_is_a_fraction_and_unit_price_decimals_follow_the_customer(acc: Acc) -> None:
    article = await acc.article()
    customer = await acc.customer()
    body = assert_error(await acc.post("customerinvoicedrafts", await acc.draft_body(
        [row(article["Id"], 1, 100, DiscountPercentage=25)], customer=customer)), 400, 2000)
    assert fields_of(body) == ["Rows[0].DiscountPercentage"] and body["Errors"][0]["ErrorCode"] == "Range"
    draft = await acc.draft([row(article["Id"], 3, 100, DiscountPercentage=0.25)], customer=customer)
    assert draft["Rows"][0]["Amount"] == 225.0
    body = assert_error(await acc.post("customerinvoicedrafts", await acc.draft_body(
        [row(article["Id"], 1, 10.125)], customer=customer)), 400, 2000)
    assert fields_of(body) == ["Rows[0].UnitPrice"]
    foreign = await acc.customer(Name="Svenska AB", InvoiceCountryCode="SE", CurrencyCode="SEK")
    draft = await acc.draft([row(article["Id"], 1, 10.125)], customer=foreign)
    assert draft["Rows"][0]["UnitPrice"] == 10.125 and draft["Rows"][0]["VatRate"] == 0  # export: no VAT
    assert draft["InvoiceCurrencyCode"] == "SEK"


async def test_totals_round_half_up_per_vat_rate(acc: Acc) -> None:
    goods = await acc.article()
    food = await acc.article(Number="M-1", Name="Kaffe",
                             CodingId=(await acc.reference("articleaccountcodings", "Næringsmidler 15 %"))["Id"])
    # 1.5 × 0.15 = 0.225 → 0.23 (banker's rounding would give 0.22); VAT on the 25 % sum 10.10 → 2.525 → 2.53
    draft = await acc.draft([row(goods["Id"], 1.5, 0.15), row(goods["Id"], 1, 9.87),
                             row(food["Id"], 1, 0.3)])
    assert [r["Amount"] for r in draft["Rows"]] == [0.23, 9.87, 0.3]
    assert [r["VatRate"] for r in draft["Rows"]] == [0.25, 0.25, 0.15]
    assert draft["TotalVatAmount"] == 2.58  # 2.53 + 0.045 → 0.05
    assert draft["TotalAmount"] == 12.98 and draft["TotalRoundings"] == 0.0  # 10.40 net + 2.58 VAT


async def test_whole_krone_rounding_is_half_up(env: Env) -> None:
    a = await make_account(env, wholeKroneRounding=True)
    article = await a.article(CodingId=(await a.reference("articleaccountcodings", "Avgiftsfritt salg 0 %"))["Id"])
    draft = await a.draft([row(article["Id"], 1, 100.5)])
    assert draft["TotalAmount"] == 101.0 and draft["TotalRoundings"] == 0.5  # banker's would give 100
    assert (await a.get("companysettings")).json()["DomesticCurrencyRounding"] == 1


async def test_text_rows_and_required_row_flags(acc: Acc) -> None:
    article = await acc.article()
    draft = await acc.draft([{"IsTextRow": True, "ReversedConstructionServicesVatFree": False,
                              "Text": "Ordre RB-1042"}, row(article["Id"], 1, 50)])
    text, item = draft["Rows"]
    assert text["ArticleId"] is None and text["VatRate"] is None and text["Amount"] == 0
    assert (text["LineNumber"], item["LineNumber"]) == (0, 1) and item["Text"] == "Ullgenser"
    customer = await acc.customer()
    body = assert_error(await acc.post("customerinvoicedrafts", await acc.draft_body(
        [{"IsTextRow": True, "ReversedConstructionServicesVatFree": False, "Text": ""},
         {"IsTextRow": False, "ReversedConstructionServicesVatFree": False, "Quantity": 1},
         {"ArticleId": article["Id"], "Quantity": 1}], customer=customer)), 400, 2000)
    assert set(fields_of(body)) == {"Rows[2].IsTextRow", "Rows[2].ReversedConstructionServicesVatFree"}
    body = assert_error(await acc.post("customerinvoicedrafts", await acc.draft_body(
        [{"IsTextRow": True, "ReversedConstructionServicesVatFree": False, "Text": ""},
         {"IsTextRow": False, "ReversedConstructionServicesVatFree": False, "Quantity": 1}], customer=customer)),
        400, 2000)
    assert fields_of(body) == ["Rows[0].Text", "Rows[1].ArticleId"]
    body = assert_error(await acc.post("customerinvoicedrafts", {"CustomerId": customer["Id"]}), 400, 2000)
    assert set(fields_of(body)) == {"EuThirdParty", "RotReducedInvoicingType"}


async def test_draft_converts_to_a_booked_invoice(acc: Acc) -> None:
    draft = await acc.draft(YourReference="RB-1042", OurReference="bokbro")
    assert draft["TotalAmount"] == 250.0 and "InvoiceNumber" not in draft
    listed = (await acc.get("customerinvoicedrafts", **{"$filter": "YourReference eq 'RB-1042'"})).json()["Data"]
    assert [d["Id"] for d in listed] == [draft["Id"]]
    r = await acc.post(f"customerinvoicedrafts/{draft['Id']}/convert")
    assert r.status_code == 201, r.text
    invoice = r.json()
    assert list(invoice) == list(SCHEMAS["CustomerInvoiceApi"])
    assert invoice["InvoiceNumber"] == 1 and invoice["CreatedFromDraftId"] == draft["Id"]
    assert invoice["InvoiceDate"] == f"{date.today().isoformat()}T00:00:00"
    assert invoice["DueDate"] == f"{(date.today() + timedelta(days=14)).isoformat()}T00:00:00"
    assert (invoice["TotalAmount"], invoice["TotalVatAmount"], invoice["RemainingAmount"]) == (250.0, 50.0, 250.0)
    assert invoice["PaymentStatus"] == 1 and invoice["YourReference"] == "RB-1042"
    assert invoice["Rows"][0]["AmountNoVat"] == 200.0 and invoice["Rows"][0]["ArticleNumber"] == "A-100"
    assert invoice["VatSpecification"] == [{"AmountInvoiceCurrency": 200.0, "VatAmountInvoiceCurrency": 50.0,
                                            "VatPercent": 0.25}]
    assert_error(await acc.get(f"customerinvoicedrafts/{draft['Id']}"), 400, 3000)  # the draft is gone
    assert_error(await acc.post(f"customerinvoicedrafts/{draft['Id']}/convert"), 400, 3000)
    assert (await acc.get(f"customerinvoices/{invoice['Id']}")).json()["InvoiceNumber"] == 1
    assert (await acc.get("companysettings")).json()["NextCustomerInvoiceNumber"] == 2
    customer = (await acc.get(f"customers/{invoice['CustomerId']}")).json()
    assert customer["UnpaidInvoicesAmount"] == 250.0
    state = await acc.state()
    assert state["counts"]["drafts"] == 0 and state["invoices"][0]["status"] == "unpaid"
    assert state["invoices"][0]["createdVia"] == "convert" and state["invoices"][0]["emailed"] is False


async def test_convert_date_rules(acc: Acc) -> None:
    today = date.today()
    past = await acc.draft(InvoiceDate=(today - timedelta(days=3)).isoformat())
    invoice = (await acc.post(f"customerinvoicedrafts/{past['Id']}/convert")).json()
    assert invoice["InvoiceDate"].startswith(today.isoformat())  # a past draft date becomes today
    kept = await acc.draft(InvoiceDate=(today - timedelta(days=3)).isoformat())
    invoice = (await acc.post(f"customerinvoicedrafts/{kept['Id']}/convert", keepOriginalDraftDate="true")).json()
    assert invoice["InvoiceDate"].startswith((today - timedelta(days=3)).isoformat())
    future = await acc.draft(InvoiceDate=(today + timedelta(days=5)).isoformat())
    invoice = (await acc.post(f"customerinvoicedrafts/{future['Id']}/convert")).json()
    assert invoice["InvoiceDate"].startswith((today + timedelta(days=5)).isoformat())  # allowed for this customer
    cash = await acc.customer(Name="Kontantkunde", TermsOfPaymentId=(await acc.terms("Kontant"))["Id"])
    assert cash["IsFutureInvoiceDateAllowed"] is False
    refused = await acc.draft(customer=cash, InvoiceDate=(today + timedelta(days=5)).isoformat())
    body = assert_error(await acc.post(f"customerinvoicedrafts/{refused['Id']}/convert"), 400, 2000)
    assert fields_of(body) == ["InvoiceDate"]


async def test_convert_checks_the_expected_amounts(acc: Acc) -> None:
    draft = await acc.draft()
    body = assert_error(await acc.post(f"customerinvoicedrafts/{draft['Id']}/convert", {
        "TotalAmountInvoiceCurrency": 249.0, "Rows": [{"LineNumber": 0, "TotalAmountNoVatInvoiceCurrency": 200}]}),
        400, 2000)
    assert fields_of(body) == ["TotalAmountInvoiceCurrency"]
    r = await acc.post(f"customerinvoicedrafts/{draft['Id']}/convert", {
        "TotalAmountInvoiceCurrency": 250.0, "TotalVatAmountInvoiceCurrency": 50.0,
        "Rows": [{"LineNumber": 0, "TotalAmountNoVatInvoiceCurrency": 200, "TotalAmountIncVatInvoiceCurrency": 250}]})
    assert r.status_code == 201, r.text


async def test_a_locked_period_refuses_invoices_dated_in_it_4026(env: Env) -> None:
    a = await make_account(env)
    draft = await a.draft()
    assert (await a.control("POST", "locked-period", json={"until": "2099-12-31"})).status_code == 200
    assert_error(await a.post(f"customerinvoicedrafts/{draft['Id']}/convert"), 400, 4026)
    assert_error(await a.post("customerinvoices", await a.draft_body()), 400, 4026)
    assert (await a.control("POST", "locked-period", json={"until": "nonsense"})).status_code == 400
    assert (await a.control("POST", "locked-period", json={"until": None})).status_code == 200
    assert (await a.post(f"customerinvoicedrafts/{draft['Id']}/convert")).status_code == 201


async def test_invoicing_needs_a_fiscal_year_3001(env: Env) -> None:
    a = await make_account(env, fiscalYear=False)
    draft = await a.draft()  # drafts need no fiscal year
    body = assert_error(await a.post(f"customerinvoicedrafts/{draft['Id']}/convert"), 400, 3001)
    assert body["Errors"] is None
    assert_error(await a.post("customerinvoices", await a.draft_body()), 400, 3001)
    assert (await a.control("POST", "fiscal-year", json={"present": True})).status_code == 200
    assert (await a.post(f"customerinvoicedrafts/{draft['Id']}/convert")).status_code == 201
    await a.control("POST", "fiscal-year", json={"present": False})
    assert (await a.get("fiscalyears")).json()["Data"] == []
    year = date.today().year
    r = await a.post("fiscalyears", {"StartDate": f"{year}-01-01", "EndDate": f"{year}-12-31"})
    assert r.status_code == 201 and r.json()["StartDate"] == f"{year}-01-01T00:00:00"
    assert_error(await a.post("fiscalyears", {"StartDate": f"{year}-06-01", "EndDate": f"{year + 1}-05-31"}),
                 400, 2000)
    assert (await a.post("customerinvoices", await a.draft_body())).status_code == 201
    assert (await a.control("POST", "fiscal-year", json={"present": "yes"})).status_code == 400


async def test_direct_invoice_post_books_at_once(acc: Acc) -> None:
    article = await acc.article()
    customer = await acc.customer()
    r = await acc.post("customerinvoices", {"CustomerId": customer["Id"], "EuThirdParty": False,
                                            "RotReducedInvoicingType": 0, "YourReference": "MS-77",
                                            "Rows": [{"ArticleId": article["Id"], "Quantity": 2, "UnitPrice": 100},
                                                     {"Text": "Takk for handelen"}]})
    assert r.status_code == 201, r.text
    invoice = r.json()
    assert invoice["InvoiceNumber"] == 1 and invoice["TotalAmountInvoiceCurrency"] == 250.0
    assert [x["IsTextRow"] for x in invoice["Rows"]] == [False, True]
    body = assert_error(await acc.post("customerinvoices", {"CustomerId": customer["Id"], "EuThirdParty": False,
                                                            "RotReducedInvoicingType": 0, "Rows": []}), 400, 2000)
    assert fields_of(body) == ["Rows"]
    found = (await acc.get("customerinvoices", **{"$filter": "YourReference eq 'MS-77'"})).json()["Data"]
    assert [i["Id"] for i in found] == [invoice["Id"]]
    since = (await acc.get("customerinvoices", modifiedSinceUtc="2000-01-01T00:00:00Z")).json()["Data"]
    assert len(since) == 1
    assert (await acc.get("customerinvoices", modifiedSinceUtc="2999-01-01")).json()["Data"] == []
    assert_error(await acc.get("customerinvoices", modifiedSinceUtc="yesterday"), 400, 2000)


async def test_email_is_a_separate_call_and_is_recorded(acc: Acc) -> None:
    customer = await acc.customer(EmailAddress="faktura@kunde.example", EmailAddresses=["cc@kunde.example"])
    draft = await acc.draft(customer=customer)
    assert_error(await acc.post(f"customerinvoices/{draft['Id']}/email", {}), 400, 3000)  # drafts cannot be mailed
    invoice = (await acc.post(f"customerinvoicedrafts/{draft['Id']}/convert")).json()
    assert (await acc.state())["invoices"][0]["emailed"] is False  # booking does not send anything
    r = await acc.post(f"customerinvoices/{invoice['Id']}/email", {"Subject": "Faktura #### fra oss"})
    assert r.status_code == 200 and r.content == b""
    r = await acc.post(f"customerinvoices/{invoice['Id']}/email", {"Email": "annen@kunde.example",
                                                                   "CcRecipients": None})
    assert r.status_code == 200
    state = await acc.state()
    first, second = state["emails"]
    assert (first["to"], first["cc"], first["subject"]) == ("faktura@kunde.example", ["cc@kunde.example"],
                                                            "Faktura 1 fra oss")
    assert (second["to"], second["cc"]) == ("annen@kunde.example", [])
    assert state["invoices"][0]["emailed"] is True and state["invoices"][0]["emailCount"] == 2
    await acc.control("POST", "email-delivery", json={"fail": True})
    await acc.post(f"customerinvoices/{invoice['Id']}/email", {})
    assert (await acc.get(f"customerinvoices/{invoice['Id']}")).json()["IsNotDelivered"] is True
    nobody = await acc.customer(Name="Uten e-post", EmailAddress=None)
    other = (await acc.post("customerinvoices", await acc.draft_body(customer=nobody))).json()
    body = assert_error(await acc.post(f"customerinvoices/{other['Id']}/email", {}), 400, 2000)
    assert fields_of(body) == ["Email"]


async def test_overdue_invoices_follow_the_clock(acc: Acc) -> None:
    invoice = (await acc.post("customerinvoices", await acc.draft_body())).json()
    await acc.control("POST", "clock", json={"now": f"{(date.today() + timedelta(days=20)).isoformat()}T12:00:00Z"})
    await acc.login()
    assert (await acc.get(f"customerinvoices/{invoice['Id']}")).json()["PaymentStatus"] == 2
    assert (await acc.state())["invoices"][0]["status"] == "overdue"
    assert (await acc.control("POST", "clock", json={"now": "soon"})).status_code == 400


# ---------------------------------------------------------------------------------------------------------
# rate limiting and fault injection
# ---------------------------------------------------------------------------------------------------------


async def test_rate_limit_429_with_4010_per_endpoint(acc: Acc) -> None:
    r = await acc.control("POST", "rate-limit", json={"limit": 3, "periodSeconds": 0.5})
    assert r.status_code == 200
    for _ in range(3):
        assert (await acc.get("customers")).status_code == 200
    limited = await acc.get("customers")
    body = assert_error(limited, 429, 4010)
    assert body["DeveloperErrorMessage"] == (
        "API calls quota exceeded! maximum admitted 3 per 0.5s. Try again in 1 seconds.")
    assert "retry-after" not in limited.headers  # none documented
    assert (await acc.get("units")).status_code == 200  # counted per endpoint
    await asyncio.sleep(0.55)
    assert (await acc.get("customers")).status_code == 200
    await acc.control("POST", "rate-limit", json={"limit": 0, "periodSeconds": 60, "retryAfterHeader": True})
    limited = await acc.get("customers")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
    assert "per Minute. Try again in 60 seconds." in limited.json()["DeveloperErrorMessage"]
    assert (await acc.control("POST", "rate-limit", json={"limit": 1, "burst": 2})).status_code == 400
    assert (await acc.state())["rateLimit"] == {"limit": 0, "periodSeconds": 60.0, "retryAfterHeader": True}


async def test_default_budget_is_600_per_minute(acc: Acc) -> None:
    assert (await acc.state())["rateLimit"] == {"limit": 600, "periodSeconds": 60.0, "retryAfterHeader": False}
    statuses = [(await acc.get("units")).status_code for _ in range(600)]
    assert statuses == [200] * 600
    body = assert_error(await acc.get("units"), 429, 4010)
    assert "maximum admitted 600 per Minute" in body["DeveloperErrorMessage"]
    assert (await acc.get("customers")).status_code == 200  # counted per endpoint


async def set_faults(acc: Acc, **faults: Any) -> None:
    r = await acc.control("POST", "faults", json=faults)
    assert r.status_code == 200, r.text


async def test_fault_latency(acc: Acc) -> None:
    await set_faults(acc, latency_ms=300)
    started = time.monotonic()
    assert (await acc.get("customers")).status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_fault_5xx_does_nothing(acc: Acc) -> None:
    terms = await acc.terms()
    await set_faults(acc, error_5xx_rate=1.0)
    r = await acc.post("customers", {"Name": "X AS", "InvoiceCity": "OSLO", "InvoicePostalCode": "0150",
                                     "IsActive": True, "IsPrivatePerson": False, "TermsOfPaymentId": terms["Id"]})
    assert_error(r, 500, 1000)
    await acc.control("DELETE", "faults")
    assert (await acc.state())["counts"]["customers"] == 0


async def test_fault_commit_then_500_keeps_the_object(acc: Acc) -> None:
    draft = await acc.draft()
    await set_faults(acc, commit_then_500_rate=1.0)
    assert_error(await acc.post(f"customerinvoicedrafts/{draft['Id']}/convert"), 500, 1000)
    state = await acc.state()
    assert state["counts"]["invoices"] == 1 and state["counts"]["drafts"] == 0
    assert (await acc.control("GET", "faults")).json()["injected"] == {"commit_then_500": 1}


async def test_fault_timeout_hangs_then_504_without_acting(acc: Acc) -> None:
    draft = await acc.draft()
    await set_faults(acc, timeout_rate=1.0, timeout_seconds=0.3)
    started = time.monotonic()
    r = await acc.post(f"customerinvoicedrafts/{draft['Id']}/convert")
    assert time.monotonic() - started >= 0.3
    assert_error(r, 504, 1000)
    assert (await acc.state())["counts"]["invoices"] == 0


async def test_fault_429_storm(acc: Acc) -> None:
    await set_faults(acc, rate_limit_storm=2, rate_limit_reset_seconds=7)
    for _ in range(2):
        body = assert_error(await acc.get("customers"), 429, 4010)
        assert "Try again in 7 seconds." in body["DeveloperErrorMessage"]
    assert (await acc.get("customers")).status_code == 200
    assert (await acc.control("GET", "faults")).json()["injected"] == {"rate_limit": 2}


async def test_fault_control_api(acc: Acc) -> None:
    assert (await acc.control("POST", "faults", json={"error_rate": 1})).status_code == 400
    await set_faults(acc, error_5xx_rate=1.0)
    assert (await acc.control("GET", "faults")).json()["error_5xx_rate"] == 1.0
    assert (await acc.control("DELETE", "faults")).status_code == 204
    assert (await acc.control("GET", "faults")).json()["error_5xx_rate"] == 0.0
    assert (await acc.get("customers")).status_code == 200


# ---------------------------------------------------------------------------------------------------------
# the schema table is the spec's
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not SPEC.exists(), reason="the reference spec is not available")
async def test_schema_table_is_generated_from_the_published_spec() -> None:
    from backend.sandbox.eaccounting._generate_schemas import extract, scopes

    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    assert extract(spec) == (SCHEMAS, REQUIRED)
    assert scopes(spec) == SCOPES
