"""What every connector shares: typed errors, the HTTP call with timeouts, redaction and exchange recording.

A connector owns the wire of one external system. Everything above it (flows, services) sees only
Python values and the typed errors defined here, never an httpx response.

Error classes decide what the worker does:
- ``RetryableError`` (5xx, timeouts, connection errors, 429): the transfer is retried with backoff.
  ``retry_after`` carries what the system told us (``Retry-After``, ``X-Rate-Limit-Reset``).
- ``PermanentError`` (4xx other than 429): the transfer fails at once with the system's own message,
  code and field, so that an explanation can be looked up (by status/code/field, never by text).
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

# Header names whose values are secrets in any of the four systems.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "set-cookie",
        "rackbeat-webhook-token",
        "x-no-mystore-hmac-sha256",
        "proxy-authorization",
    }
)
# JSON keys / query parameters whose values are secrets.
SECRET_KEYS = frozenset(
    {
        "token",
        "consumertoken",
        "employeetoken",
        "sessiontoken",
        "access_token",
        "refresh_token",
        "client_secret",
        "password",
        "api_key",
        "apikey",
        "secret",
        "webhook_secret",
        "authheadervalue",
        "hmacsharedsecret",
        "encryptionkey",
    }
)
REDACTED = "***"
_MAX_BODY_CHARS = 20_000


def redact_value(key: str, value: Any) -> Any:
    if key.replace("-", "").replace("_", "").lower() in {k.replace("_", "") for k in SECRET_KEYS}:
        return REDACTED
    return redact(value)


def redact(value: Any) -> Any:
    """Deep-copy a JSON-like value with every secret-named key replaced by ``***``."""
    if isinstance(value, Mapping):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


_QUERY_SECRET = re.compile(
    r"(?i)([?&](?:consumerToken|employeeToken|token|access_token|refresh_token|code|client_secret)=)[^&]*"
)


def redact_url(url: str) -> str:
    return _QUERY_SECRET.sub(r"\1" + REDACTED, url)


def redact_text(text: str, secrets: list[str]) -> str:
    """Remove known secret strings from free text (error messages, bodies that echo a token)."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, REDACTED)
    return text


def scrub(value: Any, secrets: list[str]) -> Any:
    """Known secret strings removed from every string inside a JSON-like value (a server may echo a token
    inside a message, where no key name gives it away)."""
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, Mapping):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value


@dataclass
class Exchange:
    """One HTTP request and its response, redacted, as kept in the transfer log."""

    system: str
    method: str
    url: str
    request_body: Any
    status: int | None
    response_body: Any
    duration_ms: int
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "method": self.method,
            "url": self.url,
            "requestBody": self.request_body,
            "status": self.status,
            "responseBody": self.response_body,
            "durationMs": self.duration_ms,
            "error": self.error,
        }


ExchangeHook = Callable[[Exchange], None]


@dataclass
class ConnectorError(Exception):
    """A failed call to an external system, with what the system said."""

    system: str
    message: str
    status: int | None = None
    code: str | None = None
    field: str | None = None
    retryable: bool = False
    retry_after: float | None = None
    details: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    request_id: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        bits = [f"{self.system}"]
        if self.status:
            bits.append(f"HTTP {self.status}")
        if self.code:
            bits.append(f"code {self.code}")
        if self.field:
            bits.append(f"field {self.field}")
        return f"{' '.join(bits)}: {self.message}"


class RetryableError(ConnectorError):
    """Try again later: the system was unavailable, slow, or asked us to slow down."""

    def __init__(self, system: str, message: str, **kw: Any) -> None:
        kw.setdefault("retryable", True)
        super().__init__(system, message, **kw)


class RateLimitedError(RetryableError):
    """HTTP 429 (or the system's equivalent code); ``retry_after`` seconds when the system said."""


class TransportError(RetryableError):
    """Timeout or connection failure: we do not know whether the system acted on the request."""


class PermanentError(ConnectorError):
    """The system refused the request; repeating it unchanged will not help."""


class AuthError(PermanentError):
    """Credentials missing, wrong, expired beyond renewal, or lacking a permission (401/403)."""


class NotFoundError(PermanentError):
    """The object does not exist (404)."""


class ValidationError(PermanentError):
    """The system's business rules or validation refused the payload (422 and similar)."""


class ConflictError(PermanentError):
    """Duplicate or stale version (409)."""


def parse_json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {"_raw": response.text[:2000]}


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    for name in ("Retry-After", "X-Rate-Limit-Reset", "X-RateLimit-Reset"):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return max(0.0, float(raw))
        except ValueError:
            continue
    return None


class RateLimiter:
    """Interface: wait until one more request on ``key`` is within budget. ``NoRateLimit`` never waits."""

    async def acquire(self, key: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class NoRateLimit(RateLimiter):
    async def acquire(self, key: str) -> None:
        return None


TRANSCRIPT_LENGTH = 200


class HttpConnector:
    """Base of the four connectors: one httpx client, timeouts, redaction, exchange recording.

    Subclasses implement ``_auth_headers`` and ``_error_from_response`` and call ``_send``.
    """

    system: str = "unknown"
    default_timeout = httpx.Timeout(30.0, connect=5.0)

    def __init__(
        self,
        base_url: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float | None = None,
        rate_limiter: RateLimiter | None = None,
        rate_limit_key: str | None = None,
        on_exchange: ExchangeHook | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout or self.default_timeout)
        self._timeout = timeout or self.default_timeout
        self._rate_limiter = rate_limiter or NoRateLimit()
        self._rate_limit_key = rate_limit_key or self.system
        self.on_exchange = on_exchange
        # the latest exchanges, for tests and callers without a hook; bounded, so that a long-lived client (an
        # initial sync writes a whole account through one) keeps flat memory
        self.exchanges: deque[Exchange] = deque(maxlen=TRANSCRIPT_LENGTH)
        self._secrets: list[str] = []

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> HttpConnector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- to be provided by subclasses -------------------------------------------------------------
    async def _auth_headers(self) -> dict[str, str]:
        return {}

    def _error_from_response(self, response: httpx.Response, body: Any) -> ConnectorError:
        status = response.status_code
        message = f"HTTP {status}"
        return self._classify(status, message, response)

    # -- shared machinery -------------------------------------------------------------------------
    def _remember_secret(self, *secrets: str | None) -> None:
        for s in secrets:
            if s and s not in self._secrets:
                self._secrets.append(s)

    def _classify(
        self,
        status: int,
        message: str,
        response: httpx.Response,
        *,
        code: str | None = None,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        request_id: str | None = None,
    ) -> ConnectorError:
        message = redact_text(message, self._secrets)
        kw: dict[str, Any] = {
            "status": status,
            "code": code,
            "field": field,
            "details": details or [],
            "request_id": request_id,
        }
        if status == 429:
            return RateLimitedError(self.system, message, retry_after=parse_retry_after(response.headers), **kw)
        if status >= 500:
            return RetryableError(self.system, message, retry_after=parse_retry_after(response.headers), **kw)
        if status in (401, 403):
            return AuthError(self.system, message, **kw)
        if status == 404:
            return NotFoundError(self.system, message, **kw)
        if status == 409:
            return ConflictError(self.system, message, **kw)
        if status in (400, 422):
            return ValidationError(self.system, message, **kw)
        return PermanentError(self.system, message, **kw)

    def _record(self, ex: Exchange) -> None:
        ex.url = redact_text(ex.url, self._secrets)
        if ex.error:
            ex.error = redact_text(ex.error, self._secrets)
        self.exchanges.append(ex)
        if self.on_exchange is not None:
            self.on_exchange(ex)

    def _clip(self, body: Any) -> Any:
        red = scrub(redact(body), self._secrets)
        text = json.dumps(red, default=str)
        if len(text) > _MAX_BODY_CHARS:
            return {"_truncated": text[:_MAX_BODY_CHARS]}
        return red

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        expect: tuple[int, ...] = (200, 201, 202, 204, 206),
    ) -> httpx.Response:
        """Send one request; return the response on an expected status, raise a typed error otherwise."""
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        hdrs = {"Accept": "application/json", "User-Agent": "bokbro/0.1 (integration gateway)"}
        if json_body is not None:
            hdrs["Content-Type"] = "application/json"
        if auth:
            hdrs.update(await self._auth_headers())
        if headers:
            hdrs.update(headers)
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        await self._rate_limiter.acquire(self._rate_limit_key)
        started = time.monotonic()
        logged_url = redact_url(str(httpx.URL(url, params=clean_params)))
        try:
            response = await self._http.request(
                # no empty params: httpx would drop a query string that is already part of ``url``
                method, url, params=clean_params or None, json=json_body, headers=hdrs, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            self._record(
                Exchange(self.system, method, logged_url, self._clip(json_body), None, None,
                         int((time.monotonic() - started) * 1000), error="timeout")
            )
            raise TransportError(self.system, f"{method} {logged_url} timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            self._record(
                Exchange(self.system, method, logged_url, self._clip(json_body), None, None,
                         int((time.monotonic() - started) * 1000), error=type(exc).__name__)
            )
            raise TransportError(self.system, f"{method} {logged_url} failed: {type(exc).__name__}") from exc
        body = parse_json(response)
        self._record(
            Exchange(self.system, method, logged_url, self._clip(json_body), response.status_code,
                     self._clip(body), int((time.monotonic() - started) * 1000))
        )
        if response.status_code in expect:
            return response
        raise self._error_from_response(response, body)
