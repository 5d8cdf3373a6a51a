"""GraphQL for the operator's overview: an integration's last transfer and recent failures (fields of
``Integration``, batched by DataLoaders: one statement for every integration of an answer), and transfers per hour.
The counting rules are the service's (``backend/services/transfer_stats.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from backend.api.graphql_common import TransferStatus, ctx_of
from backend.db import models
from backend.services import transfer_stats


@strawberry.type(description="Transfer runs that ended in one hour (UTC). A run is an attempt that ended SUCCEEDED "
                             "or FAILED; one that will be retried is not counted until it ends.")
class TransferHourBucket:
    hour: datetime = strawberry.field(description="The start of the hour, UTC.")
    succeeded: int
    failed: int


# -- fields of Integration (resolved with the integration as root) ----------------------------------------------


async def _last(root: Any, info: Info) -> transfer_stats.LastTransfer | None:
    return await ctx_of(info)["last_transfer"].load(str(root.id))  # type: ignore[no-any-return]


async def last_transfer_at(root: strawberry.Parent[Any], info: Info) -> datetime | None:
    last = await _last(root, info)
    return last.at if last else None


async def last_transfer_status(
    root: strawberry.Parent[Any], info: Info,
) -> TransferStatus | None:  # type: ignore[valid-type]
    last = await _last(root, info)
    return models.TransferStatus(last.status) if last else None


async def last_transfer_id(root: strawberry.Parent[Any], info: Info) -> strawberry.ID | None:
    last = await _last(root, info)
    return strawberry.ID(last.transfer_id) if last else None


async def failed_last_24h(root: strawberry.Parent[Any], info: Info) -> int:
    return await ctx_of(info)["failures_24h"].load(str(root.id))  # type: ignore[no-any-return]


@strawberry.type
class TransferStatsQuery:
    @strawberry.field(description="Succeeded and failed transfer runs per hour for the last `days` days (1-31), "
                                  "oldest first, ending with the current hour; hours without any are there with "
                                  "zeros.")
    async def transfer_stats(self, info: Info, integration_id: strawberry.ID,
                             days: int = 3) -> list[TransferHourBucket]:
        c = ctx_of(info)
        buckets = await transfer_stats.hourly(c.app, await c.principal(), str(integration_id), days)
        return [TransferHourBucket(hour=b.hour, succeeded=b.succeeded, failed=b.failed) for b in buckets]
