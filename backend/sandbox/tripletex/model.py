"""The sandbox's data model: accounts, the object store, the ApiError, ``fields`` filters and body checks.

Objects are stored as plain dicts per DTO name (``Customer``, ``OrderLine``, ...). A property that refers to
another object is stored as that object's id (a list of ids for lists); rendering resolves it as Tripletex
does: ``{id, url}`` unless the ``fields`` filter asks for more. Property names, kinds and read-only flags come
from ``dtos.py``, generated from the published spec.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import itertools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.sandbox.common import Faults
from backend.sandbox.tripletex import guesses as g
from backend.sandbox.tripletex.dtos import DTOS

Record = dict[str, Any]
Selection = dict[str, "Selection | None"]

# Where each DTO lives under /v2 (for ``url`` fields). Anything else: its name with a lower-case first letter.
URL_PATHS: dict[str, str] = {
    "OrderLine": "order/orderline",
    "PurchaseOrderline": "purchaseOrder/orderline",
    "ProductUnit": "product/unit",
    "PaymentType": "invoice/paymentType",
    "VatType": "ledger/vatType",
    "Account": "ledger/account",
    "Voucher": "ledger/voucher",
    "SessionToken": "token/session",
    "ConsumerToken": "token/consumer",
    "EmployeeToken": "token/employee",
}
_DATE_PROPS = {"startDate", "endDate", "dateOfBirth", "subscriptionPeriodStart", "subscriptionPeriodEnd",
               "pickedDate", "timestamp", "expirationDate", "lastSentTimestamp"}


# -- errors -----------------------------------------------------------------------------------------------


@dataclass
class Problem:
    """One validation message: ``key`` names a message in ``guesses.MESSAGES``."""

    key: str
    field: str | None = None
    path: str | None = None
    args: dict[str, Any] = dataclasses.field(default_factory=dict)


class ApiProblem(Exception):
    """Raised anywhere in a request; becomes an ApiError body."""

    def __init__(self, status: int, code: int, key: str, *, problems: list[Problem] | None = None,
                 args: dict[str, Any] | None = None, developer_message: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(key)
        self.status = status
        self.code = code
        self.key = key
        self.problems = problems or []
        self.args_ = args or {}
        self.developer_message = developer_message
        self.headers = headers or {}


def validation(problems: list[Problem], code: int = g.CODE_VALIDATION) -> ApiProblem:
    key = "mapping_failed" if code == g.CODE_MAPPING else "validation_failed"
    return ApiProblem(422, code, key, problems=problems,
                      developer_message=None if code == g.CODE_MAPPING else g.VALIDATION_DEVELOPER_MESSAGE)


def invalid(key: str, field_: str | None = None, path: str | None = None, **args: Any) -> ApiProblem:
    return validation([Problem(key, field_, path if path is not None else field_, args)])


def not_found() -> ApiProblem:
    return ApiProblem(404, g.CODE_NOT_FOUND, "not_found")


def param_required(name: str) -> ApiProblem:
    return ApiProblem(422, g.CODE_PARAM, "param_required", args={"name": name},
                      problems=[Problem("param_required", name, name, {"name": name})])


def param_invalid(name: str) -> ApiProblem:
    return ApiProblem(422, g.CODE_PARAM, "param_invalid", args={"name": name},
                      problems=[Problem("param_invalid", name, name, {"name": name})])


def text(key: str, language: str, args: dict[str, Any] | None = None) -> str:
    no, en = g.MESSAGES[key]
    return (en if language == "en" else no).format(**(args or {}))


def error_body(p: ApiProblem, language: str, request_id: str) -> dict[str, Any]:
    return {
        "status": p.status,
        "code": p.code,
        "message": text(p.key, language, p.args_),
        "link": g.LINK,
        "developerMessage": p.developer_message,
        "validationMessages": [
            {"field": m.field, "message": text(m.key, language, m.args), "path": m.path, "rootId": None}
            for m in p.problems
        ] or None,
        "requestId": request_id,
    }


# -- numbers ----------------------------------------------------------------------------------------------


def dec(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


def money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def precise(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.0000000001"), rounding=ROUND_HALF_UP).normalize())


# -- accounts ---------------------------------------------------------------------------------------------


@dataclass
class RateLimit:
    limit: int = g.DEFAULT_RATE_LIMIT
    period: float = g.DEFAULT_RATE_PERIOD_SECONDS
    reset_on_429: bool = g.RESET_HEADER_ON_429
    window_start: float = dataclasses.field(default_factory=time.monotonic)
    used: int = 0

    def _roll(self) -> None:
        now = time.monotonic()
        if now - self.window_start >= self.period:
            self.window_start = now
            self.used = 0

    def reset_seconds(self) -> int:
        left = self.period - (time.monotonic() - self.window_start)
        return max(0, int(left + 0.999))

    def consume(self) -> bool:
        self._roll()
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def headers(self, *, limited: bool = False) -> dict[str, str]:
        self._roll()
        h = {"X-Rate-Limit-Limit": str(self.limit), "X-Rate-Limit-Remaining": str(max(0, self.limit - self.used))}
        if not limited or self.reset_on_429:
            h["X-Rate-Limit-Reset"] = str(self.reset_seconds())
        return h


@dataclass
class Account:
    id: str
    company_id: int
    consumer_token: str
    employee_token: str
    language: str = "no"
    prices_including_vat: bool = g.COMPANY_PRICES_INCLUDING_VAT
    logistics_basic: bool = g.LOGISTICS_BASIC_DEFAULT
    # areas (first path segments, guesses.ACCESS_AREAS) the employee token may not reach: 403 code 9000
    denied_areas: frozenset[str] = frozenset()
    faults: Faults | None = None
    today_override: date | None = None
    # periods closed up to and including this day: an invoice dated then is refused (409 code 10000, "locked")
    locked_until: date | None = None
    rate: RateLimit = dataclasses.field(default_factory=RateLimit)
    # a list matching more records is refused ("Result set too large"); the control API can raise it (scale checks)
    max_result_set: int = g.MAX_RESULT_SET
    sessions: dict[str, date] = dataclasses.field(default_factory=dict)
    sessions_created: int = 0
    tables: dict[str, dict[int, Record]] = dataclasses.field(default_factory=dict)
    ids: Iterator[int] = dataclasses.field(default_factory=lambda: itertools.count(10_000_001))
    employee_id: int = 0
    consumer_token_id: int = 0
    employee_token_id: int = 0
    # what the API does not show: which invoices were sent, payments, which order became which invoice
    invoice_meta: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # the highest purchase-order number handed out (a series: numbers of deleted orders are not reused)
    purchase_order_numbers_used: int = 0
    # undo log of the running write request (see ``transaction``): a refused request leaves nothing behind
    _undo: list[tuple[str, str, int, Record | None]] | None = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self._undo = []
        try:
            yield
        except BaseException:
            for op, dto, rid, before in reversed(self._undo):
                table = self.table(dto)
                if op == "add":
                    table.pop(rid, None)
                elif before is not None:
                    table[rid] = before
            raise
        finally:
            self._undo = None

    def before_change(self, dto: str, record: Record) -> None:
        """Call before changing or deleting a stored record, so that a refused request can undo it."""
        if self._undo is not None:
            self._undo.append(("change", dto, int(record["id"]), copy.deepcopy(record)))

    def delete(self, dto: str, record: Record) -> None:
        self.before_change(dto, record)
        self.table(dto).pop(int(record["id"]), None)

    def today(self) -> date:
        return self.today_override or date.today()

    def table(self, dto: str) -> dict[int, Record]:
        return self.tables.setdefault(dto, {})

    def get(self, dto: str, id_: Any) -> Record | None:
        try:
            return self.table(dto).get(int(id_))
        except (TypeError, ValueError):
            return None

    def add(self, dto: str, record: Record, id_: int | None = None) -> Record:
        rid = id_ if id_ is not None else next(self.ids)
        record["id"] = rid
        record.setdefault("version", 0)
        record["changes"] = [{"employeeId": self.employee_id, "timestamp": _now(), "changeType": "CREATE"}]
        record["_changed"] = _now()
        self.table(dto)[rid] = record
        if self._undo is not None:
            self._undo.append(("add", dto, rid, None))
        return record

    def touch(self, record: Record) -> None:
        """Count a change (call ``before_change`` first)."""
        record["version"] = int(record.get("version") or 0) + 1
        record.setdefault("changes", []).append(
            {"employeeId": self.employee_id, "timestamp": _now(), "changeType": "UPDATE"})
        record["_changed"] = _now()

    def session_valid(self, token: str) -> bool:
        expiry = self.sessions.get(token)
        if expiry is None:
            return False
        today = self.today()
        return today <= expiry if g.SESSION_VALID_ON_EXPIRATION_DATE else today < expiry

    def bank_account_registered(self) -> bool:
        return any(a.get("isInvoiceAccount") and str(a.get("bankAccountNumber") or "").strip()
                   for a in self.table("Account").values())


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


# -- fields filters ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*([A-Za-z0-9_*]+|[(),])")


def parse_fields(raw: str | None) -> Selection:
    """``*,orderLines(*),customer(name,email)`` → {"*": None, "orderLines": {"*": None}, ...}."""
    if raw is None or not raw.strip():
        return {"*": None}
    tokens: list[str] = []
    pos = 0
    while pos < len(raw):
        if raw[pos:].strip() == "":
            break
        m = _TOKEN.match(raw, pos)
        if m is None:
            raise ApiProblem(400, g.CODE_ILLEGAL_FILTER, "fields_syntax", args={"value": raw})
        tokens.append(m.group(1))
        pos = m.end()

    def parse_list(i: int, depth: int) -> tuple[Selection, int]:
        sel: Selection = {}
        while i < len(tokens):
            tok = tokens[i]
            if tok == ",":
                i += 1
                continue
            if tok == ")":
                if depth == 0:
                    raise ApiProblem(400, g.CODE_ILLEGAL_FILTER, "fields_syntax", args={"value": raw})
                return sel, i + 1
            if tok == "(":
                raise ApiProblem(400, g.CODE_ILLEGAL_FILTER, "fields_syntax", args={"value": raw})
            i += 1
            if i < len(tokens) and tokens[i] == "(":
                sub, i = parse_list(i + 1, depth + 1)
                sel[tok] = sub
            else:
                sel.setdefault(tok, None)
        if depth > 0:
            raise ApiProblem(400, g.CODE_ILLEGAL_FILTER, "fields_syntax", args={"value": raw})
        return sel, i

    sel, _ = parse_list(0, 0)
    return sel or {"*": None}


def check_fields(dto: str, sel: Selection) -> None:
    """400 code 11000 for a name that is not a property of the DTO (recursively)."""
    props = DTOS.get(dto, {})
    for name, sub in sel.items():
        if name == "*":
            continue
        if name not in props:
            raise ApiProblem(400, g.CODE_ILLEGAL_FILTER, "illegal_fields", args={"name": name, "dto": f"{dto}DTO"})
        target = props[name][1]
        if sub is not None and target is not None:
            check_fields(target, sub)


def is_entity(dto: str) -> bool:
    props = DTOS.get(dto, {})
    return "id" in props and "url" in props


def default_value(name: str, prop: tuple[str, str | None, bool, tuple[str, ...]]) -> Any:
    kind, target, _ro, enum = prop
    if target is not None:
        return [] if kind == "array" else None
    if kind == "array":
        return []
    if enum:
        return enum[0]
    if kind == "string":
        return None if name in _DATE_PROPS or name.endswith("Date") else ""
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return 0
    return None


class Renderer:
    """Turns stored records into what Tripletex sends, honouring ``fields``."""

    def __init__(self, account: Account, api_base: str) -> None:
        self.account = account
        self.api_base = api_base.rstrip("/")

    def url(self, dto: str, id_: Any) -> str:
        path = URL_PATHS.get(dto) or (dto[:1].lower() + dto[1:])
        return f"{self.api_base}/{path}/{id_}"

    def ref(self, dto: str, id_: Any) -> dict[str, Any]:
        return {"id": id_, "url": self.url(dto, id_)}

    def render(self, dto: str, record: Record, sel: Selection | None = None) -> dict[str, Any]:
        sel = sel or {"*": None}
        star = "*" in sel
        out: dict[str, Any] = {}
        for name, prop in DTOS[dto].items():
            if name in sel:
                sub = sel[name]
            elif star and name != "changes":
                sub = None
            else:
                continue
            if name == "url" and "id" in record:
                out[name] = self.url(dto, record["id"])
                continue
            value = record[name] if name in record else default_value(name, prop)
            out[name] = self._value(prop, value, sub)
        return out

    def _value(self, prop: tuple[str, str | None, bool, tuple[str, ...]], value: Any, sub: Selection | None) -> Any:
        kind, target, _ro, _enum = prop
        if target is None or value is None:
            return value
        if kind == "array":
            return [self._one(target, v, sub) for v in value]
        return self._one(target, value, sub)

    def _one(self, target: str, value: Any, sub: Selection | None) -> Any:
        if isinstance(value, dict):  # an inline object (no table of its own)
            return self.render(target, value, sub) if sub is not None else self.render(target, value, {"*": None})
        if not is_entity(target):
            return value
        record = self.account.get(target, value)
        if sub is None or record is None:
            return self.ref(target, value)
        return self.render(target, record, sub)


def version_digest(records: list[Record]) -> str | None:
    if not records:
        return None
    h = hashlib.sha256()
    for r in records:
        h.update(f"{r.get('id')}:{r.get('version')};".encode())
    return h.hexdigest()[:40]


# -- request bodies ---------------------------------------------------------------------------------------

_INT = re.compile(r"^-?\d+$")
_NUM = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def check_body(dto: str, body: Any, *, field_prefix: str = "", path_prefix: str = "") -> list[Problem]:
    """Mapping problems of a JSON body against the DTO: unknown properties and wrong JSON types (code 16000)."""
    problems: list[Problem] = []
    if not isinstance(body, dict):
        problems.append(Problem("wrong_type", field_prefix.rstrip(".") or None, path_prefix.rstrip(".") or None))
        return problems
    props = DTOS[dto]
    for key, value in body.items():
        fname, fpath = f"{field_prefix}{key}", f"{path_prefix}{key}"
        prop = props.get(key)
        if prop is None:
            problems.append(Problem("field_does_not_exist", fname, fpath))
            continue
        if value is None:
            continue
        kind, target, _ro, enum = prop
        if target is not None and kind == "object":
            problems.extend(check_body(target, value, field_prefix=fname + ".", path_prefix=fpath + "."))
        elif kind == "array":
            if not isinstance(value, list):
                problems.append(Problem("wrong_type", fname, fpath))
            elif target is not None:
                for i, item in enumerate(value):
                    problems.extend(check_body(target, item, field_prefix=fname + ".",
                                               path_prefix=f"{fpath}[{i}]."))
        elif not _scalar_ok(kind, enum, value):
            problems.append(Problem("wrong_type", fname, fpath))
    return problems


def _scalar_ok(kind: str, enum: tuple[str, ...], value: Any) -> bool:
    if isinstance(value, (dict, list)):
        return False
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()) or (isinstance(value, str) and bool(_INT.match(value)))
    if kind == "number":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_NUM.match(value)))
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind == "string" and enum:
        return isinstance(value, str) and value in enum
    return True


def coerce(dto: str, key: str, value: Any) -> Any:
    """A checked scalar value in its proper Python type (Jackson coerces "12" to 12 the same way)."""
    if value is None:
        return None
    kind = DTOS[dto][key][0]
    if kind == "integer":
        return int(float(value))
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else value == "true"
    if kind == "string":
        return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return value


def writable(dto: str, body: dict[str, Any]) -> dict[str, Any]:
    """The body's scalar properties that are not read-only, coerced (refs and lists are handled by callers)."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        kind, target, ro, _enum = DTOS[dto][key]
        if ro or key in ("id", "version", "url", "changes") or target is not None or kind == "array":
            continue
        out[key] = coerce(dto, key, value)
    return out


def ref_id(value: Any) -> int | None:
    """The id of a reference ``{"id": n}`` (or None)."""
    if isinstance(value, dict) and value.get("id") is not None:
        try:
            return int(value["id"])
        except (TypeError, ValueError):
            return None
    return None


def parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
