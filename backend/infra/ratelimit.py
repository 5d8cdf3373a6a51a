"""Request budgets shared by every worker that uses the same credential (Redis-backed).

A sliding log per (system, credential): every request is a member of a Redis sorted set scored by its time;
a request is let through when fewer than ``limit`` requests fall within the last ``period_seconds``, otherwise
the caller sleeps until the oldest one leaves the period. (A fixed, clock-aligned window would let twice the
budget through across a window boundary, and the systems answer 429 to that.) Budgets are the systems'
published or observed limits (Rackbeat's own clients use 480/min; eAccounting documents 600/min; Mystore
120/min).
Tripletex publishes no number: it tells us through ``X-Rate-Limit-*`` headers and 429s, which the
retry logic honours, so it has no budget here.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from arq.connections import ArqRedis

from backend.connectors.base import RateLimiter


@dataclass(frozen=True)
class Budget:
    limit: int
    period_seconds: float


BUDGETS: dict[str, Budget] = {
    "rackbeat": Budget(480, 60.0),
    "eaccounting": Budget(600, 60.0),
    "mystore": Budget(120, 60.0),
}


class RedisRateLimiter(RateLimiter):
    def __init__(
        self, redis: ArqRedis, prefix: str, budget: Budget, *, max_wait_seconds: float = 120.0,
        clock: Callable[[], float] = time.time, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.budget = budget
        self.max_wait_seconds = max_wait_seconds
        self._clock = clock
        self._sleep = sleep

    async def acquire(self, key: str) -> None:
        """Wait until a request fits in the budget of the last ``period_seconds`` (a sliding log in a sorted set:
        one member per request, by time), then count it."""
        waited = 0.0
        # we count a request when we send it, the system when it arrives: a request held up on its way (a new
        # connection, a busy network) lands later than counted, so the period we keep is a little longer than theirs
        period = self.budget.period_seconds * 1.02 + 0.1
        redis_key = f"{self.prefix}:ratelimit:{key}"
        while True:
            now = self._clock()
            member = f"{now!r}:{uuid.uuid4().hex}"
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(redis_key, "-inf", now - period)
                pipe.zadd(redis_key, {member: now})
                pipe.zcard(redis_key)
                pipe.expire(redis_key, int(period) + 5)
                _, _, count, _ = await pipe.execute()
            if count <= self.budget.limit:
                return
            # over the budget: take this request back out and wait until the oldest one leaves the period
            await self.redis.zrem(redis_key, member)
            oldest = await self.redis.zrange(redis_key, 0, 0, withscores=True)
            sleep_for = max(float(oldest[0][1]) + period - now, 0.0) + 0.01 if oldest else 0.01
            if waited + sleep_for > self.max_wait_seconds:
                return  # let the call go; the system's own 429 and our retry take over from here
            await self._sleep(sleep_for)
            waited += sleep_for
