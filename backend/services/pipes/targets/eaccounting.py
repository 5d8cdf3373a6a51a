"""Visma eAccounting as a target: customers, articles, invoice drafts and invoices, always looked up first.

Exactly once: a sales document is found again by ``OurReference`` (``<prefix><source number>``) on invoices and on
drafts before anything is created; the external-id map only saves the look-ups. The invoice e-mail is a separate
call in eAccounting and leaves no mark on the invoice, so whether it was sent is remembered in the external-id
map as ``("invoice_emailed", <source number>)``: a repeated webhook, ``transferDocument`` or resend does not
mail the customer again. (Should the e-mail call itself act and then fail — a 5xx or a timeout after eAccounting
sent it — the retry sends it once more: at least once, rather than an invoice the customer never gets.)

Suppliers need the ``ea:purchase`` scope (bokbro asks for it when eAccounting is authorized; a company that
authorized without it gets the 403 explained, and can turn supplier sync off).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from backend.canonical import Customer, Product, PurchaseOrder, SalesDocument, Supplier
from backend.connectors.eaccounting import EAccountingClient
from backend.db.models import EAccountingInvoiceStatus
from backend.flows import eaccounting as ea_flow
from backend.services.pipes.base import PipeResult, SourceProblem, TransferOptions, find_or_create


def _missing_address(customer: Customer, missing: list[str]) -> SourceProblem:
    what_en = " and ".join(missing)
    what_no = " og ".join({"postal code": "postnummer", "city": "poststed"}[m] for m in missing)
    return SourceProblem(
        f"customer {customer.number} has no {what_en}",
        f"eAccounting needs a postal code and a city on every customer, and customer {customer.number} "
        f"({customer.name}) has no {what_en} in Rackbeat. Add the address to the customer in Rackbeat "
        "(Customers → the customer → Address) and resend.",
        f"eAccounting krever postnummer og poststed på alle kunder, og kunde {customer.number} ({customer.name}) "
        f"mangler {what_no} i Rackbeat. Legg inn adressen på kunden i Rackbeat (Kunder → kunden → Adresse) og "
        "send på nytt.")


PaymentTerms = Callable[[], Awaitable[dict[str, str]]]


async def _no_terms() -> dict[str, str]:
    return {}


class EAccountingTarget:
    def __init__(self, client: EAccountingClient, source_prefix: str, payment_terms: PaymentTerms = _no_terms) -> None:
        """``payment_terms()``: the source's payment-terms key → eAccounting's TermsOfPayment id (the
        ``payment_term`` mappings), read when a customer is made or updated."""
        self.client = client
        self.prefix = source_prefix
        self._payment_terms = payment_terms
        self._codings: list[dict[str, Any]] | None = None
        self._units: list[dict[str, Any]] | None = None
        self._terms_id: str | None = None

    # -- reference data ------------------------------------------------------------------------------------
    async def _terms_of_payment_id(self) -> str:
        if self._terms_id is None:
            settings = await self.client.get_company_settings()
            terms = settings.get("TermsOfPaymentId")
            if not terms:
                listed = [t for t in await self.client.list_terms_of_payment() if t.get("AvailableForSales", True)]
                terms = listed[0]["Id"] if listed else None
            if not terms:
                raise SourceProblem(
                    "eAccounting has no terms of payment", "eAccounting has no terms of payment for sales. Set a "
                    "default under Settings → Company settings in eAccounting and resend.",
                    "eAccounting har ingen betalingsbetingelser for salg. Velg en standard under Innstillinger → "
                    "Firmainnstillinger i eAccounting og send på nytt.")
            self._terms_id = str(terms)
        return self._terms_id

    async def _mapped_terms(self, customer: Customer) -> str | None:
        """The eAccounting terms the customer's own payment terms map to, or None (none given, or not mapped)."""
        if not customer.payment_terms:
            return None
        return (await self._payment_terms()).get(customer.payment_terms)

    async def _coding_id(self, vat_percent: Decimal, *, service: bool) -> str:
        if self._codings is None:
            self._codings = await self.client.list_article_account_codings()
        found = ea_flow.coding_id_for(self._codings, vat_percent, service=service)
        if found is None:
            rate = ea_flow.plain(vat_percent)
            raise SourceProblem(
                f"eAccounting has no article coding with {rate} % VAT",
                f"eAccounting has no active bookkeeping category (article coding) with {rate} % VAT. Activate one "
                "in eAccounting, or correct the VAT rate in Rackbeat, and resend.",
                f"eAccounting har ingen aktiv bokføringskategori (artikkelkontering) med {rate} % mva. Aktiver en i "
                "eAccounting, eller rett mva-satsen i Rackbeat, og send på nytt.")
        return found

    async def _unit_id(self, unit: str | None) -> str:
        if self._units is None:
            self._units = await self.client.list_units()
        found = ea_flow.unit_id_for(self._units, unit)
        if found is None:
            raise SourceProblem("eAccounting has no units", "eAccounting lists no units; contact Visma support.",
                                "eAccounting har ingen enheter; kontakt Visma kundestøtte.")
        return found

    async def _article_refs(self, product: Product, vat_percent: Decimal | None) -> tuple[str, str]:
        rate = vat_percent if vat_percent is not None else product.vat_percentage
        coding = await self._coding_id(rate if rate is not None else ea_flow.DEFAULT_VAT_PERCENT,
                                       service=ea_flow.is_service(product))
        return coding, await self._unit_id(product.unit)

    # -- customers and articles ------------------------------------------------------------------------------
    async def ensure_customer(self, customer: Customer, result: PipeResult) -> str:
        async def create() -> dict[str, Any]:
            missing = ea_flow.missing_customer_fields(customer)
            if missing:
                raise _missing_address(customer, missing)
            terms = await self._mapped_terms(customer) or await self._terms_of_payment_id()
            return await self.client.create_customer(ea_flow.customer_payload(customer, terms_of_payment_id=terms))

        found = await find_or_create(lambda: self.client.find_customer_by_number(customer.number), create,
                                     "CustomerNumber")
        result.external_ids.append(("customer", customer.number, str(found["Id"])))
        return str(found["Id"])

    async def ensure_article(self, product: Product, result: PipeResult, vat_percent: Decimal | None = None) -> str:
        async def create() -> dict[str, Any]:
            coding, unit = await self._article_refs(product, vat_percent)
            return await self.client.create_article(ea_flow.article_payload(product, coding_id=coding, unit_id=unit))

        found = await find_or_create(lambda: self.client.find_article_by_number(product.number), create, "Number")
        result.external_ids.append(("product", product.number, str(found["Id"])))
        return str(found["Id"])

    async def upsert_customer(self, customer: Customer) -> PipeResult:
        """Create the customer, or bring the existing one (same customer number) up to date."""
        result = PipeResult(target_ref="")
        missing = ea_flow.missing_customer_fields(customer)
        if missing:
            raise _missing_address(customer, missing)
        found = await self.client.find_customer_by_number(customer.number)
        if found is None:
            result.target_ref = await self.ensure_customer(customer, result)
            return result
        customer_id = str(found["Id"])
        mapped = await self._mapped_terms(customer)
        terms = mapped or await self._terms_of_payment_id()
        payload = ea_flow.customer_update(found, customer, terms_of_payment_id=terms, mapped_terms=mapped is not None)
        await self.client.update_customer(customer_id, payload)
        result.external_ids.append(("customer", customer.number, customer_id))
        result.target_ref = customer_id
        return result

    async def upsert_supplier(self, supplier: Supplier) -> PipeResult:
        """Create the supplier, or bring the existing one (same supplier number) up to date (scope ea:purchase)."""
        result = PipeResult(target_ref="")

        async def create() -> dict[str, Any]:
            payload = ea_flow.supplier_payload(supplier, terms_of_payment_id=await self._terms_of_payment_id())
            return await self.client.create_supplier(payload)

        found = await self.client.find_supplier_by_number(supplier.number)
        if found is None:
            found = await find_or_create(lambda: self.client.find_supplier_by_number(supplier.number), create,
                                         "SupplierNumber")
        else:
            await self.client.update_supplier(str(found["Id"]), ea_flow.supplier_update(found, supplier))
        result.target_ref = str(found["Id"])
        result.external_ids.append(("supplier", supplier.number, result.target_ref))
        return result

    async def ensure_purchase_order(self, po: PurchaseOrder, known_ids: dict[tuple[str, str], str]) -> PipeResult:
        raise SourceProblem("purchase orders to eAccounting are not supported",
                            "Purchase orders are transferred to Tripletex only; turn off \"transfer purchase "
                            "orders\" for this integration.",
                            "Innkjøpsordre overføres bare til Tripletex; skru av «overfør innkjøpsordre» for denne "
                            "integrasjonen.")

    async def upsert_product(self, product: Product) -> PipeResult:
        """Create the article, or update name, price, coding and unit of the existing one (same number). A Rackbeat
        BOM becomes an article of its own: eAccounting has no BOMs."""
        result = PipeResult(target_ref="")
        found = await self.client.find_article_by_number(product.number)
        if found is None:
            result.target_ref = await self.ensure_article(product, result)
            return result
        article_id = str(found["Id"])
        coding, unit = await self._article_refs(product, None)
        await self.client.update_article(article_id,
                                         ea_flow.article_update(found, product, coding_id=coding, unit_id=unit))
        result.external_ids.append(("product", product.number, article_id))
        result.target_ref = article_id
        return result

    # -- sales documents -------------------------------------------------------------------------------------
    async def _invoiced(self, invoice: dict[str, Any], document: SalesDocument, options: TransferOptions,
                        result: PipeResult) -> PipeResult:
        """An invoice exists: record it, and e-mail it if asked and not yet done. Asked: by the transfer's own
        ``sendEmail`` (a resend with false when the customer was already told), else by the status setting."""
        result.target_ref = str(invoice["Id"])
        result.external_ids.append(("invoice", document.number, result.target_ref))
        wanted = options.send_email if options.send_email is not None else \
            options.eaccounting_status is EAccountingInvoiceStatus.INVOICED_AND_EMAIL
        if wanted and ("invoice_emailed", document.number) not in options.known_ids:
            await self.client.email_invoice(result.target_ref)
            result.external_ids.append(("invoice_emailed", document.number, result.target_ref))
        return result

    async def _from_draft(self, draft_id: str, document: SalesDocument, options: TransferOptions,
                          result: PipeResult) -> PipeResult:
        """A draft exists: done when a draft is what is asked for, else book it (and e-mail it)."""
        if options.eaccounting_status is EAccountingInvoiceStatus.DRAFT:
            result.target_ref = draft_id
            result.external_ids.append(("invoice_draft", document.number, draft_id))
            return result
        invoice = await self.client.convert_draft(draft_id, keep_original_draft_date=True)
        return await self._invoiced(invoice, document, options, result)

    async def ensure_sales_document(self, document: SalesDocument, options: TransferOptions) -> PipeResult:
        reference = ea_flow.our_reference(self.prefix, document)
        # what was done to lines eAccounting cannot take as they are: said on every run, also when found again
        result = PipeResult(target_ref="", notes=ea_flow.row_notes(document,
                                                                   use_exact_quantity=options.use_exact_quantity))

        # 1. Known from an earlier run, and still there?
        known_invoice = options.known_ids.get(("invoice", document.number))
        if known_invoice is not None:
            invoice = await self.client.get_invoice(known_invoice)
            if invoice is not None:
                return await self._invoiced(invoice, document, options, result)
        known_draft = options.known_ids.get(("invoice_draft", document.number))
        if known_draft is not None and await self.client.get_invoice_draft(known_draft) is not None:
            return await self._from_draft(known_draft, document, options, result)

        # 2. Look for our own invoice, then our own draft, by our reference, before creating anything.
        invoices = await self.client.find_invoices(our_reference=reference)
        if invoices:
            return await self._invoiced(invoices[0], document, options, result)
        drafts = await self.client.find_invoice_drafts(our_reference=reference)
        if drafts:
            return await self._from_draft(str(drafts[0]["Id"]), document, options, result)

        # 3. Not there: make sure the customer and every article exist, then create.
        for i, line in enumerate(document.lines):
            if line.item_number is None and ea_flow.line_amount(line) != 0:
                raise SourceProblem(
                    f"line {i + 1} of invoice {document.number} has no item",
                    f"Line {i + 1} of invoice {document.number} has an amount but no product; eAccounting needs an "
                    "article on every line with an amount. Put a product on the line in Rackbeat and resend.",
                    f"Linje {i + 1} på faktura {document.number} har et beløp men ingen vare; eAccounting krever en "
                    "artikkel på alle linjer med beløp. Legg en vare på linjen i Rackbeat og send på nytt.")
        customer_id = await self.ensure_customer(document.customer, result)
        products = {p.number: p for p in document.products}
        article_ids: dict[str, str] = {}
        for line in document.lines:
            if line.item_number is None or line.item_number in article_ids:
                continue
            product = products.get(line.item_number) or ea_flow.product_for_line(line)
            article_ids[line.item_number] = await self.ensure_article(product, result, line.vat_percentage)
        rows = ea_flow.invoice_rows(document, article_ids, use_exact_quantity=options.use_exact_quantity)
        payload = ea_flow.invoice_draft_payload(document, customer_id=customer_id, reference=reference,
                                                rows=rows.rows)
        draft = await self.client.create_invoice_draft(payload)
        return await self._from_draft(str(draft["Id"]), document, options, result)
