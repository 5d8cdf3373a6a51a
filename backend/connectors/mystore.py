"""Mystore (Acendy) API v2 client (``reference/mystore/API.md``).

- Base URL is the API host (``https://api.mystore.no`` or the sandbox's ``.../sandbox/mystore``); every
  resource lives under ``shops/{shop}/``.
- Bearer personal access token on every call; the token is a secret (never in errors or recorded exchanges).
  A token carries scopes; a call outside them is a 403, raised as ``AuthError`` whose ``code`` is
  ``insufficient_scope`` and whose ``details[0]["meta"]`` names the missing scope. ``probe_scopes`` checks
  each read scope the integration needs, so that onboarding can say exactly which one is missing.
- JSON:API (``application/vnd.api+json``): resources are flattened into plain dicts (``id``, ``type``,
  the attributes, and each relationship replaced by the related resource when the answer ``included`` it,
  else by ``{"id", "type"}``). Orders are further normalised (``normalise_order``): lines with Decimal
  amounts, shipping and payment fees as lines of their own, the customer block, payment method and
  status with its property.
- Lists are async iterators that follow ``links.next`` (only on the API's own origin, so that the token never
  travels elsewhere) and stop when it is missing, or on a 404 past the first page.
- Errors are JSON:API ``errors`` objects: the first one's ``detail``/``code``/``source`` become the typed
  error's message/code/field (match on status and code, never on the text); all go to ``details``.
- 120 requests per minute per token: the rate-limit key is a hash of the token, so that every worker using
  the same limiter store shares one budget.
- ``verify_webhook`` checks ``X-No-Mystore-Hmac-Sha256`` (base64 HMAC-SHA256 of the raw body with the shop's
  webhook secret) in constant time; the gateway's webhook route uses it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

from backend.connectors.base import (
    AuthError,
    ConnectorError,
    ExchangeHook,
    HttpConnector,
    NotFoundError,
    PermanentError,
    RateLimiter,
    scrub,
)

# =========================================================================================================
# Assumptions about Mystore's wire format
# ---------------------------------------------------------------------------------------------------------
# The public reference confirms little beyond the base URL, JSON:API, paging, the filter syntax, product
# attributes, the 120/min budget and the webhook headers. Everything else below is the same guess the sandbox
# makes (``backend/sandbox/mystore/guesses.py``), restated here on purpose and NOT imported from there: when
# the real blueprint is at hand, this section and that module are the two places to correct.
# =========================================================================================================
MEDIA_TYPE = "application/vnd.api+json"
DEFAULT_PAGE_SIZE = 50  # [3p] clients use 50 and 100
MAX_PAGE_SIZE = 100  # [INF]

# Resource slugs (= JSON:API types) and relationship names [INF except products]
PRODUCTS = "products"
ORDERS = "orders"
ORDER_PRODUCTS = "order-products"
ORDER_STATUSES = "order-statuses"
CUSTOMERS = "customers"
PAYMENT_METHODS = "payment-methods"
WEBHOOKS = "webhooks"
REL_ORDER_PRODUCTS = "order-products"
REL_ORDER_STATUS = "order-status"
REL_CUSTOMER = "customer"
REL_PAYMENT_METHOD = "payment-method"
REL_PRODUCT = "product"
# What get_order / iter_orders ask to be included: lines and status (scopes read:order-products and
# read:order-status). The customer block and payment method are attributes of the order itself.
ORDER_INCLUDE = (REL_ORDER_PRODUCTS, REL_ORDER_STATUS)

# Read scopes per resource ([V] Lipscore's list, except read:customers and read:payment-methods [INF]), and
# the write scopes the gateway uses [INF].
READ_SCOPES = {
    ORDERS: "read:orders",
    ORDER_PRODUCTS: "read:order-products",
    ORDER_STATUSES: "read:order-status",
    PAYMENT_METHODS: "read:payment-methods",
    CUSTOMERS: "read:customers",
    PRODUCTS: "read:products",
    WEBHOOKS: "read:webhooks",
}
WRITE_WEBHOOKS_SCOPE = "write:webhooks"
WRITE_ORDERS_SCOPE = "write:orders"
INSUFFICIENT_SCOPE_CODE = "insufficient_scope"
REQUIRED_SCOPE_META = "required_scope"

# Order statuses: the behaviour hangs on the status's PROPERTY, never on its name [V: S-status].
STATUS_PROPERTY_FIELD = "property"
STATUS_PUBLIC_NAME_FIELD = "public_name"
PROPERTY_STANDARD = "standard"
PROPERTY_COMPLETED = "completed"
PROPERTY_CANCELLED = "cancelled"

# Orders [INF]: customer block, addresses, payment method (text + module code), osCommerce-style totals
ORDER_CUSTOMER_FIELD = "customer_details"
CUSTOMER_NUMBER_FIELD = "number"
CUSTOMER_TYPE_FIELD = "type"
CUSTOMER_TYPE_BUSINESS = "business"
ORG_NUMBER_FIELD = "organisation_number"
ORDER_BILLING_ADDRESS_FIELD = "billing_address"
ORDER_DELIVERY_ADDRESS_FIELD = "delivery_address"
ORDER_PAYMENT_METHOD_FIELD = "payment_method"
ORDER_PAYMENT_CODE_FIELD = "payment_method_code"
ORDER_TOTALS_FIELD = "totals"
TOTAL_SHIPPING = "shipping"
TOTAL_PAYMENT_FEE = "payment_fee"
TOTAL_TAX = "tax"
TOTAL_TOTAL = "total"
CHARGE_TOTALS = (TOTAL_SHIPPING, TOTAL_PAYMENT_FEE)  # totals that become lines of their own
INVOICE_NUMBER_FIELD = "invoice_number"  # set once the accounting side has booked the order
# Order lines [INF]: unit price excl. VAT (4 decimals), incl. VAT, VAT rate in percent
LINE_UNIT_PRICE_FIELD = "unit_price"
LINE_UNIT_PRICE_INCL_FIELD = "unit_price_incl_vat"
LINE_TAX_RATE_FIELD = "tax_rate"
# Webhooks [INF]: subscription attributes; [V] headers
WEBHOOK_TOPIC_FIELD = "topic"
WEBHOOK_ADDRESS_FIELD = "address"
TOPIC_ORDERS_CREATE = "orders/create"
TOPIC_ORDERS_UPDATE = "orders/update"
HEADER_TOPIC = "X-No-Mystore-Topic"
HEADER_HOST = "X-No-Mystore-Host"
HEADER_HMAC = "X-No-Mystore-Hmac-Sha256"
# =========================================================================================================


def sign_webhook(raw_body: bytes, secret: str) -> str:
    """The ``X-No-Mystore-Hmac-Sha256`` value for ``raw_body``: base64(HMAC-SHA256(secret as UTF-8, body))."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()).decode("ascii")


def verify_webhook(raw_body: bytes, header_value: str | None, secret: str) -> bool:
    """Whether ``header_value`` (``X-No-Mystore-Hmac-Sha256``) signs ``raw_body`` with ``secret``.

    Constant-time comparison. A missing or empty header, or an empty secret, is never valid. The body must
    be the exact bytes received (not re-serialised JSON).
    """
    if not header_value or not secret:
        return False
    expected = sign_webhook(raw_body, secret).encode("ascii")
    return hmac.compare_digest(expected, header_value.strip().encode("utf-8"))


# ---------------------------------------------------------------------------------------------------------
# JSON:API parsing (pure functions: usable on webhook bodies too)
# ---------------------------------------------------------------------------------------------------------
Resource = dict[str, Any]
Index = dict[tuple[str, str], Resource]


def included_index(doc: Mapping[str, Any]) -> Index:
    """``included`` resources by (type, id)."""
    out: Index = {}
    for res in doc.get("included") or []:
        if isinstance(res, dict) and "type" in res and "id" in res:
            out[(str(res["type"]), str(res["id"]))] = res
    return out


def flatten(resource: Mapping[str, Any], index: Index | None = None, *, depth: int = 1) -> dict[str, Any]:
    """A resource object as one dict: ``id``, ``type``, the attributes, and each relationship as the related
    resource (flattened, from ``index``) or ``{"id", "type"}`` when it was not included; to-many as lists."""
    index = index or {}
    out: dict[str, Any] = {"id": str(resource.get("id")), "type": resource.get("type")}
    out.update(resource.get("attributes") or {})

    def resolve(ref: Any) -> Any:
        if not isinstance(ref, dict):
            return None
        key = (str(ref.get("type")), str(ref.get("id")))
        related = index.get(key)
        if related is not None and depth > 0:
            return flatten(related, index, depth=depth - 1)
        return {"id": key[1], "type": key[0]}

    for name, rel in (resource.get("relationships") or {}).items():
        if not isinstance(rel, dict) or "data" not in rel:
            continue
        data = rel["data"]
        out[name] = [resolve(r) for r in data] if isinstance(data, list) else resolve(data)
    return out


def parse_document(doc: Mapping[str, Any]) -> dict[str, Any] | list[dict[str, Any]]:
    """A JSON:API document's primary data, flattened (a dict for one resource, a list for a collection)."""
    index = included_index(doc)
    data = doc.get("data")
    if isinstance(data, list):
        return [flatten(r, index) for r in data if isinstance(r, dict)]
    if isinstance(data, dict):
        return flatten(data, index)
    raise ValueError("not a JSON:API document with data")


def text_of(value: Any, language: str = "no") -> str | None:
    """A per-language text (``{"no": "..."}``, as product names are) in ``language``, else the first one."""
    if isinstance(value, dict):
        chosen = value.get(language) or next((v for v in value.values() if v), None)
        return None if chosen is None else str(chosen)
    return None if value is None else str(value)


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _str_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def normalise_status(status: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An order status with its property and the flags the gateway decides on."""
    if status is None:
        return None
    # a status that was not included is only {"id", "type"}: its property is unknown (None), not "not completed"
    prop = status.get(STATUS_PROPERTY_FIELD)
    return {
        "id": str(status.get("id")),
        "name": status.get("name"),
        "public_name": status.get(STATUS_PUBLIC_NAME_FIELD),
        "property": prop,
        "is_standard": prop == PROPERTY_STANDARD if prop is not None else None,
        "is_completed": prop == PROPERTY_COMPLETED if prop is not None else None,
        "is_cancelled": prop == PROPERTY_CANCELLED if prop is not None else None,
        "sort_order": status.get("sort_order"),
    }


def _address(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    return {
        "name": raw.get("name"),
        "company": raw.get("company"),
        "street": raw.get("street_address"),
        "street2": raw.get("street_address_2"),
        "postal_code": raw.get("postcode"),
        "city": raw.get("city"),
        "country": raw.get("country_code"),
    }


def _full_name(first: Any, last: Any) -> str:
    return " ".join(str(p) for p in (first, last) if p)


def _line(flat: Mapping[str, Any]) -> dict[str, Any]:
    product = flat.get(REL_PRODUCT)
    quantity = _dec(flat.get("quantity")) or Decimal(0)
    incl = _dec(flat.get("total_incl_vat"))
    excl = _dec(flat.get("total_excl_vat"))
    return {
        "kind": "product",
        "id": str(flat.get("id")),
        "product_id": str(product["id"]) if isinstance(product, dict) else None,
        "sku": _str_or_none(flat.get("sku")),
        "name": flat.get("name"),
        "quantity": quantity,
        "unit_price_excl_vat": _dec(flat.get(LINE_UNIT_PRICE_FIELD)),
        "unit_price_incl_vat": _dec(flat.get(LINE_UNIT_PRICE_INCL_FIELD)),
        "vat_rate": _dec(flat.get(LINE_TAX_RATE_FIELD)),
        "total_excl_vat": excl,
        "total_vat": _dec(flat.get("total_vat")),
        "total_incl_vat": incl,
    }


def _charge(total: Mapping[str, Any]) -> dict[str, Any]:
    incl = _dec(total.get("value")) or Decimal(0)
    excl = _dec(total.get("value_excl_vat"))
    excl = incl if excl is None else excl
    return {
        "kind": str(total.get("code")),
        "id": None,
        "product_id": None,
        "sku": None,
        "name": total.get("title"),
        "quantity": Decimal(1),
        "unit_price_excl_vat": excl,
        "unit_price_incl_vat": incl,
        "vat_rate": _dec(total.get("tax_rate")),
        "total_excl_vat": excl,
        "total_vat": incl - excl,
        "total_incl_vat": incl,
    }


def normalise_order(flat: Mapping[str, Any]) -> dict[str, Any]:
    """A flattened order (lines and status included) as the gateway reads it.

    ``lines`` holds the product lines in order, then shipping and payment fees as lines of their own
    (``kind`` "shipping" / "payment_fee", quantity 1); amounts are ``Decimal``. ``customer.number`` is the
    shop's customer number as text, None for a guest checkout. ``raw`` is the flattened JSON:API order.
    """
    raw_block = flat.get(ORDER_CUSTOMER_FIELD)
    block: dict[str, Any] = raw_block if isinstance(raw_block, dict) else {}
    kind = block.get(CUSTOMER_TYPE_FIELD)
    company = block.get("company")
    person = _full_name(block.get("first_name"), block.get("last_name"))
    number = block.get(CUSTOMER_NUMBER_FIELD)
    customer = {
        "number": None if number is None else str(number),
        "type": kind,
        "is_business": kind == CUSTOMER_TYPE_BUSINESS,
        "name": company if kind == CUSTOMER_TYPE_BUSINESS and company else person or company,
        "first_name": block.get("first_name"),
        "last_name": block.get("last_name"),
        "company": company,
        "organisation_number": _str_or_none(block.get(ORG_NUMBER_FIELD)),
        "email": block.get("email"),
        "phone": block.get("phone"),
        "billing_address": _address(flat.get(ORDER_BILLING_ADDRESS_FIELD)),
        "delivery_address": _address(flat.get(ORDER_DELIVERY_ADDRESS_FIELD)),
    }
    raw_lines = flat.get(REL_ORDER_PRODUCTS)
    if not isinstance(raw_lines, list) or any(not isinstance(x, dict) or "quantity" not in x for x in raw_lines):
        raise ValueError(f"the lines of order {flat.get('id')} were not included in the document")
    totals = [t for t in flat.get(ORDER_TOTALS_FIELD) or [] if isinstance(t, dict)]
    totals.sort(key=lambda t: t.get("sort_order") or 0)
    lines = [_line(x) for x in raw_lines] + [_charge(t) for t in totals if t.get("code") in CHARGE_TOTALS]
    by_code = {str(t.get("code")): t for t in totals}
    grand = by_code.get(TOTAL_TOTAL, {})
    total_incl = _dec(grand.get("value"))
    total_excl = _dec(grand.get("value_excl_vat"))
    status_ref = flat.get(REL_ORDER_STATUS)
    status = normalise_status(status_ref) if isinstance(status_ref, dict) else None
    method_ref = flat.get(REL_PAYMENT_METHOD)
    return {
        "id": str(flat.get("id")),
        "number": str(flat.get("id")),
        "created_at": flat.get("created_at"),
        "updated_at": flat.get("updated_at"),
        "currency": flat.get("currency"),
        "status": status,
        "payment_method": {
            "id": str(method_ref["id"]) if isinstance(method_ref, dict) else None,
            "code": flat.get(ORDER_PAYMENT_CODE_FIELD),
            "name": flat.get(ORDER_PAYMENT_METHOD_FIELD),
        },
        "customer": customer,
        "lines": lines,
        "shipping_method": flat.get("shipping_method"),
        "comment": flat.get("comment"),
        "total_excl_vat": total_excl,
        "total_vat": _dec(by_code.get(TOTAL_TAX, {}).get("value")) if TOTAL_TAX in by_code else
        (total_incl - total_excl if total_incl is not None and total_excl is not None else None),
        "total_incl_vat": total_incl,
        "invoice_number": flat.get(INVOICE_NUMBER_FIELD),
        "raw": dict(flat),
    }


def normalise_customer(flat: Mapping[str, Any]) -> dict[str, Any]:
    kind = flat.get(CUSTOMER_TYPE_FIELD)
    company = flat.get("company")
    person = _full_name(flat.get("first_name"), flat.get("last_name"))
    return {
        **flat,
        "number": str(flat.get("id")),
        "is_business": kind == CUSTOMER_TYPE_BUSINESS,
        "name": company if kind == CUSTOMER_TYPE_BUSINESS and company else person or company,
        "organisation_number": _str_or_none(flat.get(ORG_NUMBER_FIELD)),
        "address": _address(flat.get("address")),
    }


def _filter_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def filter_params(filters: Mapping[str, Any]) -> dict[str, str]:
    """Mystore's filter syntax: ``name=value`` → ``filter[name][path]=name&filter[name][value]=value`` (eq);
    ``name=(operator, value)`` for another operator (``gte``, ``lte``, ``in`` ...). A ``name`` may use a
    ``path`` other than itself with ``name=(operator, value, path)``."""
    out: dict[str, str] = {}
    for name, spec in filters.items():
        if spec is None:
            continue
        operator, value, path = "eq", spec, name
        if isinstance(spec, tuple):
            operator, value = spec[0], spec[1]
            path = spec[2] if len(spec) > 2 else name
        out[f"filter[{name}][path]"] = path
        out[f"filter[{name}][value]"] = _filter_value(value)
        out[f"filter[{name}][operator]"] = operator
    return out




def _pointer_field(source: Any) -> str | None:
    if not isinstance(source, dict):
        return None
    pointer = source.get("pointer")
    if isinstance(pointer, str) and pointer:
        for prefix in ("/data/attributes/", "/data/relationships/", "/data/"):
            if pointer.startswith(prefix):
                return pointer[len(prefix):].split("/", 1)[0] or pointer
        return pointer
    parameter = source.get("parameter")
    return str(parameter) if parameter else None


def _split(url: str) -> tuple[str, dict[str, Any]]:
    """A link as (URL without query, query parameters): the HTTP layer replaces a URL's own query with the
    ``params`` it is given, so a ``links.next`` must travel as path + params."""
    parts = urlsplit(url)
    params: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), params


# ---------------------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------------------


class MystoreClient(HttpConnector):
    system = "mystore"

    def __init__(
        self,
        base_url: str,
        shop: str,
        token: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float | None = None,
        rate_limiter: RateLimiter | None = None,
        on_exchange: ExchangeHook | None = None,
    ) -> None:
        key = "mystore:" + hashlib.sha256(token.encode()).hexdigest()[:16]
        super().__init__(base_url, http=http, timeout=timeout, rate_limiter=rate_limiter, rate_limit_key=key,
                         on_exchange=on_exchange)
        self.shop = shop.strip().strip("/")
        self._token = token
        self._remember_secret(token)

    async def __aenter__(self) -> MystoreClient:
        return self

    @property
    def token(self) -> str:
        return self._token

    @property
    def shop_url(self) -> str:
        return f"{self.base_url}/shops/{self.shop}"

    async def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _error_from_response(self, response: httpx.Response, body: Any) -> ConnectorError:
        status = response.status_code
        message = f"HTTP {status}"
        code: str | None = None
        field: str | None = None
        details: list[dict[str, Any]] = []
        if isinstance(body, dict):
            errors = body.get("errors")
            if isinstance(errors, list) and errors:
                for err in errors:
                    if not isinstance(err, dict):
                        continue
                    details.append(scrub({k: err.get(k) for k in ("status", "code", "title", "detail", "source",
                                                                  "meta") if k in err}, self._secrets))
                first = next((e for e in errors if isinstance(e, dict)), {})
                message = str(first.get("detail") or first.get("title") or message)
                code = _str_or_none(first.get("code"))
                field = _pointer_field(first.get("source"))
            elif body.get("message"):  # a plain ``{"message": ...}`` (API.md §2: clients read both)
                message = str(body["message"])
        return self._classify(status, message, response, code=code, field=field, details=details)

    # -- plumbing --------------------------------------------------------------------------------------------
    def _path(self, *parts: str | int) -> str:
        return "/".join(["shops", self.shop, *(str(p) for p in parts)])

    async def _doc(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                   data: dict[str, Any] | None = None, expect: tuple[int, ...] = (200, 201, 204)) -> dict[str, Any]:
        headers = {"Accept": MEDIA_TYPE}
        if data is not None:
            headers["Content-Type"] = MEDIA_TYPE
        response = await self._send(method, path, params=params, headers=headers, expect=expect,
                                    json_body={"data": data} if data is not None else None)
        if not response.content:
            return {}
        body = response.json()
        if not isinstance(body, dict):
            raise PermanentError(self.system, f"unexpected answer to {method} {path}", status=response.status_code)
        return body

    def _one(self, doc: Mapping[str, Any], what: str) -> dict[str, Any]:
        """The single resource of a document, flattened; anything else is a PermanentError."""
        try:
            parsed = parse_document(doc)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise PermanentError(self.system, f"Mystore answered {what} without a single resource")
        return parsed

    async def _get_one(self, path: str, include: tuple[str, ...] = ()) -> dict[str, Any] | None:
        params = {"include": ",".join(include)} if include else None
        try:
            doc = await self._doc("GET", path, params=params)
        except NotFoundError:
            return None
        return self._one(doc, f"GET {path}")

    def _same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self.base_url), urlsplit(url)
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc) and \
            theirs.path.startswith(mine.path.rstrip("/") + "/shops/")

    async def _paginate(self, resource: str, params: Mapping[str, Any] | None = None, *,
                        page_size: int | None = None,
                        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                        ) -> AsyncIterator[dict[str, Any]]:
        """Every resource of a list: follow ``links.next`` until it is missing (or a page past the end is 404).

        A ``next`` link on another origin is not followed (the token would go with it): the next page is then
        asked for by number on the API's own URL."""
        size = max(1, min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))
        base_params = {k: v for k, v in (params or {}).items() if v is not None}
        number = 1
        url: str | None = None
        asked: set[str] = set()
        while True:
            if url is None:
                path, query = self._path(resource), {**base_params, "page[number]": number, "page[size]": size}
            else:
                path, query = _split(url)
            key = f"{path}?{sorted(query.items())}"
            if key in asked:
                raise PermanentError(self.system, f"pagination of {resource} loops back to a page already read")
            asked.add(key)
            try:
                doc = await self._doc("GET", path, params=query)
            except NotFoundError:
                if number > 1:
                    return
                raise
            index = included_index(doc)
            data = doc.get("data")
            items = [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []
            for item in items:
                flat = flatten(item, index)
                yield transform(flat) if transform else flat
            links = doc.get("links")
            nxt = links.get("next") if isinstance(links, dict) else None
            if not items or not isinstance(nxt, str) or not nxt:
                return
            number += 1
            url = nxt if self._same_origin(nxt) else None

    # -- orders -------------------------------------------------------------------------------------------
    def _order(self, flat: dict[str, Any]) -> dict[str, Any]:
        try:
            return normalise_order(flat)
        except ValueError as exc:  # Mystore left out what ``include`` asked for
            raise PermanentError(self.system, str(exc)) from exc

    async def get_order(self, order_id: int | str) -> dict[str, Any] | None:
        """One order with its lines, customer block, payment method and status (``normalise_order``);
        None when Mystore answers 404."""
        flat = await self._get_one(self._path(ORDERS, order_id), ORDER_INCLUDE)
        return None if flat is None else self._order(flat)

    def iter_orders(self, *, page_size: int | None = None, updated_since: datetime | date | str | None = None,
                    created_since: datetime | date | str | None = None, status_id: int | str | None = None,
                    sort: str | None = None, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        """Orders (normalised like ``get_order``, lines included), oldest first unless ``sort`` says otherwise.

        ``updated_since``/``created_since`` (inclusive) and ``status_id`` are shorthands; other ``filters``
        use Mystore's syntax (see ``filter_params``), e.g. ``payment_method_code="vipps"``."""
        spec: dict[str, Any] = dict(filters)
        if updated_since is not None:
            spec["updated_since"] = ("gte", updated_since, "updated_at")
        if created_since is not None:
            spec["created_since"] = ("gte", created_since, "created_at")
        if status_id is not None:
            spec["status"] = ("eq", status_id, REL_ORDER_STATUS)
        params: dict[str, Any] = {**filter_params(spec), "include": ",".join(ORDER_INCLUDE)}
        if sort:
            params["sort"] = sort
        return self._paginate(ORDERS, params, page_size=page_size, transform=self._order)

    async def set_order_status(self, order_id: int | str, status_id: int | str, *, comment: str | None = None,
                               notify_customer: bool = False) -> dict[str, Any]:
        """Move an order to another status, as the shop owner would (Mystore then fires ``orders/update``)."""
        data: dict[str, Any] = {
            "type": ORDERS,
            "id": str(order_id),
            "relationships": {REL_ORDER_STATUS: {"data": {"type": ORDER_STATUSES, "id": str(status_id)}}},
            "meta": {"notify_customer": notify_customer, **({"comment": comment} if comment else {})},
        }
        doc = await self._doc("PATCH", self._path(ORDERS, order_id), params={"include": ",".join(ORDER_INCLUDE)},
                              data=data)
        return self._order(self._one(doc, "the status change"))

    async def list_order_statuses(self) -> list[dict[str, Any]]:
        """Every order status with its ``property`` and ``is_completed``/``is_cancelled``/``is_standard``."""
        return [s async for s in self._paginate(ORDER_STATUSES, page_size=MAX_PAGE_SIZE,
                                                transform=lambda r: normalise_status(r) or {})]

    async def list_payment_methods(self) -> list[dict[str, Any]]:
        def money(flat: dict[str, Any]) -> dict[str, Any]:
            return {**flat, "fee": _dec(flat.get("fee")), "fee_tax_rate": _dec(flat.get("fee_tax_rate"))}

        return [p async for p in self._paginate(PAYMENT_METHODS, page_size=MAX_PAGE_SIZE, transform=money)]

    # -- customers and products ----------------------------------------------------------------------------
    async def get_customer(self, customer_id: int | str) -> dict[str, Any] | None:
        """A registered customer (its id is the shop's customer number); None when Mystore answers 404."""
        flat = await self._get_one(self._path(CUSTOMERS, customer_id))
        return None if flat is None else normalise_customer(flat)

    def iter_customers(self, *, page_size: int | None = None, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        return self._paginate(CUSTOMERS, filter_params(filters), page_size=page_size, transform=normalise_customer)

    def iter_products(self, *, page_size: int | None = None, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        """Products, flattened as Mystore sends them (``name`` is per language: see ``text_of``)."""
        return self._paginate(PRODUCTS, filter_params(filters), page_size=page_size)

    # -- scopes (the connection test) ----------------------------------------------------------------------
    async def probe_scopes(self, resources: tuple[str, ...] = (ORDERS, ORDER_PRODUCTS, ORDER_STATUSES,
                                                                PAYMENT_METHODS)) -> dict[str, bool]:
        """For each resource's read scope: does the token have it? One cheap GET each (``page[size]=1``); a 403
        with ``insufficient_scope`` means no. Other errors (401, 5xx, timeouts) are raised."""
        out: dict[str, bool] = {}
        for resource in resources:
            scope = READ_SCOPES[resource]
            try:
                await self._doc("GET", self._path(resource), params={"page[size]": 1})
                out[scope] = True
            except AuthError as exc:
                if exc.status != 403:
                    raise
                out[scope] = False
        return out

    # -- webhooks -----------------------------------------------------------------------------------------
    async def list_webhooks(self) -> list[dict[str, Any]]:
        return [w async for w in self._paginate(WEBHOOKS, page_size=MAX_PAGE_SIZE)]

    async def ensure_webhook(self, topic: str, address: str) -> dict[str, Any]:
        """Subscribe ``address`` to ``topic`` unless it already is; return the subscription. Deliveries are
        signed with the shop's webhook secret (given by the user, not by this call)."""
        for hook in await self.list_webhooks():
            if hook.get(WEBHOOK_TOPIC_FIELD) == topic and hook.get(WEBHOOK_ADDRESS_FIELD) == address:
                return hook
        doc = await self._doc("POST", self._path(WEBHOOKS), data={
            "type": WEBHOOKS, "attributes": {WEBHOOK_TOPIC_FIELD: topic, WEBHOOK_ADDRESS_FIELD: address}})
        return self._one(doc, "the webhook subscription")

    async def delete_webhook(self, webhook_id: int | str) -> None:
        """Unsubscribe; one that is already gone counts as deleted."""
        try:
            await self._doc("DELETE", self._path(WEBHOOKS, webhook_id))
        except NotFoundError:
            return
