"""Tripletex API v2 client: session tokens, Basic auth, ApiError parsing, ``from``/``count`` paging.

Authentication (Tripletex docs, ``reference/tripletex/ENDPOINTS.md`` §1): a session token is created from the
consumer and employee token with ``POST /token/session/:create`` and sent as HTTP Basic ``<companyId>:<token>``
(company 0 = the token owner's own company). It dies at midnight on its ``expirationDate``, so the client
renews it when ``expirationDate <= today`` and re-creates it once when a call answers 401. Sessions are kept
in a ``SessionCache`` (shared by all workers in production) under a key that is a hash of the tokens; one
``asyncio.Lock`` per key makes concurrent calls create only one session.

Errors are Tripletex's ``ApiError`` (``status``, ``code``, ``message``, ``validationMessages[{field, message,
path}]``, ``requestId``), turned into the typed errors of ``base``: match them on status/code/field, never on
the message (it comes in the token owner's language).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import date, timedelta
from typing import Any, Protocol

import httpx

from backend.connectors.base import (
    AuthError,
    ConnectorError,
    ExchangeHook,
    HttpConnector,
    NotFoundError,
    RateLimiter,
    ValidationError,
    redact_text,
)

DateLike = date | str
# What to ask for when nested data is needed: the order/invoice with its lines expanded.
WITH_LINES = "*,orderLines(*)"


class SessionCache(Protocol):
    """Where session tokens live between calls (and between workers): key → (token, expirationDate)."""

    async def get(self, key: str) -> tuple[str, date] | None: ...

    async def set(self, key: str, token: str, expiration_date: date) -> None: ...


class InMemorySessionCache:
    """A ``SessionCache`` in this process only (tests, the CLI, a single worker)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, date]] = {}

    async def get(self, key: str) -> tuple[str, date] | None:
        return self._data.get(key)

    async def set(self, key: str, token: str, expiration_date: date) -> None:
        self._data[key] = (token, expiration_date)


# One lock per session key and event loop (a lock must not outlive the loop it was made on).
_LOCKS: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = {}


def _session_lock(key: str) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    held = _LOCKS.get(key)
    if held is None or held[0] is not loop:
        held = (loop, asyncio.Lock())
        _LOCKS[key] = held
    return held[1]


# Tripletex refuses a search that matches more than 10,000 objects (422, code 23000), whatever ``count`` is
# [reference/tripletex/ENDPOINTS.md, "Result set too large", from Tripletex's FAQ]. Products can be narrowed by
# price (the spec's ``priceExcludingVatCurrencyFrom`` — from and including — and ``...To`` — to and excluding), so
# ``iter_products`` reads them in price ranges. Customers and suppliers have no published filter that splits a
# list into ranges (``id`` and ``customerAccountNumber`` take lists of known values): a company with more than
# 10,000 active customers cannot be listed, and callers get the 23000 error to explain.
RESULT_SET_TOO_LARGE = "23000"
PRICE_DECADES: tuple[tuple[float, float], ...] = (
    (-1e15, 0.0), (0.0, 10.0), (10.0, 100.0), (100.0, 1_000.0), (1_000.0, 10_000.0), (10_000.0, 100_000.0),
    (100_000.0, 1e15),
)
MIN_PRICE_STEP = 0.02  # below this a range is not split again (the products share one price)


def session_key(consumer_token: str, employee_token: str) -> str:
    """The cache key of a token pair: a hash, so that nothing secret is ever a key."""
    return hashlib.sha256(f"{consumer_token}\n{employee_token}".encode()).hexdigest()


def _iso(value: DateLike) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _flag(value: bool) -> str:
    return "true" if value else "false"


class TripletexClient(HttpConnector):
    system = "tripletex"

    def __init__(
        self,
        base_url: str,
        consumer_token: str,
        employee_token: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float | None = None,
        rate_limiter: RateLimiter | None = None,
        on_exchange: ExchangeHook | None = None,
        session_cache: SessionCache | None = None,
        company_id: int = 0,
        session_days: int = 1,
        today: Callable[[], date] | None = None,
    ) -> None:
        """``base_url`` ends in ``/v2``. ``session_days``: how many days ahead new sessions expire (≥ 1).
        ``today``: the clock that decides when a cached session is too old (tests move it)."""
        self.session_key = session_key(consumer_token, employee_token)
        super().__init__(base_url, http=http, timeout=timeout, rate_limiter=rate_limiter,
                         rate_limit_key=f"tripletex:{self.session_key[:16]}", on_exchange=on_exchange)
        self._consumer_token = consumer_token
        self._employee_token = employee_token
        self._remember_secret(consumer_token, employee_token)
        self.company_id = company_id
        self.session_cache: SessionCache = session_cache if session_cache is not None else InMemorySessionCache()
        self.session_days = max(1, session_days)
        self._today = today or date.today
        self.sessions_created = 0
        self._employee_id: int | None = None

    async def __aenter__(self) -> TripletexClient:
        return self

    # -- sessions ------------------------------------------------------------------------------------------
    def _usable(self, cached: tuple[str, date] | None, stale: str | None) -> bool:
        return cached is not None and cached[0] != stale and cached[1] > self._today()

    async def session_token(self, *, stale: str | None = None) -> str:
        """A valid session token: the cached one unless it expires today (or is ``stale``), else a new one."""
        cached = await self.session_cache.get(self.session_key)
        if cached is not None and self._usable(cached, stale):
            self._remember_secret(cached[0])
            return cached[0]
        # one creation at a time per credential: in this process, and across processes when the cache has a lock
        shared_lock = getattr(self.session_cache, "lock", None)
        async with _session_lock(self.session_key), (
                shared_lock(self.session_key) if shared_lock is not None else contextlib.nullcontext()):
            cached = await self.session_cache.get(self.session_key)
            if cached is not None and self._usable(cached, stale):
                self._remember_secret(cached[0])
                return cached[0]
            token, expiration = await self._create_session()
            await self.session_cache.set(self.session_key, token, expiration)
            return token

    async def _create_session(self) -> tuple[str, date]:
        expiration = self._today() + timedelta(days=self.session_days)
        response = await self._send(
            "POST", "token/session/:create", auth=False, expect=(200, 201),
            json_body={"consumerToken": self._consumer_token, "employeeToken": self._employee_token,
                       "expirationDate": expiration.isoformat()})
        value = (response.json() or {}).get("value") or {}
        token = str(value.get("token") or "")
        if not token:
            raise AuthError(self.system, "Tripletex answered :create without a session token",
                            status=response.status_code)
        self._remember_secret(token)
        self.sessions_created += 1
        with contextlib.suppress(ValueError):
            expiration = date.fromisoformat(str(value.get("expirationDate")))
        return token, expiration

    def _basic(self, token: str) -> str:
        return "Basic " + base64.b64encode(f"{self.company_id}:{token}".encode()).decode()

    async def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": self._basic(await self.session_token())}

    async def _request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                       json_body: Any = None, expect: tuple[int, ...] = (200, 201, 204)) -> httpx.Response:
        """One authenticated call; a 401 re-creates the session once and repeats the call."""
        token = await self.session_token()
        try:
            return await self._send(method, path, params=params, json_body=json_body, auth=False, expect=expect,
                                    headers={"Authorization": self._basic(token)})
        except AuthError as exc:
            if exc.status != 401:
                raise
        token = await self.session_token(stale=token)
        return await self._send(method, path, params=params, json_body=json_body, auth=False, expect=expect,
                                headers={"Authorization": self._basic(token)})

    # -- errors and recording ------------------------------------------------------------------------------
    def _error_from_response(self, response: httpx.Response, body: Any) -> ConnectorError:
        status = response.status_code
        message = f"HTTP {status}"
        code: str | None = None
        field: str | None = None
        details: list[dict[str, Any]] = []
        request_id = response.headers.get("x-tlx-request-id")
        if isinstance(body, dict) and ("status" in body or "code" in body or "message" in body):
            texts: list[str] = []
            for vm in body.get("validationMessages") or []:
                if not isinstance(vm, dict):
                    continue
                vm_field = vm.get("field")
                vm_message = redact_text(str(vm.get("message") or ""), self._secrets)
                details.append({"field": vm_field, "message": vm_message, "path": vm.get("path")})
                texts.append(f"{vm_field}: {vm_message}" if vm_field else vm_message)
                if field is None and vm_field:
                    field = str(vm_field)
            message = str(body.get("message") or message)
            if texts:
                message = f"{message} {'; '.join(texts)}"
            code = str(body["code"]) if body.get("code") not in (None, "") else None
            request_id = str(body.get("requestId") or request_id or "") or None
        error = self._classify(status, message, response, code=code, field=field, details=details,
                               request_id=request_id)
        if status != 429:
            # Tripletex sends X-Rate-Limit-Reset on every answer: only a 429 means "wait that long".
            retry_after = response.headers.get("Retry-After")
            try:
                error.retry_after = float(retry_after) if retry_after is not None else None
            except ValueError:
                error.retry_after = None
        return error

    # -- envelopes and paging -------------------------------------------------------------------------------
    async def _value(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                     json_body: Any = None) -> dict[str, Any]:
        response = await self._request(method, path, params=params, json_body=json_body)
        data = response.json() if response.content else {}
        value = data.get("value") if isinstance(data, dict) else None
        return dict(value) if isinstance(value, dict) else {}

    async def _get_or_none(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        try:
            return await self._value("GET", path, params=params)
        except NotFoundError:
            return None

    async def _values(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        response = await self._request("GET", path, params=params)
        data = response.json()
        return [dict(v) for v in (data.get("values") or [])] if isinstance(data, dict) else []

    async def _first(self, path: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        values = await self._values(path, {**params, "from": 0, "count": 1})
        return values[0] if values else None

    async def paginate(self, path: str, params: Mapping[str, Any] | None = None, *,
                       page_size: int = 1000, start: int = 0) -> AsyncIterator[dict[str, Any]]:
        """Every value of a list endpoint, page by page (``from`` += ``count`` until a short page)."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        while True:
            values = await self._values(path, {**(params or {}), "from": start, "count": page_size})
            for value in values:
                yield value
            if len(values) < page_size:
                return
            start += len(values)

    async def _all(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [v async for v in self.paginate(path, params)]

    # -- who am I -------------------------------------------------------------------------------------------
    async def who_am_i(self) -> dict[str, Any]:
        return await self._value("GET", "token/session/>whoAmI")

    # -- customers ------------------------------------------------------------------------------------------
    async def _find_active_or_inactive(self, path: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        # GET /customer and /supplier hide inactive records unless isInactive=true (which shows only those).
        found = await self._first(path, params)
        if found is None:
            found = await self._first(path, {**params, "isInactive": "true"})
        return found

    async def find_customer_by_number(self, number: int) -> dict[str, Any] | None:
        return await self._find_active_or_inactive("customer", {"customerAccountNumber": str(number)})

    async def find_customer_by_org_number(self, organization_number: str) -> dict[str, Any] | None:
        return await self._find_active_or_inactive("customer", {"organizationNumber": organization_number})

    async def create_customer(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return await self._value("POST", "customer", json_body=dict(payload))

    async def update_customer(self, customer_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        return await self._value("PUT", f"customer/{int(customer_id)}", json_body=dict(payload))

    async def get_customer(self, customer_id: int) -> dict[str, Any] | None:
        return await self._get_or_none(f"customer/{int(customer_id)}")

    async def iter_customers(self, page_size: int = 1000, *,
                             include_inactive: bool = False) -> AsyncIterator[dict[str, Any]]:
        async for value in self.paginate("customer", page_size=page_size):
            yield value
        if include_inactive:
            async for value in self.paginate("customer", {"isInactive": "true"}, page_size=page_size):
                yield value

    # -- suppliers ------------------------------------------------------------------------------------------
    async def find_supplier_by_number(self, number: int) -> dict[str, Any] | None:
        return await self._find_active_or_inactive("supplier", {"supplierNumber": str(number)})

    async def find_supplier_by_org_number(self, organization_number: str) -> dict[str, Any] | None:
        return await self._find_active_or_inactive("supplier", {"organizationNumber": organization_number})

    async def create_supplier(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return await self._value("POST", "supplier", json_body=dict(payload))

    async def update_supplier(self, supplier_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        return await self._value("PUT", f"supplier/{int(supplier_id)}", json_body=dict(payload))

    async def get_supplier(self, supplier_id: int) -> dict[str, Any] | None:
        return await self._get_or_none(f"supplier/{int(supplier_id)}")

    async def iter_suppliers(self, page_size: int = 1000, *,
                             include_inactive: bool = False) -> AsyncIterator[dict[str, Any]]:
        async for value in self.paginate("supplier", page_size=page_size):
            yield value
        if include_inactive:
            async for value in self.paginate("supplier", {"isInactive": "true"}, page_size=page_size):
                yield value

    # -- products -------------------------------------------------------------------------------------------
    async def find_product_by_number(self, number: str) -> dict[str, Any] | None:
        # ``productNumber`` (a list parameter) matches whole numbers, also ones with "/" or ","; the
        # deprecated ``number`` parameter only takes integers.
        return await self._first("product", {"productNumber": [str(number)]})

    async def create_product(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return await self._value("POST", "product", json_body=dict(payload))

    async def update_product(self, product_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        return await self._value("PUT", f"product/{int(product_id)}", json_body=dict(payload))

    async def get_product(self, product_id: int) -> dict[str, Any] | None:
        return await self._get_or_none(f"product/{int(product_id)}")

    async def iter_products(self, page_size: int = 1000) -> AsyncIterator[dict[str, Any]]:
        """Every product. Tripletex refuses a search matching more than 10,000 objects (see RESULT_SET_TOO_LARGE),
        so a large catalogue is read in price ranges, each split in two until it fits."""
        for low, high in PRICE_DECADES:
            async for value in self._products_priced(low, high, page_size):
                yield value

    async def _products_priced(self, low: float, high: float, page_size: int) -> AsyncIterator[dict[str, Any]]:
        params = {"priceExcludingVatCurrencyFrom": low, "priceExcludingVatCurrencyTo": high}
        try:
            first = await self._values("product", {**params, "from": 0, "count": page_size})
        except ValidationError as exc:
            if exc.code != RESULT_SET_TOO_LARGE or high - low < MIN_PRICE_STEP:
                raise
            middle = round((low + high) / 2, 2)
            for part in ((low, middle), (middle, high)):
                async for value in self._products_priced(*part, page_size):
                    yield value
            return
        for value in first:
            yield value
        if len(first) == page_size:
            async for value in self.paginate("product", params, page_size=page_size, start=page_size):
                yield value

    # -- orders ---------------------------------------------------------------------------------------------
    async def create_order(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create an order (with embedded ``orderLines``); send only the unit-price field that matches
        ``isPrioritizeAmountsIncludingVat``."""
        return await self._value("POST", "order", json_body=dict(payload))

    async def get_order(self, order_id: int) -> dict[str, Any] | None:
        """The order with its lines expanded, or None when it does not exist (404)."""
        return await self._get_or_none(f"order/{int(order_id)}", {"fields": WITH_LINES})

    async def find_order_by_number(self, number: str, date_from: DateLike, date_to: DateLike) -> dict[str, Any] | None:
        """The order whose ``number`` is ``number`` with an orderDate in [date_from, date_to)."""
        return await self._first("order", {"number": number, "orderDateFrom": _iso(date_from),
                                           "orderDateTo": _iso(date_to), "fields": WITH_LINES})

    def iter_orders(self, date_from: DateLike, date_to: DateLike, *, page_size: int = 1000,
                    fields: str = WITH_LINES) -> AsyncIterator[dict[str, Any]]:
        """Orders with an orderDate in [date_from, date_to), lines expanded."""
        return self.paginate("order", {"orderDateFrom": _iso(date_from), "orderDateTo": _iso(date_to),
                                       "fields": fields}, page_size=page_size)

    async def delete_order(self, order_id: int) -> None:
        await self._request("DELETE", f"order/{int(order_id)}")

    @staticmethod
    def _prepayment(payment_type_id: int | None, paid_amount: float | None) -> dict[str, Any]:
        if (payment_type_id is None) != (paid_amount is None):
            raise ValueError("payment_type_id and paid_amount go together: give both or neither")
        if payment_type_id is None:
            return {}
        return {"paymentTypeId": int(payment_type_id), "paidAmount": paid_amount}

    async def invoice_order(self, order_id: int, invoice_date: DateLike, send_to_customer: bool,
                            payment_type_id: int | None = None, paid_amount: float | None = None) -> dict[str, Any]:
        """``PUT /order/{id}/:invoice``. ``sendToCustomer`` is always sent (Tripletex's default is true)."""
        params = {"invoiceDate": _iso(invoice_date), "sendToCustomer": _flag(send_to_customer),
                  **self._prepayment(payment_type_id, paid_amount)}
        return await self._value("PUT", f"order/{int(order_id)}/:invoice", params=params)

    # -- purchase orders (Tripletex's Logistics Basic module) -----------------------------------------------
    async def _own_employee_id(self) -> int:
        """The token owner's employee id (``whoAmI``), asked once per client."""
        if self._employee_id is None:
            self._employee_id = int((await self.who_am_i())["employeeId"])
        return self._employee_id

    async def create_purchase_order(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create a purchase order and its lines; answer it as ``get_purchase_order`` does (lines expanded).

        ``payload`` is a ``PurchaseOrder`` (``supplier`` ref, ``deliveryDate``, ...) that may carry its lines in
        ``orderLines`` (``PurchaseOrderline`` bodies without ``purchaseOrder``). Tripletex refuses lines embedded
        in ``POST /purchaseOrder`` (``orderLines`` is read-only there), so the header is posted first and the
        lines follow in one ``POST /purchaseOrder/orderline/list``; if the lines are refused, the new header is
        deleted again (best effort) and the error raised. ``ourContact`` defaults to the token owner.
        Tripletex assigns ``number`` itself (the spec: "read only"); keep the returned id to find it again.
        """
        header = {k: v for k, v in payload.items() if k != "orderLines"}
        if header.get("ourContact") is None:
            header["ourContact"] = {"id": await self._own_employee_id()}
        created = await self._value("POST", "purchaseOrder", json_body=header)
        order_id = int(created["id"])
        lines = [{**dict(line), "purchaseOrder": {"id": order_id}} for line in payload.get("orderLines") or []]
        if lines:
            try:
                await self._request("POST", "purchaseOrder/orderline/list", json_body=lines)
            except ConnectorError:
                with contextlib.suppress(ConnectorError):
                    await self.delete_purchase_order(order_id)
                raise
        fetched = await self.get_purchase_order(order_id)
        if fetched is None:
            raise NotFoundError(self.system, f"purchase order {order_id} vanished right after it was created",
                                status=404)
        return fetched

    async def get_purchase_order(self, purchase_order_id: int) -> dict[str, Any] | None:
        """The purchase order with its lines expanded, or None when it does not exist (404)."""
        return await self._get_or_none(f"purchaseOrder/{int(purchase_order_id)}", {"fields": WITH_LINES})

    async def find_purchase_order_by_number(self, number: str) -> dict[str, Any] | None:
        """The purchase order whose (Tripletex-assigned) ``number`` is ``number``, lines expanded, or None."""
        return await self._first("purchaseOrder", {"number": str(number), "fields": WITH_LINES})

    async def find_purchase_orders_of_supplier(self, supplier_id: int) -> list[dict[str, Any]]:
        """Every purchase order of one supplier, lines expanded (to find ours by its ``internalComment``)."""
        return await self._all("purchaseOrder", {"supplierId": str(int(supplier_id)), "fields": WITH_LINES})

    async def add_purchase_order_lines(self, purchase_order_id: int, lines: list[Mapping[str, Any]]) -> None:
        """``POST /purchaseOrder/orderline/list``: lines for an existing (open) purchase order."""
        body = [{**dict(line), "purchaseOrder": {"id": int(purchase_order_id)}} for line in lines]
        await self._request("POST", "purchaseOrder/orderline/list", json_body=body)

    async def delete_purchase_order(self, purchase_order_id: int) -> None:
        """``DELETE /purchaseOrder/{id}`` (its lines go with it); NotFoundError when it does not exist."""
        await self._request("DELETE", f"purchaseOrder/{int(purchase_order_id)}")

    # -- invoices -------------------------------------------------------------------------------------------
    async def create_invoice(self, payload: Mapping[str, Any], *, send_to_customer: bool,
                             payment_type_id: int | None = None, paid_amount: float | None = None) -> dict[str, Any]:
        """``POST /invoice`` with exactly one order (a reference or a new order with lines).
        ``sendToCustomer`` is always sent (Tripletex's default is true)."""
        params = {"sendToCustomer": _flag(send_to_customer), **self._prepayment(payment_type_id, paid_amount)}
        return await self._value("POST", "invoice", params=params, json_body=dict(payload))

    async def get_invoice(self, invoice_id: int) -> dict[str, Any] | None:
        """The invoice with its lines expanded, or None when it does not exist (404)."""
        return await self._get_or_none(f"invoice/{int(invoice_id)}", {"fields": WITH_LINES})

    async def find_invoices(self, date_from: DateLike, date_to: DateLike,
                            customer_id: int | None = None) -> list[dict[str, Any]]:
        """Invoices with invoiceDate in [date_from, date_to) (``orders`` come as ``{id, url}`` refs)."""
        params: dict[str, Any] = {"invoiceDateFrom": _iso(date_from), "invoiceDateTo": _iso(date_to)}
        if customer_id is not None:
            params["customerId"] = str(customer_id)
        return await self._all("invoice", params)

    async def find_invoice_by_number(self, invoice_number: int) -> dict[str, Any] | None:
        """The invoice numbered ``invoice_number`` (any date), or None."""
        return await self._first("invoice", {"invoiceNumber": str(int(invoice_number)), "invoiceDateFrom": "2000-01-01",
                                             "invoiceDateTo": "2100-01-01"})

    async def register_payment(self, invoice_id: int, payment_date: DateLike, payment_type_id: int,
                               paid_amount: float) -> dict[str, Any]:
        params = {"paymentDate": _iso(payment_date), "paymentTypeId": int(payment_type_id), "paidAmount": paid_amount}
        return await self._value("PUT", f"invoice/{int(invoice_id)}/:payment", params=params)

    async def send_invoice(self, invoice_id: int, send_type: str = "EMAIL") -> None:
        """Send a charged invoice (again) to the customer: ``PUT /invoice/{id}/:send`` (``sendType`` required:
        EMAIL, EHF, AVTALEGIRO, EFAKTURA, VIPPS, PAPER, MANUAL)."""
        await self._request("PUT", f"invoice/{int(invoice_id)}/:send", params={"sendType": send_type})

    # -- reference data -------------------------------------------------------------------------------------
    async def list_vat_types(self) -> list[dict[str, Any]]:
        return await self._all("ledger/vatType")

    async def find_vat_type(self, number: str) -> dict[str, Any] | None:
        """The VAT type with this code (``number``, e.g. "3" = outgoing high rate), or None."""
        for vat in await self._values("ledger/vatType", {"number": str(number)}):
            if str(vat.get("number")) == str(number):
                return vat
        return None

    async def list_payment_types(self) -> list[dict[str, Any]]:
        """Incoming payment types (``GET /invoice/paymentType``): what ``paymentTypeId`` on invoices takes."""
        return await self._all("invoice/paymentType")

    async def bank_account_registered(self) -> bool:
        """Whether the company's invoice bank account has a number (Tripletex refuses invoices without)."""
        accounts = await self._all("ledger/account", {
            "isBankAccount": "true", "fields": "id,number,isBankAccount,isInvoiceAccount,bankAccountNumber"})
        invoice_accounts = [a for a in accounts if a.get("isInvoiceAccount")] or accounts
        return any(str(a.get("bankAccountNumber") or "").strip() for a in invoice_accounts)

    async def invoice_bank_accounts(self) -> list[dict[str, Any]]:
        """The ledger's bank accounts that invoices name (``isInvoiceAccount``; all bank accounts when none is
        marked), with ``number``, ``name`` and ``bankAccountNumber``."""
        accounts = await self._all("ledger/account", {
            "isBankAccount": "true", "fields": "id,number,name,isBankAccount,isInvoiceAccount,bankAccountNumber"})
        return [a for a in accounts if a.get("isInvoiceAccount")] or accounts

    async def list_outgoing_vat_types(self) -> list[dict[str, Any]]:
        """The company's active VAT codes for sales (``typeOfVat=OUTGOING``)."""
        return await self._all("ledger/vatType", {"typeOfVat": "OUTGOING"})

    async def get_vat_settings(self) -> dict[str, Any]:
        """``GET /ledger/vatSettings``: ``vatRegistrationStatus`` (VAT_REGISTERED, VAT_NOT_REGISTERED, ...)."""
        return await self._value("GET", "ledger/vatSettings")

    async def highest_customer_number(self) -> int | None:
        """The highest ``customerNumber`` in use (active or inactive customers), None when there are none."""
        numbers: list[int] = []
        for inactive in ("false", "true"):
            found = await self._first("customer", {"isInactive": inactive, "sorting": "-customerNumber",
                                                   "fields": "id,customerNumber"})
            if found is not None and found.get("customerNumber") is not None:
                numbers.append(int(found["customerNumber"]))
        return max(numbers) if numbers else None

    async def list_units(self) -> list[dict[str, Any]]:
        return await self._all("product/unit")

    async def list_currencies(self) -> list[dict[str, Any]]:
        return await self._all("currency")

    async def iter_employees(self, page_size: int = 1000) -> AsyncIterator[dict[str, Any]]:
        async for value in self.paginate("employee", page_size=page_size):
            yield value

    async def iter_projects(self, page_size: int = 1000) -> AsyncIterator[dict[str, Any]]:
        async for value in self.paginate("project", page_size=page_size):
            yield value
