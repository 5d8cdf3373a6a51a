"""What an operator who supports many companies looks at first: each integration's last transfer, its failures of
the last 24 hours, and its transfers per hour.

Counting rule (the same for the list and for the chart, so that they agree): a *transfer run* is one attempt that
ended SUCCEEDED or FAILED, counted in the hour it finished. A run that will be retried (RETRYING) is not an outcome
yet and is not counted; a failure that was later resent and succeeded stays a failure in its hour, and its success
is counted in the hour it succeeded. Entity transfers (customers, products, ...) count once per version carried
over.

Everything is computed by the database, grouped per integration or per hour, in one statement per question
whatever the number of integrations or transfers; it runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from backend.db.models import Integration, Transfer, TransferAttempt, TransferStatus, utcnow
from backend.services.auth import Principal
from backend.services.context import AppContext
from backend.services.errors import InvalidInput, NotFound

MAX_DAYS = 31
FAILURE_WINDOW = timedelta(hours=24)
OUTCOMES = (TransferStatus.SUCCEEDED.value, TransferStatus.FAILED.value)


@dataclass(frozen=True)
class LastTransfer:
    transfer_id: str
    status: TransferStatus
    at: datetime  # when it last changed (queued, started, finished, ...)


@dataclass(frozen=True)
class HourBucket:
    hour: datetime  # the hour's start, UTC
    succeeded: int
    failed: int


def _aware(value: Any) -> datetime:
    """A timestamp as the driver hands it back (SQLite: naive, or text for expressions) → aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _param(ctx: AppContext, value: datetime) -> datetime:
    """A bound timestamp: SQLite stores naive UTC text, and compares text with text."""
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None) if ctx.db.is_sqlite else value


def _hour_of(ctx: AppContext, column: Any) -> Any:
    """The start of the UTC hour a timestamp falls in, as an SQL expression."""
    if ctx.db.is_sqlite:
        return func.strftime("%Y-%m-%d %H:00:00", column)
    return func.date_trunc("hour", func.timezone("UTC", column))


async def last_transfers(ctx: AppContext, integration_ids: Sequence[str]) -> dict[str, LastTransfer]:
    """The most recently changed transfer of each integration (one statement for all of them)."""
    if not integration_ids:
        return {}
    ranked = (
        select(
            col(Transfer.integration_id).label("integration_id"), col(Transfer.id).label("id"),
            col(Transfer.status).label("status"), col(Transfer.updated_at).label("at"),
            func.row_number().over(partition_by=col(Transfer.integration_id),
                                   order_by=(col(Transfer.updated_at).desc(), col(Transfer.id).desc())).label("n"),
        )
        .where(col(Transfer.integration_id).in_(list(integration_ids)))
        .subquery()
    )
    stmt = select(ranked.c.integration_id, ranked.c.id, ranked.c.status, ranked.c.at).where(ranked.c.n == 1)
    async with ctx.db.session() as s:
        rows = (await s.execute(stmt)).all()
    return {r.integration_id: LastTransfer(r.id, TransferStatus(r.status), _aware(r.at)) for r in rows}


async def failures_since(ctx: AppContext, integration_ids: Sequence[str], since: datetime) -> dict[str, int]:
    """Transfer runs that ended FAILED since ``since``, per integration (integrations without any are left out)."""
    if not integration_ids:
        return {}
    stmt = (
        select(col(Transfer.integration_id), func.count())
        .select_from(TransferAttempt)
        .join(Transfer, col(Transfer.id) == col(TransferAttempt.transfer_id))
        .where(col(Transfer.integration_id).in_(list(integration_ids)),
               col(TransferAttempt.status) == TransferStatus.FAILED.value,
               col(TransferAttempt.finished_at) >= _param(ctx, since))
        .group_by(col(Transfer.integration_id))
    )
    async with ctx.db.session() as s:
        rows = (await s.execute(stmt)).all()
    return {integration_id: int(n) for integration_id, n in rows}


async def failures_last_24h(ctx: AppContext, integration_ids: Sequence[str],
                            now: datetime | None = None) -> dict[str, int]:
    return await failures_since(ctx, integration_ids, (now or utcnow()) - FAILURE_WINDOW)


async def hourly(ctx: AppContext, principal: Principal, integration_id: str, days: int = 3,
                 now: datetime | None = None) -> list[HourBucket]:
    """Succeeded and failed transfer runs per hour, for the ``days * 24`` hours up to and including the current
    one, oldest first; hours without any are there with zeros, so the answer is a complete time axis."""
    principal.require(integration_id)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}", field="days")
    current = (now or utcnow()).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    first = current - timedelta(hours=days * 24 - 1)
    hour = _hour_of(ctx, col(TransferAttempt.finished_at)).label("hour")
    stmt = (
        select(hour, col(TransferAttempt.status), func.count())
        .select_from(TransferAttempt)
        .join(Transfer, col(Transfer.id) == col(TransferAttempt.transfer_id))
        .where(col(Transfer.integration_id) == integration_id,
               col(TransferAttempt.status).in_(OUTCOMES),
               col(TransferAttempt.finished_at) >= _param(ctx, first))
        .group_by(hour, col(TransferAttempt.status))
    )
    async with ctx.db.session() as s:
        if await s.get(Integration, integration_id) is None:
            raise NotFound(f"integration {integration_id} not found")
        rows = (await s.execute(stmt)).all()
    counts: dict[datetime, dict[str, int]] = {}
    for at, status, n in rows:
        counts.setdefault(_aware(at), {})[status] = int(n)
    buckets = []
    for i in range(days * 24):
        start = first + timedelta(hours=i)
        found = counts.get(start, {})
        buckets.append(HourBucket(start, found.get(TransferStatus.SUCCEEDED.value, 0),
                                  found.get(TransferStatus.FAILED.value, 0)))
    return buckets
