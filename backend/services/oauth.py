"""eAccounting's OAuth2 authorization-code flow, and where the rotating tokens live.

1. ``authorize_eaccounting(connection)`` returns the URL to send the customer's browser to; its ``state``
   is signed with BOKBRO_SECRET_KEY, names the connection and expires.
2. Visma redirects to ``/oauth/eaccounting/callback?code&state``; ``complete_eaccounting`` checks the state
   and exchanges the single-use code for tokens, stored encrypted with the connection.
3. Every later refresh rotates the refresh token. ``DbTokenStore`` keeps the current pair in the database
   (so a Redis flush cannot lose it) and serialises refreshes across all workers with a Redis lock.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import time
from datetime import datetime

from backend.connectors import eaccounting
from backend.connectors.eaccounting import TokenSet
from backend.db.models import Connection, ConnectionStatus, System
from backend.infra.locks import redis_lock
from backend.services.auth import Principal
from backend.services.connections import EACCOUNTING_SCOPES, get_connection
from backend.services.connector_factory import default_base_url
from backend.services.context import AppContext
from backend.services.errors import InvalidInput, NotFound

SCOPES = EACCOUNTING_SCOPES
PRODUCTION_IDENTITY = "https://identity.vismaonline.com/connect"
STATE_TTL_SECONDS = 15 * 60
CALLBACK_PATH = "/oauth/eaccounting/callback"


def identity_base(ctx: AppContext, connection: Connection) -> str:
    creds = ctx.box.decrypt(connection.credentials_encrypted)
    if creds.get("identityUrl"):
        return str(creds["identityUrl"]).rstrip("/")
    base = (connection.base_url or default_base_url(ctx, System.EACCOUNTING)).rstrip("/")
    if base.endswith("/v2") and "/sandbox/" in base:
        return base[: -len("/v2")] + "/identity/connect"  # the sandbox's identity server sits beside its API
    return PRODUCTION_IDENTITY


def redirect_uri(ctx: AppContext) -> str:
    return ctx.settings.public_url.rstrip("/") + CALLBACK_PATH


def _sign_state(ctx: AppContext, connection_id: str) -> str:
    payload = f"{connection_id}.{int(time.time()) + STATE_TTL_SECONDS}.{secrets.token_urlsafe(8)}"
    return f"{payload}.{ctx.box.sign('oauth-state:' + payload)}"


def _verify_state(ctx: AppContext, state: str) -> str:
    try:
        connection_id, expires, nonce, signature = state.split(".", 3)
        payload = f"{connection_id}.{expires}.{nonce}"
        valid = hmac.compare_digest(signature, ctx.box.sign("oauth-state:" + payload))
        if not valid or int(expires) < time.time():
            raise ValueError
    except ValueError as exc:
        raise InvalidInput("the authorization link is invalid or has expired; start the connection again",
                           field="state") from exc
    return connection_id


async def authorize_eaccounting(ctx: AppContext, principal: Principal, connection_id: str) -> str:
    connection = await get_connection(ctx, principal, connection_id)
    if connection.system != System.EACCOUNTING.value:
        raise InvalidInput("only eAccounting connections are authorized through OAuth", field="connectionId")
    creds = ctx.box.decrypt(connection.credentials_encrypted)
    return eaccounting.authorize_url(identity_base(ctx, connection) + "/authorize", creds["clientId"],
                                     redirect_uri(ctx), SCOPES, _sign_state(ctx, connection.id))


async def complete_eaccounting(ctx: AppContext, code: str, state: str) -> Connection:
    connection_id = _verify_state(ctx, state)
    async with ctx.db.session() as s:
        connection = await s.get(Connection, connection_id)
    if connection is None:
        raise NotFound("the connection this authorization was for no longer exists")
    creds = ctx.box.decrypt(connection.credentials_encrypted)
    tokens = await eaccounting.exchange_code(ctx.http, identity_base(ctx, connection) + "/token", creds["clientId"],
                                             creds["clientSecret"], code, redirect_uri(ctx))
    await DbTokenStore(ctx).save(connection.id, tokens)
    async with ctx.db.session() as s:
        fresh = await s.get(Connection, connection.id)
        assert fresh is not None
        fresh.status = ConnectionStatus.UNTESTED.value
        s.add(fresh)
        await s.commit()
        await s.refresh(fresh)
    return fresh


class DbTokenStore:
    """``TokenStore`` keyed by connection id: tokens in the connection's encrypted credentials, refreshes
    serialised across processes by a Redis lock (SET NX with expiry; released only by its owner)."""

    LOCK_SECONDS = 30

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def load(self, key: str) -> TokenSet | None:
        async with self.ctx.db.session() as s:
            row = await s.get(Connection, key, populate_existing=True)
        if row is None:
            return None
        creds = self.ctx.box.decrypt(row.credentials_encrypted)
        if not creds.get("refreshToken") and not creds.get("accessToken"):
            return None
        expires = creds.get("accessTokenExpiresAt")
        return TokenSet(creds.get("accessToken"), creds.get("refreshToken"),
                        datetime.fromisoformat(expires) if expires else None)

    async def save(self, key: str, tokens: TokenSet) -> None:
        async with self.ctx.db.session() as s:
            row = await s.get(Connection, key, populate_existing=True)
            if row is None:
                return
            creds = self.ctx.box.decrypt(row.credentials_encrypted)
            creds.update(accessToken=tokens.access_token, refreshToken=tokens.refresh_token,
                         accessTokenExpiresAt=tokens.expires_at.isoformat() if tokens.expires_at else None)
            row.credentials_encrypted = self.ctx.box.encrypt(creds)
            s.add(row)
            await s.commit()

    def lock(self, key: str) -> contextlib.AbstractAsyncContextManager[None]:
        return redis_lock(self.ctx.redis, f"{self.ctx.settings.redis_prefix}:lock:eaccounting-refresh:{key}",
                          self.LOCK_SECONDS)
