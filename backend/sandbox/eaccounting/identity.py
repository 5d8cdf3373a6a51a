"""The identity server (identity.vismaonline.com) of the sandbox: ``/identity/connect/authorize``, ``/token`` and
``/revocation``, with the grants behind them.

Authorization-code flow with HTTP Basic client authentication (API.md §2): codes are single-use and live five
minutes; access tokens live an hour; refresh tokens rotate (the used one dies at once, no grace window) or, for
clients created with ``refreshTokens: "reusable"``, stay the same. All expiry is measured on the company's
clock (``Account.now``), which the control API can move.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from backend.sandbox.eaccounting import guesses as g
from backend.sandbox.eaccounting.model import Account


@dataclass
class Code:
    account: Account
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: datetime
    used: bool = False


@dataclass
class AccessGrant:
    account: Account
    scopes: frozenset[str]
    expires_at: datetime


@dataclass
class RefreshGrant:
    account: Account
    scopes: frozenset[str]
    valid: bool = True


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def token_error(error: str, description: str | None = None, status: int = g.TOKEN_ERROR_STATUS) -> Response:
    body: dict[str, Any] = {"error": error}
    if description:
        body["error_description"] = description
    return _no_store(JSONResponse(body, status_code=status))


class Identity:
    """Clients, codes and tokens of every company of one sandbox app."""

    def __init__(self, accounts: Callable[[], dict[str, Account]]) -> None:
        self._accounts = accounts
        self.codes: dict[str, Code] = {}
        self.access: dict[str, AccessGrant] = {}
        self.refresh: dict[str, RefreshGrant] = {}

    def client(self, client_id: str | None) -> Account | None:
        return next((a for a in self._accounts().values() if a.client.client_id == client_id), None)

    # -- codes ----------------------------------------------------------------------------------------------
    def issue_code(self, account: Account, redirect_uri: str, scopes: frozenset[str]) -> str:
        code = secrets.token_urlsafe(32)
        self.codes[code] = Code(account, redirect_uri, scopes,
                                account.now() + timedelta(seconds=g.CODE_LIFETIME_SECONDS))
        account.stats["codesIssued"] += 1
        return code

    def check_scopes(self, account: Account, requested: list[str]) -> frozenset[str] | None:
        wanted = frozenset(requested)
        if not wanted or not wanted <= g.KNOWN_SCOPES or not wanted <= frozenset(account.client.scopes):
            return None
        return wanted

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        account = self.client(q.get("client_id"))
        if account is None:
            return JSONResponse({"error": "unauthorized_client", "error_description": "Unknown client"},
                                status_code=g.AUTHORIZE_ERROR_STATUS)
        redirect_uri = q.get("redirect_uri") or ""
        if redirect_uri != account.client.redirect_uri:
            return JSONResponse({"error": "invalid_request", "error_description": "Invalid redirect_uri"},
                                status_code=g.AUTHORIZE_ERROR_STATUS)
        state = q.get("state")

        def back(params: dict[str, str]) -> Response:
            if state is not None:
                params["state"] = state
            separator = "&" if "?" in redirect_uri else "?"
            return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)

        if q.get("response_type") != "code":
            return back({"error": "unsupported_response_type"})
        scopes = self.check_scopes(account, (q.get("scope") or "").replace("+", " ").split())
        if scopes is None:
            return back({"error": "invalid_scope"})
        code = self.issue_code(account, redirect_uri, scopes)
        return back({"code": code, "scope": " ".join(sorted(scopes))})

    # -- tokens ---------------------------------------------------------------------------------------------
    def _client_auth(self, request: Request, form: dict[str, str]) -> Account | None:
        client_id, secret = None, None
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                client_id, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return None
        elif g.ACCEPT_CLIENT_SECRET_IN_BODY:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        account = self.client(client_id)
        if account is None or not secret or not secrets.compare_digest(secret, account.client.client_secret):
            return None
        return account

    def _issue(self, account: Account, scopes: frozenset[str], refresh_token: str | None) -> Response:
        access = secrets.token_urlsafe(48)
        self.access[access] = AccessGrant(account, scopes,
                                          account.now() + timedelta(seconds=g.ACCESS_TOKEN_LIFETIME_SECONDS))
        body: dict[str, Any] = {"access_token": access, "expires_in": g.ACCESS_TOKEN_LIFETIME_SECONDS,
                                "token_type": g.TOKEN_TYPE}
        if "offline_access" in scopes:
            if refresh_token is None:
                refresh_token = secrets.token_urlsafe(48)
                self.refresh[refresh_token] = RefreshGrant(account, scopes)
            body["refresh_token"] = refresh_token
        return _no_store(JSONResponse(body))

    async def token(self, request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        account = self._client_auth(request, form)
        if account is None:
            return token_error("invalid_client")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            code = self.codes.get(form.get("code") or "")
            if code is None or code.account is not account:
                return token_error("invalid_grant")
            if code.used or account.now() >= code.expires_at:
                code.used = True
                return token_error("invalid_grant")
            code.used = True
            if form.get("redirect_uri") != code.redirect_uri:
                return token_error("invalid_grant", "Invalid redirect_uri")
            account.stats["codeExchanges"] += 1
            return self._issue(account, code.scopes, None)
        if grant_type == "refresh_token":
            token = form.get("refresh_token") or ""
            grant = self.refresh.get(token)
            if grant is None or grant.account is not account or not grant.valid:
                account.stats["refusedRefreshes"] += 1
                return token_error("invalid_grant")
            account.stats["refreshes"] += 1
            if account.client.refresh_mode == "reusable":
                return self._issue(account, grant.scopes, token)
            grant.valid = False  # rotating: the used token dies now (no grace window)
            return self._issue(account, grant.scopes, None)
        if not grant_type:
            return token_error("invalid_request", "grant_type is missing")
        return token_error("unsupported_grant_type")

    async def revoke(self, request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", "replace")
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        account = self._client_auth(request, form)
        if account is None:
            return token_error("invalid_client")
        token = form.get("token") or ""
        grant = self.refresh.get(token)
        if grant is not None and grant.account is account:
            grant.valid = False
        access = self.access.get(token)
        if access is not None and access.account is account:
            del self.access[token]
        return Response(status_code=200)

    # -- what the API and the control API use ----------------------------------------------------------------
    def bearer(self, request: Request) -> tuple[AccessGrant | None, str | None]:
        """(grant, None) for a valid token; (grant or None, WWW-Authenticate value) when it is refused."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, g.WWW_AUTHENTICATE_MISSING
        grant = self.access.get(token.strip())
        if grant is None:
            return None, g.WWW_AUTHENTICATE_INVALID
        if grant.account.now() >= grant.expires_at:
            return grant, g.WWW_AUTHENTICATE_EXPIRED
        return grant, None

    def expire_access_tokens(self, account: Account) -> int:
        count = 0
        for grant in self.access.values():
            if grant.account is account and grant.expires_at > account.now():
                grant.expires_at = account.now()
                count += 1
        return count

    def revoke_all(self, account: Account) -> None:
        """As when the user changes their password: every token of the company stops working."""
        self.expire_access_tokens(account)
        for grant in self.refresh.values():
            if grant.account is account:
                grant.valid = False

    def counts(self, account: Account) -> dict[str, int]:
        now = account.now()
        return {
            **account.stats,
            "activeAccessTokens": sum(1 for x in self.access.values() if x.account is account and x.expires_at > now),
            "validRefreshTokens": sum(1 for x in self.refresh.values() if x.account is account and x.valid),
        }
