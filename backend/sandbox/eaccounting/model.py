"""The sandbox's data model: companies (accounts), the error envelope, spec-driven body checks and rendering,
the ``Meta``/``Data`` list envelope with ``$page``/``$pagesize``/``$filter``/``$orderby``, and the rate limiter.

Records are plain dicts with the spec's PascalCase property names. Values are kept as Python values: ``Decimal``
for numbers, ``date`` for document dates, aware ``datetime`` for ``*Utc`` timestamps, ``str`` for GUIDs.
Rendering walks the schema's property table (``schemas.py``, generated from the published spec), so every
response has exactly the spec's properties, in the spec's order.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from starlette.responses import JSONResponse

from backend.sandbox.common import Faults
from backend.sandbox.eaccounting import guesses as g
from backend.sandbox.eaccounting.schemas import REQUIRED, SCHEMAS, Prop

Record = dict[str, Any]
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
MIN_DATE = "0001-01-01T00:00:00"  # .NET's default(DateTime)
TWO = Decimal("0.01")

# -- errors -----------------------------------------------------------------------------------------------


@dataclass
class FieldError:
    """One entry of ``Errors`` (``CommonError``)."""

    field: str | None
    error_code: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"Field": self.field, "ErrorCode": self.error_code, "Message": self.message,
                "Key": f"{self.error_code}.{self.field}" if self.field else self.error_code}


class ApiProblem(Exception):
    """Raised anywhere in a request; becomes a ``CommonExtendedBadRequest`` body (or an empty one)."""

    def __init__(self, status: int, code: int | None, message: str, *, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None, body: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.body = body


def msg(key: str, **args: Any) -> str:
    return g.MESSAGES[key].format(**args)


def error_body(code: int | None, message: str | None, errors: list[FieldError] | None = None) -> dict[str, Any]:
    return {"ErrorCode": code, "DeveloperErrorMessage": message, "ErrorId": str(uuid.uuid4()),
            "Errors": [e.as_json() for e in errors] if errors is not None else None}


def validation(errors: list[FieldError]) -> ApiProblem:
    return ApiProblem(400, g.CODE_VALIDATION, errors[0].message if errors else "Validation failed", errors=errors)


def invalid(field: str | None, key: str, error_code: str = g.ERROR_INVALID, **args: Any) -> ApiProblem:
    return validation([FieldError(field, error_code, msg(key, field=field, **args))])


def not_found(what: str, *, status: int = 400, field: str | None = None) -> ApiProblem:
    errors = [FieldError(field, "NotFound", msg("not_found", what=what))] if field else None
    return ApiProblem(status, g.CODE_NOT_FOUND, msg("not_found", what=what), errors=errors)


def conflict(message: str, field: str) -> ApiProblem:
    return ApiProblem(400, g.CODE_CONFLICT, message, errors=[FieldError(field, "Conflict", message)])


# -- numbers and dates ------------------------------------------------------------------------------------


def round2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def dec(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def decimals_of(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def number_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def parse_datetime(value: str) -> datetime | None:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_datetime(str(value))
    return parsed.date() if parsed else None


def utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def new_id() -> str:
    return str(uuid.uuid4())


# -- rendering --------------------------------------------------------------------------------------------


def default_value(prop: Prop) -> Any:
    if prop.ref is not None and prop.kind == "object":
        return {}  # guesses: a sub-object the spec does not mark nullable is always sent (with its defaults)
    if prop.nullable:
        return None
    if prop.kind == "array":
        return []
    if prop.kind == "boolean":
        return False
    if prop.kind in ("integer", "number"):
        return prop.minimum if prop.minimum is not None and prop.minimum > 0 else 0
    if prop.kind == "string":
        return {"uuid": ZERO_GUID, "date-time": MIN_DATE}.get(prop.fmt or "", "")
    return None


def render(schema: str, record: Record | None) -> dict[str, Any] | None:
    """A record as eAccounting sends it: every property of the schema, in order, JSON-ready values."""
    if record is None:
        return None
    out: dict[str, Any] = {}
    for name, prop in SCHEMAS[schema].items():
        value = record[name] if name in record else default_value(prop)
        out[name] = _render_value(prop, value)
    return out


def _render_value(prop: Prop, value: Any) -> Any:
    if value is None:
        return None
    if prop.ref is not None:
        if prop.kind == "array":
            return [render(prop.ref, v) for v in value]
        return render(prop.ref, value)
    return plain(value)


def plain(value: Any) -> Any:
    """Python values → JSON values (Decimals as numbers, dates as eAccounting writes them)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00"
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


class ApiJSON(JSONResponse):
    """JSON with Decimal support (numbers stay numbers)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=plain).encode("utf-8")


# -- request bodies ---------------------------------------------------------------------------------------


@dataclass
class Body:
    """A checked body: the writable properties that were sent (canonical names, Python values)."""

    values: dict[str, Any]
    errors: list[FieldError]
    ignored: list[str]

    def has(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value


def loads(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_float=Decimal, parse_int=int)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise invalid(None, "invalid_json", g.ERROR_TYPE) from exc


def check_body(schema: str, data: Any, *, reject_unknown: bool, prefix: str = "") -> Body:
    """Check a JSON body against the schema: unknown names (ignored or refused), JSON types, formats, maxLength,
    patterns (decimals), ranges, enums and required properties, recursively. Read-only properties are dropped."""
    errors: list[FieldError] = []
    ignored: list[str] = []
    values: dict[str, Any] = {}
    if not isinstance(data, dict):
        errors.append(FieldError(prefix.rstrip(".") or None, g.ERROR_TYPE, msg("body_object")))
        return Body(values, errors, ignored)
    props = SCHEMAS[schema]
    by_lower = {name.lower(): name for name in props}
    for key, value in data.items():
        name = by_lower.get(str(key).lower())
        field = f"{prefix}{name or key}"
        if name is None:
            if reject_unknown:
                errors.append(FieldError(field, g.ERROR_UNKNOWN_PROPERTY, msg("unknown_property", field=field)))
            else:
                ignored.append(field)
            continue
        prop = props[name]
        if prop.read_only and not (prefix and name == "Id"):  # a nested object's Id is how it is referred to
            continue
        parsed = _check_value(prop, value, field, errors, ignored, reject_unknown)
        values[name] = parsed
    for name in REQUIRED.get(schema, ()):
        field = f"{prefix}{name}"
        if props[name].read_only or values.get(name) is not None or any(e.field == field for e in errors):
            continue
        errors.append(FieldError(field, g.ERROR_REQUIRED, msg("required", field=field)))
    return Body(values, errors, ignored)


def _check_value(prop: Prop, value: Any, field: str, errors: list[FieldError], ignored: list[str],
                 reject_unknown: bool) -> Any:
    if value is None:
        if not prop.nullable and prop.kind in ("boolean", "integer", "number"):
            errors.append(FieldError(field, g.ERROR_TYPE, msg("type", field=field)))
        return None
    if prop.ref is not None:
        if prop.kind == "array":
            if not isinstance(value, list):
                errors.append(FieldError(field, g.ERROR_TYPE, msg("type", field=field)))
                return None
            out = []
            for i, item in enumerate(value):
                body = check_body(prop.ref, item, reject_unknown=reject_unknown, prefix=f"{field}[{i}].")
                errors.extend(body.errors)
                ignored.extend(body.ignored)
                out.append(body.values)
            return out
        body = check_body(prop.ref, value, reject_unknown=reject_unknown, prefix=f"{field}.")
        errors.extend(body.errors)
        ignored.extend(body.ignored)
        return body.values
    if prop.kind == "array":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(FieldError(field, g.ERROR_TYPE, msg("type", field=field)))
            return None
        return list(value)
    if prop.kind == "boolean":
        if not isinstance(value, bool):
            errors.append(FieldError(field, g.ERROR_TYPE, msg("type", field=field)))
            return None
        return value
    if prop.kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            errors.append(FieldError(field, g.ERROR_TYPE, msg("type", field=field)))
            return None
        number = Decimal(value)
        if prop.kind == "integer" and number != number.to_integral_value():
            errors.append(FieldError(field, g.ERROR_TYPE, msg("type", field=field)))
            return None
        if prop.enum and int(number) not in prop.enum:
            errors.append(FieldError(field, g.ERROR_INVALID, msg("enum")))
            return None
        low = Decimal(str(prop.minimum)) if prop.minimum is not None else None
        high = Decimal(str(prop.maximum)) if prop.maximum is not None else None
        if (low is not None and number < low) or (high is not None and number > high):
            errors.append(FieldError(field, g.ERROR_RANGE, msg("range", field=field, min=prop.minimum,
                                                                max=prop.maximum)))
            return None
        if prop.pattern and not re.fullmatch(prop.pattern, number_text(number)):
            errors.append(FieldError(field, g.ERROR_FORMAT, msg("pattern", field=field, pattern=prop.pattern)))
            return None
        return int(number) if prop.kind == "integer" else number
    # strings
    if not isinstance(value, str):
        errors.append(FieldError(field, g.ERROR_TYPE, msg("type", field=field)))
        return None
    if prop.fmt == "uuid":
        if value == "":
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            errors.append(FieldError(field, g.ERROR_FORMAT, msg("uuid")))
            return None
    if prop.fmt == "date-time":
        parsed = parse_datetime(value)
        if parsed is None:
            errors.append(FieldError(field, g.ERROR_FORMAT, msg("date")))
            return None
        return parsed
    if prop.max_length is not None and len(value) > prop.max_length:
        errors.append(FieldError(field, g.ERROR_MAX_LENGTH, msg("max_length", field=field, max=prop.max_length)))
        return None
    if prop.pattern and not re.fullmatch(prop.pattern, value):
        errors.append(FieldError(field, g.ERROR_FORMAT, msg("pattern", field=field, pattern=prop.pattern)))
        return None
    return value


# -- rate limit -------------------------------------------------------------------------------------------


@dataclass
class RateLimit:
    """A fixed window per endpoint (lower-cased path) for one client."""

    limit: int = g.DEFAULT_RATE_LIMIT
    period: float = g.DEFAULT_RATE_PERIOD_SECONDS
    retry_after_header: bool = g.SEND_RETRY_AFTER_ON_429
    windows: dict[str, tuple[float, int]] = dataclasses.field(default_factory=dict)

    def consume(self, endpoint: str) -> int | None:
        """None when allowed; otherwise the seconds until the window resets."""
        now = time.monotonic()
        start, used = self.windows.get(endpoint, (now, 0))
        if now - start >= self.period:
            start, used = now, 0
        if used >= self.limit:
            self.windows[endpoint] = (start, used)
            return max(1, math.ceil(self.period - (now - start)))
        self.windows[endpoint] = (start, used + 1)
        return None

    def period_text(self) -> str:
        return "Minute" if self.period == 60 else f"{self.period:g}s"


# -- companies --------------------------------------------------------------------------------------------

TABLES = ("customers", "articles", "articlelabels", "articleaccountcodings", "units", "termsofpayments",
          "vatcodes", "fiscalyears", "drafts", "invoices", "suppliers")


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: tuple[str, ...]
    refresh_mode: str = g.DEFAULT_REFRESH_TOKEN_MODE


@dataclass
class Account:
    """One eAccounting company with the one OAuth client registered for it."""

    id: str
    client: OAuthClient
    settings: Record = dataclasses.field(default_factory=dict)
    tables: dict[str, dict[str, Record]] = dataclasses.field(default_factory=lambda: {t: {} for t in TABLES})
    faults: Faults | None = None
    rate: RateLimit = dataclasses.field(default_factory=RateLimit)
    clock_offset: float = 0.0
    unknown_properties: str = g.DEFAULT_UNKNOWN_PROPERTIES
    email_delivery_fails: bool = False
    # vouchers dated on or before this day are refused (4026, "voucher in a locked period"): the bookkeeper has
    # closed the period (reference: API.md's error codes)
    locked_until: date | None = None
    emails: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    ignored_properties: list[str] = dataclasses.field(default_factory=list)
    invoice_meta: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    stats: dict[str, int] = dataclasses.field(default_factory=lambda: {
        "codesIssued": 0, "codeExchanges": 0, "refreshes": 0, "refusedRefreshes": 0, "unauthorized": 0})

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def today(self) -> date:
        return self.now().date()

    def table(self, name: str) -> dict[str, Record]:
        return self.tables[name]

    def get(self, table: str, id_: Any) -> Record | None:
        if not isinstance(id_, str):
            return None
        return self.tables[table].get(id_.lower())

    def add(self, table: str, record: Record) -> Record:
        record.setdefault("Id", new_id())
        self.tables[table][record["Id"]] = record
        return record

    def fiscal_year_of(self, day: date) -> Record | None:
        for fy in self.tables["fiscalyears"].values():
            start, end = as_date(fy["StartDate"]), as_date(fy["EndDate"])
            if start is not None and end is not None and start <= day <= end:
                return fy
        return None


# -- lists: Meta/Data, $page, $pagesize, $filter, $orderby --------------------------------------------------


def _positive_int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise invalid(name, "page", g.ERROR_INVALID, name=name)
    return value


def page(schema: str, records: Iterable[Record], query: dict[str, str], now: datetime) -> dict[str, Any]:
    """The list envelope of ``records`` (in store order) under the request's paging, filter and order. Filter and
    order work on the stored values (as they would render); only the served page is rendered."""
    number = _positive_int(query.get("$page"), "$page", 1)
    size = min(_positive_int(query.get("$pagesize"), "$pagesize", g.DEFAULT_PAGE_SIZE), g.MAX_PAGE_SIZE)
    items = list(records)
    if query.get("$filter"):
        predicate = parse_filter(schema, query["$filter"])
        items = [r for r in items if predicate(r)]
    if query.get("$orderby"):
        items = order_rows(schema, items, query["$orderby"])
    total = len(items)
    data = [render(schema, x) for x in items[(number - 1) * size: number * size]]
    return {
        "Meta": {"CurrentPage": number, "PageSize": size, "TotalNumberOfPages": math.ceil(total / size),
                 "TotalNumberOfResults": total, "ServerTimeUtc": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
        "Data": data,
    }


def _field(record: Record, name: str, prop: Prop) -> Any:
    return record[name] if name in record else default_value(prop)


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),])|(?P<word>[^\s(),']+))")
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}
Predicate = Callable[[Record], bool]


def _tokens(text: str, key: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise invalid(key, key.strip("$"), g.ERROR_INVALID, detail=text[pos:])
        out.append(m.group(0).strip())
        pos = m.end()
    return out


def _prop_name(schema: str, name: str, key: str) -> str:
    props = {p.lower(): p for p, prop in SCHEMAS[schema].items() if prop.ref is None and prop.kind != "array"}
    found = props.get(name.lower())
    if found is None:
        raise invalid(key, key.strip("$"), g.ERROR_INVALID, detail=f"unknown property {name}")
    return found


def _literal(token: str) -> Any:
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    low = token.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    try:
        return Decimal(token)
    except InvalidOperation:
        return token  # a bare date-time or GUID


def _comparable(prop: Prop, value: Any) -> Any:
    if value is None:
        return None
    if prop.fmt == "date-time":
        parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed else str(value)
    if prop.kind in ("number", "integer") and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    if isinstance(value, str):
        return value.lower()
    return value


def parse_filter(schema: str, text: str) -> Predicate:
    """A small OData ``$filter``: comparisons and contains/startswith, joined by and/or (and binds tighter)."""
    tokens = _tokens(text, "$filter")
    pos = 0

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise invalid("$filter", "filter", g.ERROR_INVALID, detail="unexpected end")
        pos += 1
        return tokens[pos - 1]

    def comparison() -> Predicate:
        first = take()
        if first.lower() in ("contains", "startswith") and pos < len(tokens) and tokens[pos] == "(":
            take()
            name = _prop_name(schema, take(), "$filter")
            if take() != ",":
                raise invalid("$filter", "filter", g.ERROR_INVALID, detail="expected ,")
            needle = str(_literal(take())).lower()
            if take() != ")":
                raise invalid("$filter", "filter", g.ERROR_INVALID, detail="expected )")
            func = first.lower()
            return lambda row: isinstance(row.get(name), str) and (
                needle in row[name].lower() if func == "contains" else row[name].lower().startswith(needle))

        name = _prop_name(schema, first, "$filter")
        op = take().lower()
        if op not in _OPS:
            raise invalid("$filter", "filter", g.ERROR_INVALID, detail=f"unknown operator {op}")
        prop = SCHEMAS[schema][name]
        expected = _comparable(prop, _literal(take()))

        def check(row: Record) -> bool:
            actual = _comparable(prop, _field(row, name, prop))
            if op == "eq":
                return bool(actual == expected)
            if op == "ne":
                return bool(actual != expected)
            if actual is None or expected is None:
                return False
            try:
                return bool({"gt": actual > expected, "ge": actual >= expected, "lt": actual < expected,
                             "le": actual <= expected}[op])
            except TypeError:
                return False

        return check

    def conjunction() -> Predicate:
        parts = [comparison()]
        while pos < len(tokens) and tokens[pos].lower() == "and":
            take()
            parts.append(comparison())
        return lambda row: all(p(row) for p in parts)

    alternatives = [conjunction()]
    while pos < len(tokens) and tokens[pos].lower() == "or":
        take()
        alternatives.append(conjunction())
    if pos != len(tokens):
        raise invalid("$filter", "filter", g.ERROR_INVALID, detail=f"unexpected {tokens[pos]}")
    return lambda row: any(p(row) for p in alternatives)


def order_rows(schema: str, rows: list[Record], text: str) -> list[Record]:
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        bits = part.split()
        if not bits or len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
            raise invalid("$orderby", "orderby", g.ERROR_INVALID, detail=part.strip())
        keys.append((_prop_name(schema, bits[0], "$orderby"), len(bits) == 2 and bits[1].lower() == "desc"))
    for name, desc in reversed(keys):
        prop = SCHEMAS[schema][name]

        def sort_key(row: Record, prop: Prop = prop, name: str = name) -> tuple[int, Any]:
            value = _comparable(prop, _field(row, name, prop))
            return (1, "") if value is None else (0, value)

        rows = sorted(rows, key=sort_key, reverse=desc)
    return rows
