"""The Redis lock that serialises token renewals across workers."""

from __future__ import annotations

import asyncio

from backend.infra.locks import redis_lock
from backend.infra.redis import create_redis


async def test_holders_take_turns_and_only_the_owner_releases() -> None:
    redis = create_redis("")
    inside = 0
    most = 0

    async def worker() -> None:
        nonlocal inside, most
        async with redis_lock(redis, "t:lock", 5):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    await asyncio.gather(*(worker() for _ in range(8)))
    assert most == 1
    assert await redis.get("t:lock") is None
    await redis.aclose()


async def test_a_dead_holders_lock_expires() -> None:
    redis = create_redis("")
    await redis.set("t:lock", "someone-who-died", px=200)
    async with redis_lock(redis, "t:lock", 0.5):
        assert (await redis.get("t:lock")) != b"someone-who-died"
    await redis.aclose()
