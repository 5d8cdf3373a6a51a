"""Tripletex as a target: customers, suppliers, products, orders and invoices, always looked up first."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.canonical import Customer, Product, PurchaseOrder, SalesDocument, SalesDocumentKind, Supplier
from backend.connectors.base import ValidationError
from backend.connectors.tripletex import TripletexClient
from backend.db.models import CustomerMatch, TransferMode
from backend.flows import tripletex as tripletex_flow
from backend.flows.mystore import GUEST_PREFIX
from backend.services.pipes.base import PipeResult, SourceProblem, TransferOptions, find_or_create

EntityLock = Callable[[str], AbstractAsyncContextManager[None]]


def _no_lock(key: str) -> AbstractAsyncContextManager[None]:
    return contextlib.nullcontext()


class TripletexTarget:
    def __init__(self, client: TripletexClient, source_prefix: str, lock: EntityLock | None = None) -> None:
        """``lock(key)``: held while one customer is looked up and made (shared by every worker), so that two
        transfers for the same customer never create it twice where Tripletex has no unique key to refuse the
        second (guests found by e-mail, businesses found by organisation number)."""
        self.client = client
        self.prefix = source_prefix
        self.lock: EntityLock = lock or _no_lock
        self._vat_ids: dict[str, int] = {}

    async def _vat_type_id(self, code: str) -> int:
        if code not in self._vat_ids:
            vat = await self.client.find_vat_type(code)
            if vat is None:
                raise ValidationError("tripletex", f"VAT code {code} does not exist in Tripletex", status=422,
                                      field="vatType")
            self._vat_ids[code] = int(vat["id"])
        return self._vat_ids[code]

    async def ensure_customer(self, customer: Customer, result: PipeResult,
                              options: TransferOptions | None = None) -> int:
        """Find the customer (by number; a business by organisation number first when the settings say so; a
        guest by organisation number or e-mail), create it if missing, and bring an existing one up to date when
        ``options.update_existing_customer``. Serialised per customer across workers (``self.lock``)."""
        by_org = (options is not None and options.customer_match is CustomerMatch.ORGANIZATION_NUMBER
                  and bool(customer.organization_number) and not customer.is_private_individual)
        lock_key = f"customer:org:{customer.organization_number}" if by_org else f"customer:{customer.number}"

        async def find() -> dict[str, Any] | None:
            if by_org and customer.organization_number:
                found = await self.client.find_customer_by_org_number(customer.organization_number)
                if found is not None:
                    return found
            if not customer.number.isdigit():
                return await self._find_customer_without_number(customer)
            return await self.client.find_customer_by_number(int(customer.number))

        updating = options is not None and options.update_existing_customer
        guard = options is not None and options.guard_customer_identity and customer.number.isdigit()
        # Most documents are for a customer Tripletex already has: reading it needs no lock (a hot customer would
        # otherwise serialise every worker). Making it, or bringing it up to date, is done under the lock.
        existing = None if updating else await find()
        if existing is not None:
            if guard:
                self._same_customer(existing, customer)
            result.external_ids.append(("customer", customer.number, str(existing["id"])))
            return int(existing["id"])
        async with self.lock(lock_key):
            existing = await find()
            if existing is None:
                existing = await find_or_create(
                    find, lambda: self.client.create_customer(tripletex_flow.customer_payload(customer)),
                    "customerNumber")
            else:
                if guard:
                    self._same_customer(existing, customer)
                if updating:
                    payload = tripletex_flow.customer_payload(customer)
                    update = {k: v for k, v in payload.items() if k not in ("customerNumber", "invoiceSendMethod")}
                    await self.client.update_customer(int(existing["id"]), update)
                    result.notes.append(f"Customer {existing.get('customerNumber') or existing['id']} in Tripletex "
                                        "was brought up to date from the order.")
        result.external_ids.append(("customer", customer.number, str(existing["id"])))
        return int(existing["id"])

    @staticmethod
    def _same_customer(found: dict[str, Any], customer: Customer) -> None:
        """A webshop customer's number is offset + its webshop number; a customer made by hand in Tripletex with
        that number is someone else: never put the order on it, nor overwrite it with the webshop's data."""
        other = tripletex_flow.another_customer(found, customer)
        if other is None:
            return
        number = customer.number
        raise SourceProblem(
            f"customer number {number} in Tripletex belongs to another customer ({other})",
            f"Customer number {number} in Tripletex belongs to another customer ({other}), not to "
            f"{customer.name}; nothing was sent. Webshop customers are numbered \"customer number offset\" + their "
            "webshop number, so customers made in Tripletex must stay below the offset. Give the Tripletex customer "
            "another number, or raise the offset in the settings (the preflight check shows the numbers in use), "
            "then resend.",
            f"Kundenummer {number} i Tripletex tilhører en annen kunde ({other}), ikke {customer.name}; ingenting "
            "ble sendt. Nettbutikkens kunder får «kundenummer-forskyvning» + kundenummeret i nettbutikken, så kunder "
            "opprettet i Tripletex må ligge under forskyvningen. Gi Tripletex-kunden et annet nummer, eller øk "
            "forskyvningen i innstillingene (forhåndskontrollen viser numrene i bruk), og send på nytt.")

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
                if entity == "invoice":
                    await self._send_if_asked(existing, document, options, result)
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
                self._sent_on_create(invoice, document, options, result)
            else:
                await self._send_if_asked(invoice, document, options, result)
            result.target_ref = str(invoice["id"])
            result.external_ids.append(("invoice", document.number, result.target_ref))
            return result

        # 3. Not there: make sure the customer and every product exist, then create.
        if options.invoice_number is not None and options.mode is TransferMode.INVOICE:
            await self._refuse_used_invoice_number(options.invoice_number)
        customer_id = await self.ensure_customer(document.customer, result, options)
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
        if options.invoice_number is not None:
            payload["invoiceNumber"] = options.invoice_number
            result.notes.append(f"Invoice number {options.invoice_number} is the source document's number "
                                "(setting: invoice numbers from the source).")
        created = await self._invoice(lambda: self.client.create_invoice(
            payload, send_to_customer=options.send_to_customer, **self._prepayment(options)))
        self._sent_on_create(created, document, options, result)
        result.target_ref = str(created["id"])
        result.external_ids.append(("invoice", document.number, result.target_ref))
        return result

    @staticmethod
    def _sent_on_create(invoice: dict[str, Any], document: SalesDocument, options: TransferOptions,
                        result: PipeResult) -> None:
        if options.send_to_customer:
            result.external_ids.append(("invoice_sent", document.number, str(invoice["id"])))

    async def _send_if_asked(self, invoice: dict[str, Any], document: SalesDocument, options: TransferOptions,
                             result: PipeResult) -> None:
        """The invoice is in Tripletex already: a transfer that asks ``sendEmail: true`` (a resend for a customer
        who never got it) sends it — by the customer's own send method — unless bokbro has sent it before (never
        twice; remembered as ``("invoice_sent", <number>)`` in the external-id map)."""
        if options.send_email is not True or ("invoice_sent", document.number) in options.known_ids:
            return
        customer_ref = invoice.get("customer")
        customer_id = customer_ref.get("id") if isinstance(customer_ref, dict) else customer_ref
        customer = await self.client.get_customer(int(customer_id)) if customer_id else None
        method = str((customer or {}).get("invoiceSendMethod") or "EMAIL")
        send_type = method if method in tripletex_flow.SEND_TYPES else "EMAIL"
        await self.client.send_invoice(int(invoice["id"]), send_type)
        result.external_ids.append(("invoice_sent", document.number, str(invoice["id"])))
        result.notes.append(f"The invoice already in Tripletex was sent to the customer ({send_type}), as the "
                            "transfer asked.")

    async def _refuse_used_invoice_number(self, number: int) -> None:
        """With the source's invoice numbers, a number Tripletex already used (its own series, or another
        invoice) is refused before anything is created: never a second invoice with the same number."""
        taken = await self.client.find_invoice_by_number(number)
        if taken is not None:
            raise ValidationError(
                "tripletex", f"invoice number {number} is already used by Tripletex invoice {taken.get('id')}",
                status=422, field="invoiceNumber")

    async def ensure_purchase_order(self, po: PurchaseOrder, known_ids: dict[tuple[str, str], str]) -> PipeResult:
        """Make sure the purchase order exists once: known id → done; else look among the supplier's purchase
        orders for our marker (``internalComment``) — one found without lines (a run that died between header and
        lines) gets its lines — else create supplier, products and the order."""
        result = PipeResult(target_ref="")
        known = known_ids.get(("purchase_order", po.number))
        if known is not None and await self.client.get_purchase_order(int(known)) is not None:
            result.target_ref = known
            return result
        supplier_id = await self._ensure_supplier(po.supplier, result)
        product_ids = {p.number: await self.ensure_product(p, result) for p in po.products}
        marker = tripletex_flow.purchase_order_marker(self.prefix, po)
        payload = tripletex_flow.purchase_order_payload(po, supplier_id=supplier_id, marker=marker,
                                                        product_ids=product_ids)
        found = next((o for o in await self.client.find_purchase_orders_of_supplier(supplier_id)
                      if o.get("internalComment") == marker), None)
        if found is None:
            found = await self.client.create_purchase_order(payload)
        elif not found.get("orderLines") and payload["orderLines"]:
            await self.client.add_purchase_order_lines(int(found["id"]), payload["orderLines"])
        result.target_ref = str(found["id"])
        result.external_ids.append(("purchase_order", po.number, result.target_ref))
        if found.get("number"):
            result.notes.append(f"Tripletex purchase order number {found['number']} (Tripletex numbers purchase "
                                "orders itself).")
        return result

    async def _ensure_supplier(self, supplier: Supplier, result: PipeResult) -> int:
        async def find() -> dict[str, Any] | None:
            if not supplier.number.isdigit():
                return None
            return await self.client.find_supplier_by_number(int(supplier.number))

        found = await find_or_create(
            find, lambda: self.client.create_supplier(tripletex_flow.supplier_payload(supplier)), "supplierNumber")
        result.external_ids.append(("supplier", supplier.number, str(found["id"])))
        return int(found["id"])

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


