"""Rackbeat as a source: booked customer invoices, customers, suppliers, products and BOMs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

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
            raise self._draft("invoice", "Invoice", "Faktura", ref)
        customer_number = (data.get("customer") or {}).get("number") or data.get("customer_id")
        customer_data = await self.client.get_customer(int(customer_number)) if customer_number else None
        try:
            document = rackbeat_flow.customer_invoice(data, customer_data)
        except rackbeat_flow.RackbeatDocumentError as exc:
            raise self._to_correct(exc) from exc
        products = await self._items(line.item_number for line in document.lines)
        return dataclasses.replace(document, products=products)

    async def _items(self, numbers: Iterable[str | None]) -> tuple[Product, ...]:
        """The products (or BOMs) of a document's lines, each fetched once."""
        products: dict[str, Product] = {}
        for number in numbers:
            if number is None or number in products:
                continue
            item = await self.client.get_product(number)
            is_bom = False
            if item is None:
                item = await self.client.get_lot(number)
                is_bom = item is not None
            if item is not None:
                products[number] = rackbeat_flow.product(item, is_bom=is_bom)
        return tuple(products.values())

    @staticmethod
    def _draft(what: str, what_en: str, what_no: str, ref: str) -> SourceProblem:
        return SourceProblem(
            f"Rackbeat {what} {ref} is not booked",
            f"{what_en} {ref} is still a draft in Rackbeat. Book it in Rackbeat; it is then transferred "
            "automatically.",
            f"{what_no} {ref} er fortsatt et utkast i Rackbeat. Bokfør den i Rackbeat; da overføres den "
            "automatisk.")

    @staticmethod
    def _to_correct(exc: Exception) -> SourceProblem:
        return SourceProblem(str(exc), f"{exc} — correct it in Rackbeat and resend.",
                             f"{exc} — rett det i Rackbeat og send på nytt.")

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
            raise self._draft("purchase order", "Purchase order", "Innkjøpsordre", ref)
        supplier_number = (data.get("supplier") or {}).get("number") or data.get("supplier_id")
        supplier_data = await self.client.get_supplier(int(supplier_number)) if supplier_number else None
        try:
            po = rackbeat_flow.purchase_order(data, supplier_data)
        except rackbeat_flow.RackbeatDocumentError as exc:
            raise self._to_correct(exc) from exc
        products = await self._items(line.item_number for line in po.lines)
        return dataclasses.replace(po, products=products)
