"""The Tripletex API v2 stand-in as a Starlette app: ``/v2/...`` (the API) and ``/_control/...`` (tests, demo).

Every ``/v2`` request goes through one entry point: it finds the account (from the session token, or from
the consumer/employee token on ``:create``), runs the request under that account's injected faults and
rate limit, and answers with Tripletex's envelopes and ApiError bodies, ``x-tlx-request-id`` and the
``X-Rate-Limit-*`` headers.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.sandbox.common import Faults, control_body, control_error, control_update, locked_period_until, with_faults
from backend.sandbox.tripletex import guesses as g
from backend.sandbox.tripletex import logic
from backend.sandbox.tripletex.dtos import DTOS
from backend.sandbox.tripletex.model import (
    Account,
    ApiProblem,
    Problem,
    RateLimit,
    Record,
    Renderer,
    check_fields,
    error_body,
    invalid,
    not_found,
    param_invalid,
    param_required,
    parse_date,
    parse_fields,
    validation,
    version_digest,
)
from backend.sandbox.tripletex.seed import BANK_ACCOUNT_NUMBER, seed_demo, seed_reference, seed_scale

# -- state ------------------------------------------------------------------------------------------------


class Sandbox:
    """All accounts of one sandbox app."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.by_tokens: dict[tuple[str, str], Account] = {}
        self.by_session: dict[str, Account] = {}
        self._company_ids = itertools.count(108_001)

    def create_account(self, *, seed: str, bank_account: bool, language: str, prices_including_vat: bool,
                       logistics_basic: bool = g.LOGISTICS_BASIC_DEFAULT,
                       vat_registration: str = g.VAT_REGISTRATION_DEFAULT,
                       scale: dict[str, int] | None = None, max_result_set: int = g.MAX_RESULT_SET) -> Account:
        account = Account(
            id=f"tx-{secrets.token_hex(6)}", company_id=next(self._company_ids),
            consumer_token=f"test-{uuid.uuid4()}", employee_token=f"test-{uuid.uuid4()}", language=language,
            prices_including_vat=prices_including_vat, logistics_basic=logistics_basic)
        seed_reference(account, bank_account=bank_account, vat_registration=vat_registration)
        account.max_result_set = max_result_set
        if seed == "demo":
            seed_demo(account)
        elif seed == "scale":
            seed_scale(account, **(scale or {}))
        self.accounts[account.id] = account
        self.by_tokens[(account.consumer_token, account.employee_token)] = account
        return account


# -- request context --------------------------------------------------------------------------------------


@dataclass
class Ctx:
    request: Request
    account: Account
    params: dict[str, str]
    raw_body: bytes
    view: Renderer

    def json(self) -> Any:
        if not self.raw_body.strip():
            return None
        try:
            return json.loads(self.raw_body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiProblem(422, g.CODE_INVALID_JSON, "invalid_json") from exc

    def body(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise validation([Problem("wrong_type")], g.CODE_MAPPING)
        return data

    def q(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value if value not in (None, "") else None

    def q_list(self, name: str) -> list[str] | None:
        value = self.q(name)
        return [v.strip() for v in value.split(",") if v.strip()] if value is not None else None

    def q_ints(self, name: str) -> list[int] | None:
        values = self.q_list(name)
        try:
            return [int(v) for v in values] if values is not None else None
        except ValueError as exc:
            raise param_invalid(name) from exc

    def q_bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.q(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise param_invalid(name)
        return value.lower() == "true"

    def q_int(self, name: str, default: int | None = None, *, required: bool = False) -> int | None:
        value = self.q(name)
        if value is None:
            if required:
                raise param_required(name)
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise param_invalid(name) from exc

    def q_num(self, name: str, *, required: bool = False) -> float | None:
        value = self.q(name)
        if value is None:
            if required:
                raise param_required(name)
            return None
        try:
            return float(value)
        except ValueError as exc:
            raise param_invalid(name) from exc

    def q_date(self, name: str, *, required: bool = False) -> date | None:
        value = self.q(name)
        if value is None:
            if required:
                raise param_required(name)
            return None
        parsed = parse_date(value)
        if parsed is None or len(value) != 10:
            raise param_invalid(name)
        return parsed

    def id(self) -> int:
        raw = self.params["id"]
        try:
            return int(raw)
        except ValueError as exc:
            raise ApiProblem(400, g.CODE_PATH_PARAM, "path_param", args={"value": raw}) from exc

    def record(self, dto: str) -> Record:
        rec = self.account.get(dto, self.id())
        if rec is None:
            raise not_found()
        return rec

    def fields(self, dto: str) -> dict[str, Any]:
        sel = parse_fields(self.q("fields"))
        check_fields(dto, sel)
        return sel

    # -- envelopes --
    def value(self, dto: str, record: Record, status: int = 200) -> JSONResponse:
        return JSONResponse({"value": self.view.render(dto, record, self.fields(dto))}, status_code=status)

    def values(self, dto: str, records: Iterable[Record]) -> JSONResponse:
        sel = self.fields(dto)
        matches = sorted(records, key=lambda r: int(r.get("id") or 0))
        if len(matches) > self.account.max_result_set:
            raise ApiProblem(422, g.CODE_RESULT_TOO_LARGE, "result_too_large")
        matches = self._sorted(dto, matches)
        start = max(0, self.q_int("from", 0) or 0)
        count = self.q_int("count", 1000)
        count = 1000 if count is None else max(0, count)
        page = matches[start:start + count]
        return JSONResponse({
            "fullResultSize": len(matches), "from": start, "count": len(page),
            "versionDigest": version_digest(matches),
            "values": [self.view.render(dto, r, sel) for r in page],
        })

    def _sorted(self, dto: str, records: list[Record]) -> list[Record]:
        sorting = self.q_list("sorting")
        for key in reversed(sorting or []):
            desc = key.startswith("-")
            name = key.lstrip("-").strip()
            head, _, rest = name.partition(".")
            prop = DTOS[dto].get(head)
            if prop is None:
                raise ApiProblem(422, g.CODE_SORTING, "sorting", args={"name": name})

            def sort_key(r: Record, head: str = head, rest: str = rest, target: str | None = prop[1]) -> Any:
                value = r.get(head)
                if rest and target is not None:
                    nested = self.account.get(target, value) if value is not None else None
                    value = nested.get(rest) if nested else None
                if value is None:
                    return (2, 0.0, "")
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    return (0, float(value), "")
                return (1, 0.0, str(value).lower())

            records = sorted(records, key=sort_key, reverse=desc)
        return records


Handler = Callable[[Ctx], Response]

# -- filters ----------------------------------------------------------------------------------------------

Filter = tuple[str, str, str]  # (query parameter, operation, property)


def apply_filters(ctx: Ctx, records: Iterable[Record], filters: list[Filter],
                  defaults: dict[str, bool] | None = None) -> list[Record]:
    out = list(records)
    for param, op, prop in filters:
        if op == "ids":
            ids = ctx.q_ints(param)
            if ids is not None:
                out = [r for r in out if r.get(prop) is not None and int(r[prop]) in ids]
        elif op == "eq":
            value = ctx.q(param)
            if value is not None:
                out = [r for r in out if str(r.get(prop) if r.get(prop) is not None else "") == value]
        elif op == "ieq":
            value = ctx.q(param)
            if value is not None:
                out = [r for r in out if str(r.get(prop) or "").lower() == value.lower()]
        elif op == "in":
            values = ctx.q_list(param)
            if values is not None:
                out = [r for r in out if str(r.get(prop) if r.get(prop) is not None else "") in values]
        elif op == "like":
            value = ctx.q(param)
            if value is not None:
                out = [r for r in out if value.lower() in str(r.get(prop) or "").lower()]
        elif op == "bool":
            flag = ctx.q_bool(param, (defaults or {}).get(param))
            if flag is not None:
                out = [r for r in out if bool(r.get(prop)) == flag]
        elif op == "multi":
            values = [v for v in ctx.request.query_params.getlist(param) if v != ""]
            if values:
                out = [r for r in out if str(r.get(prop) or "") in values]
        elif op == "since":
            value = ctx.q(param)
            if value is not None:
                out = [r for r in out if str(r.get("_changed") or "") >= value]
        elif op in ("min", "below"):  # the spec's "...From" (from and including) and "...To" (to and excluding)
            bound = ctx.q_num(param)
            if bound is not None:
                out = [r for r in out if r.get(prop) is not None
                       and (float(r[prop]) >= bound if op == "min" else float(r[prop]) < bound)]
    return out


def read_only(dto: str, filters: list[Filter], defaults: dict[str, bool] | None = None,
              where: Callable[[Record], bool] | None = None) -> tuple[Handler, Handler]:
    def list_(ctx: Ctx) -> Response:
        records: Iterable[Record] = ctx.account.table(dto).values()
        if where is not None:
            records = [r for r in records if where(r)]
        return ctx.values(dto, apply_filters(ctx, records, filters, defaults))

    def get(ctx: Ctx) -> Response:
        return ctx.value(dto, ctx.record(dto))

    return list_, get


# -- handlers: sessions ------------------------------------------------------------------------------------


def _create_session(ctx: Ctx, expiration_raw: Any, status: int) -> Response:
    a = ctx.account
    expiration = parse_date(expiration_raw) if expiration_raw not in (None, "") else None
    if expiration_raw in (None, ""):
        raise invalid("not_null", "expirationDate")
    if expiration is None:
        raise validation([Problem("wrong_type", "expirationDate", "expirationDate")], g.CODE_MAPPING)
    if expiration <= a.today():
        raise invalid("expiration_in_past", "expirationDate")
    token = base64.b64encode(json.dumps(
        {"tokenId": a.employee_token_id, "token": f"test-{uuid.uuid4()}"}).encode()).decode()
    a.sessions[token] = expiration
    a.sessions_created += 1
    sandbox: Sandbox = ctx.request.app.state.sandbox
    sandbox.by_session[token] = a
    rec = a.add("SessionToken", {"consumerToken": a.consumer_token_id, "employeeToken": a.employee_token_id,
                                 "expirationDate": expiration.isoformat(), "token": token})
    return ctx.value("SessionToken", rec, status)


def session_create_put(ctx: Ctx) -> Response:
    for name in ("consumerToken", "employeeToken", "expirationDate"):
        if ctx.q(name) is None:
            raise param_required(name)
    return _create_session(ctx, ctx.q("expirationDate"), 200)


def session_create_post(ctx: Ctx) -> Response:
    body = logic.check_mapping("PostSessionTokenBody", ctx.body())
    return _create_session(ctx, body.get("expirationDate"), 201)


def who_am_i(ctx: Ctx) -> Response:
    a = ctx.account
    info = {"employeeId": a.employee_id, "actualEmployeeId": a.employee_id, "employee": a.employee_id,
            "companyId": a.company_id, "company": a.company_id, "language": a.language.upper(),
            "loggedInWithConnect": False, "employeeIsProxy": False}
    return ctx.value("LoggedInUserInfo", info)


def session_delete(ctx: Ctx) -> Response:
    token = ctx.params["token"]
    if ctx.account.sessions.pop(token, None) is None:
        raise not_found()
    ctx.request.app.state.sandbox.by_session.pop(token, None)
    return Response(status_code=204)


# -- handlers: customers, suppliers, products ---------------------------------------------------------------

CUSTOMER_FILTERS: list[Filter] = [
    ("id", "ids", "id"), ("customerAccountNumber", "in", "customerNumber"),
    ("organizationNumber", "eq", "organizationNumber"), ("email", "ieq", "email"),
    ("invoiceEmail", "ieq", "invoiceEmail"), ("customerName", "like", "name"),
    ("phoneNumberMobile", "eq", "phoneNumberMobile"), ("isInactive", "bool", "isInactive"),
    ("accountManagerId", "ids", "accountManager"), ("changedSince", "since", "_changed"),
]
SUPPLIER_FILTERS: list[Filter] = [
    ("id", "ids", "id"), ("supplierNumber", "in", "supplierNumber"),
    ("organizationNumber", "eq", "organizationNumber"), ("email", "ieq", "email"),
    ("invoiceEmail", "ieq", "invoiceEmail"), ("isInactive", "bool", "isInactive"),
    ("accountManagerId", "ids", "accountManager"), ("changedSince", "since", "_changed"),
]
PRODUCT_FILTERS: list[Filter] = [
    ("ids", "ids", "id"), ("id", "ids", "id"), ("number", "in", "number"), ("productNumber", "multi", "number"),
    ("name", "like", "name"), ("ean", "eq", "ean"), ("isInactive", "bool", "isInactive"),
    ("isStockItem", "bool", "isStockItem"), ("vatTypeId", "ids", "vatType"), ("productUnitId", "ids", "productUnit"),
    ("currencyId", "ids", "currency"), ("departmentId", "ids", "department"), ("supplierId", "ids", "supplier"),
    ("priceExcludingVatCurrencyFrom", "min", "priceExcludingVatCurrency"),
    ("priceExcludingVatCurrencyTo", "below", "priceExcludingVatCurrency"),
    ("costExcludingVatCurrencyFrom", "min", "costExcludingVatCurrency"),
    ("costExcludingVatCurrencyTo", "below", "costExcludingVatCurrency"),
]
INACTIVE_HIDDEN = {"isInactive": False}


def customer_list(ctx: Ctx) -> Response:
    return ctx.values("Customer", apply_filters(ctx, ctx.account.table("Customer").values(), CUSTOMER_FILTERS,
                                                INACTIVE_HIDDEN))


def supplier_list(ctx: Ctx) -> Response:
    return ctx.values("Supplier", apply_filters(ctx, ctx.account.table("Supplier").values(), SUPPLIER_FILTERS,
                                                INACTIVE_HIDDEN))


def product_list(ctx: Ctx) -> Response:
    return ctx.values("Product", apply_filters(ctx, ctx.account.table("Product").values(), PRODUCT_FILTERS))


def _writer(dto: str, create: Callable[[Account, dict[str, Any]], Record]) -> Handler:
    def handler(ctx: Ctx) -> Response:
        with ctx.account.transaction():
            rec = create(ctx.account, ctx.body())
        return ctx.value(dto, rec, 201)

    return handler


def _updater(dto: str, update: Callable[[Account, Record, dict[str, Any]], Record]) -> Handler:
    def handler(ctx: Ctx) -> Response:
        rec = ctx.record(dto)
        with ctx.account.transaction():
            rec = update(ctx.account, rec, ctx.body())
        return ctx.value(dto, rec)

    return handler


def _deleter(dto: str, delete: Callable[[Account, Record], None]) -> Handler:
    def handler(ctx: Ctx) -> Response:
        rec = ctx.record(dto)
        with ctx.account.transaction():
            delete(ctx.account, rec)
        return Response(status_code=204)

    return handler


def _get(dto: str) -> Handler:
    def handler(ctx: Ctx) -> Response:
        return ctx.value(dto, ctx.record(dto))

    return handler


# -- handlers: orders, order lines, invoices ----------------------------------------------------------------


def _date_window(ctx: Ctx, prop: str, start: str, end: str, records: Iterable[Record]) -> list[Record]:
    date_from = ctx.q_date(start, required=True)
    date_to = ctx.q_date(end, required=True)
    assert date_from is not None and date_to is not None
    out = []
    for r in records:
        d = parse_date(r.get(prop))
        if d is not None and date_from <= d < date_to:
            out.append(r)
    return out


def order_list(ctx: Ctx) -> Response:
    records = _date_window(ctx, "orderDate", "orderDateFrom", "orderDateTo", ctx.account.table("Order").values())
    records = apply_filters(ctx, records, [
        ("id", "ids", "id"), ("number", "eq", "number"), ("customerId", "ids", "customer"),
        ("deliveryComment", "like", "deliveryComment"), ("isClosed", "bool", "isClosed"),
        ("isSubscription", "bool", "isSubscription")])
    return ctx.values("Order", records)


def order_create(ctx: Ctx) -> Response:
    with ctx.account.transaction():
        body = logic.check_mapping("Order", ctx.body())
        order = logic.create_order(ctx.account, body)
    return ctx.value("Order", order, 201)


def order_update(ctx: Ctx) -> Response:
    order = ctx.record("Order")
    update_lines = bool(ctx.q_bool("updateLinesAndGroups", False))
    with ctx.account.transaction():
        logic.update_order(ctx.account, order, ctx.body(), update_lines=update_lines)
    return ctx.value("Order", order)


def order_invoice(ctx: Ctx) -> Response:
    order = ctx.record("Order")
    invoice_date = ctx.q_date("invoiceDate", required=True)
    assert invoice_date is not None
    send = bool(ctx.q_bool("sendToCustomer", True))
    send_type = ctx.q("sendType")
    prepayment = logic.check_prepayment(ctx.q_int("paymentTypeId"), ctx.q_num("paidAmount"))
    with ctx.account.transaction():
        invoice = logic.invoice_order(ctx.account, order, invoice_date=invoice_date, due_date=None, send=send,
                                      send_type=send_type, prepayment=prepayment, via="PUT /order/{id}/:invoice")
    return ctx.value("Invoice", invoice)


def order_line_create(ctx: Ctx) -> Response:
    with ctx.account.transaction():
        line = logic.create_order_line(ctx.account, ctx.body())
    return ctx.value("OrderLine", line, 201)


def order_line_create_list(ctx: Ctx) -> Response:
    data = ctx.json()
    if not isinstance(data, list):
        raise validation([Problem("wrong_type")], g.CODE_MAPPING)
    with ctx.account.transaction():
        lines = [logic.create_order_line(ctx.account, item, path_prefix=f"[{i}].") for i, item in enumerate(data)]
    response = ctx.values("OrderLine", lines)
    response.status_code = 201
    return response


def invoice_list(ctx: Ctx) -> Response:
    records = _date_window(ctx, "invoiceDate", "invoiceDateFrom", "invoiceDateTo",
                           ctx.account.table("Invoice").values())
    records = apply_filters(ctx, records, [
        ("id", "ids", "id"), ("invoiceNumber", "in", "invoiceNumber"), ("kid", "eq", "kid"),
        ("voucherId", "ids", "voucher"), ("customerId", "ids", "customer")])
    return ctx.values("Invoice", records)


def invoice_create(ctx: Ctx) -> Response:
    send = bool(ctx.q_bool("sendToCustomer", True))
    prepayment = (ctx.q_int("paymentTypeId"), ctx.q_num("paidAmount"))
    with ctx.account.transaction():
        invoice = logic.create_invoice(ctx.account, ctx.body(), send=send, prepayment_query=prepayment)
    return ctx.value("Invoice", invoice, 201)


def invoice_payment(ctx: Ctx) -> Response:
    invoice = ctx.record("Invoice")
    payment_date = ctx.q_date("paymentDate", required=True)
    type_id = ctx.q_int("paymentTypeId", required=True)
    paid = ctx.q_num("paidAmount", required=True)
    assert payment_date is not None and type_id is not None and paid is not None
    with ctx.account.transaction():
        logic.register_payment(ctx.account, invoice, payment_date=payment_date, payment_type_id=type_id,
                               paid_amount=paid, paid_amount_currency=ctx.q_num("paidAmountCurrency"))
    return ctx.value("Invoice", invoice)


SEND_TYPES = ("EMAIL", "EHF", "AVTALEGIRO", "EFAKTURA", "VIPPS", "PAPER", "MANUAL")  # the spec's enum of sendType


def invoice_send(ctx: Ctx) -> Response:
    """``PUT /invoice/{id}/:send?sendType=``: send a charged invoice (again) to the customer. [GUESS] 200 with an
    empty body (the spec gives no schema); the sandbox records the send (control state: sentToCustomer, sendCount)."""
    invoice = ctx.record("Invoice")
    send_type = ctx.q("sendType")
    if send_type is None:
        raise param_required("sendType")
    if send_type not in SEND_TYPES:
        raise param_invalid("sendType")
    meta = ctx.account.invoice_meta.setdefault(int(invoice["id"]), {})
    meta.update(sentToCustomer=True, sendType=send_type, sends=int(meta.get("sends") or 0) + 1)
    return Response(status_code=200)


# -- handlers: purchase orders (Logistics Basic) -------------------------------------------------------------


def _logistics(handler: Handler) -> Handler:
    """Every /purchaseOrder operation is "Only available for Logistics Basic" (403 without the module)."""

    def gated(ctx: Ctx) -> Response:
        if not ctx.account.logistics_basic:
            raise ApiProblem(403, g.CODE_PERMISSION, "module_missing")
        return handler(ctx)

    return gated


def _inclusive_window(ctx: Ctx, prop: str, start: str, end: str, records: Iterable[Record]) -> list[Record]:
    """Optional ``xFrom``/``xTo`` date filters, both ends inclusive (the /purchaseOrder parameters say so)."""
    date_from, date_to = ctx.q_date(start), ctx.q_date(end)
    if date_from is None and date_to is None:
        return list(records)
    out = []
    for r in records:
        d = parse_date(r.get(prop))
        if d is not None and (date_from is None or d >= date_from) and (date_to is None or d <= date_to):
            out.append(r)
    return out


PURCHASE_ORDER_FILTERS: list[Filter] = [
    ("id", "ids", "id"), ("number", "eq", "number"), ("supplierId", "ids", "supplier"),
    ("projectId", "ids", "project"), ("isClosed", "bool", "isClosed"),
]


def purchase_order_list(ctx: Ctx) -> Response:
    records: list[Record] = list(ctx.account.table("PurchaseOrder").values())
    records = _inclusive_window(ctx, "deliveryDate", "deliveryDateFrom", "deliveryDateTo", records)
    records = _inclusive_window(ctx, "creationDate", "creationDateFrom", "creationDateTo", records)
    if ctx.q_bool("withDeviationOnly", False):
        records = []  # deviations come from goods receipts, which the sandbox does not have
    return ctx.values("PurchaseOrder", apply_filters(ctx, records, PURCHASE_ORDER_FILTERS))


def purchase_order_line_create(ctx: Ctx) -> Response:
    with ctx.account.transaction():
        line = logic.create_purchase_order_line(ctx.account, ctx.body())
    return ctx.value("PurchaseOrderline", line, 201)


def purchase_order_line_create_list(ctx: Ctx) -> Response:
    data = ctx.json()
    if not isinstance(data, list):
        raise validation([Problem("wrong_type")], g.CODE_MAPPING)
    with ctx.account.transaction():
        lines = [logic.create_purchase_order_line(ctx.account, item, path_prefix=f"[{i}].")
                 for i, item in enumerate(data)]
    response = ctx.values("PurchaseOrderline", lines)
    response.status_code = 201
    return response


# -- handlers: ledger and reference data --------------------------------------------------------------------


TYPES_OF_VAT = ("OUTGOING", "INCOMING", "INCOMING_INVOICE", "PROJECT", "LEDGER")  # the typeOfVat parameter's enum


def vat_type_list(ctx: Ctx) -> Response:
    """With ``typeOfVat`` only the company's active codes of that kind (as real companies answer)."""
    records: list[Record] = list(ctx.account.table("VatType").values())
    type_of_vat = ctx.q("typeOfVat")
    if type_of_vat is not None:
        if type_of_vat not in TYPES_OF_VAT:
            raise param_invalid("typeOfVat")
        wanted = {"OUTGOING": ("OUTGOING", "BOTH"), "INCOMING": ("INCOMING", "BOTH")}.get(type_of_vat, ("BOTH",))
        records = [r for r in records if r.get("_active") and r.get("_type") in wanted]
    return ctx.values("VatType", apply_filters(ctx, records, [("id", "ids", "id"), ("number", "in", "number")]))


def _valid_bank_account_number(number: str) -> bool:
    digits = re.sub(r"[ .]", "", number)
    if not re.fullmatch(r"\d{11}", digits):
        return False
    weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    rest = sum(int(d) * w for d, w in zip(digits[:10], weights, strict=True)) % 11
    check = 0 if rest == 0 else 11 - rest
    return check != 10 and check == int(digits[10])


def ledger_account_update(ctx: Ctx) -> Response:
    rec = ctx.record("Account")
    body = logic.check_mapping("Account", ctx.body())
    logic.check_version(rec, body)
    number = body.get("bankAccountNumber")
    if number not in (None, "") and not _valid_bank_account_number(str(number)):
        raise invalid("bank_account_number", "bankAccountNumber")
    with ctx.account.transaction():
        ctx.account.before_change("Account", rec)
        problems: list[Problem] = []
        logic.apply_body(ctx.account, "Account", rec, body, "", problems)
        if problems:
            raise validation(problems)
        ctx.account.touch(rec)
    return ctx.value("Account", rec)


def vat_settings_get(ctx: Ctx) -> Response:
    """``GET /ledger/vatSettings``: the logged-in company's VAT registration (one record per company)."""
    return ctx.value("VatSettings", next(iter(ctx.account.table("VatSettings").values())))


# -- the route table ----------------------------------------------------------------------------------------

ID = r"(?P<id>[^/]+)"
RouteSpec = tuple[str, str, Handler]


def _routes() -> list[tuple[str, re.Pattern[str], Handler]]:
    vat_list, vat_get = vat_type_list, _get("VatType")
    currency = read_only("Currency", [("id", "ids", "id"), ("code", "in", "code")])
    country = read_only("Country", [("id", "ids", "id"), ("code", "in", "isoAlpha2Code"),
                                    ("isDisabled", "bool", "_disabled")])
    unit = read_only("ProductUnit", [("id", "ids", "id"), ("name", "like", "name"), ("nameShort", "like", "nameShort"),
                                     ("commonCode", "eq", "commonCode")])
    payment_type = read_only("PaymentType", [("id", "ids", "id"), ("description", "like", "description"),
                                             ("query", "like", "description")])
    ledger_account = read_only("Account", [("id", "ids", "id"), ("number", "in", "number"),
                                           ("isBankAccount", "bool", "isBankAccount"),
                                           ("isInactive", "bool", "isInactive"), ("ledgerType", "eq", "ledgerType")])
    employee = read_only("Employee", [("id", "ids", "id"), ("firstName", "like", "firstName"),
                                      ("lastName", "like", "lastName"), ("employeeNumber", "eq", "employeeNumber"),
                                      ("email", "like", "email"), ("departmentId", "ids", "department")])
    project = read_only("Project", [("id", "ids", "id"), ("name", "like", "name"), ("number", "eq", "number"),
                                    ("isClosed", "bool", "isClosed"), ("customerId", "ids", "customer"),
                                    ("departmentId", "ids", "department"),
                                    ("projectManagerId", "ids", "projectManager"),
                                    ("isOffer", "bool", "isOffer"), ("isFixedPrice", "bool", "isFixedPrice")])
    department = read_only("Department", [("id", "ids", "id"), ("name", "like", "name"),
                                          ("departmentNumber", "like", "departmentNumber"),
                                          ("departmentManagerId", "ids", "departmentManager"),
                                          ("isInactive", "bool", "isInactive")])
    specs: list[RouteSpec] = [
        ("PUT", r"token/session/:create", session_create_put),
        ("POST", r"token/session/:create", session_create_post),
        ("GET", r"token/session/>whoAmI", who_am_i),
        ("DELETE", r"token/session/(?P<token>[^/]+)", session_delete),
        ("GET", r"customer", customer_list),
        ("POST", r"customer", _writer("Customer", logic.create_customer)),
        ("GET", rf"customer/{ID}", _get("Customer")),
        ("PUT", rf"customer/{ID}", _updater("Customer", logic.update_customer)),
        ("DELETE", rf"customer/{ID}", _deleter("Customer", logic.delete_customer)),
        ("GET", r"supplier", supplier_list),
        ("POST", r"supplier", _writer("Supplier", logic.create_supplier)),
        ("GET", rf"supplier/{ID}", _get("Supplier")),
        ("PUT", rf"supplier/{ID}", _updater("Supplier", logic.update_supplier)),
        ("GET", r"product/unit", unit[0]),
        ("GET", rf"product/unit/{ID}", unit[1]),
        ("GET", r"product", product_list),
        ("POST", r"product", _writer("Product", logic.create_product)),
        ("GET", rf"product/{ID}", _get("Product")),
        ("PUT", rf"product/{ID}", _updater("Product", logic.update_product)),
        ("DELETE", rf"product/{ID}", _deleter("Product", logic.delete_product)),
        ("POST", r"order/orderline/list", order_line_create_list),
        ("POST", r"order/orderline", order_line_create),
        ("GET", rf"order/orderline/{ID}", _get("OrderLine")),
        ("PUT", rf"order/orderline/{ID}", _updater("OrderLine", logic.update_order_line)),
        ("DELETE", rf"order/orderline/{ID}", _deleter("OrderLine", logic.delete_order_line)),
        ("GET", r"order", order_list),
        ("POST", r"order", order_create),
        ("PUT", rf"order/{ID}/:invoice", order_invoice),
        ("GET", rf"order/{ID}", _get("Order")),
        ("PUT", rf"order/{ID}", order_update),
        ("DELETE", rf"order/{ID}", _deleter("Order", logic.delete_order)),
        ("POST", r"purchaseOrder/orderline/list", _logistics(purchase_order_line_create_list)),
        ("POST", r"purchaseOrder/orderline", _logistics(purchase_order_line_create)),
        ("GET", rf"purchaseOrder/orderline/{ID}", _logistics(_get("PurchaseOrderline"))),
        ("PUT", rf"purchaseOrder/orderline/{ID}",
         _logistics(_updater("PurchaseOrderline", logic.update_purchase_order_line))),
        ("DELETE", rf"purchaseOrder/orderline/{ID}",
         _logistics(_deleter("PurchaseOrderline", logic.delete_purchase_order_line))),
        ("GET", r"purchaseOrder", _logistics(purchase_order_list)),
        ("POST", r"purchaseOrder", _logistics(_writer("PurchaseOrder", logic.create_purchase_order))),
        ("GET", rf"purchaseOrder/{ID}", _logistics(_get("PurchaseOrder"))),
        ("PUT", rf"purchaseOrder/{ID}", _logistics(_updater("PurchaseOrder", logic.update_purchase_order))),
        ("DELETE", rf"purchaseOrder/{ID}", _logistics(_deleter("PurchaseOrder", logic.delete_purchase_order))),
        ("GET", r"invoice/paymentType", payment_type[0]),
        ("GET", rf"invoice/paymentType/{ID}", payment_type[1]),
        ("GET", r"invoice", invoice_list),
        ("POST", r"invoice", invoice_create),
        ("PUT", rf"invoice/{ID}/:payment", invoice_payment),
        ("PUT", rf"invoice/{ID}/:send", invoice_send),
        ("GET", rf"invoice/{ID}", _get("Invoice")),
        ("GET", r"ledger/vatType", vat_list),
        ("GET", r"ledger/vatSettings", vat_settings_get),
        ("GET", rf"ledger/vatType/{ID}", vat_get),
        ("GET", r"ledger/account", ledger_account[0]),
        ("GET", rf"ledger/account/{ID}", ledger_account[1]),
        ("PUT", rf"ledger/account/{ID}", ledger_account_update),
        ("GET", r"currency", currency[0]),
        ("GET", rf"currency/{ID}", currency[1]),
        ("GET", r"country", country[0]),
        ("GET", rf"country/{ID}", country[1]),
        ("GET", r"employee", employee[0]),
        ("GET", rf"employee/{ID}", employee[1]),
        ("GET", r"project", project[0]),
        ("GET", rf"project/{ID}", project[1]),
        ("GET", r"department", department[0]),
        ("GET", rf"department/{ID}", department[1]),
        ("GET", rf"company/{ID}", _get("Company")),
    ]
    return [(method, re.compile(pattern + r"/?"), handler) for method, pattern, handler in specs]


ROUTES = _routes()
NO_AUTH = {session_create_put, session_create_post}
ERROR_CODES = {400: g.CODE_BAD_REQUEST, 401: g.CODE_AUTH, 403: g.CODE_PERMISSION, 404: g.CODE_NOT_FOUND,
               405: g.CODE_METHOD_NOT_ALLOWED, 409: g.CODE_REVISION, 422: g.CODE_VALIDATION,
               429: g.CODE_RATE_LIMIT}


def site_base(request: Request) -> str:
    """Where this app lives: scheme, host and the mount path (root_path), e.g. http://h/sandbox/tripletex."""
    url = request.url
    return f"{url.scheme}://{url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def _basic_auth(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return user, password


async def api(request: Request) -> Response:
    sandbox: Sandbox = request.app.state.sandbox
    request_id = str(uuid.uuid4())
    path = request.path_params["path"].strip("/")
    raw_body = await request.body()
    match = None
    allowed = False
    for method, pattern, handler in ROUTES:
        m = pattern.fullmatch(path)
        if m is None:
            continue
        allowed = True
        if method == request.method:
            match = (handler, m.groupdict())
            break

    # Which account (and so which faults and rate limit) this request belongs to.
    account: Account | None = None
    auth = _basic_auth(request)
    if match is not None and match[0] in NO_AUTH:
        consumer, employee = request.query_params.get("consumerToken"), request.query_params.get("employeeToken")
        if request.method == "POST":
            try:
                data = json.loads(raw_body) if raw_body.strip() else {}
                if isinstance(data, dict):
                    consumer, employee = data.get("consumerToken"), data.get("employeeToken")
            except (json.JSONDecodeError, UnicodeDecodeError):
                pass
        account = sandbox.by_tokens.get((str(consumer), str(employee)))
    elif auth is not None:
        account = sandbox.by_session.get(auth[1])
    language = account.language if account else "no"
    rate: RateLimit | None = account.rate if account else None

    def problem_response(p: ApiProblem) -> Response:
        return JSONResponse(error_body(p, language, request_id), status_code=p.status, headers=p.headers or None)

    def fault_error(status: int, message: str, headers: dict[str, str]) -> Response:
        body = {"status": status, "code": ERROR_CODES.get(status, g.CODE_UNEXPECTED), "message": message,
                "link": g.LINK, "developerMessage": None, "validationMessages": None, "requestId": request_id}
        return JSONResponse(body, status_code=status, headers=headers or None)

    async def run() -> Response:
        try:
            if match is None:
                if allowed:
                    raise ApiProblem(405, g.CODE_METHOD_NOT_ALLOWED, "method_not_allowed")
                raise not_found()
            handler, params = match
            if handler in NO_AUTH:
                if account is None:
                    raise ApiProblem(g.BAD_TOKENS_STATUS, g.CODE_AUTH, "bad_tokens")
            else:
                if account is None or auth is None or not account.session_valid(auth[1]):
                    raise ApiProblem(401, g.CODE_AUTH, "unauthorized")
                if auth[0] not in ("", "0", str(account.company_id)):
                    raise ApiProblem(403, g.CODE_PERMISSION, "no_company_access")
                if path.split("/", 1)[0] in account.denied_areas:
                    raise ApiProblem(403, g.CODE_PERMISSION, "no_access")
            assert account is not None
            if not account.rate.consume():
                raise ApiProblem(429, g.CODE_RATE_LIMIT, "rate_limited", headers=account.rate.headers(limited=True))
            base = site_base(request) + "/v2"
            ctx = Ctx(request, account, params, raw_body, Renderer(account, base))
            return handler(ctx)
        except ApiProblem as p:
            return problem_response(p)

    response = await with_faults(account.faults if account else None, run, fault_error)
    response.headers["x-tlx-request-id"] = request_id
    if rate is not None:
        for key, value in rate.headers().items():
            if key == "X-Rate-Limit-Reset" and response.status_code == 429 and not rate.reset_on_429:
                continue  # reproduces tripletex-api2 issue #103 when asked to
            if key not in response.headers:
                response.headers[key] = value
    return response


# -- control API --------------------------------------------------------------------------------------------


# seed "scale": how many light customers, suppliers and products (at most SCALE_MAX each), for scale checks
SCALE_COUNTS = ("customers", "suppliers", "products")
SCALE_MAX = 1_000_000


def _account(request: Request) -> Account | None:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox.accounts.get(request.path_params["account_id"])


_control_update = control_update(_account)


ACCOUNT_OPTIONS = {"seed", "bankAccount", "language", "pricesIncludingVat", "logisticsBasic",
                   "vatRegistrationStatus", *SCALE_COUNTS, "maxResultSet"}
VAT_REGISTRATION_STATUSES = DTOS["VatSettings"]["vatRegistrationStatus"][3]


async def control_create_account(request: Request) -> Response:
    try:
        body = await control_body(request)
    except ValueError as exc:
        return control_error(400, str(exc))
    unknown = set(body) - ACCOUNT_OPTIONS
    if unknown:
        return control_error(400, f"unknown option(s): {', '.join(sorted(unknown))}")
    seed = body.get("seed") or "empty"
    language = body.get("language") or "no"
    if seed not in ("demo", "empty", "scale") or language not in ("no", "en"):
        return control_error(400, "seed must be demo|empty|scale and language no|en")
    scale = {k: body[k] for k in SCALE_COUNTS if k in body}
    if scale and seed != "scale":
        return control_error(400, f"{', '.join(scale)}: only with seed scale")
    if any(not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= SCALE_MAX for v in scale.values()):
        return control_error(400, f"customers, suppliers and products must be whole numbers 0..{SCALE_MAX}")
    max_result_set = body.get("maxResultSet", g.MAX_RESULT_SET)
    if not isinstance(max_result_set, int) or isinstance(max_result_set, bool) or max_result_set < 1:
        return control_error(400, "maxResultSet must be a positive whole number")
    logistics = body.get("logisticsBasic", g.LOGISTICS_BASIC_DEFAULT)
    if not isinstance(logistics, bool):
        return control_error(400, "logisticsBasic must be true or false")
    vat_registration = body.get("vatRegistrationStatus", g.VAT_REGISTRATION_DEFAULT)
    if vat_registration not in VAT_REGISTRATION_STATUSES:
        return control_error(400, f"vatRegistrationStatus must be one of {', '.join(VAT_REGISTRATION_STATUSES)}")
    sandbox: Sandbox = request.app.state.sandbox
    account = sandbox.create_account(seed=seed, bank_account=body.get("bankAccount", True) is not False,
                                     language=language, prices_including_vat=bool(body.get("pricesIncludingVat")),
                                     logistics_basic=logistics, vat_registration=vat_registration,
                                     scale=scale, max_result_set=max_result_set)
    base = site_base(request)
    return JSONResponse({"accountId": account.id, "consumerToken": account.consumer_token,
                         "employeeToken": account.employee_token, "companyId": account.company_id,
                         "baseUrl": f"{base}/v2"}, status_code=201)


def _state(request: Request, account: Account) -> dict[str, Any]:
    view = Renderer(account, site_base(request) + "/v2")
    star: dict[str, Any] = {"*": None}
    with_lines: dict[str, Any] = {"*": None, "orderLines": {"*": None}}

    def rows(dto: str, sel: dict[str, Any]) -> list[dict[str, Any]]:
        return [view.render(dto, r, sel) for _, r in sorted(account.table(dto).items())]

    orders = rows("Order", with_lines)
    for order in orders:
        # sandbox extras (the Order DTO has no totals): sums of the lines, and the invoices made from it
        order["amountExcludingVat"] = round(sum(x["amountExcludingVatCurrency"] for x in order["orderLines"]), 2)
        order["amount"] = round(sum(x["amountIncludingVatCurrency"] for x in order["orderLines"]), 2)
        order["invoiceIds"] = logic.invoices_of_order(account, int(order["id"]))
    invoices = rows("Invoice", with_lines)
    for invoice in invoices:
        meta = account.invoice_meta.get(int(invoice["id"]), {})
        invoice["sentToCustomer"] = bool(meta.get("sentToCustomer"))
        invoice["sendType"] = meta.get("sendType")
        invoice["sendCount"] = int(meta.get("sends") or 0) + (1 if meta.get("sentOnCreate") else 0)
        invoice["orderId"] = meta.get("order")
        invoice["createdVia"] = meta.get("via")
        invoice["payments"] = meta.get("payments", [])
    purchase_orders = rows("PurchaseOrder", with_lines)
    for po in purchase_orders:
        # sandbox extras (the PurchaseOrder DTO has no totals): sums of the lines
        po["amountExcludingVat"] = round(sum(x["amountExcludingVatCurrency"] for x in po["orderLines"]), 2)
        po["amount"] = round(sum(x["amountIncludingVatCurrency"] for x in po["orderLines"]), 2)
    tables = {"customers": "Customer", "suppliers": "Supplier", "products": "Product", "orders": "Order",
              "orderLines": "OrderLine", "invoices": "Invoice", "employees": "Employee", "projects": "Project",
              "departments": "Department", "purchaseOrders": "PurchaseOrder",
              "purchaseOrderLines": "PurchaseOrderline"}
    return {
        "accountId": account.id, "companyId": account.company_id, "language": account.language,
        "today": account.today().isoformat(), "bankAccountRegistered": account.bank_account_registered(),
        "pricesIncludingVat": account.prices_including_vat, "logisticsBasic": account.logistics_basic,
        "sessionsCreated": account.sessions_created,
        "activeSessions": sum(1 for t in account.sessions if account.session_valid(t)),
        "rateLimit": {"limit": account.rate.limit, "periodSeconds": account.rate.period,
                      "used": account.rate.used, "omitResetOn429": not account.rate.reset_on_429},
        "counts": {name: len(account.table(dto)) for name, dto in tables.items()},
        "customers": rows("Customer", star), "suppliers": rows("Supplier", star),
        "products": rows("Product", star), "orders": orders, "invoices": invoices,
        "purchaseOrders": purchase_orders,
    }


async def control_state(request: Request) -> Response:
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    return JSONResponse(_state(request, account))


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
def control_bank_account(account: Account, body: dict[str, Any]) -> Response:
    if not isinstance(body.get("registered"), bool) or set(body) - {"registered"}:
        return control_error(400, 'body must be {"registered": true|false}')
    for rec in account.table("Account").values():
        if rec.get("isInvoiceAccount"):
            rec["bankAccountNumber"] = BANK_ACCOUNT_NUMBER if body["registered"] else ""
            account.touch(rec)
    return JSONResponse({"registered": account.bank_account_registered()})


@_control_update
def control_locked_period(account: Account, body: dict[str, Any]) -> Response:
    """``{"until": "2026-11-30"}``: the company closes every period up to and including that day (after the VAT
    return, say); an invoice dated then is refused with 409 code 10000. ``{"until": null}`` opens them again."""
    account.locked_until = locked_period_until(body)
    return JSONResponse({"lockedUntil": str(account.locked_until) if account.locked_until else None})


@_control_update
def control_access(account: Account, body: dict[str, Any]) -> Response:
    """``{"denied": ["customer", ...]}``: the employee token loses these areas (403 code 9000); ``[]`` restores all."""
    denied = body.get("denied")
    if set(body) - {"denied"} or not isinstance(denied, list) or not set(map(str, denied)) <= g.ACCESS_AREAS:
        return control_error(400, f'body must be {{"denied": [area, ...]}} with areas from: '
                                   f'{", ".join(sorted(g.ACCESS_AREAS))}')
    account.denied_areas = frozenset(map(str, denied))
    return JSONResponse({"denied": sorted(account.denied_areas)})


@_control_update
def control_vat_types(account: Account, body: dict[str, Any]) -> Response:
    """``{"number": "3", "active": false}``: the company turns a VAT code off (or on again) in its VAT settings
    (Regnskap → Mva-innstillinger). Which codes are active is the company's choice; an inactive code on a product or
    line is refused with 422 "Ugyldig mva-kode." (field ``vatType``), as is any code not for sales."""
    number, active = body.get("number"), body.get("active")
    if set(body) != {"number", "active"} or not isinstance(number, str) or not isinstance(active, bool):
        return control_error(400, 'body must be {"number": "<VAT code>", "active": true|false}')
    vat = next((v for v in account.table("VatType").values() if v["number"] == number), None)
    if vat is None:
        return control_error(404, f"no VAT code {number}")
    vat["_active"] = active
    account.touch(vat)
    return JSONResponse({"number": number, "active": active})


@_control_update
def control_rate_limit(account: Account, body: dict[str, Any]) -> Response:
    unknown = set(body) - {"limit", "periodSeconds", "omitResetOn429"}
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    limit = int(body.get("limit", account.rate.limit))
    period = float(body.get("periodSeconds", account.rate.period))
    if limit < 0 or period <= 0:
        raise ValueError("limit must be >= 0 and periodSeconds > 0")
    account.rate = RateLimit(limit=limit, period=period, reset_on_429=not body.get("omitResetOn429", False))
    return JSONResponse({"limit": limit, "periodSeconds": period, "omitResetOn429": not account.rate.reset_on_429})


@_control_update
def control_clock(account: Account, body: dict[str, Any]) -> Response:
    raw = body.get("today")
    account.today_override = date.fromisoformat(raw) if raw else None
    return JSONResponse({"today": account.today().isoformat()})


async def control_sessions(request: Request) -> Response:
    """DELETE: every session token of the account stops working (as if Tripletex revoked them)."""
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    sandbox: Sandbox = request.app.state.sandbox
    for token in account.sessions:
        sandbox.by_session.pop(token, None)
    account.sessions.clear()
    return Response(status_code=204)


async def control_delete_order(request: Request) -> Response:
    """Delete an order as a user would in Tripletex's GUI (refused once it is invoiced)."""
    account = _account(request)
    if account is None:
        return control_error(404, "no such account")
    order = account.get("Order", request.path_params["order_id"])
    if order is None:
        return control_error(404, "no such order")
    try:
        logic.delete_order(account, order)
    except ApiProblem:
        return control_error(409, "the order is invoiced")
    return Response(status_code=204)


def create_app() -> Starlette:
    prefix = "/_control/accounts/{account_id}"
    app = Starlette(routes=[
        Route("/_control/accounts", control_create_account, methods=["POST"]),
        Route(f"{prefix}/state", control_state, methods=["GET"]),
        Route(f"{prefix}/faults", control_faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{prefix}/bank-account", control_bank_account, methods=["POST"]),
        Route(f"{prefix}/locked-period", control_locked_period, methods=["POST"]),
        Route(f"{prefix}/rate-limit", control_rate_limit, methods=["POST"]),
        Route(f"{prefix}/access", control_access, methods=["POST"]),
        Route(f"{prefix}/vat-types", control_vat_types, methods=["POST"]),
        Route(f"{prefix}/clock", control_clock, methods=["POST"]),
        Route(f"{prefix}/sessions", control_sessions, methods=["DELETE"]),
        Route(f"{prefix}/orders/{{order_id:int}}", control_delete_order, methods=["DELETE"]),
        Route("/v2/{path:path}", api, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    ])
    app.state.sandbox = Sandbox()
    return app
