"""JSON:API for the Mystore sandbox: resource kinds, rendering, query parameters, documents and errors.

Each resource type is a ``Kind``: its attributes and relationships rendered from a store record, the scope
that reads it, and which relationships ``include=`` may follow. Query parameters follow API.md §2: paging
``page[number]``/``page[size]`` with ``links.next`` only when there is a next page, sparse fieldsets
``fields[type]=a,b`` (an unknown name is 400), Mystore's filter syntax
``filter[<name>][path|value|operator]`` and ``sort=a,-b``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse

from backend.sandbox.mystore import guesses as g
from backend.sandbox.mystore.store import Account, Record

# ---------------------------------------------------------------------------------------------------------
# Errors and responses
# ---------------------------------------------------------------------------------------------------------


class JsonApiResponse(JSONResponse):
    media_type = g.MEDIA_TYPE


class ApiError(Exception):
    """An error answer in JSON:API form (``{"errors": [...]}``)."""

    def __init__(self, status: int, detail: str, *, code: str | None = None, pointer: str | None = None,
                 parameter: str | None = None, meta: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.pointer = pointer
        self.parameter = parameter
        self.meta = meta
        self.headers = headers

    def response(self) -> JsonApiResponse:
        return error_response(self.status, self.detail, self.headers, code=self.code, pointer=self.pointer,
                              parameter=self.parameter, meta=self.meta)


def error_object(status: int, detail: str, *, code: str | None = None, pointer: str | None = None,
                 parameter: str | None = None, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"status": str(status), "title": g.ERROR_TITLES.get(status, "Error"), "detail": detail}
    if code is not None:
        obj["code"] = code
    if pointer is not None:
        obj["source"] = {"pointer": pointer}
    elif parameter is not None:
        obj["source"] = {"parameter": parameter}
    if meta:
        obj["meta"] = meta
    return obj


_DEFAULT_CODES = {401: g.CODE_UNAUTHENTICATED, 404: g.CODE_NOT_FOUND, 429: g.CODE_RATE_LIMITED,
                  415: g.CODE_MEDIA_TYPE, 409: g.CODE_CONFLICT}


def error_response(status: int, detail: str, headers: dict[str, str] | None = None, *, code: str | None = None,
                   pointer: str | None = None, parameter: str | None = None,
                   meta: dict[str, Any] | None = None) -> JsonApiResponse:
    """The sandbox's error answer; also the ``error`` factory given to ``with_faults``."""
    if code is None:
        code = _DEFAULT_CODES.get(status, g.CODE_SERVER if status >= 500 else None)
    body = {"errors": [error_object(status, detail, code=code, pointer=pointer, parameter=parameter, meta=meta)]}
    return JsonApiResponse(body, status_code=status, headers=headers)


def jsonable(value: Any) -> Any:
    """Decimal → JSON number, datetimes → ISO-8601 with offset, dates → YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------------------
# Resource kinds
# ---------------------------------------------------------------------------------------------------------

Linkage = int | list[int] | None


@dataclass(frozen=True)
class Kind:
    type: str
    attribute_names: tuple[str, ...]
    relationship_types: dict[str, str]  # relationship name → related type
    attributes: Callable[[Account, Record], dict[str, Any]]
    relationships: Callable[[Account, Record], dict[str, Linkage]]

    @property
    def scope(self) -> str:
        return g.READ_SCOPES[self.type]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.attribute_names) | frozenset(self.relationship_types)


def _pick(rec: Record, names: Iterable[str]) -> dict[str, Any]:
    return {n: rec.get(n) for n in names}


def _none(acc: Account, rec: Record) -> dict[str, Linkage]:
    return {}


PRODUCT_ATTRIBUTES = ("name", "sku", "ean", "price", "cost", g.PRODUCT_TAX_RATE_FIELD, "quantity",
                      "quantity_physical", "quantity_reserved", "status", "weight", "created_at", "updated_at")
CUSTOMER_ATTRIBUTES = ("type", "first_name", "last_name", "company", g.ORG_NUMBER_FIELD, "email", "phone",
                       "address", "newsletter", "created_at", "updated_at")
STATUS_ATTRIBUTES = ("name", g.STATUS_PUBLIC_NAME_FIELD, g.STATUS_PROPERTY_FIELD, "sort_order", "created_at",
                     "updated_at")
PAYMENT_ATTRIBUTES = ("code", "name", "active", "fee", "fee_tax_rate", "sort_order")
ORDER_ATTRIBUTES = ("created_at", "updated_at", "currency", "currency_value", "language", g.ORDER_CUSTOMER_FIELD,
                    g.ORDER_BILLING_ADDRESS_FIELD, g.ORDER_DELIVERY_ADDRESS_FIELD, g.ORDER_PAYMENT_METHOD_FIELD,
                    g.ORDER_PAYMENT_CODE_FIELD, "shipping_method", "comment", g.ORDER_TOTALS_FIELD,
                    g.INVOICE_NUMBER_FIELD, g.INVOICE_DATE_FIELD)
LINE_ATTRIBUTES = ("sku", "name", "quantity", g.LINE_UNIT_PRICE_FIELD, g.LINE_UNIT_PRICE_INCL_FIELD,
                   g.LINE_TAX_RATE_FIELD, "total_excl_vat", "total_vat", "total_incl_vat")
HISTORY_ATTRIBUTES = ("comment", "notify_customer", "created_at")
WEBHOOK_ATTRIBUTES = (g.WEBHOOK_TOPIC_FIELD, g.WEBHOOK_ADDRESS_FIELD, "created_at", "updated_at")


def _order_rels(acc: Account, rec: Record) -> dict[str, Linkage]:
    return {
        g.REL_ORDER_PRODUCTS: list(rec["_lines"]),
        g.REL_ORDER_STATUS: rec["_status"],
        g.REL_CUSTOMER: rec["_customer"],
        g.REL_PAYMENT_METHOD: rec["_payment"],
    }


def _line_rels(acc: Account, rec: Record) -> dict[str, Linkage]:
    product = rec["_product"] if acc.get(g.PRODUCTS, rec["_product"]) is not None else None
    return {g.REL_ORDER: rec["_order"], g.REL_PRODUCT: product}


def _history_rels(acc: Account, rec: Record) -> dict[str, Linkage]:
    return {g.REL_ORDER: rec["_order"], g.REL_ORDER_STATUS: rec["_status"]}


KINDS: dict[str, Kind] = {
    k.type: k
    for k in (
        Kind(g.PRODUCTS, PRODUCT_ATTRIBUTES, {}, lambda a, r: _pick(r, PRODUCT_ATTRIBUTES), _none),
        Kind(g.CUSTOMERS, CUSTOMER_ATTRIBUTES, {}, lambda a, r: _pick(r, CUSTOMER_ATTRIBUTES), _none),
        Kind(g.ORDER_STATUSES, STATUS_ATTRIBUTES, {}, lambda a, r: _pick(r, STATUS_ATTRIBUTES), _none),
        Kind(g.PAYMENT_METHODS, PAYMENT_ATTRIBUTES, {}, lambda a, r: _pick(r, PAYMENT_ATTRIBUTES), _none),
        Kind(g.ORDERS, ORDER_ATTRIBUTES,
             {g.REL_ORDER_PRODUCTS: g.ORDER_PRODUCTS, g.REL_ORDER_STATUS: g.ORDER_STATUSES,
              g.REL_CUSTOMER: g.CUSTOMERS, g.REL_PAYMENT_METHOD: g.PAYMENT_METHODS},
             lambda a, r: _pick(r, ORDER_ATTRIBUTES), _order_rels),
        Kind(g.ORDER_PRODUCTS, LINE_ATTRIBUTES, {g.REL_ORDER: g.ORDERS, g.REL_PRODUCT: g.PRODUCTS},
             lambda a, r: _pick(r, LINE_ATTRIBUTES), _line_rels),
        Kind(g.ORDER_STATUS_HISTORY, HISTORY_ATTRIBUTES, {g.REL_ORDER: g.ORDERS, g.REL_ORDER_STATUS: g.ORDER_STATUSES},
             lambda a, r: _pick(r, HISTORY_ATTRIBUTES), _history_rels),
        Kind(g.WEBHOOKS, WEBHOOK_ATTRIBUTES, {}, lambda a, r: _pick(r, WEBHOOK_ATTRIBUTES), _none),
    )
}


def self_link(base: str, acc: Account, kind: Kind, record_id: int | None = None) -> str:
    url = f"{base}/shops/{acc.shop}/{kind.type}"
    return url if record_id is None else f"{url}/{record_id}"


def render(acc: Account, kind: Kind, rec: Record, base: str, fields: frozenset[str] | None = None) -> dict[str, Any]:
    """One resource object: ``{type, id, attributes, relationships, links}``."""
    attributes = kind.attributes(acc, rec)
    relationships = kind.relationships(acc, rec)
    if fields is not None:
        attributes = {k: v for k, v in attributes.items() if k in fields}
        relationships = {k: v for k, v in relationships.items() if k in fields}
    out: dict[str, Any] = {"type": kind.type, "id": str(rec["id"]), "attributes": jsonable(attributes)}
    if relationships:
        rels: dict[str, Any] = {}
        for name, linkage in relationships.items():
            related = kind.relationship_types[name]
            if isinstance(linkage, list):
                rels[name] = {"data": [{"type": related, "id": str(i)} for i in linkage]}
            else:
                rels[name] = {"data": None if linkage is None else {"type": related, "id": str(linkage)}}
        out["relationships"] = rels
    out["links"] = {"self": self_link(base, acc, kind, rec["id"])}
    return out


# ---------------------------------------------------------------------------------------------------------
# Query parameters
# ---------------------------------------------------------------------------------------------------------

_FILTER = re.compile(r"^filter\[([^\[\]]+)\]\[(path|value|operator)\]$")


@dataclass(frozen=True)
class Filter:
    name: str
    path: str
    value: str
    operator: str


@dataclass
class Query:
    page_number: int
    page_size: int
    fields: dict[str, frozenset[str]]
    include: list[str]
    filters: list[Filter]
    sort: list[tuple[str, bool]]  # (field, descending)


def _positive_int(raw: str | None, parameter: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, f"The {parameter} parameter must be a positive integer.", parameter=parameter,
                       code=g.CODE_INVALID_PARAMETER)
    return int(raw)


def parse_query(params: Iterable[tuple[str, str]], kind: Kind) -> Query:
    items = list(params)
    q = dict(items)
    number = _positive_int(q.get("page[number]"), "page[number]", 1)
    size = _positive_int(q.get("page[size]"), "page[size]", g.DEFAULT_PAGE_SIZE)
    if size > g.MAX_PAGE_SIZE:
        raise ApiError(400, f"The page[size] parameter may not be greater than {g.MAX_PAGE_SIZE}.",
                       parameter="page[size]", code=g.CODE_INVALID_PARAMETER)
    fields: dict[str, frozenset[str]] = {}
    for key, value in items:
        if key.startswith("fields[") and key.endswith("]"):
            type_name = key[7:-1]
            other = KINDS.get(type_name)
            names = frozenset(v.strip() for v in value.split(",") if v.strip())
            if other is None:
                raise ApiError(g.UNKNOWN_FIELD_STATUS, f"Unknown resource type {type_name!r} in {key}.",
                               parameter=key, code=g.CODE_INVALID_PARAMETER)
            unknown = sorted(names - other.fields)
            if unknown:
                raise ApiError(g.UNKNOWN_FIELD_STATUS, f"Sparse fieldset {key} contains unknown field(s): "
                               f"{', '.join(unknown)}.", parameter=key, code=g.CODE_INVALID_PARAMETER)
            fields[type_name] = names
    include = [p.strip() for p in (q.get("include") or "").split(",") if p.strip()]
    for path in include:
        if path not in kind.relationship_types:
            raise ApiError(400, f"Include path {path!r} is not allowed on {kind.type}.", parameter="include",
                           code=g.CODE_INVALID_PARAMETER)
    parts: dict[str, dict[str, str]] = {}
    for key, value in items:
        match = _FILTER.match(key)
        if match:
            parts.setdefault(match.group(1), {})[match.group(2)] = value
        elif key.startswith("filter"):
            raise ApiError(400, f"Unsupported filter parameter {key!r}; use filter[name][path], "
                           "filter[name][value] and filter[name][operator].", parameter=key,
                           code=g.CODE_INVALID_PARAMETER)
    filters = []
    for name, spec in parts.items():
        path = spec.get("path", name)
        operator = spec.get("operator", g.DEFAULT_FILTER_OPERATOR).lower()
        if operator not in g.FILTER_OPERATORS:
            raise ApiError(400, f"Unknown filter operator {operator!r}.", parameter=f"filter[{name}][operator]",
                           code=g.CODE_INVALID_PARAMETER)
        if "value" not in spec:
            raise ApiError(400, f"filter[{name}][value] is missing.", parameter=f"filter[{name}][value]",
                           code=g.CODE_INVALID_PARAMETER)
        root = path.split(".", 1)[0]
        if root != "id" and root not in kind.fields:
            raise ApiError(400, f"Cannot filter {kind.type} on {path!r}.", parameter=f"filter[{name}][path]",
                           code=g.CODE_INVALID_PARAMETER)
        filters.append(Filter(name, path, spec["value"], operator))
    sort: list[tuple[str, bool]] = []
    for part in (q.get("sort") or "").split(","):
        part = part.strip()
        if not part:
            continue
        desc = part.startswith("-")
        name = part.lstrip("-")
        if name != "id" and name not in kind.attribute_names:
            raise ApiError(400, f"Cannot sort {kind.type} on {name!r}.", parameter="sort",
                           code=g.CODE_INVALID_PARAMETER)
        sort.append((name, desc))
    return Query(number, size, fields, include, filters, sort)


# ---------------------------------------------------------------------------------------------------------
# Filtering and sorting
# ---------------------------------------------------------------------------------------------------------


def _as_datetime(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _value_at(acc: Account, kind: Kind, rec: Record, path: str) -> Any:
    if path == "id":
        return rec["id"]
    root, _, rest = path.partition(".")
    if root in kind.relationship_types:
        linkage = kind.relationships(acc, rec).get(root)
        return linkage
    value: Any = kind.attributes(acc, rec).get(root)
    for part in rest.split(".") if rest else []:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _matches(actual: Any, f: Filter) -> bool:
    if f.operator == "in":
        return any(_matches(actual, Filter(f.name, f.path, v.strip(), "eq")) for v in f.value.split(","))
    if isinstance(actual, list):  # a to-many relationship: any related id
        return any(_matches(a, f) for a in actual)
    if actual is None:
        empty = f.value.lower() in ("", "null")
        return empty if f.operator == "eq" else (not empty if f.operator == "ne" else False)
    if f.operator == "like":
        return f.value.strip("%").lower() in str(actual).lower()
    left: Any
    right: Any
    if isinstance(actual, bool):
        left, right = actual, f.value.lower() in ("1", "true")
    elif isinstance(actual, int | float | Decimal):
        try:
            left, right = Decimal(str(actual)), Decimal(f.value)
        except ArithmeticError as exc:
            raise ApiError(400, f"filter[{f.name}][value] must be a number.", parameter=f"filter[{f.name}][value]",
                           code=g.CODE_INVALID_PARAMETER) from exc
    elif isinstance(actual, datetime):
        right = _as_datetime(f.value)
        if right is None:
            raise ApiError(400, f"filter[{f.name}][value] must be an ISO-8601 date or timestamp.",
                           parameter=f"filter[{f.name}][value]", code=g.CODE_INVALID_PARAMETER)
        left = actual
    else:
        left, right = str(actual), f.value
    if f.operator == "eq":
        return bool(left == right)
    if f.operator == "ne":
        return bool(left != right)
    try:
        if f.operator == "gt":
            return bool(left > right)
        if f.operator == "gte":
            return bool(left >= right)
        if f.operator == "lt":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False


def select(acc: Account, kind: Kind, query: Query) -> list[Record]:
    records = list(acc.records(kind.type))
    for f in query.filters:
        records = [r for r in records if _matches(_value_at(acc, kind, r, f.path), f)]
    for name, desc in reversed(query.sort):
        present = [r for r in records if _value_at(acc, kind, r, name) is not None]
        missing = [r for r in records if _value_at(acc, kind, r, name) is None]
        try:
            present.sort(key=lambda r: _value_at(acc, kind, r, name), reverse=desc)
        except TypeError:
            present.sort(key=lambda r: str(_value_at(acc, kind, r, name)), reverse=desc)
        records = present + missing
    return records


# ---------------------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------------------


def related_records(acc: Account, kind: Kind, records: list[Record], include: list[str]) -> list[tuple[Kind, Record]]:
    seen: set[tuple[str, int]] = set()
    out: list[tuple[Kind, Record]] = []
    for rec in records:
        rels = kind.relationships(acc, rec)
        for path in include:
            related = KINDS[kind.relationship_types[path]]
            linkage = rels.get(path)
            ids = linkage if isinstance(linkage, list) else ([] if linkage is None else [linkage])
            for rid in ids:
                other = acc.get(related.type, rid)
                if other is not None and (related.type, rid) not in seen:
                    seen.add((related.type, rid))
                    out.append((related, other))
    return out


def document(acc: Account, kind: Kind, data: Record | list[Record], base: str, query: Query | None = None,
             *, links: dict[str, str] | None = None, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    fields = query.fields if query else {}
    include = query.include if query else []
    records = data if isinstance(data, list) else [data]
    rendered = [render(acc, kind, r, base, fields.get(kind.type)) for r in records]
    doc: dict[str, Any] = {"jsonapi": {"version": "1.0"}}
    if meta is not None:
        doc["meta"] = meta
    doc["links"] = links or {"self": self_link(base, acc, kind, None if isinstance(data, list) else data["id"])}
    doc["data"] = rendered if isinstance(data, list) else rendered[0]
    if include:
        doc["included"] = [render(acc, k, r, base, fields.get(k.type))
                           for k, r in related_records(acc, kind, records, include)]
    return doc


def page_document(acc: Account, kind: Kind, records: list[Record], base: str, query: Query,
                  params: list[tuple[str, str]]) -> dict[str, Any]:
    """One page of a list, with ``meta.page`` and first/last/prev/next links (prev/next only when they exist)."""
    total = len(records)
    size = query.page_size
    last = max(1, math.ceil(total / size))
    number = query.page_number
    if number > last and number > 1:
        raise ApiError(g.PAGE_PAST_END_STATUS, f"Page {number} does not exist; the last page is {last}.",
                       parameter="page[number]")
    chunk = records[(number - 1) * size: number * size]
    kept = [(k, v) for k, v in params if k not in ("page[number]", "page[size]")]

    def link(page: int) -> str:
        query_string = urlencode([*kept, ("page[number]", str(page)), ("page[size]", str(size))])
        return f"{self_link(base, acc, kind)}?{query_string}"

    links = {"self": link(number), "first": link(1), "last": link(last)}
    if number > 1:
        links["prev"] = link(number - 1)
    if number < last:
        links["next"] = link(number + 1)
    start = (number - 1) * size
    meta = {g.PAGE_META_KEY: {"current-page": number, "per-page": size, "from": start + 1 if chunk else None,
                              "to": start + len(chunk) if chunk else None, "total": total, "last-page": last}}
    return document(acc, kind, chunk, base, query, links=links, meta=meta)
