"""All sandboxes in one ASGI app (``bokbro sandbox``), or mounted into the product in demo mode."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

SYSTEMS = ("rackbeat", "tripletex", "eaccounting", "mystore")


def create_sandboxes() -> dict[str, Starlette]:
    """One app per system whose sandbox exists in this build."""
    apps: dict[str, Starlette] = {}
    for name in SYSTEMS:
        try:
            module = importlib.import_module(f"backend.sandbox.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"backend.sandbox.{name}":
                continue
            raise
        factory = getattr(module, "create_app", None)
        if factory is None:  # a sandbox still being written
            continue
        apps[name] = factory()
    return apps


def sandbox_routes(apps: dict[str, Starlette]) -> list[BaseRoute]:
    return [Mount(f"/sandbox/{name}", app) for name, app in apps.items()]


@contextlib.asynccontextmanager
async def sandbox_lifespans(apps: dict[str, Starlette]) -> AsyncIterator[None]:
    async with contextlib.AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        yield


def create_server() -> Starlette:
    apps = create_sandboxes()

    async def index(request: Request) -> JSONResponse:
        base = str(request.base_url).rstrip("/")
        return JSONResponse({name: f"{base}/sandbox/{name}" for name in apps})

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with sandbox_lifespans(apps):
            yield

    server = Starlette(routes=[Route("/", index), *sandbox_routes(apps)], lifespan=lifespan)
    server.state.sandboxes = apps
    return server
