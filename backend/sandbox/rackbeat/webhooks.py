"""Webhook delivery: POSTs in background tasks, retried on the account's schedule, at least once.

Nothing here blocks an API call: ``fire`` only schedules. ``drain`` waits until every pending delivery
(retries included) has finished; ``aclose`` cancels them (the app's lifespan calls it on shutdown).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Coroutine
from typing import Any

import httpx

from backend.sandbox.rackbeat import guesses as g
from backend.sandbox.rackbeat.store import Account, Record, now

USER_AGENT = "Rackbeat Webhook"


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

    def fire(self, acc: Account, event: str, body: dict[str, Any]) -> int:
        """Schedule one delivery per active webhook of ``event``; return how many were scheduled."""
        scheduled = 0
        for hook in acc.coll("webhooks"):
            if hook["event"] != event or not hook["is_active"]:
                continue
            delivery_id = next(self._ids)
            faults = acc.faults
            if faults is not None and faults.roll(faults.webhook_drop_rate):
                faults.count("webhook_drop")
                self._log(acc, hook, event, body, delivery_id, copy=1, attempt=0, status=None, error=None,
                          outcome="dropped")
                continue
            copies = 1
            if faults is not None and faults.roll(faults.webhook_duplicate_rate):
                faults.count("webhook_duplicate")
                copies = 2
            for copy in range(1, copies + 1):
                self._spawn(self._deliver(acc, hook["_id"], event, body, delivery_id, copy))
                scheduled += 1
        return scheduled

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro, name="rackbeat-sandbox-webhook")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, acc: Account, hook_id: int, event: str, body: dict[str, Any], delivery_id: int,
                       copy: int) -> None:
        attempt = 0
        while True:
            hook = acc.coll("webhooks").by_id(hook_id)
            if hook is None or not hook["is_active"]:
                return  # deleted or switched off in the meantime: Rackbeat stops delivering
            attempt += 1
            started = time.monotonic()
            status, error = await self._post(acc, hook, event, body)
            ok = status is not None and 200 <= status < 300
            delays = acc.retry_delays
            gave_up = not ok and attempt > len(delays)
            self._log(acc, hook, event, body, delivery_id, copy=copy, attempt=attempt, status=status, error=error,
                      outcome="delivered" if ok else "failed", gave_up=gave_up,
                      duration_ms=int((time.monotonic() - started) * 1000))
            if ok:
                hook["failures_since_last_success"] = 0
                return
            hook["failures_since_last_success"] = int(hook["failures_since_last_success"]) + 1
            if gave_up:
                return
            await asyncio.sleep(delays[attempt - 1])

    async def _post(self, acc: Account, hook: Record, event: str,
                    body: dict[str, Any]) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "Rackbeat-Webhook-Token": str(hook["token"]),
            "Rackbeat-Webhook-Event": event,
            "Rackbeat-Account-Id": str(acc.user_account_id),
        }
        connect = min(g.WEBHOOK_CONNECT_TIMEOUT_SECONDS, acc.webhook_timeout)
        try:
            async with asyncio.timeout(acc.webhook_timeout):
                response = await self._http().post(str(hook["url"]), content=json.dumps(body), headers=headers,
                                                   timeout=httpx.Timeout(acc.webhook_timeout, connect=connect))
            return response.status_code, None
        except (TimeoutError, httpx.TimeoutException):
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, type(exc).__name__

    @staticmethod
    def _log(acc: Account, hook: Record, event: str, body: dict[str, Any], delivery_id: int, *, copy: int,
             attempt: int, status: int | None, error: str | None, outcome: str, gave_up: bool = False,
             duration_ms: int = 0) -> None:
        acc.deliveries.append({
            "deliveryId": delivery_id,
            "copy": copy,
            "webhookId": hook["id"],
            "event": event,
            "url": hook["url"],
            "key": body.get("key"),
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
