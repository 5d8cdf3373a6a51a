"""arq worker: ``bokbro worker``.

Jobs call services; the database is the source of truth, arq only the trigger. Each worker also runs the
sweeper, which hands transfers whose job got lost (dead worker, lost Redis data) to a live worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from arq.worker import Worker, func

from backend.config import Settings, get_settings
from backend.services import initial_sync, reconciliation, transfers
from backend.services.context import AppContext

log = logging.getLogger(__name__)


async def run_transfer(ctx: dict[str, Any], transfer_id: str, job_seq: int | None = None) -> str | None:
    app: AppContext = ctx["app"]
    status = await transfers.run_transfer(app, transfer_id, job_seq)
    return status.value if status else None


async def run_initial_sync(ctx: dict[str, Any], integration_id: str) -> str | None:
    app: AppContext = ctx["app"]
    return await initial_sync.run(app, integration_id)


# An initial sync of a large account runs for hours (Rackbeat takes 480 requests a minute); its lease, renewed at
# every checkpoint, is what tells a live run from a dead one, not this timeout.
INITIAL_SYNC_TIMEOUT_SECONDS = 24 * 3600


async def sweeper_loop(app: AppContext) -> None:
    while True:
        try:
            await transfers.sweep(app)
            await initial_sync.sweep(app)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sweeper round failed")
        await asyncio.sleep(app.settings.sweeper_interval_seconds)


async def reconciliation_loop(app: AppContext) -> None:
    """Webhooks get lost: compare recent source documents with the target and transfer what is missing."""
    interval = app.settings.reconcile_interval_seconds
    while interval > 0:
        await asyncio.sleep(interval)
        try:
            await reconciliation.reconcile_recent(app, app.settings.reconcile_days)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reconciliation round failed")


def build_worker(app: AppContext, *, handle_signals: bool) -> Worker:
    settings = app.settings
    background: list[asyncio.Task[None]] = []

    async def on_startup(ctx: dict[str, Any]) -> None:
        background.append(asyncio.create_task(sweeper_loop(app), name="bokbro-sweeper"))
        background.append(asyncio.create_task(reconciliation_loop(app), name="bokbro-reconciliation"))

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        while background:
            task = background.pop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return Worker(
        functions=[func(run_transfer, name="run_transfer", timeout=settings.job_timeout_seconds, max_tries=1),
                   func(run_initial_sync, name="run_initial_sync", timeout=INITIAL_SYNC_TIMEOUT_SECONDS,
                        max_tries=1)],
        queue_name=app.queue.name,
        redis_pool=app.redis,
        ctx={"app": app},
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        handle_signals=handle_signals,
        max_jobs=10,
        poll_delay=0.2,
        keep_result=60,
        job_timeout=settings.job_timeout_seconds,
    )


async def run_standalone(settings: Settings | None = None) -> None:
    """A worker process of its own (production / scale-out)."""
    settings = settings or get_settings()
    app = AppContext.create(settings)
    worker = build_worker(app, handle_signals=True)
    try:
        await worker.async_run()
    finally:
        await worker.close()
        await app.close()
