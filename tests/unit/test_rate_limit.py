"""The shared request budget: one budget per credential, across every client that uses it.

A fake clock makes the windows deterministic: sleeping advances it."""

from __future__ import annotations

from collections import Counter

from backend.infra.ratelimit import Budget, RedisRateLimiter
from backend.infra.redis import create_redis


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_no_window_lets_more_than_the_budget_through_across_workers() -> None:
    redis = create_redis("")
    clock = FakeClock()
    budget = Budget(5, 60)
    workers = [RedisRateLimiter(redis, "t", budget, clock=clock, sleep=clock.sleep) for _ in range(2)]
    windows: Counter[int] = Counter()
    for i in range(12):
        await workers[i % 2].acquire("rackbeat:abc")  # two workers, one Redis, one credential
        windows[int(clock.now // 60)] += 1
    assert sorted(windows.values()) == [2, 5, 5]
    assert len(clock.slept) == 2  # waited twice for a new window, never spun
    await redis.aclose()


async def test_each_credential_has_its_own_budget() -> None:
    redis = create_redis("")
    clock = FakeClock()
    limiter = RedisRateLimiter(redis, "t", Budget(2, 60), clock=clock, sleep=clock.sleep)
    for key in ("a", "b", "c"):
        await limiter.acquire(key)
        await limiter.acquire(key)
    assert clock.slept == []
    await redis.aclose()


async def test_a_wait_longer_than_allowed_lets_the_call_through() -> None:
    redis = create_redis("")
    clock = FakeClock()
    limiter = RedisRateLimiter(redis, "t", Budget(1, 60), max_wait_seconds=1, clock=clock, sleep=clock.sleep)
    await limiter.acquire("k")
    await limiter.acquire("k")  # would wait for the next minute; lets it go, the system's 429 decides
    assert clock.slept == []
    await redis.aclose()


async def test_no_sliding_period_holds_more_than_the_budget_even_from_mid_window() -> None:
    """A run that starts in the middle of a clock minute must not send the budget twice within one minute (the
    systems count any 60 s, not clock minutes)."""
    redis = create_redis("")
    clock = FakeClock()
    clock.now += 45  # three quarters into a clock minute
    limiter = RedisRateLimiter(redis, "t", Budget(5, 60), clock=clock, sleep=clock.sleep)
    times: list[float] = []
    for _ in range(15):
        await limiter.acquire("k")
        times.append(clock.now)
    for i, t in enumerate(times):
        assert sum(1 for u in times[i:] if u < t + 60) <= 5, times
    await redis.aclose()
