"""Operating settings of an integration; can be changed at any time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from backend.db.models import (
    CustomerMatch,
    EAccountingInvoiceStatus,
    EntitySync,
    IntegrationSettings,
    InvoiceNumberSource,
    OrderFlowStart,
    TransferMode,
)
from backend.services import audit
from backend.services.auth import Principal
from backend.services.context import AppContext
from backend.services.errors import InvalidInput, NotFound


@dataclass
class SettingsUpdate:
    invoice_transfer_mode: TransferMode | None = None
    send_invoice_to_customer: bool | None = None
    sync_customers: EntitySync | None = None
    sync_suppliers: EntitySync | None = None
    sync_products: EntitySync | None = None
    sync_boms: EntitySync | None = None
    eaccounting_invoice_status: EAccountingInvoiceStatus | None = None
    start_order_flow_from: OrderFlowStart | None = None
    use_exact_quantity: bool | None = None
    transfer_purchase_orders: bool | None = None
    customer_number_offset: int | None = None
    customer_match: CustomerMatch | None = None
    update_existing_customers: bool | None = None
    invoice_number_source: InvoiceNumberSource | None = None


async def get_settings(ctx: AppContext, principal: Principal, integration_id: str) -> IntegrationSettings:
    principal.require(integration_id)
    async with ctx.db.session() as s:
        row = await s.get(IntegrationSettings, integration_id)
    if row is None:
        raise NotFound(f"integration {integration_id} not found")
    return row


async def update_settings(
    ctx: AppContext, principal: Principal, integration_id: str, update: SettingsUpdate
) -> IntegrationSettings:
    principal.require(integration_id)
    if update.customer_number_offset is not None and not 0 <= update.customer_number_offset <= 1_000_000_000:
        raise InvalidInput("the customer number offset is a whole number from 0 to 1000000000",
                           field="customerNumberOffset")
    async with ctx.db.session() as s:
        audit.track(s, principal, integration_id)  # audit rows go with the change, in this transaction
        row = await s.get(IntegrationSettings, integration_id)
        if row is None:
            raise NotFound(f"integration {integration_id} not found")
        if update.invoice_transfer_mode is not None:
            row.invoice_transfer_mode = update.invoice_transfer_mode.value
        if update.send_invoice_to_customer is not None:
            row.send_invoice_to_customer = update.send_invoice_to_customer
        for name in ("sync_customers", "sync_suppliers", "sync_products", "sync_boms", "eaccounting_invoice_status",
                     "start_order_flow_from", "use_exact_quantity", "transfer_purchase_orders",
                     "customer_number_offset", "customer_match", "update_existing_customers",
                     "invoice_number_source"):
            value = getattr(update, name)
            if value is not None:
                setattr(row, name, value.value if isinstance(value, Enum) else value)
        s.add(row)
        await s.commit()
        await s.refresh(row)
    return row
