"""The Redis connection: a real server (REDIS_URL) or the embedded in-process stand-in (fakeredis).

arq talks to Redis through ``ArqRedis``; in embedded mode we hand it a fakeredis connection pool so that
the queue, the worker and pub/sub all share one in-process server.
"""

from __future__ import annotations

from typing import Any

import fakeredis
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool


def create_redis(url: str, fake_server: fakeredis.FakeServer | None = None) -> ArqRedis:
    if url:
        return ArqRedis(connection_pool=ConnectionPool.from_url(url))
    server = fake_server or fakeredis.FakeServer()
    pool = ConnectionPool(connection_class=fakeredis.FakeAsyncConnection, server=server)  # type: ignore[arg-type]
    redis = ArqRedis(connection_pool=pool)
    _patch_info(redis)
    return redis


def _patch_info(redis: ArqRedis) -> None:
    """arq's worker logs ``INFO`` at start-up; fakeredis does not implement every section of it."""

    async def info(*_args: Any, **_kwargs: Any) -> dict[str, Any]:
        return {"redis_version": "7.0.0-fakeredis", "mem_peak_human": "n/a", "used_memory": 0,
                "used_memory_human": "n/a", "connected_clients": 1}

    redis.info = info  # type: ignore[method-assign]
