"""Everything a use case needs, built once per process (API server or worker)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field

import fakeredis
import httpx
from arq.connections import ArqRedis

from backend.config import Settings
from backend.db.session import Database
from backend.infra.crypto import SecretBox
from backend.infra.events import EventBus
from backend.infra.queue import Queue
from backend.infra.redis import create_redis


@dataclass
class AppContext:
    settings: Settings
    db: Database
    redis: ArqRedis
    queue: Queue
    events: EventBus
    box: SecretBox
    http: httpx.AsyncClient
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    @classmethod
    def create(cls, settings: Settings, fake_server: fakeredis.FakeServer | None = None) -> AppContext:
        redis = create_redis(settings.redis_url, fake_server)
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            redis=redis,
            queue=Queue(redis, settings.redis_prefix),
            events=EventBus(redis, settings.redis_prefix),
            box=SecretBox(settings.secret_key),
            http=httpx.AsyncClient(timeout=httpx.Timeout(settings.http_timeout_seconds,
                                                         connect=settings.http_connect_timeout_seconds)),
        )

    async def close(self) -> None:
        await self.events.stop()
        await self.http.aclose()
        await self.redis.aclose()
        await self.db.dispose()
