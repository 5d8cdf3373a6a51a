"""Rackbeat as a source: booked customer invoices, customers, suppliers, products and BOMs."""

from __future__ import annotations

import dataclasses

from backend.canonical import Customer, Product, PurchaseOrder, SalesDocument, Supplier
from backend.connectors.rackbeat import RackbeatClient
from backend.flows import rackbeat as rackbeat_flow
from backend.services.pipes.base import SourceProblem


class RackbeatSource:
    prefix = "RB-"

    def __init__(self, client: RackbeatClient) -> None:
        self.client = client

    async def sales_document(self, ref: str) -> SalesDocument:
        data = await self.client.get_customer_invoice(int(ref))
        if data is None:
            raise SourceProblem(
                f"Rackbeat has no customer invoice {ref}",
                f"Rackbeat has no customer invoice number {ref}. Check the number; a deleted draft cannot be "
                "transferred.",
                f"Rackbeat har ingen kundefaktura med nummer {ref}. Sjekk nummeret; et slettet utkast kan ikke "
                "overføres.")
        if not rackbeat_flow.is_booked(data):
            raise SourceProblem(
                f"Rackbeat invoice {ref} is not booked",
                f"Invoice {ref} is still a draft in Rackbeat. Book it in Rackbeat; it is then transferred "
                "automatically.",
                f"Faktura {ref} er fortsatt et utkast i Rackbeat. Bokfør den i Rackbeat; da overføres den "
                "automatisk.")
        customer_number = (data.get("customer") or {}).get("number") or data.get("customer_id")
        customer_data = await self.client.get_customer(int(customer_number)) if customer_number else None
        try:
            document = rackbeat_flow.customer_invoice(data, customer_data)
        except rackbeat_flow.RackbeatDocumentError as exc:
            raise SourceProblem(str(exc), f"{exc} — correct it in Rackbeat and resend.",
                                f"{exc} — rett det i Rackbeat og send på nytt.") from exc
        products: list[Product] = []
        for line in document.lines:
            if line.item_number is None:
                continue
            item = await self.client.get_product(line.item_number)
            is_bom = False
            if item is None:
                item = await self.client.get_lot(line.item_number)
                is_bom = item is not None
            if item is not None:
                products.append(rackbeat_flow.product(item, is_bom=is_bom))
        return dataclasses.replace(document, products=tuple(products))

    @staticmethod
    def _gone(what: str, ref: str) -> SourceProblem:
        return SourceProblem(
            f"Rackbeat has no {what} {ref}",
            f"Rackbeat has no {what} number {ref} (any more). Nothing was changed in the accounting system.",
            f"Rackbeat har ingen {what} med nummer {ref} (lenger). Ingenting ble endret i regnskapet.")

    async def customer(self, ref: str) -> Customer:
        data = await self.client.get_customer(int(ref))
        if data is None:
            raise self._gone("customer", ref)
        return rackbeat_flow.customer(data)

    async def supplier(self, ref: str) -> Supplier:
        data = await self.client.get_supplier(int(ref))
        if data is None:
            raise self._gone("supplier", ref)
        return rackbeat_flow.supplier(data)

    async def product(self, ref: str) -> Product:
        data = await self.client.get_product(ref)
        if data is None:
            raise self._gone("product", ref)
        return rackbeat_flow.product(data)

    async def bom(self, ref: str) -> Product:
        data = await self.client.get_lot(ref)
        if data is None:
            raise self._gone("BOM", ref)
        return rackbeat_flow.product(data, is_bom=True)

    async def purchase_order(self, ref: str) -> PurchaseOrder:
        data = await self.client.get_purchase_order(int(ref))
        if data is None:
            raise self._gone("purchase order", ref)
        if not rackbeat_flow.is_booked(data):
            raise SourceProblem(
                f"Rackbeat purchase order {ref} is not booked",
                f"Purchase order {ref} is still a draft in Rackbeat. Book it in Rackbeat; it is then transferred "
                "automatically.",
                f"Innkjøpsordre {ref} er fortsatt et utkast i Rackbeat. Bokfør den i Rackbeat; da overføres den "
                "automatisk.")
        supplier_number = (data.get("supplier") or {}).get("number") or data.get("supplier_id")
        supplier_data = await self.client.get_supplier(int(supplier_number)) if supplier_number else None
        try:
            po = rackbeat_flow.purchase_order(data, supplier_data)
        except rackbeat_flow.RackbeatDocumentError as exc:
            raise SourceProblem(str(exc), f"{exc} — correct it in Rackbeat and resend.",
                                f"{exc} — rett det i Rackbeat og send på nytt.") from exc
        products: list[Product] = []
        for line in po.lines:
            if line.item_number is None or any(p.number == line.item_number for p in products):
                continue
            item = await self.client.get_product(line.item_number)
            is_bom = False
            if item is None:
                item = await self.client.get_lot(line.item_number)
                is_bom = item is not None
            if item is not None:
                products.append(rackbeat_flow.product(item, is_bom=is_bom))
        return dataclasses.replace(po, products=tuple(products))
