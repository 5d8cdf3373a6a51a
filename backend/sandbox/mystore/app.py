"""The Mystore sandbox as a Starlette app: ``/shops/{shop}/...`` (the API) and ``/_control/...`` (set-up, inspection).

Wire format per ``reference/mystore/API.md`` §1–§3 and §8: Bearer personal access tokens with scopes (401
without a valid token for the shop, 403 in JSON:API error form without the scope), JSON:API documents
(``application/vnd.api+json``), ``page[number]``/``page[size]`` with ``links.next``, sparse fieldsets,
Mystore's ``filter[name][path|value|operator]``, ``include=``, a per-token sliding-window rate limit (120/min),
fault injection from ``backend.sandbox.common``, and signed webhooks (``webhooks``). Every guess about the
real API is a named constant in ``guesses``.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.sandbox.common import Faults, with_faults
from backend.sandbox.mystore import guesses as g
from backend.sandbox.mystore.jsonapi import (
    KINDS,
    ApiError,
    JsonApiResponse,
    Kind,
    Query,
    document,
    error_response,
    page_document,
    parse_query,
    select,
)
from backend.sandbox.mystore.seed import seed_demo
from backend.sandbox.mystore.store import (
    Account,
    Invalid,
    Record,
    add_status,
    add_webhook,
    new_webhook_secret,
    place_order,
    seed_defaults,
    set_status,
    summary,
)
from backend.sandbox.mystore.webhooks import WebhookDispatcher, encode

_SHOP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
# What a webhook body holds: the order with its lines and status (guesses: WEBHOOK body)
_WEBHOOK_QUERY = Query(1, 1, {}, [g.REL_ORDER_PRODUCTS, g.REL_ORDER_STATUS], [], [])


def base_url(request: Request) -> str:
    """Scheme, host and the mount point (``root_path``): ``http://host/sandbox/mystore``."""
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def control_error(status: int, message: str, pointer: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"message": message}
    if pointer is not None:
        body["pointer"] = pointer
    return JSONResponse(body, status_code=status)


class HttpProblem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _record_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


class MystoreSandbox:
    """All shops of one sandbox, the webhook dispatcher, and the request handlers."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.by_shop: dict[str, Account] = {}
        self.by_token: dict[str, Account] = {}
        self.webhooks = WebhookDispatcher()

    # -- owner's helpers ---------------------------------------------------------------------------------
    async def drain(self) -> None:
        """Wait for every pending webhook delivery (retries included); bound it with ``asyncio.timeout``."""
        await self.webhooks.drain()

    async def aclose(self) -> None:
        await self.webhooks.aclose()

    def create_account(self, seed: str = "empty", shop: str | None = None) -> Account:
        if shop is None:
            while shop is None or shop in self.by_shop:
                shop = f"{'demobutikken' if seed == 'demo' else 'testbutikk'}-{secrets.token_hex(3)}"
        acc = Account(account_id=f"ms-{secrets.token_hex(8)}", shop=shop, webhook_secret=new_webhook_secret())
        seed_defaults(acc)
        if seed == "demo":
            seed_demo(acc)
        token = acc.issue_token(frozenset(g.KNOWN_SCOPES))
        self.accounts[acc.account_id] = acc
        self.by_shop[acc.shop] = acc
        self.by_token[token] = acc
        return acc

    # -- /shops ------------------------------------------------------------------------------------------
    async def api(self, request: Request) -> Response:
        segs = [s for s in str(request.path_params.get("rest", "")).split("/") if s]
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        acc = self.by_token.get(token) if token else None
        if acc is None:
            return error_response(401, "Unauthenticated: a valid Bearer personal access token is required.")
        if not segs or segs[0] != acc.shop:
            return error_response(g.OTHER_SHOP_STATUS, "Unauthenticated: the token is not valid for this shop.")
        limited = self._throttle(acc, token)
        if limited is not None:
            return limited
        scopes = acc.tokens.get(token, frozenset())

        async def handle() -> Response:
            try:
                return await self._dispatch(request, acc, scopes, segs[1:])
            except ApiError as exc:
                return exc.response()

        response = await with_faults(acc.faults, handle, error_response)
        if g.SEND_RATE_LIMIT_HEADERS:
            window = acc.hits.get(token) or deque()
            response.headers["X-RateLimit-Limit"] = str(acc.rate_limit)
            response.headers["X-RateLimit-Remaining"] = str(max(0, acc.rate_limit - len(window)))
        return response

    def _throttle(self, acc: Account, token: str) -> Response | None:
        clock = time.monotonic()
        window = acc.hits.setdefault(token, deque())
        while window and window[0] <= clock - acc.rate_period:
            window.popleft()
        if len(window) >= acc.rate_limit:
            wait = max(1, math.ceil(window[0] + acc.rate_period - clock))
            headers = {"Retry-After": str(wait)}
            if g.SEND_RATE_LIMIT_HEADERS:
                headers.update({"X-RateLimit-Limit": str(acc.rate_limit), "X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset": str(int(time.time()) + wait)})
            return error_response(429, "Too Many Attempts.", headers)
        window.append(clock)
        return None

    @staticmethod
    def _require(scopes: frozenset[str], scope: str) -> None:
        if scope not in scopes:
            raise ApiError(403, f"The token does not have the scope {scope}.", code=g.CODE_INSUFFICIENT_SCOPE,
                           meta={g.REQUIRED_SCOPE_META: scope})

    async def _dispatch(self, request: Request, acc: Account, scopes: frozenset[str], rest: list[str]) -> Response:
        method = request.method
        kind = KINDS.get(rest[0]) if rest else None
        if kind is None or len(rest) > 2:
            raise ApiError(404, "The resource does not exist.")
        record_id = _record_id(rest[1]) if len(rest) == 2 else None
        base = base_url(request)
        if method == "GET":
            self._require(scopes, kind.scope)
            query = parse_query(request.query_params.multi_items(), kind)
            for path in query.include:
                self._require(scopes, KINDS[kind.relationship_types[path]].scope)
            if len(rest) == 1:
                records = select(acc, kind, query)
                return JsonApiResponse(page_document(acc, kind, records, base, query,
                                                     request.query_params.multi_items()))
            return JsonApiResponse(document(acc, kind, self._find(acc, kind, record_id, rest[1]), base, query))
        writable = {(g.WEBHOOKS, "POST", 1), (g.WEBHOOKS, "DELETE", 2), (g.ORDERS, "PATCH", 2)}
        if (kind.type, method, len(rest)) not in writable:
            raise ApiError(405, f"{method} is not supported on this route.")
        self._require(scopes, g.WRITE_SCOPES[kind.type])
        if method == "DELETE":
            rec = self._find(acc, kind, record_id, rest[1])
            del acc.table(kind.type)[rec["id"]]
            return Response(status_code=204)
        data = await self._data(request, kind)
        if method == "POST":
            attributes = data.get("attributes") or {}
            if not isinstance(attributes, dict):
                raise ApiError(400, "attributes must be an object.", pointer="/data/attributes")
            try:
                hook = add_webhook(acc, attributes)
            except Invalid as exc:
                raise ApiError(422, exc.message, pointer=exc.pointer, code=g.CODE_INVALID_ATTRIBUTE) from exc
            doc = document(acc, kind, hook, base)
            return JsonApiResponse(doc, status_code=201, headers={"Location": doc["data"]["links"]["self"]})
        order = self._find(acc, kind, record_id, rest[1])
        return self._patch_order(request, acc, kind, order, data, base)

    @staticmethod
    def _find(acc: Account, kind: Kind, record_id: int | None, raw: str) -> Record:
        rec = acc.get(kind.type, record_id)
        if rec is None:
            raise ApiError(404, f"No {kind.type} resource with id {raw!r}.")
        return rec

    @staticmethod
    async def _data(request: Request, kind: Kind) -> dict[str, Any]:
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media not in g.ACCEPTED_WRITE_MEDIA_TYPES:
            raise ApiError(415, f"Send the request body as {g.MEDIA_TYPE}.")
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, "The request body is not valid JSON.") from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON:API document with a data object.", pointer="/data")
        if data.get("type") != kind.type:
            raise ApiError(409, f"The resource type must be {kind.type!r}.", pointer="/data/type")
        return data

    def _patch_order(self, request: Request, acc: Account, kind: Kind, order: Record, data: dict[str, Any],
                     base: str) -> Response:
        if str(data.get("id")) != str(order["id"]):
            raise ApiError(409, "The resource id does not match the URL.", pointer="/data/id")
        attributes = data.get("attributes") or {}
        if attributes:
            name = sorted(attributes)[0] if isinstance(attributes, dict) else ""
            raise ApiError(422, f"The attribute {name!r} cannot be changed through the API.",
                           pointer=f"/data/attributes/{name}", code=g.CODE_INVALID_ATTRIBUTE)
        relationships = data.get("relationships") or {}
        linkage = relationships.get(g.REL_ORDER_STATUS, {}).get("data") if isinstance(relationships, dict) else None
        pointer = f"/data/relationships/{g.REL_ORDER_STATUS}"
        if not isinstance(linkage, dict) or linkage.get("type") != g.ORDER_STATUSES:
            raise ApiError(422, f"Give the new status as relationships.{g.REL_ORDER_STATUS}.", pointer=pointer,
                           code=g.CODE_INVALID_ATTRIBUTE)
        status = acc.get(g.ORDER_STATUSES, _record_id(str(linkage.get("id"))))
        if status is None:
            raise ApiError(422, "The selected order status is invalid.", pointer=f"{pointer}/data/id",
                           code=g.CODE_INVALID_ATTRIBUTE)
        raw_meta = data.get("meta")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        comment = meta.get("comment") if isinstance(meta.get("comment"), str) else None
        notify = bool(meta.get("notify_customer", False))
        if set_status(acc, order, status, comment=comment, notify_customer=notify):
            self.fire(acc, g.TOPIC_ORDERS_UPDATE, order, base)
        query = parse_query(request.query_params.multi_items(), kind)
        return JsonApiResponse(document(acc, kind, order, base, query))

    def fire(self, acc: Account, topic: str, order: Record, base: str) -> None:
        body = encode(document(acc, KINDS[g.ORDERS], order, base, _WEBHOOK_QUERY))
        self.webhooks.fire(acc, topic, body, order["id"])

    # -- /_control -----------------------------------------------------------------------------------------
    def _account(self, request: Request) -> Account:
        acc = self.accounts.get(request.path_params["account_id"])
        if acc is None:
            raise HttpProblem(404, "unknown account")
        return acc

    async def control(self, request: Request, action: Callable[[Request], Any]) -> Response:
        try:
            result = action(request)
            if hasattr(result, "__await__"):
                result = await result
        except HttpProblem as exc:
            return control_error(exc.status, exc.message)
        except Invalid as exc:
            return control_error(400, exc.message, exc.pointer)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    async def c_create_account(self, request: Request) -> Response:
        body = await _json_object(request)
        seed = body.get("seed", "empty")
        if seed not in ("demo", "empty"):
            raise HttpProblem(400, 'seed must be "demo" or "empty"')
        shop = body.get("shop")
        if shop is not None and (not isinstance(shop, str) or not _SHOP_NAME.match(shop)):
            raise HttpProblem(400, "shop must be 2-63 lower-case letters, digits or dashes")
        if shop is not None and shop in self.by_shop:
            raise HttpProblem(409, f"the shop {shop!r} exists")
        acc = self.create_account(seed, shop)
        token = next(iter(acc.tokens))
        return JSONResponse({"accountId": acc.account_id, "shop": acc.shop, "token": token,
                             "webhookSecret": acc.webhook_secret, "scopes": sorted(acc.tokens[token])},
                            status_code=201)

    async def c_tokens(self, request: Request) -> Response:
        acc = self._account(request)
        body = await _json_object(request)
        scopes = body.get("scopes")
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise HttpProblem(400, 'expected {"scopes": ["read:orders", ...]}')
        unknown = sorted(set(scopes) - set(g.KNOWN_SCOPES))
        if unknown:
            raise HttpProblem(400, f"unknown scope(s): {', '.join(unknown)}")
        token = acc.issue_token(frozenset(scopes))
        self.by_token[token] = acc
        return JSONResponse({"token": token, "scopes": sorted(set(scopes))}, status_code=201)

    def c_state(self, request: Request) -> dict[str, Any]:
        acc = self._account(request)
        counts = {_camel(name): len(table) for name, table in acc.tables.items()}
        counts["webhookDeliveries"] = len(acc.deliveries)
        return {
            "accountId": acc.account_id,
            "shop": acc.shop,
            "counts": counts,
            "orderStatuses": [{"id": s["id"], "name": s["name"], "publicName": s[g.STATUS_PUBLIC_NAME_FIELD],
                               "property": s[g.STATUS_PROPERTY_FIELD]} for s in acc.records(g.ORDER_STATUSES)],
            "paymentMethods": [{"id": p["id"], "code": p["code"], "name": p["name"], "fee": float(p["fee"])}
                               for p in acc.records(g.PAYMENT_METHODS)],
            "orders": [summary(acc, o) for o in acc.records(g.ORDERS)],
            "webhooks": [{"id": w["id"], "topic": w[g.WEBHOOK_TOPIC_FIELD], "address": w[g.WEBHOOK_ADDRESS_FIELD]}
                         for w in acc.records(g.WEBHOOKS)],
            "webhookDeliveries": list(acc.deliveries),
            "pendingDeliveries": self.webhooks.pending,
            "faults": acc.faults.as_json() if acc.faults else None,
            "rateLimit": {"limit": acc.rate_limit, "periodSeconds": acc.rate_period},
            "webhookRetry": {"delays": acc.retry_delays, "timeoutSeconds": acc.webhook_timeout},
        }

    async def c_faults(self, request: Request) -> Response:
        acc = self._account(request)
        if request.method == "DELETE":
            acc.faults = None
            return JSONResponse({"faults": None})
        if request.method == "POST":
            body = await _json_object(request)
            try:
                acc.faults = Faults.from_json(body)
            except (ValueError, TypeError) as exc:
                raise HttpProblem(400, str(exc)) from exc
        return JSONResponse({"faults": acc.faults.as_json() if acc.faults else None})

    async def c_rate_limit(self, request: Request) -> Response:
        acc = self._account(request)
        body = await _json_object(request)
        unknown = set(body) - {"limit", "periodSeconds"}
        limit, period = body.get("limit", acc.rate_limit), body.get("periodSeconds", acc.rate_period)
        if unknown or not isinstance(limit, int) or isinstance(limit, bool) or limit < 1 \
                or not isinstance(period, int | float) or isinstance(period, bool) or period <= 0:
            raise HttpProblem(400, 'expected {"limit": positive int, "periodSeconds": positive number}')
        acc.rate_limit, acc.rate_period = limit, float(period)
        acc.hits.clear()
        return JSONResponse({"limit": acc.rate_limit, "periodSeconds": acc.rate_period})

    async def c_webhook_retry(self, request: Request) -> Response:
        acc = self._account(request)
        body = await _json_object(request)
        unknown = set(body) - {"delays", "timeoutSeconds"}
        delays = body.get("delays", acc.retry_delays)
        timeout = body.get("timeoutSeconds", acc.webhook_timeout)
        if unknown or not isinstance(delays, list) or not all(
                isinstance(d, int | float) and not isinstance(d, bool) and d >= 0 for d in delays) \
                or not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise HttpProblem(400, 'expected {"delays": [seconds, ...], "timeoutSeconds"?: number}')
        acc.retry_delays = [float(d) for d in delays]
        acc.webhook_timeout = float(timeout)
        return JSONResponse({"delays": acc.retry_delays, "timeoutSeconds": acc.webhook_timeout})

    async def c_place_order(self, request: Request) -> Response:
        """Place an order the way a shopper would; fires ``orders/create``."""
        acc = self._account(request)
        order = place_order(acc, await _json_object(request))
        self.fire(acc, g.TOPIC_ORDERS_CREATE, order, base_url(request))
        return JSONResponse(summary(acc, order), status_code=201)

    async def c_order_status(self, request: Request) -> Response:
        """Move an order to another status as the shop owner would; fires ``orders/update``."""
        acc = self._account(request)
        order = acc.get(g.ORDERS, _record_id(request.path_params["order_id"]))
        if order is None:
            raise HttpProblem(404, "unknown order")
        body = await _json_object(request)
        status = acc.status_named(body.get("status"))
        if status is None:
            raise Invalid(f"unknown order status {body.get('status')!r}", "/status")
        comment = body.get("comment")
        if set_status(acc, order, status, comment=comment if isinstance(comment, str) else None,
                      notify_customer=bool(body.get("notifyCustomer", False))):
            self.fire(acc, g.TOPIC_ORDERS_UPDATE, order, base_url(request))
        return JSONResponse(summary(acc, order))

    async def c_add_status(self, request: Request) -> Response:
        """Add a shop-specific status (Control panel → Settings → Order Status)."""
        acc = self._account(request)
        status = add_status(acc, await _json_object(request))
        return JSONResponse({"id": status["id"], "name": status["name"],
                             "publicName": status[g.STATUS_PUBLIC_NAME_FIELD],
                             "property": status[g.STATUS_PROPERTY_FIELD]}, status_code=201)


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HttpProblem(400, "body is not JSON") from exc
    if not isinstance(body, dict):
        raise HttpProblem(400, "body must be a JSON object")
    return body


def _camel(path: str) -> str:
    head, *rest = path.split("-")
    return head + "".join(w.capitalize() for w in rest)


def create_app() -> Starlette:
    """A fresh Mystore sandbox (no shops yet). ``app.state.mystore`` is the ``MystoreSandbox``."""
    sandbox = MystoreSandbox()

    def control(action: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await sandbox.control(request, action)

        return endpoint

    api_methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    acc = "/_control/accounts/{account_id}"
    routes = [
        Route("/shops/{rest:path}", sandbox.api, methods=api_methods),
        Route("/_control/accounts", control(sandbox.c_create_account), methods=["POST"]),
        Route(f"{acc}/tokens", control(sandbox.c_tokens), methods=["POST"]),
        Route(f"{acc}/state", control(sandbox.c_state), methods=["GET"]),
        Route(f"{acc}/faults", control(sandbox.c_faults), methods=["GET", "POST", "DELETE"]),
        Route(f"{acc}/rate-limit", control(sandbox.c_rate_limit), methods=["POST"]),
        Route(f"{acc}/webhook-retry", control(sandbox.c_webhook_retry), methods=["POST"]),
        Route(f"{acc}/orders", control(sandbox.c_place_order), methods=["POST"]),
        Route(f"{acc}/orders/{{order_id}}/status", control(sandbox.c_order_status), methods=["POST"]),
        Route(f"{acc}/order-statuses", control(sandbox.c_add_status), methods=["POST"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await sandbox.aclose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.mystore = sandbox
    return app


__all__ = ["MystoreSandbox", "create_app"]
