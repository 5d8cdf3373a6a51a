"""Request budgets shared by every worker that uses the same credential (Redis-backed).

A fixed window per (system, credential): ``INCR`` on a key that expires with its window. When the window's
budget is spent the caller sleeps until the next window. Fixed windows can let up to twice the budget
through across a window boundary; the budgets below therefore sit at the systems' published or observed
limits' safe side (Rackbeat's own clients use 480/min; eAccounting documents 600/min; Mystore 120/min).
Tripletex publishes no number: it tells us through ``X-Rate-Limit-*`` headers and 429s, which the
retry logic honours, so it has no budget here.
"""

from __future__ import annotations

import asyncio
import time
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
        waited = 0.0
        while True:
            now = self._clock()
            window = int(now // self.budget.period_seconds)
            redis_key = f"{self.prefix}:ratelimit:{key}:{window}"
            count = await self.redis.incr(redis_key)
            if count == 1:
                await self.redis.expire(redis_key, int(self.budget.period_seconds) + 5)
            if count <= self.budget.limit:
                return
            sleep_for = (window + 1) * self.budget.period_seconds - now + 0.01
            if waited + sleep_for > self.max_wait_seconds:
                return  # let the call go; the system's own 429 and our retry take over from here
            await self._sleep(sleep_for)
            waited += sleep_for
