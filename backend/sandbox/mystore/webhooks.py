"""Webhook delivery: signed POSTs in background tasks, retried on the account's schedule, at least once.

Every delivery carries ``X-No-Mystore-Topic``, ``X-No-Mystore-Host`` (the shop) and
``X-No-Mystore-Hmac-Sha256`` = base64(HMAC-SHA256(shop's webhook secret, raw body)). The body bytes are
fixed when the event fires, so retries and duplicates carry the same body and the same signature.
Nothing here blocks an API call: ``fire`` only schedules. ``drain`` waits until every pending delivery
(retries included) has finished; ``aclose`` cancels them (the app's lifespan calls it on shutdown).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Coroutine
from typing import Any

import httpx

from backend.sandbox.mystore import guesses as g
from backend.sandbox.mystore.store import Account, Record, now


def sign(secret: str, body: bytes) -> str:
    """What Mystore puts in ``X-No-Mystore-Hmac-Sha256``."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class WebhookDispatcher:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        # one HTTP client for every delivery (a client per delivery costs a TLS context each: most of the
        # sandbox's CPU under load); per event loop, since a client's connections belong to the loop that made them
        self._client: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None
        self._ids = itertools.count(1)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def fire(self, acc: Account, topic: str, body: bytes, order_id: int | None) -> int:
        """Schedule one delivery per webhook subscribed to ``topic``; return how many were scheduled."""
        scheduled = 0
        for hook in acc.records(g.WEBHOOKS):
            if hook[g.WEBHOOK_TOPIC_FIELD] != topic:
                continue
            delivery_id = next(self._ids)
            faults = acc.faults
            if faults is not None and faults.roll(faults.webhook_drop_rate):
                faults.count("webhook_drop")
                self._log(acc, hook, topic, order_id, delivery_id, copy=1, attempt=0, status=None, error=None,
                          outcome="dropped")
                continue
            copies = 1
            if faults is not None and faults.roll(faults.webhook_duplicate_rate):
                faults.count("webhook_duplicate")
                copies = 2
            for copy in range(1, copies + 1):
                self._spawn(self._deliver(acc, hook["id"], topic, body, order_id, delivery_id, copy))
                scheduled += 1
        return scheduled

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro, name="mystore-sandbox-webhook")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, acc: Account, hook_id: int, topic: str, body: bytes, order_id: int | None,
                       delivery_id: int, copy: int) -> None:
        attempt = 0
        while True:
            hook = acc.get(g.WEBHOOKS, hook_id)
            if hook is None:
                return  # unsubscribed in the meantime: no more attempts
            attempt += 1
            started = time.monotonic()
            status, error = await self._post(acc, hook, topic, body)
            ok = status is not None and 200 <= status < 300
            delays = acc.retry_delays
            gave_up = not ok and attempt > len(delays)
            self._log(acc, hook, topic, order_id, delivery_id, copy=copy, attempt=attempt, status=status, error=error,
                      outcome="delivered" if ok else "failed", gave_up=gave_up,
                      duration_ms=int((time.monotonic() - started) * 1000))
            if ok or gave_up:
                return
            await asyncio.sleep(delays[attempt - 1])

    async def _post(self, acc: Account, hook: Record, topic: str, body: bytes) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": g.WEBHOOK_CONTENT_TYPE,
            "User-Agent": g.WEBHOOK_USER_AGENT,
            g.HEADER_TOPIC: topic,
            g.HEADER_HOST: acc.shop,
            g.HEADER_HMAC: sign(acc.webhook_secret, body),
        }
        connect = min(g.WEBHOOK_CONNECT_TIMEOUT_SECONDS, acc.webhook_timeout)
        try:
            async with asyncio.timeout(acc.webhook_timeout):
                response = await self._http().post(str(hook[g.WEBHOOK_ADDRESS_FIELD]), content=body, headers=headers,
                                                   timeout=httpx.Timeout(acc.webhook_timeout, connect=connect))
            return response.status_code, None
        except (TimeoutError, httpx.TimeoutException):
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, type(exc).__name__

    @staticmethod
    def _log(acc: Account, hook: Record, topic: str, order_id: int | None, delivery_id: int, *, copy: int,
             attempt: int, status: int | None, error: str | None, outcome: str, gave_up: bool = False,
             duration_ms: int = 0) -> None:
        acc.deliveries.append({
            "deliveryId": delivery_id,
            "copy": copy,
            "webhookId": hook["id"],
            "topic": topic,
            "url": hook[g.WEBHOOK_ADDRESS_FIELD],
            "orderId": order_id,
            "attempt": attempt,
            "status": status,
            "error": error,
            "outcome": outcome,
            "gaveUp": gave_up,
            "durationMs": duration_ms,
            "at": now().isoformat(),
        })

    async def drain(self) -> None:
        """Wait until no delivery is pending (new ones started meanwhile included). Bound it with
        ``asyncio.timeout(...)`` when the retry schedule is long."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client[0] is not loop:
            self._client = (loop, httpx.AsyncClient(trust_env=False))
        return self._client[1]

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        if self._client is not None and self._client[0] is asyncio.get_running_loop():
            await self._client[1].aclose()
        self._client = None
