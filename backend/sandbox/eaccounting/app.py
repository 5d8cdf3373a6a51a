"""The eAccounting API v2 stand-in as a Starlette app: ``/identity/connect/...`` (the identity server),
``/v2/...`` (the API) and ``/_control/...`` (tests, demo).

Every ``/v2`` request goes through one entry point: it finds the company from the bearer token, runs the request
under that company's injected faults, then answers in this order, as an ASP.NET Core pipeline would: 401 for a
missing/unknown/expired token, 429 (ErrorCode 4010) past the per-client-per-endpoint budget, 404/405 for unknown
routes and methods, 403 when the token lacks the operation's scope (from the spec), then the handler.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.sandbox.common import Faults, control_body, control_error, control_update, locked_period_until, with_faults
from backend.sandbox.eaccounting import guesses as g
from backend.sandbox.eaccounting import logic
from backend.sandbox.eaccounting.identity import Identity
from backend.sandbox.eaccounting.model import (
    Account,
    ApiJSON,
    ApiProblem,
    OAuthClient,
    RateLimit,
    Record,
    as_date,
    error_body,
    invalid,
    loads,
    msg,
    not_found,
    page,
    parse_datetime,
    render,
    utc_text,
)
from backend.sandbox.eaccounting.schemas import SCOPES
from backend.sandbox.eaccounting.seed import seed_demo, seed_reference

# -- state ------------------------------------------------------------------------------------------------


class Sandbox:
    """All companies of one sandbox app, and its identity server."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.identity = Identity(lambda: self.accounts)

    def create_account(self, *, seed: str, fiscal_year: bool, redirect_uri: str, scopes: tuple[str, ...],
                       refresh_mode: str, unknown_properties: str, rounding: bool) -> Account:
        client = OAuthClient(client_id=f"bokbro-sandbox-{secrets.token_hex(6)}",
                             client_secret=secrets.token_urlsafe(24), redirect_uri=redirect_uri, scopes=scopes,
                             refresh_mode=refresh_mode)
        account = Account(id=f"ea-{secrets.token_hex(6)}", client=client, unknown_properties=unknown_properties)
        seed_reference(account, fiscal_year=fiscal_year, rounding=rounding,
                       company_name="Fjordlager Demo AS" if seed == "demo" else "Sandbox Handel AS")
        if seed == "demo":
            seed_demo(account)
        account.ignored_properties.clear()
        self.accounts[account.id] = account
        return account


# -- request context --------------------------------------------------------------------------------------


@dataclass
class Ctx:
    request: Request
    account: Account
    params: dict[str, str]
    raw_body: bytes

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params)

    def json(self) -> Any:
        if not self.raw_body.strip():
            return None
        return loads(self.raw_body)

    def flag(self, name: str) -> bool:
        value = next((v for k, v in self.request.query_params.items() if k.lower() == name.lower()), None)
        if value is None or value == "":
            return False
        if value.lower() not in ("true", "false"):
            raise invalid(name, "type", g.ERROR_TYPE)
        return value.lower() == "true"

    def id(self) -> str:
        raw = self.params["id"]
        try:
            return str(uuid.UUID(raw))
        except ValueError as exc:
            raise invalid(self.params.get("_id_name", "id"), "uuid", g.ERROR_FORMAT) from exc

    def record(self, table: str, what: str, *, status: int = 400) -> Record:
        rec = self.account.get(table, self.id())
        if rec is None:
            raise not_found(what, status=status)
        return rec


Handler = Callable[[Ctx], Response]


def ok(schema: str, record: Record, status: int = 200) -> Response:
    return ApiJSON(render(schema, record), status_code=status)


def listing(ctx: Ctx, schema: str, records: list[Record]) -> Response:
    return ApiJSON(page(schema, records, ctx.query, ctx.account.now()))


# -- handlers -----------------------------------------------------------------------------------------------


def _reader(table: str, schema: str, what: str, *, status: int = 400) -> tuple[Handler, Handler]:
    def list_(ctx: Ctx) -> Response:
        return listing(ctx, schema, list(ctx.account.table(table).values()))

    def get(ctx: Ctx) -> Response:
        return ok(schema, ctx.record(table, what, status=status))

    return list_, get


def _creator(table: str, schema: str, create: Callable[[Account, Any], Record]) -> Handler:
    def handler(ctx: Ctx) -> Response:
        return ok(schema, create(ctx.account, ctx.json()), 201)

    return handler


def _updater(table: str, schema: str, what: str, update: Callable[[Account, Record, Any], Record]) -> Handler:
    def handler(ctx: Ctx) -> Response:
        return ok(schema, update(ctx.account, ctx.record(table, what), ctx.json()))

    return handler


def _deleter(table: str, what: str, delete: Callable[[Account, Record], None], *, status: int = 400) -> Handler:
    def handler(ctx: Ctx) -> Response:
        delete(ctx.account, ctx.record(table, what, status=status))
        return Response(status_code=200)

    return handler


def company_settings(ctx: Ctx) -> Response:
    return ok("CompanySettingsApi", logic.settings_view(ctx.account))


def company_settings_put(ctx: Ctx) -> Response:
    return ok("CompanySettingsApi", logic.update_settings(ctx.account, ctx.json()))


def draft_convert(ctx: Ctx) -> Response:
    draft = ctx.record("drafts", "CustomerInvoiceDraft")
    invoice = logic.convert_draft(ctx.account, draft, ctx.json(), keep_query=ctx.flag("keepOriginalDraftDate"),
                                  override=ctx.flag("overrideCompanyKeepOriginalDraftDate"))
    return ok("CustomerInvoiceApi", logic.refresh_status(ctx.account, invoice), 201)


def invoice_list(ctx: Ctx) -> Response:
    a = ctx.account
    invoices = [logic.refresh_status(a, i) for i in a.table("invoices").values()]
    since_raw = next((v for k, v in ctx.request.query_params.items() if k.lower() == "modifiedsinceutc"), None)
    if since_raw:
        since = parse_datetime(since_raw)
        if since is None:
            raise invalid("modifiedSinceUtc", "date", g.ERROR_FORMAT)
        invoices = [i for i in invoices if i["ModifiedUtc"] >= since]
    return listing(ctx, "CustomerInvoiceApi", invoices)


def invoice_get(ctx: Ctx) -> Response:
    return ok("CustomerInvoiceApi", logic.refresh_status(ctx.account, ctx.record("invoices", "CustomerInvoice")))


def invoice_create(ctx: Ctx) -> Response:
    invoice = logic.create_invoice(ctx.account, ctx.json())
    return ok("CustomerInvoiceApi", logic.refresh_status(ctx.account, invoice), 201)


def invoice_email(ctx: Ctx) -> Response:
    logic.email_invoice(ctx.account, ctx.record("invoices", "CustomerInvoice"), ctx.json())
    return Response(status_code=200)


# -- the route table ----------------------------------------------------------------------------------------

GUID = r"(?P<id>[^/]+)"


@dataclass(frozen=True)
class ApiRoute:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    spec_path: str  # the key of SCOPES


def _routes() -> list[ApiRoute]:
    customers = _reader("customers", "CustomerApi", "Customer")
    articles = _reader("articles", "ArticleApi", "Article")
    labels = _reader("articlelabels", "ArticleLabelApi", "ArticleLabel")
    codings = _reader("articleaccountcodings", "ArticleAccountCodingApi", "ArticleAccountCoding")
    units = _reader("units", "UnitApi", "Unit", status=404)
    terms = _reader("termsofpayments", "TermsOfPaymentApi", "TermsOfPayment")
    vat = _reader("vatcodes", "VatCodeApi", "VatCode", status=404)
    years = _reader("fiscalyears", "FiscalYearApi", "FiscalYear", status=404)
    drafts = _reader("drafts", "CustomerInvoiceDraftApi", "CustomerInvoiceDraft")
    suppliers = _reader("suppliers", "SupplierApi", "Supplier")
    specs: list[tuple[str, str, Handler, str]] = [
        ("GET", "suppliers", suppliers[0], "/suppliers"),
        ("POST", "suppliers", _creator("suppliers", "SupplierApi", logic.create_supplier), "/suppliers"),
        ("GET", f"suppliers/{GUID}", suppliers[1], "/suppliers/{id}"),
        ("PUT", f"suppliers/{GUID}", _updater("suppliers", "SupplierApi", "Supplier", logic.update_supplier),
         "/suppliers/{id}"),
        ("GET", "customers", customers[0], "/customers"),
        ("POST", "customers", _creator("customers", "CustomerApi", logic.create_customer), "/customers"),
        ("GET", f"customers/{GUID}", customers[1], "/customers/{customerId}"),
        ("PUT", f"customers/{GUID}", _updater("customers", "CustomerApi", "Customer", logic.update_customer),
         "/customers/{customerId}"),
        ("DELETE", f"customers/{GUID}", _deleter("customers", "Customer", logic.delete_customer),
         "/customers/{customerId}"),
        ("GET", "articles", articles[0], "/articles"),
        ("POST", "articles", _creator("articles", "ArticleApi", logic.create_article), "/articles"),
        ("GET", f"articles/{GUID}", articles[1], "/articles/{articleId}"),
        ("PUT", f"articles/{GUID}", _updater("articles", "ArticleApi", "Article", logic.update_article),
         "/articles/{articleId}"),
        ("GET", "articlelabels", labels[0], "/articlelabels"),
        ("POST", "articlelabels", _creator("articlelabels", "ArticleLabelApi", logic.create_label), "/articlelabels"),
        ("GET", f"articlelabels/{GUID}", labels[1], "/articlelabels/{articlelabelid}"),
        ("PUT", f"articlelabels/{GUID}", _updater("articlelabels", "ArticleLabelApi", "ArticleLabel",
                                                  logic.update_label), "/articlelabels/{articleLabelId}"),
        ("DELETE", f"articlelabels/{GUID}", _deleter("articlelabels", "ArticleLabel", logic.delete_label, status=404),
         "/articlelabels/{articleLabelId}"),
        ("GET", "articleaccountcodings", codings[0], "/articleaccountcodings"),
        ("GET", f"articleaccountcodings/{GUID}", codings[1], "/articleaccountcodings/{articleAccountCodingId}"),
        ("GET", "units", units[0], "/units"),
        ("GET", f"units/{GUID}", units[1], "/units/{id}"),
        ("GET", "termsofpayments", terms[0], "/termsofpayments"),
        ("GET", f"termsofpayments/{GUID}", terms[1], "/termsofpayments/{id}"),
        ("GET", "vatcodes", vat[0], "/vatcodes"),
        ("GET", f"vatcodes/{GUID}", vat[1], "/vatcodes/{id}"),
        ("GET", "fiscalyears", years[0], "/fiscalyears"),
        ("POST", "fiscalyears", _creator("fiscalyears", "FiscalYearApi", logic.create_fiscal_year), "/fiscalyears"),
        ("GET", f"fiscalyears/{GUID}", years[1], "/fiscalyears/{id}"),
        ("GET", "companysettings", company_settings, "/companysettings"),
        ("PUT", "companysettings", company_settings_put, "/companysettings"),
        ("GET", "customerinvoicedrafts", drafts[0], "/customerinvoicedrafts"),
        ("POST", "customerinvoicedrafts", _creator("drafts", "CustomerInvoiceDraftApi", logic.create_draft),
         "/customerinvoicedrafts"),
        ("GET", f"customerinvoicedrafts/{GUID}", drafts[1], "/customerinvoicedrafts/{invoiceDraftId}"),
        ("PUT", f"customerinvoicedrafts/{GUID}", _updater("drafts", "CustomerInvoiceDraftApi", "CustomerInvoiceDraft",
                                                          logic.update_draft),
         "/customerinvoicedrafts/{customerInvoiceDraftId}"),
        ("DELETE", f"customerinvoicedrafts/{GUID}", _deleter("drafts", "CustomerInvoiceDraft", logic.delete_draft),
         "/customerinvoicedrafts/{customerInvoiceDraftId}"),
        ("POST", f"customerinvoicedrafts/{GUID}/convert", draft_convert,
         "/customerinvoicedrafts/{customerInvoiceDraftId}/convert"),
        ("GET", "customerinvoices", invoice_list, "/customerinvoices"),
        ("POST", "customerinvoices", invoice_create, "/customerinvoices"),
        ("GET", f"customerinvoices/{GUID}", invoice_get, "/customerinvoices/{invoiceId}"),
        ("POST", f"customerinvoices/{GUID}/email", invoice_email, "/customerinvoices/{invoiceId}/email"),
    ]
    return [ApiRoute(m, re.compile(p + "/?", re.IGNORECASE), h, s) for m, p, h, s in specs]


ROUTES = _routes()


def site_base(request: Request) -> str:
    """Where this app lives: scheme, host and the mount path (root_path), e.g. http://h/sandbox/eaccounting."""
    url = request.url
    return f"{url.scheme}://{url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def problem_response(p: ApiProblem) -> Response:
    if not p.body:
        return Response(status_code=p.status, headers=p.headers or None)
    return JSONResponse(error_body(p.code, p.message, p.errors), status_code=p.status, headers=p.headers or None)


async def api(request: Request) -> Response:
    sandbox: Sandbox = request.app.state.sandbox
    path = request.path_params["path"].strip("/")
    raw_body = await request.body()
    grant, refused = sandbox.identity.bearer(request)
    account = grant.account if grant is not None else None

    def fault_error(status: int, message: str, headers: dict[str, str]) -> Response:
        if status == 429 and account is not None:
            seconds = headers.get("Retry-After", "60")
            text = msg("rate_limited", limit=account.rate.limit, period=account.rate.period_text(), seconds=seconds)
            hdrs = {"Retry-After": seconds} if account.rate.retry_after_header else {}
            return JSONResponse(error_body(g.CODE_RATE_LIMIT, text), status_code=429, headers=hdrs or None)
        return JSONResponse(error_body(g.CODE_INTERNAL, message), status_code=status)

    async def run() -> Response:
        try:
            if refused is not None or account is None or grant is None:
                if account is not None:
                    account.stats["unauthorized"] += 1
                raise ApiProblem(401, None, "", headers={"WWW-Authenticate": refused or g.WWW_AUTHENTICATE_MISSING},
                                 body=False)
            wait = account.rate.consume(path.lower())
            if wait is not None:
                text = msg("rate_limited", limit=account.rate.limit, period=account.rate.period_text(), seconds=wait)
                raise ApiProblem(429, g.CODE_RATE_LIMIT, text,
                                 headers={"Retry-After": str(wait)} if account.rate.retry_after_header else None)
            match: tuple[ApiRoute, dict[str, str]] | None = None
            allowed: list[str] = []
            for route in ROUTES:
                m = route.pattern.fullmatch(path)
                if m is None:
                    continue
                allowed.append(route.method)
                if route.method == request.method:
                    match = (route, m.groupdict())
                    break
            if match is None:
                if allowed:
                    raise ApiProblem(405, None, "", headers={"Allow": ", ".join(sorted(set(allowed)))},
                                     body=g.ROUTING_ERRORS_HAVE_BODY)
                raise ApiProblem(404, None, "", body=g.ROUTING_ERRORS_HAVE_BODY)
            route, params = match
            needed = SCOPES.get((route.method, route.spec_path), ())
            if "ea:api" not in grant.scopes or (needed and not set(needed) & grant.scopes):
                raise ApiProblem(403, g.CODE_FORBIDDEN, g.MISSING_SCOPE_MESSAGE.format(scopes=", ".join(needed)),
                                 errors=[])
            id_name = re.search(r"\{(\w+)\}", route.spec_path)
            if id_name:
                params["_id_name"] = id_name.group(1)
            return route.handler(Ctx(request, account, params, raw_body))
        except ApiProblem as p:
            return problem_response(p)

    return await with_faults(account.faults if account else None, run, fault_error)


# -- control API --------------------------------------------------------------------------------------------


def _account(request: Request) -> Account | None:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox.accounts.get(request.path_params["account_id"])


_control_update = control_update(_account)


ACCOUNT_OPTIONS = {"seed", "fiscalYear", "redirectUri", "scopes", "refreshTokens", "unknownProperties",
                   "wholeKroneRounding"}


async def control_create_account(request: Request) -> Response:
    try:
        body = await control_body(request)
        unknown = set(body) - ACCOUNT_OPTIONS
        if unknown:
            raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))}")
        seed = body.get("seed") or "empty"
        refresh_mode = body.get("refreshTokens") or g.DEFAULT_REFRESH_TOKEN_MODE
        unknown_properties = body.get("unknownProperties") or g.DEFAULT_UNKNOWN_PROPERTIES
        scopes = tuple(body.get("scopes") or g.DEFAULT_CLIENT_SCOPES)
        if seed not in ("demo", "empty") or refresh_mode not in ("rotating", "reusable") or \
                unknown_properties not in ("ignore", "reject"):
            raise ValueError("seed must be demo|empty, refreshTokens rotating|reusable, "
                             "unknownProperties ignore|reject")
        if not set(scopes) <= g.KNOWN_SCOPES:
            raise ValueError(f"unknown scope(s): {', '.join(sorted(set(scopes) - g.KNOWN_SCOPES))}")
    except (ValueError, TypeError) as exc:
        return control_error(400, str(exc))
    base = site_base(request)
    sandbox: Sandbox = request.app.state.sandbox
    account = sandbox.create_account(
        seed=seed, fiscal_year=body.get("fiscalYear", True) is not False,
        redirect_uri=str(body.get("redirectUri") or f"{base}/_control/callback"), scopes=scopes,
        refresh_mode=refresh_mode, unknown_properties=unknown_properties,
        rounding=bool(body.get("wholeKroneRounding")))
    return JSONResponse({
        "accountId": account.id, "clientId": account.client.client_id, "clientSecret": account.client.client_secret,
        "redirectUri": account.client.redirect_uri, "scopes": list(account.client.scopes),
        "apiBaseUrl": f"{base}/v2", "tokenUrl": f"{base}/identity/connect/token",
        "authorizeUrl": f"{base}/identity/connect/authorize",
    }, status_code=201)


async def control_authorize(request: Request) -> Response:
    """The browser step without a browser: a code for the given scopes, as if the user had consented."""
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    try:
        body = await control_body(request)
        requested = body.get("scopes", list(account.client.scopes))
        if not isinstance(requested, list):
            raise ValueError("scopes must be a list")
    except (ValueError, TypeError) as exc:
        return control_error(400, str(exc))
    sandbox: Sandbox = request.app.state.sandbox
    scopes = sandbox.identity.check_scopes(account, [str(s) for s in requested])
    if scopes is None:
        return control_error(400, "invalid_scope: scopes must be registered for the client")
    code = sandbox.identity.issue_code(account, account.client.redirect_uri, scopes)
    return JSONResponse({"code": code, "redirectUri": account.client.redirect_uri, "scopes": sorted(scopes)})


async def control_callback(request: Request) -> Response:
    """The default redirect_uri: shows what the identity server sent (for people trying the flow by hand)."""
    return JSONResponse(dict(request.query_params))


def _state(request: Request, account: Account) -> dict[str, Any]:
    sandbox: Sandbox = request.app.state.sandbox

    def rows(table: str, schema: str) -> list[dict[str, Any]]:
        return [r for r in (render(schema, x) for x in account.table(table).values()) if r is not None]

    invoices = []
    for inv in account.table("invoices").values():
        view = render("CustomerInvoiceApi", logic.refresh_status(account, inv)) or {}
        meta = account.invoice_meta.get(inv["Id"], {})
        view["emailed"] = int(meta.get("emails") or 0) > 0
        view["emailCount"] = int(meta.get("emails") or 0)
        view["createdVia"] = meta.get("createdVia")
        view["status"] = {0: "paid", 1: "unpaid", 2: "overdue"}.get(int(inv["PaymentStatus"]), "unknown")
        invoices.append(view)
    emails = [{**m, "sentUtc": utc_text(m["sentUtc"])} for m in account.emails]
    return {
        "accountId": account.id, "clientId": account.client.client_id, "now": utc_text(account.now()),
        "today": account.today().isoformat(), "refreshTokens": account.client.refresh_mode,
        "unknownProperties": account.unknown_properties,
        "fiscalYears": [{"start": str(as_date(f["StartDate"])), "end": str(as_date(f["EndDate"]))}
                        for f in account.table("fiscalyears").values()],
        "rateLimit": {"limit": account.rate.limit, "periodSeconds": account.rate.period,
                      "retryAfterHeader": account.rate.retry_after_header},
        "tokens": sandbox.identity.counts(account),
        "counts": {"customers": len(account.table("customers")), "suppliers": len(account.table("suppliers")),
                   "articles": len(account.table("articles")),
                   "articleLabels": len(account.table("articlelabels")), "drafts": len(account.table("drafts")),
                   "invoices": len(account.table("invoices")), "emails": len(account.emails)},
        "customers": rows("customers", "CustomerApi"), "suppliers": rows("suppliers", "SupplierApi"),
        "articles": rows("articles", "ArticleApi"),
        "articleLabels": rows("articlelabels", "ArticleLabelApi"),
        "drafts": rows("drafts", "CustomerInvoiceDraftApi"), "invoices": invoices, "emails": emails,
        "ignoredProperties": list(account.ignored_properties),
    }


async def control_state(request: Request) -> Response:
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    return ApiJSON(_state(request, account))


async def control_faults(request: Request) -> Response:
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    if request.method == "DELETE":
        account.faults = None
        return Response(status_code=204)
    if request.method == "POST":
        try:
            account.faults = Faults.from_json(await control_body(request))
        except (ValueError, TypeError) as exc:
            return control_error(400, str(exc))
    return JSONResponse((account.faults or Faults()).as_json())


@_control_update
def control_rate_limit(account: Account, body: dict[str, Any]) -> Response:
    unknown = set(body) - {"limit", "periodSeconds", "retryAfterHeader"}
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    limit = int(body.get("limit", account.rate.limit))
    period = float(body.get("periodSeconds", account.rate.period))
    if limit < 0 or period <= 0:
        raise ValueError("limit must be >= 0 and periodSeconds > 0")
    account.rate = RateLimit(limit=limit, period=period,
                             retry_after_header=bool(body.get("retryAfterHeader", account.rate.retry_after_header)))
    return JSONResponse({"limit": limit, "periodSeconds": period, "retryAfterHeader": account.rate.retry_after_header})


@_control_update
def control_clock(account: Account, body: dict[str, Any]) -> Response:
    """``{"now": iso}`` moves the company's clock to that instant (it keeps running); ``{"advanceSeconds": n}``
    moves it forward; ``{}`` resets it. Token and code expiry, "today" and fiscal-year checks follow it."""
    if set(body) - {"now", "advanceSeconds"}:
        raise ValueError("body takes now or advanceSeconds")
    if body.get("now"):
        target = parse_datetime(str(body["now"]))
        if target is None:
            raise ValueError("now must be an ISO date-time")
        account.clock_offset = 0.0
        account.clock_offset = (target - account.now()).total_seconds()
    elif body.get("advanceSeconds") is not None:
        account.clock_offset += float(body["advanceSeconds"])
    else:
        account.clock_offset = 0.0
    return JSONResponse({"now": utc_text(account.now()), "today": account.today().isoformat()})


async def control_expire_tokens(request: Request) -> Response:
    """Every access token of the company expires now (refresh tokens keep working)."""
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    sandbox: Sandbox = request.app.state.sandbox
    return JSONResponse({"expired": sandbox.identity.expire_access_tokens(account)})


async def control_revoke_tokens(request: Request) -> Response:
    """Every token of the company stops working, refresh tokens too (as after a password change)."""
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    sandbox: Sandbox = request.app.state.sandbox
    sandbox.identity.revoke_all(account)
    return Response(status_code=204)


@_control_update
def control_fiscal_year(account: Account, body: dict[str, Any]) -> Response:
    """``{"present": false}`` removes every fiscal year; ``{"present": true, "year"?: n}`` makes sure the calendar
    year (default: the company's current year) is one."""
    if not isinstance(body.get("present"), bool) or set(body) - {"present", "year"}:
        raise ValueError('body must be {"present": true|false, "year"?: 2025}')
    year = int(body.get("year") or account.today().year)
    if body["present"]:
        logic.ensure_fiscal_year(account, year)
    else:
        account.table("fiscalyears").clear()
    return JSONResponse({"fiscalYears": [{"start": str(as_date(f["StartDate"])), "end": str(as_date(f["EndDate"]))}
                                         for f in account.table("fiscalyears").values()]})


@_control_update
def control_locked_period(account: Account, body: dict[str, Any]) -> Response:
    """``{"until": "2026-11-30"}`` locks every period up to and including that day (vouchers dated then are refused
    with 4026); ``{"until": null}`` opens them again."""
    account.locked_until = locked_period_until(body)
    return JSONResponse({"lockedUntil": str(account.locked_until) if account.locked_until else None})


async def control_email_delivery(request: Request) -> Response:
    """``{"fail": true}``: e-mails are accepted but not delivered (the invoice's IsNotDelivered turns true)."""
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    try:
        body = await control_body(request)
        if not isinstance(body.get("fail"), bool) or set(body) - {"fail"}:
            raise ValueError('body must be {"fail": true|false}')
    except (ValueError, TypeError) as exc:
        return control_error(400, str(exc))
    account.email_delivery_fails = body["fail"]
    return JSONResponse({"fail": account.email_delivery_fails})


def create_app() -> Starlette:
    prefix = "/_control/accounts/{account_id}"
    sandbox = Sandbox()
    app = Starlette(routes=[
        Route("/identity/connect/authorize", sandbox.identity.authorize, methods=["GET"]),
        Route("/identity/connect/token", sandbox.identity.token, methods=["POST"]),
        Route("/identity/connect/revocation", sandbox.identity.revoke, methods=["POST"]),
        Route("/_control/accounts", control_create_account, methods=["POST"]),
        Route("/_control/callback", control_callback, methods=["GET"]),
        Route(f"{prefix}/authorize", control_authorize, methods=["POST"]),
        Route(f"{prefix}/state", control_state, methods=["GET"]),
        Route(f"{prefix}/faults", control_faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{prefix}/rate-limit", control_rate_limit, methods=["POST"]),
        Route(f"{prefix}/clock", control_clock, methods=["POST"]),
        Route(f"{prefix}/tokens/expire", control_expire_tokens, methods=["POST"]),
        Route(f"{prefix}/tokens", control_revoke_tokens, methods=["DELETE"]),
        Route(f"{prefix}/fiscal-year", control_fiscal_year, methods=["POST"]),
        Route(f"{prefix}/email-delivery", control_email_delivery, methods=["POST"]),
        Route(f"{prefix}/locked-period", control_locked_period, methods=["POST"]),
        Route("/v2/{path:path}", api, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    ])
    app.state.sandbox = sandbox
    return app

