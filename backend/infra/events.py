"""Status fan-out: workers publish transfer changes on Redis pub/sub; each API process relays them to its
own GraphQL subscribers. Works the same with one embedded process or N API processes and M workers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from arq.connections import ArqRedis

log = logging.getLogger(__name__)


class EventBus:
    def __init__(self, redis: ArqRedis, prefix: str) -> None:
        self.redis = redis
        self.channel = f"{prefix}:events"
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        try:
            await self.redis.publish(self.channel, json.dumps({"topic": topic, "payload": payload}))
        except Exception:  # a lost status push must never fail a transfer; the DB still has it
            log.warning("could not publish %s event", topic, exc_info=True)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._relay(), name="bokbro-event-relay")
            await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _relay(self) -> None:
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                self._ready.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None:
                        continue
                    try:
                        event = json.loads(message["data"])
                    except (ValueError, TypeError):
                        continue
                    for queue in list(self._subscribers):
                        if queue.qsize() < 10_000:
                            queue.put_nowait(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event relay lost its Redis subscription (%s); reconnecting", type(exc).__name__)
                log.debug("event relay error", exc_info=True)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def listen(self, topic: str) -> Listener:
        """Events of ``topic`` from now on: the listener is registered at once (before the first ``anext``), so
        a caller can read the current state after ``listen`` and miss no change made after that read."""
        return Listener(self, topic)


class Listener:
    def __init__(self, bus: EventBus, topic: str) -> None:
        self._bus = bus
        self._topic = topic
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        bus._subscribers.add(self._queue)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while True:
            event = await self._queue.get()
            if event.get("topic") == self._topic:
                return event["payload"]  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        self._bus._subscribers.discard(self._queue)
