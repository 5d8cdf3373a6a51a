"""The Starlette application: GraphQL (HTTP + WebSocket), webhooks, health, the admin UI, and in demo mode
the four sandboxes. Built by ``create_app``; ``bokbro serve`` and ``bokbro demo`` run it under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import fakeredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from backend.api.graphql_common import Context, make_context
from backend.api.graphql_schema import create_schema
from backend.config import Settings
from backend.connectors.base import ConnectorError
from backend.db.migrate import upgrade
from backend.sandbox.server import create_sandboxes, sandbox_lifespans, sandbox_routes
from backend.services import auth as auth_service
from backend.services import oauth as oauth_service
from backend.services import webhooks as webhook_service
from backend.services.context import AppContext
from backend.services.errors import ServiceError

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parents[2] / "frontend-static"


class BokbroGraphQL(GraphQL[Context, None]):
    def __init__(self, app: AppContext, **kw: Any) -> None:
        s = app.settings
        super().__init__(
            create_schema(s.graphql_max_depth, s.graphql_max_aliases, s.graphql_max_tokens),
            keep_alive=True,
            keep_alive_interval=20,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),  # the legacy graphql-ws protocol is off
            connection_init_wait_timeout=timedelta(seconds=10),
            **kw,
        )
        self.app_context = app

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return make_context(self.app_context, request.headers.get("authorization"))


def _placeholder_admin(settings: Settings) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bokbro</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 3rem auto; line-height: 1.5">
<h1>bokbro</h1><p>The integration gateway between warehouse/webshop systems and accounting systems.</p>
<p>The admin app is not built yet. Use <a href="/graphql">GraphiQL</a> with an
<code>Authorization: Bearer &lt;token&gt;</code> header.</p>
<p>Public URL: <code>{settings.public_url}</code></p></body></html>"""


def _callback_page(ok: bool, detail: str) -> str:
    title = "eAccounting is connected" if ok else "eAccounting was not connected"
    text = ("bokbro may now read and write this company's customers, articles and invoices. You can close this "
            "window." if ok else "Nothing was stored. Start the connection again from bokbro.")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f'<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">'
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p><p><small>{html.escape(detail)}</small></p>"
            "</body></html>")


def _report_worker_exit(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the embedded worker stopped: %r; transfers will wait for a restart", task.exception())


def create_app(
    settings: Settings,
    *,
    run_migrations: bool = True,
    fake_server: fakeredis.FakeServer | None = None,
    extra_routes: list[BaseRoute] | None = None,
) -> Starlette:
    app_context = AppContext.create(settings, fake_server)
    graphql = BokbroGraphQL(app_context)
    sandboxes: dict[str, Any] = {}

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        problems = []
        try:
            async with app_context.db.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # readiness reports, it never raises
            problems.append(f"database: {type(exc).__name__}")
        try:
            await app_context.redis.ping()
        except Exception as exc:
            problems.append(f"redis: {type(exc).__name__}")
        return JSONResponse({"status": "ok" if not problems else "degraded", "problems": problems},
                            status_code=200 if not problems else 503)

    async def rackbeat_webhook(request: Request) -> Response:
        integration_id = request.path_params["integration_id"]
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("rackbeat webhook for %s: body is not JSON (%d bytes)", integration_id, len(raw))
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        headers = {k.lower(): v for k, v in request.headers.items()}
        outcome = await webhook_service.handle_rackbeat(app_context, integration_id, headers, body)
        payload: dict[str, Any] = {"message": outcome.message}
        if outcome.transfer_id:
            payload["transferId"] = outcome.transfer_id
        status = outcome.status_code
        return JSONResponse(payload, status_code=status)

    async def mystore_webhook(request: Request) -> Response:
        # the signature covers the raw bytes: the body is parsed only after it is checked
        headers = {k.lower(): v for k, v in request.headers.items()}
        outcome = await webhook_service.handle_mystore(app_context, request.path_params["integration_id"], headers,
                                                       await request.body())
        payload: dict[str, Any] = {"message": outcome.message}
        if outcome.transfer_id:
            payload["transferId"] = outcome.transfer_id
        return JSONResponse(payload, status_code=outcome.status_code)

    async def eaccounting_callback(request: Request) -> Response:
        code, state = request.query_params.get("code"), request.query_params.get("state")
        error = request.query_params.get("error")
        if error or not code or not state:
            log.warning("eAccounting authorization did not complete: %s", error or "no code/state")
            return HTMLResponse(_callback_page(False, f"eAccounting answered: {error or 'no code'}"), status_code=400)
        try:
            connection = await oauth_service.complete_eaccounting(app_context, code, state)
        except ServiceError as exc:
            return HTMLResponse(_callback_page(False, exc.message), status_code=400)
        except ConnectorError as exc:
            log.warning("eAccounting code exchange failed: %s", exc)
            return HTMLResponse(_callback_page(False, exc.message), status_code=502)
        return HTMLResponse(_callback_page(True, f"connection {connection.id}"))

    async def admin(request: Request) -> Response:
        index = STATIC_DIR / "dist" / "index.html"
        if index.exists():
            return HTMLResponse(index.read_text())
        return HTMLResponse(_placeholder_admin(settings))

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/webhooks/rackbeat/{integration_id}", rackbeat_webhook, methods=["POST"]),
        Route("/webhooks/mystore/{integration_id}", mystore_webhook, methods=["POST"]),
        Route(oauth_service.CALLBACK_PATH, eaccounting_callback),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/", admin),
    ]
    if (STATIC_DIR / "dist" / "assets").exists():
        routes.append(Mount("/assets", StaticFiles(directory=STATIC_DIR / "dist" / "assets")))
    if settings.sandboxes:
        sandboxes.update(create_sandboxes())
        routes.extend(sandbox_routes(sandboxes))
    routes.extend(extra_routes or [])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_migrations:
            await upgrade(app_context.db)
        await auth_service.ensure_bootstrap_token(app_context, settings.bootstrap_token)
        await app_context.events.start()
        async with sandbox_lifespans(sandboxes):
            worker_task = None
            worker = None
            if settings.embedded_worker:
                from worker.settings import build_worker

                worker = build_worker(app_context, handle_signals=False)
                worker_task = asyncio.create_task(worker.main(), name="bokbro-embedded-worker")
                worker_task.add_done_callback(_report_worker_exit)
            try:
                yield
            finally:
                if worker is not None and worker_task is not None:
                    worker_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await worker_task
                    with contextlib.suppress(Exception):
                        await worker.close()
        await app_context.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.ctx = app_context
    app.state.sandboxes = sandboxes
    return app
