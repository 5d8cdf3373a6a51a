"""The two back-ends every end-to-end test runs on.

- ``embedded``: SQLite file + in-process Redis (fakeredis) — the newcomer's default.
- ``postgres``: the real PostgreSQL (127.0.0.1:5432, database per test) + the real Redis (127.0.0.1:6379,
  a key prefix per test). Skipped where they are not reachable, unless BOKBRO_TEST_REQUIRE_SERVICES=1
  (CI sets it), in which case their absence is a failure.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_HOST = os.environ.get("BOKBRO_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BOKBRO_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("BOKBRO_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("BOKBRO_TEST_PG_DB", "test")
REDIS_URL = os.environ.get("BOKBRO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def services_available() -> bool:
    return _reachable(PG_HOST, PG_PORT) and _reachable("127.0.0.1", 6379)


def require_services_or_skip() -> None:
    if services_available():
        return
    if os.environ.get("BOKBRO_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail("PostgreSQL and Redis must be reachable (BOKBRO_TEST_REQUIRE_SERVICES=1)")
    pytest.skip("PostgreSQL/Redis not reachable on 127.0.0.1")


@dataclass
class Backend:
    name: str
    database_url: str
    redis_url: str  # "" = embedded fakeredis
    redis_prefix: str


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def backend(name: str, tmp_path: Path) -> AsyncIterator[Backend]:
    prefix = f"bokbro-test-{uuid.uuid4().hex[:10]}"
    if name == "embedded":
        yield Backend(name, f"sqlite+aiosqlite:///{tmp_path / 'bokbro.db'}", "", prefix)
        return
    require_services_or_skip()
    dbname = f"bokbro_t_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{dbname}"')
    try:
        yield Backend(name, f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}", REDIS_URL, prefix)
    finally:
        await asyncio.sleep(0.1)
        await _pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await _flush_prefix(prefix)


async def _flush_prefix(prefix: str) -> None:
    from redis.asyncio import Redis

    r = Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in r.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await r.delete(*keys)
    finally:
        await r.aclose()
