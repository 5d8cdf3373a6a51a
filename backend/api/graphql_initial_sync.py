"""GraphQL for the once-only initial sync: preview, start, progress, failures, retry."""

from __future__ import annotations

import strawberry


@strawberry.type
class InitialSyncQuery:
    pass


@strawberry.type
class InitialSyncMutation:
    pass


@strawberry.type
class InitialSyncSubscription:
    pass
