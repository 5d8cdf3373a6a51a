"""What every GraphQL module shares: the enums, the per-request context, the caller.

Domain modules (``graphql_<domain>.py``) define their types and a ``<Domain>Query`` / ``<Domain>Mutation`` mixin;
``graphql_schema.py`` composes them into the root types.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from backend.db import models
from backend.services import auth as auth_service
from backend.services import connections as connection_service
from backend.services import transfer_stats
from backend.services import transfers as transfer_service
from backend.services.context import AppContext

System = strawberry.enum(models.System, description="An external system bokbro connects.")
TransferStatus = strawberry.enum(models.TransferStatus)
TransferMode = strawberry.enum(
    models.TransferMode, description="INVOICE: a booked invoice (cannot be edited); ORDER: an editable sales order."
)
TransferKind = strawberry.enum(models.TransferKind)
ConnectionStatus = strawberry.enum(models.ConnectionStatus)
IntegrationStatus = strawberry.enum(models.IntegrationStatus)
TokenRole = strawberry.enum(models.TokenRole)
EAccountingInvoiceStatus = strawberry.enum(
    models.EAccountingInvoiceStatus,
    description="DRAFT: an invoice draft; INVOICED: a booked invoice; INVOICED_AND_EMAIL: booked and e-mailed.",
)
OrderFlowStart = strawberry.enum(
    models.OrderFlowStart, description="RACKBEAT: invoices booked in Rackbeat are transferred; DONT_TRANSFER: not."
)
EntitySync = strawberry.enum(
    models.EntitySync, description="RACKBEAT_TO_TARGET: changes in Rackbeat are carried over at once; OFF: not."
)


def utc(value: datetime | None) -> datetime | None:
    return transfer_service.as_utc(value)


# -- context ----------------------------------------------------------------------------------------


class Context(dict[str, Any]):
    """Per request: the app, the caller (resolved lazily) and the DataLoaders."""

    @property
    def app(self) -> AppContext:
        return self["app"]  # type: ignore[no-any-return]

    async def principal(self) -> auth_service.Principal:
        if "principal" not in self:
            header = self.get("authorization")
            params = self.get("connection_params")
            if not header and isinstance(params, dict):
                header = params.get("Authorization") or params.get("authorization")
            self["principal"] = await auth_service.authenticate(self.app, header)
        return self["principal"]  # type: ignore[no-any-return]


def ctx_of(info: Info) -> Context:
    return info.context  # type: ignore[no-any-return]


async def principal_of(info: Info) -> auth_service.Principal:
    return await ctx_of(info).principal()


def _attempt_loader(app: AppContext) -> DataLoader[str, list[models.TransferAttempt]]:
    async def load(ids: list[str]) -> list[list[models.TransferAttempt]]:
        found = await transfer_service.attempts_of(app, ids)
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def _settings_loader(app: AppContext) -> DataLoader[str, models.IntegrationSettings | None]:
    async def load(ids: list[str]) -> list[models.IntegrationSettings | None]:
        async with app.db.session() as s:
            return [await s.get(models.IntegrationSettings, i) for i in ids]

    return DataLoader(load_fn=load)


def _connections_loader(app: AppContext) -> DataLoader[str, list[models.Connection]]:
    async def load(ids: list[str]) -> list[list[models.Connection]]:
        return [list(await connection_service.connections_of(app, i)) for i in ids]

    return DataLoader(load_fn=load)


def _last_transfer_loader(app: AppContext) -> DataLoader[str, transfer_stats.LastTransfer | None]:
    async def load(ids: list[str]) -> list[transfer_stats.LastTransfer | None]:
        found = await transfer_stats.last_transfers(app, ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _failures_24h_loader(app: AppContext) -> DataLoader[str, int]:
    async def load(ids: list[str]) -> list[int]:
        found = await transfer_stats.failures_last_24h(app, ids)
        return [found.get(i, 0) for i in ids]

    return DataLoader(load_fn=load)


def make_context(app: AppContext, authorization: str | None) -> Context:
    return Context(
        app=app,
        authorization=authorization,
        attempts=_attempt_loader(app),
        settings=_settings_loader(app),
        connections=_connections_loader(app),
        last_transfer=_last_transfer_loader(app),
        failures_24h=_failures_24h_loader(app),
    )
