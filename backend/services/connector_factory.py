"""Builds connector clients from stored connections: decrypts credentials, shares rate-limit and session
state through Redis, and feeds every HTTP exchange to the caller's recorder."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from datetime import date
from typing import Any

import httpx

from backend.connectors.base import AuthError, ExchangeHook
from backend.connectors.eaccounting import EAccountingClient
from backend.connectors.mystore import MystoreClient
from backend.connectors.rackbeat import RackbeatClient
from backend.connectors.tripletex import TripletexClient
from backend.db.models import Connection, System
from backend.infra.locks import redis_lock
from backend.infra.ratelimit import BUDGETS, RedisRateLimiter
from backend.services.context import AppContext
from backend.services.errors import InvalidInput

# Where each system lives in production; the demo points at the mounted sandboxes instead.
PRODUCTION_BASE_URLS = {
    System.RACKBEAT: "https://app.rackbeat.com/api",
    System.TRIPLETEX: "https://tripletex.no/v2",
    System.EACCOUNTING: "https://eaccountingapi.vismaonline.com/v2",
    System.MYSTORE: "https://api.mystore.no",
}
SANDBOX_PATHS = {
    System.RACKBEAT: "/sandbox/rackbeat/api",
    System.TRIPLETEX: "/sandbox/tripletex/v2",
    System.EACCOUNTING: "/sandbox/eaccounting/v2",
    System.MYSTORE: "/sandbox/mystore",
}
REQUIRED_CREDENTIALS = {
    System.RACKBEAT: ("token",),
    System.TRIPLETEX: ("consumerToken", "employeeToken"),
    System.MYSTORE: ("shop", "token", "webhookSecret"),
    System.EACCOUNTING: ("clientId", "clientSecret"),
}


def default_base_url(ctx: AppContext, system: System) -> str:
    if ctx.settings.sandboxes:
        return ctx.settings.public_url.rstrip("/") + SANDBOX_PATHS[system]
    return PRODUCTION_BASE_URLS[system]


def validate_credentials(system: System, credentials: Any) -> dict[str, str]:
    if not isinstance(credentials, dict):
        raise InvalidInput("credentials must be a JSON object", field="credentials")
    missing = [k for k in REQUIRED_CREDENTIALS[system] if not str(credentials.get(k) or "").strip()]
    if missing:
        raise InvalidInput(f"{system.value} credentials need: {', '.join(missing)}", field="credentials")
    return {k: str(v).strip() for k, v in credentials.items() if v is not None}


class RedisSessionCache:
    """Tripletex session tokens shared by every worker, encrypted in Redis, expiring with the token."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _key(self, key: str) -> str:
        return f"{self.ctx.settings.redis_prefix}:tripletex-session:{key}"

    async def get(self, key: str) -> tuple[str, date] | None:
        raw = await self.ctx.redis.get(self._key(key))
        if raw is None:
            return None
        try:
            data = self.ctx.box.decrypt(raw.decode() if isinstance(raw, bytes) else raw)
            return str(data["token"]), date.fromisoformat(data["expirationDate"])
        except (ValueError, KeyError, TypeError):
            return None

    async def set(self, key: str, token: str, expiration_date: date) -> None:
        value = self.ctx.box.encrypt({"token": token, "expirationDate": expiration_date.isoformat()})
        await self.ctx.redis.set(self._key(key), value, ex=2 * 24 * 3600)

    def lock(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while a session is created, so that all workers sharing the credential create one."""
        return redis_lock(self.ctx.redis, self._key(key) + ":lock", 30)


def credentials_of(ctx: AppContext, connection: Connection) -> dict[str, str]:
    data = ctx.box.decrypt(connection.credentials_encrypted)
    return dict(data)


def rate_limiter(ctx: AppContext, system: str) -> RedisRateLimiter | None:
    budget = BUDGETS.get(system)
    if budget is not None and system == "rackbeat":
        budget = dataclasses.replace(budget, limit=ctx.settings.rackbeat_requests_per_minute)
    return RedisRateLimiter(ctx.redis, ctx.settings.redis_prefix, budget) if budget else None


def rackbeat_client(ctx: AppContext, connection: Connection, on_exchange: ExchangeHook | None,
                    http: httpx.AsyncClient | None = None) -> RackbeatClient:
    creds = credentials_of(ctx, connection)
    return RackbeatClient(connection.base_url or default_base_url(ctx, System.RACKBEAT), creds["token"],
                          http=http or ctx.http, on_exchange=on_exchange, rate_limiter=rate_limiter(ctx, "rackbeat"))


def tripletex_client(ctx: AppContext, connection: Connection, on_exchange: ExchangeHook | None,
                     http: httpx.AsyncClient | None = None) -> TripletexClient:
    creds = credentials_of(ctx, connection)
    return TripletexClient(
        connection.base_url or default_base_url(ctx, System.TRIPLETEX),
        creds["consumerToken"],
        creds["employeeToken"],
        http=http or ctx.http,
        on_exchange=on_exchange,
        session_cache=RedisSessionCache(ctx),
    )


def eaccounting_client(ctx: AppContext, connection: Connection, on_exchange: ExchangeHook | None,
                       http: httpx.AsyncClient | None = None) -> EAccountingClient:
    from backend.services.oauth import DbTokenStore, identity_base

    creds = credentials_of(ctx, connection)
    if not creds.get("refreshToken"):
        raise AuthError("eaccounting", "eAccounting is not authorized yet: open the authorization link first")
    return EAccountingClient(
        connection.base_url or default_base_url(ctx, System.EACCOUNTING),
        client_id=creds["clientId"], client_secret=creds["clientSecret"],
        token_url=identity_base(ctx, connection) + "/token", refresh_token=creds["refreshToken"],
        http=http or ctx.http, on_exchange=on_exchange, rate_limiter=rate_limiter(ctx, "eaccounting"),
        token_store=DbTokenStore(ctx), token_key=connection.id,
    )


def mystore_client(ctx: AppContext, connection: Connection, on_exchange: ExchangeHook | None,
                   http: httpx.AsyncClient | None = None) -> MystoreClient:
    creds = credentials_of(ctx, connection)
    return MystoreClient(connection.base_url or default_base_url(ctx, System.MYSTORE), creds["shop"],
                         creds["token"], http=http or ctx.http, on_exchange=on_exchange,
                         rate_limiter=rate_limiter(ctx, "mystore"))


def credential_fingerprint(credentials: dict[str, str]) -> str:
    return hashlib.sha256(repr(sorted(credentials.items())).encode()).hexdigest()[:12]
