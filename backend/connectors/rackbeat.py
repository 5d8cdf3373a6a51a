"""Rackbeat WMS API client (``reference/rackbeat/API.md``).

- Base URL ends in ``/api`` (``https://app.rackbeat.com/api`` or the sandbox's ``.../sandbox/rackbeat/api``).
- Bearer token on every call; the token is a secret (never in errors or recorded exchanges).
- Single objects come wrapped in their singular key, lists in their plural key with ``total``/``pages``/
  ``limit``/``page`` (HTTP 206). The methods here return the inner objects as plain dicts.
- Keys are business numbers; product and BOM numbers are strings that may contain ``/``, ``#`` or spaces,
  so path keys are percent-encoded twice (the reference's safe choice: it equals single-encoding
  ``urlfriendly_number``, and the server decodes until stable).
- 422 bodies are Laravel's ``{"errors": {"field": ["message"]}}``: the first field becomes
  ``ValidationError.field``, all messages joined become its message.
- Writes made by the gateway pass ``suppress_webhooks=true`` by default, so that Rackbeat does not echo
  the gateway's own changes back as webhooks. The invoice helpers (used to play the Rackbeat user in tests
  and the demo) do not suppress by default.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from backend.connectors.base import (
    ConnectorError,
    ExchangeHook,
    HttpConnector,
    NotFoundError,
    PermanentError,
    RateLimiter,
    redact_text,
)

DEFAULT_PAGE_SIZE = 200  # Rackbeat's own SDK pages by 200; the server caps ``limit`` at 1000


def encode_key(number: str | int) -> str:
    """A business number as one URL path segment: percent-encoded twice (``A/1`` → ``A%252F1``)."""
    return quote(quote(str(number), safe=""), safe="")


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class RackbeatClient(HttpConnector):
    system = "rackbeat"
    default_timeout = httpx.Timeout(90.0, connect=5.0)  # what Rackbeat's SDK uses

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float | None = None,
        rate_limiter: RateLimiter | None = None,
        on_exchange: ExchangeHook | None = None,
    ) -> None:
        # one rate-limit budget per token, shared by every worker using the same limiter store (as [LR] does)
        key = "rackbeat:" + hashlib.sha256(token.encode()).hexdigest()[:16]
        super().__init__(base_url, http=http, timeout=timeout, rate_limiter=rate_limiter, rate_limit_key=key,
                         on_exchange=on_exchange)
        self._token = token
        self._remember_secret(token)

    @property
    def token(self) -> str:
        return self._token

    async def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _error_from_response(self, response: httpx.Response, body: Any) -> ConnectorError:
        status = response.status_code
        message = f"HTTP {status}"
        field: str | None = None
        details: list[dict[str, Any]] = []
        if isinstance(body, dict):
            errors = body.get("errors")
            if isinstance(errors, dict) and errors:
                field = str(next(iter(errors)))
                messages: list[str] = []
                for name, value in errors.items():
                    for text in value if isinstance(value, list) else [value]:
                        clean = redact_text(str(text), self._secrets)
                        details.append({"field": str(name), "message": clean})
                        messages.append(clean)
                message = "; ".join(messages) or message
            elif body.get("message"):
                message = str(body["message"])
        return self._classify(status, message, response, field=field, details=details)

    # -- plumbing --------------------------------------------------------------------------------------------
    async def _json(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                    json_body: Any = None) -> dict[str, Any]:
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        response = await self._send(method, path, params=clean, json_body=json_body)
        body = response.json() if response.content else {}
        if not isinstance(body, dict):
            raise PermanentError(self.system, f"unexpected answer to {method} {path}", status=response.status_code)
        return body

    @staticmethod
    def _unwrap(body: dict[str, Any], key: str) -> dict[str, Any]:
        inner = body.get(key)
        if isinstance(inner, dict):
            return inner
        if len(body) == 1 and isinstance(next(iter(body.values())), dict):  # tolerate another envelope name
            return dict(next(iter(body.values())))
        return body

    async def _get_one(self, path: str, key: str) -> dict[str, Any] | None:
        try:
            body = await self._json("GET", path)
        except NotFoundError:
            return None
        return self._unwrap(body, key)

    async def _write(self, method: str, path: str, key: str, payload: Mapping[str, Any] | None, *,
                     suppress_webhooks: bool) -> dict[str, Any]:
        params = {"suppress_webhooks": "true"} if suppress_webhooks else None
        body = await self._json(method, path, params=params, json_body=dict(payload or {}))
        return self._unwrap(body, key)

    async def _paginate(self, path: str, key: str, params: Mapping[str, Any] | None = None, *,
                        page_size: int | None = None) -> AsyncIterator[dict[str, Any]]:
        """Every object of a list, page by page: loop while ``page < pages`` and stop on an empty page."""
        page = 1
        limit = page_size or DEFAULT_PAGE_SIZE
        while True:
            body = await self._json("GET", path, params={**(params or {}), "page": page, "limit": limit})
            items = body.get(key)
            if items is None:  # the collection is the first key of the answer [LR]
                items = next((v for v in body.values() if isinstance(v, list)), [])
            if not items:
                return
            for item in items:
                yield item
            pages = int(body.get("pages") or 0)
            if page >= pages:
                return
            page += 1

    async def _all(self, path: str, key: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [item async for item in self._paginate(path, key, params, page_size=1000)]

    # -- who am I, token ---------------------------------------------------------------------------------------
    async def get_self(self) -> dict[str, Any]:
        """``{"user_account": {"id", "company_name", "address"}, "user": {"id", "name", "email"}}``."""
        return await self._json("GET", "self")

    async def replace_token(self) -> str:
        """Rotate the API token (the old one stops working); returns the new one, which this client now uses."""
        body = await self._json("POST", "tokens/replace-current", json_body={})
        new = str(body["token"])
        self._remember_secret(new)
        self._token = new
        return new

    # -- single objects by key (None when Rackbeat answers 404) ------------------------------------------------
    async def get_customer(self, number: int) -> dict[str, Any] | None:
        return await self._get_one(f"customers/{encode_key(number)}", "customer")

    async def get_supplier(self, number: int) -> dict[str, Any] | None:
        return await self._get_one(f"suppliers/{encode_key(number)}", "supplier")

    async def get_product(self, number: str) -> dict[str, Any] | None:
        return await self._get_one(f"products/{encode_key(number)}", "product")

    async def get_lot(self, number: str) -> dict[str, Any] | None:
        return await self._get_one(f"lots/{encode_key(number)}", "lot")

    async def get_item(self, number: str) -> dict[str, Any] | None:
        """A product or, failing that, a lot (BOM); its ``type`` says which."""
        product = await self.get_product(number)
        if product is not None:
            product.setdefault("type", "product")
            return product
        lot = await self.get_lot(number)
        if lot is not None:
            lot.setdefault("type", "lot")
        return lot

    async def get_customer_invoice(self, number: int) -> dict[str, Any] | None:
        return await self._get_one(f"customer-invoices/{encode_key(number)}", "customer_invoice")

    async def get_purchase_order(self, number: int) -> dict[str, Any] | None:
        return await self._get_one(f"purchase-orders/{encode_key(number)}", "purchase_order")

    # -- lists ------------------------------------------------------------------------------------------------
    def iter_customers(self, *, page_size: int | None = None, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        return self._paginate("customers", "customers", filters, page_size=page_size)

    def iter_suppliers(self, *, page_size: int | None = None, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        return self._paginate("suppliers", "suppliers", filters, page_size=page_size)

    def iter_products(self, *, page_size: int | None = None, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        return self._paginate("products", "products", filters, page_size=page_size)

    def iter_lots(self, *, page_size: int | None = None, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        return self._paginate("lots", "lots", filters, page_size=page_size)

    def iter_customer_invoices(self, *, page_size: int | None = None,
                               **filters: Any) -> AsyncIterator[dict[str, Any]]:
        """Filters as Rackbeat names them: ``is_booked``, ``is_paid``, ``customer_number``, ``search``, ..."""
        return self._paginate("customer-invoices", "customer_invoices", filters, page_size=page_size)

    def iter_purchase_orders(self, *, page_size: int | None = None,
                             **filters: Any) -> AsyncIterator[dict[str, Any]]:
        return self._paginate("purchase-orders", "purchase_orders", filters, page_size=page_size)

    async def list_customer_groups(self) -> list[dict[str, Any]]:
        return await self._all("customer-groups", "customer_groups")

    async def list_supplier_groups(self) -> list[dict[str, Any]]:
        return await self._all("supplier-groups", "supplier_groups")

    async def list_product_groups(self) -> list[dict[str, Any]]:
        return await self._all("product-groups", "product_groups")

    async def list_units(self) -> list[dict[str, Any]]:
        return await self._all("units", "units")

    async def list_payment_terms(self) -> list[dict[str, Any]]:
        return await self._all("payment-terms", "payment_terms")

    async def list_employees(self) -> list[dict[str, Any]]:
        return await self._all("employees", "employees")

    # -- webhooks ---------------------------------------------------------------------------------------------
    async def list_webhooks(self, event: str | None = None) -> list[dict[str, Any]]:
        return await self._all("webhooks", "webhooks", {"event": event})

    async def _register_webhook(self, event: str, url: str) -> dict[str, Any]:
        body = await self._json("POST", "webhooks", json_body={"event": event, "url": url, "is_active": True})
        hook = self._unwrap(body, "webhook")
        if hook.get("token"):
            self._remember_secret(str(hook["token"]))
        return hook

    async def ensure_webhook(self, event: str, url: str) -> dict[str, Any]:
        """Register ``event`` → ``url`` and return the webhook WITH its token.

        Rackbeat returns the token only when it creates the webhook; registering an existing event + url
        updates it and returns no token. Then the old one is deleted and created again, so that the caller
        always learns the token Rackbeat will send (and an unknown old token is never left behind).
        """
        hook = await self._register_webhook(event, url)
        if hook.get("token"):
            return hook
        if hook.get("id") is not None:
            await self.delete_webhook(hook["id"])
        hook = await self._register_webhook(event, url)
        if not hook.get("token"):
            raise PermanentError(self.system, f"Rackbeat did not return a token for the {event} webhook")
        return hook

    async def delete_webhook(self, webhook_id: int | str) -> None:
        """Delete a webhook; one that is already gone counts as deleted."""
        try:
            await self._send("DELETE", f"webhooks/{encode_key(webhook_id)}")
        except NotFoundError:
            return

    # -- writes (the gateway's own: webhooks suppressed by default) --------------------------------------------
    async def create_customer(self, payload: Mapping[str, Any], *, suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "customers", "customer", payload, suppress_webhooks=suppress_webhooks)

    async def create_supplier(self, payload: Mapping[str, Any], *, suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "suppliers", "supplier", payload, suppress_webhooks=suppress_webhooks)

    async def create_product(self, payload: Mapping[str, Any], *, suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "products", "product", payload, suppress_webhooks=suppress_webhooks)

    async def create_lot(self, payload: Mapping[str, Any], *, suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "lots", "lot", payload, suppress_webhooks=suppress_webhooks)

    async def create_customer_group(self, payload: Mapping[str, Any], *,
                                    suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "customer-groups", "customer_group", payload,
                                 suppress_webhooks=suppress_webhooks)

    async def create_supplier_group(self, payload: Mapping[str, Any], *,
                                    suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "supplier-groups", "supplier_group", payload,
                                 suppress_webhooks=suppress_webhooks)

    async def create_product_group(self, payload: Mapping[str, Any], *,
                                   suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "product-groups", "product_group", payload,
                                 suppress_webhooks=suppress_webhooks)

    async def create_unit(self, payload: Mapping[str, Any], *, suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "units", "unit", payload, suppress_webhooks=suppress_webhooks)

    async def create_payment_term(self, payload: Mapping[str, Any], *,
                                  suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "payment-terms", "payment_term", payload,
                                 suppress_webhooks=suppress_webhooks)

    async def create_employee(self, payload: Mapping[str, Any], *, suppress_webhooks: bool = True) -> dict[str, Any]:
        return await self._write("POST", "employees", "employee", payload, suppress_webhooks=suppress_webhooks)

    # -- invoices as a Rackbeat user makes them (tests, demo): webhooks NOT suppressed by default -------------
    async def create_customer_invoice_draft(self, payload: Mapping[str, Any], *,
                                            suppress_webhooks: bool = False) -> dict[str, Any]:
        """``POST customer-invoices/drafts`` with ``customer_id`` (the customer number) and ``lines`` of
        ``item_id``, ``quantity``, ``line_price`` (excl. VAT), optional ``discount_percentage``."""
        return await self._write("POST", "customer-invoices/drafts", "customer_invoice", payload,
                                 suppress_webhooks=suppress_webhooks)

    async def book_customer_invoice(self, number: int, *, suppress_webhooks: bool = False) -> dict[str, Any]:
        body = await self._json("POST", f"customer-invoices/{encode_key(number)}/book",
                                json_body={"suppress_webhooks": suppress_webhooks})
        return self._unwrap(body, "customer_invoice")
