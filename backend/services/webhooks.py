"""Webhooks from the sources: verify, record, and turn into transfers. Answer fast; the worker does the work."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from backend.db.models import (
    EntitySync,
    Integration,
    IntegrationSettings,
    OrderFlowStart,
    System,
    TransferKind,
    WebhookReceipt,
)
from backend.services import transfers
from backend.services.connections import verify_webhook_token
from backend.services.context import AppContext
from backend.services.errors import InvalidInput

log = logging.getLogger(__name__)

# Rackbeat event → what it transfers. The public reference is unsure of the exact event names (the
# booked-invoice event above all); they are kept here and in connections.RACKBEAT_WEBHOOK_EVENTS only.
RACKBEAT_EVENTS: dict[str, TransferKind] = {
    "invoice.booked": TransferKind.INVOICE,
    "customer.created": TransferKind.CUSTOMER,
    "customer.updated": TransferKind.CUSTOMER,
    "supplier.created": TransferKind.SUPPLIER,
    "supplier.updated": TransferKind.SUPPLIER,
    "product.created": TransferKind.PRODUCT,
    "product.updated": TransferKind.PRODUCT,
    "lot.created": TransferKind.BOM,
    "lot.updated": TransferKind.BOM,
}
# Which setting switches each entity's real-time sync.
SYNC_SETTING: dict[TransferKind, str] = {
    TransferKind.CUSTOMER: "sync_customers",
    TransferKind.SUPPLIER: "sync_suppliers",
    TransferKind.PRODUCT: "sync_products",
    TransferKind.BOM: "sync_boms",
}


@dataclass
class WebhookOutcome:
    status_code: int
    message: str
    transfer_id: str | None = None


async def _receipt(ctx: AppContext, **kw: Any) -> None:
    async with ctx.db.session() as s:
        s.add(WebhookReceipt(**kw))
        await s.commit()


async def handle_rackbeat(ctx: AppContext, integration_id: str, headers: dict[str, str], body: Any) -> WebhookOutcome:
    event = headers.get("rackbeat-webhook-event") or (body.get("event") if isinstance(body, dict) else None)
    async with ctx.db.session() as s:
        integration = await s.get(Integration, integration_id)
    if integration is None or integration.source != System.RACKBEAT.value:
        log.warning("rackbeat webhook for unknown integration %s", integration_id)
        return WebhookOutcome(404, "unknown integration")
    if not await verify_webhook_token(ctx, integration_id, System.RACKBEAT, str(event),
                                      headers.get("rackbeat-webhook-token")):
        log.warning("rackbeat webhook for %s refused: bad or missing Rackbeat-Webhook-Token", integration_id)
        await _receipt(ctx, integration_id=integration_id, system="RACKBEAT", event=str(event)[:100],
                       accepted=False, reason="bad or missing token")
        return WebhookOutcome(401, "bad or missing Rackbeat-Webhook-Token")
    if not isinstance(body, dict) or body.get("key") in (None, ""):
        log.warning("malformed rackbeat webhook for %s: %r", integration_id, str(body)[:200])
        await _receipt(ctx, integration_id=integration_id, system="RACKBEAT", event=str(event)[:100],
                       accepted=False, reason="malformed body: a JSON object with 'key' is expected")
        return WebhookOutcome(400, "malformed body: a JSON object with 'key' is expected")
    key = str(body["key"])
    kind = RACKBEAT_EVENTS.get(str(event))
    if kind is None:
        await _receipt(ctx, integration_id=integration_id, system="RACKBEAT", event=str(event)[:100],
                       source_ref=key[:200], accepted=False, reason="event not handled")
        return WebhookOutcome(202, f"event {event} is not transferred")
    async with ctx.db.session() as s:
        settings = await s.get(IntegrationSettings, integration_id)
    if kind is TransferKind.INVOICE and settings is not None \
            and settings.start_order_flow_from == OrderFlowStart.DONT_TRANSFER.value:
        await _receipt(ctx, integration_id=integration_id, system="RACKBEAT", event=str(event)[:100],
                       source_ref=key[:200], accepted=False, reason="invoice transfer is off")
        return WebhookOutcome(202, "invoices are not transferred (start order flow from: don't transfer)")
    setting = SYNC_SETTING.get(kind)
    if setting is not None and settings is not None and getattr(settings, setting) == EntitySync.OFF.value:
        await _receipt(ctx, integration_id=integration_id, system="RACKBEAT", event=str(event)[:100],
                       source_ref=key[:200], accepted=False, reason=f"{kind.value.lower()} sync is off")
        return WebhookOutcome(202, f"{kind.value.lower()} sync is off in the settings")
    try:
        transfer = await transfers.request_transfer(ctx, integration_id, kind, key, trigger="webhook")
    except InvalidInput as exc:
        await _receipt(ctx, integration_id=integration_id, system="RACKBEAT", event=str(event)[:100],
                       source_ref=key[:200], accepted=False, reason=exc.message)
        return WebhookOutcome(400, exc.message)
    await _receipt(ctx, integration_id=integration_id, system="RACKBEAT", event=str(event)[:100],
                   source_ref=key[:200], accepted=True, transfer_id=transfer.id)
    return WebhookOutcome(202, "accepted", transfer.id)
