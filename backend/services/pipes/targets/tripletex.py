"""Tripletex as a target: customers, suppliers, products, orders and invoices, always looked up first."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.canonical import Customer, Product, SalesDocument, SalesDocumentKind, Supplier
from backend.connectors.base import ValidationError
from backend.connectors.tripletex import TripletexClient
from backend.db.models import TransferMode
from backend.flows import tripletex as tripletex_flow
from backend.flows.mystore import GUEST_PREFIX
from backend.services.pipes.base import PipeResult, TransferOptions, find_or_create


class TripletexTarget:
    def __init__(self, client: TripletexClient, source_prefix: str) -> None:
        self.client = client
        self.prefix = source_prefix
        self._vat_ids: dict[str, int] = {}

    async def _vat_type_id(self, code: str) -> int:
        if code not in self._vat_ids:
            vat = await self.client.find_vat_type(code)
            if vat is None:
                raise ValidationError("tripletex", f"VAT code {code} does not exist in Tripletex", status=422,
                                      field="vatType")
            self._vat_ids[code] = int(vat["id"])
        return self._vat_ids[code]

    async def ensure_customer(self, customer: Customer, result: PipeResult) -> int:
        async def find() -> dict[str, Any] | None:
            if not customer.number.isdigit():
                return await self._find_customer_without_number(customer)
            return await self.client.find_customer_by_number(int(customer.number))

        found = await find_or_create(
            find, lambda: self.client.create_customer(tripletex_flow.customer_payload(customer)), "customerNumber")
        result.external_ids.append(("customer", customer.number, str(found["id"])))
        return int(found["id"])

    async def ensure_product(self, product: Product, result: PipeResult) -> int:
        async def create() -> dict[str, Any]:
            vat_id = None
            if product.vat_percentage is not None:
                vat_id = await self._vat_type_id(tripletex_flow.vat_code_for(product.vat_percentage))
            return await self.client.create_product(tripletex_flow.product_payload(product, vat_id))

        found = await find_or_create(lambda: self.client.find_product_by_number(product.number), create, "number")
        result.external_ids.append(("product", product.number, str(found["id"])))
        return int(found["id"])

    async def _find_customer_without_number(self, customer: Customer) -> dict[str, Any] | None:
        """A customer the source gives no number (a webshop's guest checkout, ``guest:<e-mail>``): the same
        organisation number, else the same e-mail address, is the same customer; Tripletex numbers new ones."""
        if not customer.number.startswith(GUEST_PREFIX):
            return None
        if customer.organization_number and not customer.is_private_individual:
            found = await self.client.find_customer_by_org_number(customer.organization_number)
            if found is not None:
                return found
        if customer.email:
            return await self.client._find_active_or_inactive("customer", {"email": customer.email})
        return None

    async def upsert_customer(self, customer: Customer) -> PipeResult:
        """Create the customer, or bring the existing one (same customer number) up to date."""
        result = PipeResult(target_ref="")
        payload = tripletex_flow.customer_payload(customer)
        found = await self.client.find_customer_by_number(int(customer.number)) if customer.number.isdigit() \
            else None
        if found is None:
            customer_id = await self.ensure_customer(customer, result)
        else:
            customer_id = int(found["id"])
            update = {k: v for k, v in payload.items() if k not in ("customerNumber", "invoiceSendMethod")}
            await self.client.update_customer(customer_id, update)
            result.external_ids.append(("customer", customer.number, str(customer_id)))
        result.target_ref = str(customer_id)
        return result

    async def upsert_supplier(self, supplier: Supplier) -> PipeResult:
        result = PipeResult(target_ref="")
        payload = tripletex_flow.supplier_payload(supplier)

        async def find() -> dict[str, Any] | None:
            if not supplier.number.isdigit():
                return None
            return await self.client.find_supplier_by_number(int(supplier.number))

        existing = await find()
        if existing is None:
            existing = await find_or_create(find, lambda: self.client.create_supplier(payload), "supplierNumber")
        else:
            await self.client.update_supplier(int(existing["id"]),
                                              {k: v for k, v in payload.items() if k != "supplierNumber"})
        result.target_ref = str(existing["id"])
        result.external_ids.append(("supplier", supplier.number, result.target_ref))
        return result

    async def upsert_product(self, product: Product) -> PipeResult:
        """Create the product, or update name, prices and VAT of the existing one (same number). A Rackbeat
        BOM becomes a Tripletex product of its own: Tripletex has no BOMs."""
        result = PipeResult(target_ref="")
        found = await self.client.find_product_by_number(product.number)
        if found is None:
            product_id = await self.ensure_product(product, result)
        else:
            product_id = int(found["id"])
            vat_id = None
            if product.vat_percentage is not None:
                vat_id = await self._vat_type_id(tripletex_flow.vat_code_for(product.vat_percentage))
            payload = tripletex_flow.product_payload(product, vat_id)
            payload.pop("number", None)
            await self.client.update_product(product_id, payload)
            result.external_ids.append(("product", product.number, str(product_id)))
        result.target_ref = str(product_id)
        return result

    async def _find_invoice_of_order(
        self, document: SalesDocument, order: dict[str, object]
    ) -> dict[str, object] | None:
        date_from, date_to = tripletex_flow.search_window(document.document_date)
        customer = order.get("customer")
        customer_id = customer.get("id") if isinstance(customer, dict) else None
        for invoice in await self.client.find_invoices(date_from, date_to, customer_id=customer_id):
            refs = invoice.get("orders") or []
            if any(isinstance(r, dict) and r.get("id") == order["id"] for r in refs):
                return dict(invoice)
        return None

    async def ensure_sales_document(self, document: SalesDocument, options: TransferOptions) -> PipeResult:
        number = tripletex_flow.order_number(self.prefix, document)
        entity = "invoice" if options.mode is TransferMode.INVOICE else "order"
        result = PipeResult(target_ref="")

        # 1. Known from an earlier run, and still there? Then there is nothing to do.
        known = options.known_ids.get((entity, document.number))
        if known is not None:
            existing = await (self.client.get_invoice(int(known)) if entity == "invoice"
                              else self.client.get_order(int(known)))
            if existing is not None:
                result.target_ref = known
                return result

        # 2. Look for our own order (by our reference) before creating anything.
        date_from, date_to = tripletex_flow.search_window(document.document_date)
        order = await self.client.find_order_by_number(number, date_from, date_to)
        if order is not None:
            if options.mode is TransferMode.ORDER:
                result.target_ref = str(order["id"])
                result.external_ids.append(("order", document.number, result.target_ref))
                return result
            invoice = await self._find_invoice_of_order(document, order)
            if invoice is None:
                invoice = await self._invoice(lambda: self.client.invoice_order(
                    int(str(order["id"])), document.document_date, send_to_customer=options.send_to_customer,
                    **self._prepayment(options)))
            result.target_ref = str(invoice["id"])
            result.external_ids.append(("invoice", document.number, result.target_ref))
            return result

        # 3. Not there: make sure the customer and every product exist, then create.
        customer_id = await self.ensure_customer(document.customer, result)
        product_ids: dict[str, int] = {}
        for product in document.products:
            product_ids[product.number] = await self.ensure_product(product, result)
        vat_ids = {}
        for line in document.lines:
            code = tripletex_flow.vat_code_for(line.vat_percentage)
            vat_ids[code] = await self._vat_type_id(code)
        refs = tripletex_flow.LineRefs(product_ids=product_ids, vat_type_ids=vat_ids)
        order_payload = tripletex_flow.order_payload(document, customer_id=customer_id, number=number, refs=refs)
        if document.kind is SalesDocumentKind.ORDER:  # a webshop order: say so, not "Rackbeat invoice"
            order_payload["invoiceComment"] = (document.heading or f"Order {document.number}")[:255]
        result.notes.extend(options.notes)
        if options.mode is TransferMode.ORDER:
            created = await self.client.create_order(order_payload)
            result.target_ref = str(created["id"])
            result.external_ids.append(("order", document.number, result.target_ref))
            return result
        payload = tripletex_flow.invoice_payload(document, order_payload)
        created = await self._invoice(lambda: self.client.create_invoice(
            payload, send_to_customer=options.send_to_customer, **self._prepayment(options)))
        result.target_ref = str(created["id"])
        result.external_ids.append(("invoice", document.number, result.target_ref))
        return result

    @staticmethod
    def _prepayment(options: TransferOptions) -> dict[str, Any]:
        """``paymentTypeId`` + ``paidAmount`` when the invoice is to be registered as paid, else nothing."""
        if options.payment_type_id is None or options.paid_amount is None:
            return {}
        return {"payment_type_id": options.payment_type_id,
                "paid_amount": float(options.paid_amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))}

    async def _invoice(self, call: object) -> dict[str, object]:
        """Create an invoice; a refusal without a field is checked against the bank-account rule, the most
        common cause, so that the bookkeeper gets the right explanation."""
        try:
            return dict(await call())  # type: ignore[operator]
        except ValidationError as exc:
            if not exc.field and not await self.client.bank_account_registered():
                exc.field = "company.bankAccountNumber"
            raise


