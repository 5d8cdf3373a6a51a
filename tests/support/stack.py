"""A whole bokbro on a real port: API, embedded worker, the sandboxes mounted, on a chosen back-end.

Tests talk to it only over HTTP and WebSocket, as a partner or the admin UI would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from backend.api.app import create_app
from backend.config import Settings
from tests.support.backends import Backend
from tests.support.servers import free_port, serve_asgi

OPERATOR_TOKEN = "op_test_operator_token_0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdef"


class GraphQLError(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(json.dumps(errors, indent=1))
        self.errors = errors

    @property
    def codes(self) -> list[str]:
        return [str((e.get("extensions") or {}).get("code")) for e in self.errors]


@dataclass
class Stack:
    base_url: str
    http: httpx.AsyncClient
    app: Any
    token: str = OPERATOR_TOKEN
    _subscriptions: list[Any] = field(default_factory=list)

    async def gql(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None,
                  expect_errors: bool = False) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token or self.token}"} if (token or self.token) else {}
        r = await self.http.post(f"{self.base_url}/graphql", json={"query": query, "variables": variables or {}},
                                 headers=headers)
        body = r.json()
        if body.get("errors"):
            if expect_errors:
                raise GraphQLError(body["errors"])
            raise GraphQLError(body["errors"])
        assert r.status_code == 200, r.text
        return body["data"]  # type: ignore[no-any-return]

    @asynccontextmanager
    async def subscribe(self, query: str, variables: dict[str, Any] | None = None,
                        token: str | None = None) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """graphql-transport-ws over a real WebSocket; yields a queue of ``next`` payloads' data."""
        url = self.base_url.replace("http://", "ws://") + "/graphql"
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {token or self.token}"}}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert ack["type"] == "connection_ack", ack
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": query, "variables": variables or {}}}))

            async def pump() -> None:
                async for raw in ws:
                    msg = json.loads(raw)
                    if msg["type"] == "next":
                        if msg["payload"].get("errors"):
                            await queue.put({"errors": msg["payload"]["errors"]})
                        else:
                            await queue.put(msg["payload"]["data"])
                    elif msg["type"] == "ping":
                        await ws.send(json.dumps({"type": "pong"}))
                    elif msg["type"] == "error":
                        await queue.put({"errors": msg["payload"]})

            task = asyncio.create_task(pump())
            # give the server a moment to register the subscription before the test acts
            await asyncio.sleep(0.3)
            try:
                yield queue
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    # -- sandboxes ----------------------------------------------------------------------------------
    async def sandbox(self, system: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, f"{self.base_url}/sandbox/{system}/{path.lstrip('/')}", **kw)


async def wait_for(predicate: Callable[[], Awaitable[Any]], timeout: float = 30.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await predicate()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def stack_settings(be: Backend, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=be.database_url,
        redis_url=be.redis_url,
        redis_prefix=be.redis_prefix,
        public_url=f"http://127.0.0.1:{port}",
        secret_key=SECRET_KEY,
        bootstrap_token=OPERATOR_TOKEN,
        embedded_worker=True,
        sandboxes=True,
        sweeper_interval_seconds=0.5,
        transfer_lease_seconds=20,
        retry_base_seconds=0.2,
        retry_max_seconds=5,
        reconcile_interval_seconds=0,  # tests that want the periodic reconciliation turn it on
    )
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running_stack(be: Backend, **overrides: Any) -> AsyncIterator[Stack]:
    port = free_port()
    app = create_app(stack_settings(be, port, **overrides))
    async with serve_asgi(app, port=port) as base_url, httpx.AsyncClient(timeout=30) as http:
        yield Stack(base_url=base_url, http=http, app=app)
