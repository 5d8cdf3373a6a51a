"""Pieces every sandbox shares: fault injection per account and small Starlette helpers.

The sandboxes are independent of the rest of bokbro (they import nothing from it), so that they stay
honest stand-ins of the external systems. Fault injection is configured per account through each
sandbox's control API: ``POST /_control/accounts/{accountId}/faults`` with a JSON body of the fields of
``Faults``; ``DELETE`` clears them.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


@dataclass
class Faults:
    """What can go wrong for one account. Rates are shares between 0 and 1."""

    latency_ms: int = 0  # added to every API response (after the request was handled)
    error_5xx_rate: float = 0.0  # answer 500/503 without doing anything
    commit_then_500_rate: float = 0.0  # do the work, then answer 500 (the client cannot know it succeeded)
    timeout_rate: float = 0.0  # hang for ``timeout_seconds`` before answering 504, without doing anything
    timeout_seconds: float = 30.0
    rate_limit_storm: int = 0  # the next N requests answer 429
    rate_limit_reset_seconds: int = 1  # what 429 answers say in their reset / Retry-After header
    webhook_drop_rate: float = 0.0  # a webhook delivery is silently never sent
    webhook_duplicate_rate: float = 0.0  # a webhook delivery is sent twice
    seed: int | None = None
    # counters, read back through the control API
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Faults:
        names = {f.name for f in fields(cls)} - {"injected"}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        return cls(**{k: v for k, v in data.items() if k in names})

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def count(self, kind: str) -> None:
        self.injected[kind] = self.injected.get(kind, 0) + 1


ErrorFactory = Callable[[int, str, dict[str, str]], Response]
A = TypeVar("A")  # a sandbox's account


async def with_faults(
    faults: Faults | None,
    handler: Callable[[], Awaitable[Response]],
    error: ErrorFactory,
) -> Response:
    """Run ``handler`` under the account's faults. ``error(status, message, headers)`` builds the
    system's own error body, so that a client sees injected failures exactly as it would see real ones."""
    if faults is None:
        return await handler()
    if faults.rate_limit_storm > 0:
        faults.rate_limit_storm -= 1
        faults.count("rate_limit")
        reset = str(faults.rate_limit_reset_seconds)
        return error(429, "Too many requests (sandbox fault injection)",
                     {"Retry-After": reset, "X-Rate-Limit-Reset": reset, "X-Rate-Limit-Remaining": "0"})
    if faults.roll(faults.error_5xx_rate):
        faults.count("error_5xx")
        return error(500, "Internal server error (sandbox fault injection)", {})
    if faults.roll(faults.timeout_rate):
        faults.count("timeout")
        await asyncio.sleep(faults.timeout_seconds)
        return error(504, "Gateway timeout (sandbox fault injection)", {})
    response = await handler()
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    if response.status_code < 400 and faults.roll(faults.commit_then_500_rate):
        faults.count("commit_then_500")
        return error(500, "Internal server error after commit (sandbox fault injection)", {})
    return response


async def read_json(request: Request) -> Any:
    body = await request.body()
    if not body:
        return None
    return json.loads(body)


# -- the control API ------------------------------------------------------------------------------------------


def control_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def control_body(request: Request) -> dict[str, Any]:
    """A control request's JSON object ({} when empty); ValueError for anything else."""
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def control_update(find_account: Callable[[Request], A | None]) -> Callable[
        [Callable[[A, dict[str, Any]], Response]], Callable[[Request], Awaitable[Response]]]:
    """For control endpoints that change one account from their JSON body: 404 for an unknown account, 400 with the
    reason when the body cannot be read or the handler refuses it (ValueError / TypeError)."""
    def wrap(handler: Callable[[A, dict[str, Any]], Response]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            account = find_account(request)
            if account is None:
                return control_error(404, "no such account")
            try:
                return handler(account, await control_body(request))
            except (ValueError, TypeError) as exc:
                return control_error(400, str(exc))

        return endpoint

    return wrap


def locked_period_until(body: Any) -> date | None:
    """The body of a ``locked-period`` control request, ``{"until": "YYYY-MM-DD" | null}``: the last day of the
    closed periods, or None (all open). ValueError on anything else."""
    if not isinstance(body, dict) or set(body) != {"until"}:
        raise ValueError('body must be {"until": "YYYY-MM-DD" | null}')
    until = body["until"]
    if until is None:
        return None
    if not isinstance(until, str):
        raise ValueError('"until" must be a date "YYYY-MM-DD" or null')
    return date.fromisoformat(until)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)
