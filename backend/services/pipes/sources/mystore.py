"""Mystore (Acendy) as a source: completed webshop orders (and registered customers)."""

from __future__ import annotations

from backend.canonical import Customer, Product, PurchaseOrder, SalesDocument, Supplier
from backend.connectors.mystore import MystoreClient
from backend.flows import mystore as mystore_flow
from backend.services.pipes.base import SourceProblem


class MystoreSource:
    prefix = "MS-"

    def __init__(self, client: MystoreClient, customer_offset: int = mystore_flow.CUSTOMER_NUMBER_OFFSET) -> None:
        self.client = client
        self.customer_offset = customer_offset

    async def sales_document(self, ref: str) -> SalesDocument:
        order = await self.client.get_order(ref)
        if order is None:
            raise SourceProblem(
                f"Mystore has no order {ref}",
                f"Mystore has no order number {ref} (any more). Nothing was changed in the accounting system.",
                f"Mystore har ingen ordre med nummer {ref} (lenger). Ingenting ble endret i regnskapet.")
        if mystore_flow.is_completed(order) is False:
            status = (order.get("status") or {}).get("name") or "?"
            raise SourceProblem(
                f"Mystore order {ref} is not completed (status {status})",
                f"Order {ref} has the status \"{status}\" in Mystore, which is not a completed status. Set it to a "
                "status with the Completed property (by default \"Sendt\"); it is then transferred automatically.",
                f"Ordre {ref} har status «{status}» i Mystore, som ikke er en fullført-status. Sett den til en status "
                "med egenskapen Fullført (standard «Sendt»); da overføres den automatisk.")
        try:
            return mystore_flow.sales_document(order, customer_offset=self.customer_offset)
        except mystore_flow.MystoreDocumentError as exc:
            raise SourceProblem(str(exc), f"{exc} — correct it in Mystore and resend.",
                                f"{exc} — rett det i Mystore og send på nytt.") from exc

    @staticmethod
    def _unsupported(what: str) -> SourceProblem:
        return SourceProblem(f"Mystore does not provide {what}",
                             f"Mystore transfers orders only; {what} are not transferred from Mystore.",
                             f"Mystore overfører bare ordrer; {what} overføres ikke fra Mystore.")

    async def customer(self, ref: str) -> Customer:
        data = await self.client.get_customer(ref)
        if data is None:
            raise SourceProblem(f"Mystore has no customer {ref}",
                                f"Mystore has no customer number {ref} (any more).",
                                f"Mystore har ingen kunde med nummer {ref} (lenger).")
        return mystore_flow.customer(data, ref, self.customer_offset)

    async def supplier(self, ref: str) -> Supplier:
        raise self._unsupported("suppliers")

    async def product(self, ref: str) -> Product:
        raise self._unsupported("products on their own (they go with the orders that sell them)")

    async def bom(self, ref: str) -> Product:
        raise self._unsupported("BOMs")

    async def purchase_order(self, ref: str) -> PurchaseOrder:
        raise self._unsupported("purchase orders")
