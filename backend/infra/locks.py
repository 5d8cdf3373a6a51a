"""A lock shared by every process on one Redis: SET NX with expiry, released only by its owner.

For short critical sections such as renewing one credential's token. A holder that dies leaves the lock
to expire; a waiter that has waited the lock's whole lifetime proceeds (the lock is gone by then).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator

from arq.connections import ArqRedis


@contextlib.asynccontextmanager
async def redis_lock(redis: ArqRedis, name: str, seconds: float = 30.0) -> AsyncIterator[None]:
    me = secrets.token_hex(8)
    deadline = time.monotonic() + seconds
    while not await redis.set(name, me, nx=True, px=int(seconds * 1000)):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        held = await redis.get(name)
        if held is not None and (held.decode() if isinstance(held, bytes) else held) == me:
            await redis.delete(name)
