"""The Rackbeat sandbox as a Starlette app: ``/api/...`` (the API) and ``/_control/...`` (set-up and inspection).

Wire format per ``reference/rackbeat/API.md`` §0, §1, §2 and §4: bearer tokens, singular envelopes, lists
answered 206 with the plural key first, 201 on create, Laravel-style 422s, numbers as keys (products may
contain ``/``: path segments are read from the raw path and decoded until stable), webhooks with a token
header, a per-token sliding-window rate limit, and fault injection from ``backend.sandbox.common``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.sandbox.common import Faults, with_faults
from backend.sandbox.rackbeat import guesses as g
from backend.sandbox.rackbeat.seed import seed_demo
from backend.sandbox.rackbeat.store import (
    DOCUMENTS,
    RESOURCES,
    WEBHOOKS,
    Account,
    Change,
    NotFound,
    Record,
    Resource,
    new_api_token,
)
from backend.sandbox.rackbeat.validation import Errors, Invalid, as_bool
from backend.sandbox.rackbeat.webhooks import WebhookDispatcher

# Boolean list filters; each applies only to resources whose records have the field.
BOOL_FILTERS = ("is_booked", "is_barred", "is_paid", "is_sellable", "is_active", "has_inventory", "is_draft",
                "is_sent", "is_received", "is_invoiced", g.PARTLY_PAID_FIELD)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers)


def invalid(errors: dict[str, list[str]]) -> JSONResponse:
    return JSONResponse({"message": g.VALIDATION_MESSAGE, "errors": errors}, status_code=422)


class HttpProblem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def decode_until_stable(segment: str) -> str:
    for _ in range(10):
        decoded = unquote(segment)
        if decoded == segment:
            break
        segment = decoded
    return segment


def api_segments(request: Request) -> list[str]:
    """The path below ``/api``, split on the raw (still encoded) ``/`` so that ``ABC%2F1`` stays one segment."""
    raw = request.scope.get("raw_path")
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else quote(request.scope["path"])
    text = text.split("?", 1)[0]
    parts = [p for p in text.split("/") if p]
    root = [p for p in str(request.scope.get("root_path", "")).split("/") if p]
    parts = parts[len(root):] if [decode_until_stable(p) for p in parts[: len(root)]] == root else parts
    if parts and decode_until_stable(parts[0]) == "api":
        parts = parts[1:]
    return [decode_until_stable(p) for p in parts]


def base_url(request: Request) -> str:
    """Scheme, host and the mount point (``root_path``): ``http://host/sandbox/rackbeat``."""
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


class RackbeatSandbox:
    """All accounts of one sandbox, the webhook dispatcher, and the request handlers."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.by_token: dict[str, Account] = {}
        self.webhooks = WebhookDispatcher()
        self._user_ids = itertools.count(1)

    # -- owner's helpers ---------------------------------------------------------------------------------
    async def drain(self) -> None:
        """Wait for every pending webhook delivery (retries included); bound it with ``asyncio.timeout``."""
        await self.webhooks.drain()

    async def aclose(self) -> None:
        await self.webhooks.aclose()

    def create_account(self, seed: str = "empty") -> Account:
        while True:
            user_account_id = 100000 + secrets.randbelow(900000)
            if all(a.user_account_id != user_account_id for a in self.accounts.values()):
                break
        user_id = next(self._user_ids)
        acc = Account(
            account_id=f"rb-{secrets.token_hex(8)}",
            user_account_id=user_account_id,
            token=new_api_token(user_account_id, user_id),
            company_name="Demo Lager AS" if seed == "demo" else "Sandbox AS",
            user={"id": user_id, "name": "Kari Nordmann", "email": "kari.nordmann@example.no"},
            address={"street": "Storgata 1", "street2": None, "city": "OSLO", "zipcode": "0155", "country": "NO"},
        )
        if seed == "demo":
            seed_demo(acc)
        self.accounts[acc.account_id] = acc
        self.by_token[acc.token] = acc
        return acc

    # -- /api ------------------------------------------------------------------------------------------
    async def api(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        acc = self.by_token.get(token) if token else None
        if acc is None:
            return error(401, g.UNAUTHENTICATED_MESSAGE)
        limited = self._throttle(acc, token)
        if limited is not None:
            return limited

        async def handle() -> Response:
            return await self._handle(request, acc, token)

        return await with_faults(acc.faults, handle, error)

    def _throttle(self, acc: Account, token: str) -> Response | None:
        clock = time.monotonic()
        window = acc.hits.setdefault(token, deque())
        while window and window[0] <= clock - acc.rate_period:
            window.popleft()
        if len(window) >= acc.rate_limit:
            headers = {}
            if g.SEND_RETRY_AFTER_ON_429:
                headers["Retry-After"] = str(max(1, math.ceil(window[0] + acc.rate_period - clock)))
            return error(429, g.RATE_LIMIT_MESSAGE, headers)
        window.append(clock)
        return None

    async def _handle(self, request: Request, acc: Account, token: str) -> Response:
        try:
            body = await self._body(request)
            return self._dispatch(request, acc, token, api_segments(request), body)
        except Invalid as exc:
            return invalid(exc.errors)
        except NotFound as exc:
            return error(404, str(exc))
        except HttpProblem as exc:
            return error(exc.status, exc.message)

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        if request.method in ("GET", "HEAD"):
            return {}
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HttpProblem(400, "The request body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise HttpProblem(400, "The request body must be a JSON object.")
        return data

    def _dispatch(self, request: Request, acc: Account, token: str, segs: list[str], body: dict[str, Any]) -> Response:
        method = request.method
        base = base_url(request)
        if segs == ["self"]:
            self._allow(method, "GET")
            return JSONResponse(self._self(acc))
        if segs == ["tokens", "replace-current"]:
            self._allow(method, "POST")
            return JSONResponse({"token": self._replace_token(acc, token)})
        if not segs or segs[0] not in RESOURCES:
            raise HttpProblem(404, "Not Found.")
        res = RESOURCES[segs[0]]
        rest = segs[1:]
        suppressed = self._suppressed(request, body)
        if not rest:
            if method == "GET":
                return self._list(request, acc, res, base)
            self._allow(method, "POST")
            self._writable(res)
            if res is WEBHOOKS:
                return self._register_webhook(acc, body, base)
            return self._create(acc, res, body, base, suppressed, book=res.path in DOCUMENTS)
        if rest == ["drafts"] and res.path in DOCUMENTS:
            self._allow(method, "POST")
            return self._create(acc, res, body, base, suppressed, book=False)
        key = res.parse_key(rest[0])
        if key is None:
            raise NotFound(res.model, rest[0])
        if len(rest) == 1:
            if method == "GET":
                return self._one(request, res, acc, res.find(acc, key), base)
            self._allow(method, "PUT", "DELETE")
            self._writable(res)
            rec = res.find(acc, key)
            if method == "PUT":
                change = res.update(acc, rec, body)
                self._fire(acc, res, change, base, suppressed)
                return JSONResponse({res.singular: res.render(acc, rec, base)})
            data = res.render(acc, rec, base)
            change = res.delete(acc, rec)
            self._fire(acc, res, change, base, suppressed, data=data)
            return JSONResponse({res.singular: data})
        if len(rest) == 2 and rest[1] == "book" and res.path in DOCUMENTS:
            self._allow(method, "POST")
            doc = DOCUMENTS[res.path]
            rec = doc.find(acc, key)
            change = doc.book(acc, rec)
            self._fire(acc, res, change, base, suppressed)
            return JSONResponse({res.singular: res.render(acc, rec, base)})
        if len(rest) == 2 and rest[1] == "lines" and res.path == "lots" and method == "GET":
            lot = res.render(acc, res.find(acc, key), base)
            lines = lot["lines"]
            return JSONResponse({"lot_lines": lines, "total": len(lines), "pages": 1, "limit": max(1, len(lines)),
                                 "page": 1}, status_code=206)
        raise HttpProblem(404, "Not Found.")

    @staticmethod
    def _allow(method: str, *methods: str) -> None:
        if method not in methods:
            raise HttpProblem(405, "The method is not supported for this route.")

    @staticmethod
    def _writable(res: Resource) -> None:
        if not res.writable:
            raise HttpProblem(405, "The method is not supported for this route.")

    @staticmethod
    def _suppressed(request: Request, body: dict[str, Any]) -> bool:
        flag = body.pop("suppress_webhooks", None)
        query = request.query_params.get("suppress_webhooks")
        return bool(as_bool(flag) if flag is not None else False) or bool(as_bool(query) if query else False)

    def _self(self, acc: Account) -> dict[str, Any]:
        return {"user_account": {"id": acc.user_account_id, "company_name": acc.company_name,
                                 "address": acc.address},
                "user": acc.user}

    def _replace_token(self, acc: Account, old: str) -> str:
        new = new_api_token(acc.user_account_id, int(acc.user["id"]))
        if g.OLD_TOKEN_STOPS_WORKING:
            self.by_token.pop(old, None)
            acc.hits.pop(old, None)
        acc.token = new
        self.by_token[new] = acc
        return new

    # -- reads ---------------------------------------------------------------------------------------------
    @staticmethod
    def _fields(request: Request) -> list[str] | None:
        raw = request.query_params.get("fields")
        return [f.strip() for f in raw.split(",") if f.strip()] if raw else None

    def _one(self, request: Request, res: Resource, acc: Account, rec: Record, base: str) -> Response:
        data = res.render(acc, rec, base)
        fields = self._fields(request)
        if fields:
            data = {k: data[k] for k in fields if k in data}
        return JSONResponse({res.singular: data})

    def _list(self, request: Request, acc: Account, res: Resource, base: str) -> Response:
        q = dict(request.query_params)
        e = Errors()
        page = e.integer(q, "page", minimum=1) or 1
        limit = min(e.integer(q, "limit", minimum=1) or g.DEFAULT_LIMIT, g.MAX_LIMIT)
        flags: dict[str, bool] = {}
        for name in BOOL_FILTERS:
            if name in q:
                value = as_bool(q[name])
                if value is None:
                    e.add(name, f"The {name.replace('_', ' ')} field must be true or false.")
                else:
                    flags[name] = value
        direction = q.get("order_direction", "ASC").upper()
        if direction not in ("ASC", "DESC"):
            e.add("order_direction", "The selected order direction is invalid.")
        e.raise_if_any()
        custom = res.list_filter(acc, q)
        search = (q.get("search") or "").strip().lower()

        def keep(rec: Record) -> bool:
            for name, value in flags.items():
                if name in rec and bool(rec[name]) != value:
                    return False
            if search and not any(search in str(rec.get(f) or "").lower() for f in res.search_fields):
                return False
            return custom is None or custom(rec)

        records = [r for r in res.records(acc) if keep(r)]
        order_by = q.get("order_by")
        if order_by:
            records = _sorted(records, order_by, reverse=direction == "DESC")
        total = len(records)
        pages = max(g.MIN_PAGES, math.ceil(total / limit))
        chunk = records[(page - 1) * limit: page * limit]
        fields = self._fields(request)
        items = []
        for rec in chunk:
            data = res.render(acc, rec, base)
            items.append({k: data[k] for k in fields if k in data} if fields else data)
        # the collection key FIRST: some clients read "the first key of the JSON object" [LR]
        return JSONResponse({res.plural: items, "total": total, "pages": pages, "limit": limit, "page": page},
                            status_code=206)

    # -- writes --------------------------------------------------------------------------------------------
    def _create(self, acc: Account, res: Resource, body: dict[str, Any], base: str, suppressed: bool, *,
                book: bool) -> Response:
        do_book = bool(as_bool(body.pop("book", False))) if book else False
        change = res.create(acc, body)
        self._fire(acc, res, change, base, suppressed)
        if do_book and res.path in DOCUMENTS:
            booked = DOCUMENTS[res.path].book(acc, change.rec)
            self._fire(acc, res, booked, base, suppressed)
        return JSONResponse({res.singular: res.render(acc, change.rec, base)}, status_code=201)

    def _register_webhook(self, acc: Account, body: dict[str, Any], base: str) -> Response:
        """Registering the same event + url again updates the existing webhook; the token only comes on create."""
        existing = WEBHOOKS.find_same(acc, str(body.get("event")), str(body.get("url")))
        if existing is not None:
            WEBHOOKS.update(acc, existing, {k: v for k, v in body.items() if k == "is_active"})
            return JSONResponse({"webhook": WEBHOOKS.render(acc, existing, base)}, status_code=200)
        change = WEBHOOKS.create(acc, body)
        data = WEBHOOKS.render(acc, change.rec, base)
        data["token"] = change.rec["token"]
        return JSONResponse({"webhook": data}, status_code=201)

    def _fire(self, acc: Account, res: Resource, change: Change, base: str, suppressed: bool, *,
              data: dict[str, Any] | None = None) -> None:
        if change.event is None or suppressed:
            return
        is_update = change.event.endswith(".updated")
        if is_update and not change.changed:
            return  # nothing changed: no "updated" event (as Eloquent does)
        key = change.rec[res.key_field]
        payload: dict[str, Any] = {"key": key, "key_name": res.key_field, "event": change.event,
                                   "data": data if data is not None else res.render(acc, change.rec, base)}
        if is_update:
            payload["old_key"] = change.old_key
            payload["new_key"] = key
            payload["changed"] = change.changed
        self.webhooks.fire(acc, change.event, payload)

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
            return error(exc.status, exc.message)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    async def c_create_account(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            return error(400, "body is not JSON")
        seed = (body or {}).get("seed", "empty") if isinstance(body, dict) else None
        if seed not in ("demo", "empty"):
            return error(400, 'seed must be "demo" or "empty"')
        acc = self.create_account(seed)
        return JSONResponse({"accountId": acc.account_id, "token": acc.token, "userAccountId": acc.user_account_id},
                            status_code=201)

    def c_state(self, request: Request) -> dict[str, Any]:
        acc = self._account(request)
        base = base_url(request)

        def full(path: str) -> list[dict[str, Any]]:
            res = RESOURCES[path]
            return [res.render(acc, r, base) for r in acc.coll(path)]

        webhooks = []
        for w in acc.coll("webhooks"):
            data = WEBHOOKS.render(acc, w, base)
            data["token"] = w["token"]  # the owner's view: the token Rackbeat would send
            webhooks.append(data)
        counts = {_camel(p): len(c) for p, c in acc.data.items()}
        counts["webhookDeliveries"] = len(acc.deliveries)
        return {
            "accountId": acc.account_id,
            "userAccountId": acc.user_account_id,
            "companyName": acc.company_name,
            "counts": counts,
            "customerGroups": full("customer-groups"),
            "supplierGroups": full("supplier-groups"),
            "productGroups": full("product-groups"),
            "units": full("units"),
            "paymentTerms": full("payment-terms"),
            "employees": full("employees"),
            "customers": acc.coll("customers").keys(),
            "suppliers": acc.coll("suppliers").keys(),
            "products": acc.coll("products").keys(),
            "lots": acc.coll("lots").keys(),
            "customerInvoices": full("customer-invoices"),
            "purchaseOrders": full("purchase-orders"),
            "webhooks": webhooks,
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
                return error(400, str(exc))
        return JSONResponse({"faults": acc.faults.as_json() if acc.faults else None})

    async def c_rate_limit(self, request: Request) -> Response:
        acc = self._account(request)
        body = await _json_object(request)
        unknown = set(body) - {"limit", "periodSeconds"}
        limit, period = body.get("limit", acc.rate_limit), body.get("periodSeconds", acc.rate_period)
        if unknown or not isinstance(limit, int) or isinstance(limit, bool) or limit < 1 \
                or not isinstance(period, int | float) or period <= 0:
            return error(400, 'expected {"limit": positive int, "periodSeconds": positive number}')
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
                or not isinstance(timeout, int | float) or timeout <= 0:
            return error(400, 'expected {"delays": [seconds, ...], "timeoutSeconds"?: number}')
        acc.retry_delays = [float(d) for d in delays]
        acc.webhook_timeout = float(timeout)
        return JSONResponse({"delays": acc.retry_delays, "timeoutSeconds": acc.webhook_timeout})


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise HttpProblem(400, "body is not JSON") from exc
    if not isinstance(body, dict):
        raise HttpProblem(400, "body must be a JSON object")
    return body


def _camel(path: str) -> str:
    head, *rest = path.split("-")
    return head + "".join(w.capitalize() for w in rest)


def _sorted(records: list[Record], field: str, *, reverse: bool) -> list[Record]:
    present = [r for r in records if r.get(field) is not None]
    missing = [r for r in records if r.get(field) is None]
    try:
        present.sort(key=lambda r: r[field], reverse=reverse)
    except TypeError:
        present.sort(key=lambda r: str(r[field]), reverse=reverse)
    return present + missing


def create_app() -> Starlette:
    """A fresh Rackbeat sandbox (no accounts yet). ``app.state.rackbeat`` is the ``RackbeatSandbox``."""
    sandbox = RackbeatSandbox()

    def control(action: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await sandbox.control(request, action)

        return endpoint

    api_methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    routes = [
        Route("/api", sandbox.api, methods=api_methods),
        Route("/api/{rest:path}", sandbox.api, methods=api_methods),
        Route("/_control/accounts", sandbox.c_create_account, methods=["POST"]),
        Route("/_control/accounts/{account_id}/state", control(sandbox.c_state), methods=["GET"]),
        Route("/_control/accounts/{account_id}/faults", control(sandbox.c_faults), methods=["GET", "POST", "DELETE"]),
        Route("/_control/accounts/{account_id}/rate-limit", control(sandbox.c_rate_limit), methods=["POST"]),
        Route("/_control/accounts/{account_id}/webhook-retry", control(sandbox.c_webhook_retry), methods=["POST"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await sandbox.aclose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.rackbeat = sandbox
    return app


__all__ = ["RackbeatSandbox", "create_app"]
