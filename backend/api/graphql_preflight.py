"""GraphQL for the checks before the initial sync: Rackbeat prerequisites and the accounting side's preflight."""

from __future__ import annotations

import strawberry


@strawberry.type
class PreflightQuery:
    pass
