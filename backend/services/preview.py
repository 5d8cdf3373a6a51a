"""Preview of a transfer: the exact requests that would be sent to the target, without sending them.

The transfer runs as usual against the source (reads only) and the target, but through an HTTP client
whose writes to the target are recorded and answered with a stand-in instead of reaching the system.
Reads go through, so that what already exists in the target is found as it would be. Ids of objects the
preview pretends to create are negative: ``{"id": -1}`` in a later request means "the customer created
by the request above".
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from backend.connectors.base import ConnectorError, Exchange, redact, redact_url
from backend.db.models import Integration, System, Transfer, TransferKind, TransferMode
from backend.services import pipes
from backend.services.auth import Principal
from backend.services.context import AppContext
from backend.services.errors import NotFound
from backend.services.transfers import idempotency_key, normalise_source_ref

# Writes that must really happen for the preview to run at all (they change nothing in the ledger): a Tripletex
# session, an eAccounting access token (``…/connect/token``).
PASS_THROUGH_WRITES = ("/token/session/:create", "/connect/token")

StandIn = Callable[[dict[str, Any], int], Any]


def _tripletex_stand_in(body: dict[str, Any], fake_id: int) -> Any:
    """Tripletex answers a write with ``{"value": <the object>}``; ids are integers."""
    return {"value": {**body, "id": fake_id, "version": 0}}


def _eaccounting_stand_in(body: dict[str, Any], fake_id: int) -> Any:
    """eAccounting answers with the object itself; ids are strings (GUIDs)."""
    return {**body, "Id": str(fake_id)}


STAND_INS: dict[str, StandIn] = {System.TRIPLETEX.value: _tripletex_stand_in,
                                 System.EACCOUNTING.value: _eaccounting_stand_in}


@dataclass
class PlannedRequest:
    method: str
    url: str
    body: Any

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "body": self.body}


@dataclass
class Preview:
    requests: list[PlannedRequest] = field(default_factory=list)
    reads: int = 0
    outcome: str = ""
    error: str | None = None


class _RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, preview: Preview, stand_in: StandIn) -> None:
        self.inner = inner
        self.preview = preview
        self.stand_in = stand_in
        self._ids = itertools.count(1)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method in ("GET", "HEAD") or path.endswith(PASS_THROUGH_WRITES):
            if request.method in ("GET", "HEAD"):
                self.preview.reads += 1
            return await self.inner.handle_async_request(request)
        raw = request.content
        body = json.loads(raw) if raw else None
        self.preview.requests.append(PlannedRequest(request.method, redact_url(str(request.url)), redact(body)))
        answer = self.stand_in(dict(body) if isinstance(body, dict) else {}, -next(self._ids))
        return httpx.Response(201 if request.method == "POST" else 200, json=answer, request=request)


async def preview_transfer(
    ctx: AppContext, principal: Principal, integration_id: str, kind: TransferKind, source_ref: str,
    mode: TransferMode | None,
) -> Preview:
    principal.require(integration_id)
    ref = normalise_source_ref(kind, source_ref)
    async with ctx.db.session() as s:
        integration = await s.get(Integration, integration_id)
    if integration is None:
        raise NotFound(f"integration {integration_id} not found")
    transfer = Transfer(integration_id=integration_id, kind=kind.value, source_system=integration.source,
                        target_system=integration.target, source_ref=ref, idempotency_key=idempotency_key(kind, ref),
                        mode=mode.value if mode else None)
    preview = Preview()
    inner = httpx.AsyncHTTPTransport()
    stand_in = STAND_INS.get(integration.target, _tripletex_stand_in)
    async with httpx.AsyncClient(transport=_RecordingTransport(inner, preview, stand_in),
                                 timeout=ctx.http.timeout) as http:
        exchanges: list[Exchange] = []
        try:
            result = await pipes.execute(ctx, transfer, exchanges.append, target_http=http)
        except ConnectorError as exc:
            preview.error = str(exc)
        except pipes.SourceProblem as exc:
            preview.error = exc.explanation_en
        else:
            preview.outcome = ("already in the target: nothing would be sent" if not preview.requests
                               else f"{len(preview.requests)} request(s) would be sent")
            if result.target_ref and not result.target_ref.startswith("-") and not preview.requests:
                preview.outcome += f" (target id {result.target_ref})"
    if preview.error:
        preview.outcome = "the transfer would fail"
    return preview
