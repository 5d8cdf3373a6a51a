"""The Redis connection: a real server (REDIS_URL) or the embedded in-process stand-in (fakeredis).

arq talks to Redis through ``ArqRedis``; in embedded mode we hand it a fakeredis connection pool so that
the queue, the worker and pub/sub all share one in-process server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import arq.worker
import fakeredis
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool


def is_fake(redis: Any) -> bool:
    pool = getattr(redis, "connection_pool", None)
    return getattr(pool, "connection_class", None) is fakeredis.FakeAsyncRedisConnection


def create_redis(url: str, fake_server: fakeredis.FakeServer | None = None) -> ArqRedis:
    if url:
        return ArqRedis(connection_pool=ConnectionPool.from_url(url))
    server = fake_server or fakeredis.FakeServer()
    pool = ConnectionPool(connection_class=fakeredis.FakeAsyncRedisConnection, server=server)
    return ArqRedis(connection_pool=pool)


# arq's worker logs the server's INFO at start-up through a pipeline; fakeredis has no INFO command.
# Skip that log line for the in-process stand-in only.
_original_log_redis_info = arq.worker.log_redis_info  # type: ignore[attr-defined]


async def _log_redis_info(redis: Any, log_func: Callable[[str], Any]) -> None:
    if is_fake(redis):
        log_func("redis: in-process stand-in (fakeredis)")
        return
    await _original_log_redis_info(redis, log_func)


arq.worker.log_redis_info = _log_redis_info  # type: ignore[attr-defined]
