"""The GraphQL API: thin resolvers over the services. Business rules live in services and flows.

Errors: a service error becomes a GraphQL error whose ``extensions`` carry ``code`` (NOT_FOUND, FORBIDDEN,
UNAUTHENTICATED, INVALID_INPUT, CONFLICT) and ``field``; anything unexpected is masked.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.scalars import JSON
from strawberry.types import Info

from backend.api.graphql_common import (
    ConnectionStatus,
    EAccountingInvoiceStatus,
    EntitySync,
    IntegrationStatus,
    OrderFlowStart,
    System,
    TokenRole,
    TransferKind,
    TransferMode,
    TransferStatus,
    ctx_of,
    utc,
)
from backend.api.graphql_initial_sync import InitialSyncMutation, InitialSyncQuery, InitialSyncSubscription
from backend.api.graphql_onboarding import OnboardingMutation, OnboardingQuery, SettingsLinkScope
from backend.api.graphql_preflight import PreflightQuery
from backend.api.graphql_transfer_stats import (
    TransferStatsQuery,
    failed_last_24h,
    last_transfer_at,
    last_transfer_id,
    last_transfer_status,
)
from backend.db import models
from backend.services import auth as auth_service
from backend.services import connections as connection_service
from backend.services import integrations as integration_service
from backend.services import mappings as mapping_service
from backend.services import oauth as oauth_service
from backend.services import preview as preview_service
from backend.services import reconciliation as reconciliation_service
from backend.services import settings as settings_service
from backend.services import transfers as transfer_service
from backend.services.errors import ServiceError

# -- types ------------------------------------------------------------------------------------------


@strawberry.type
class ConnectionCheck:
    name: str
    ok: bool
    message: str


@strawberry.type
class Connection:
    id: strawberry.ID
    integration_id: strawberry.ID
    system: System  # type: ignore[valid-type]
    base_url: str | None
    status: ConnectionStatus  # type: ignore[valid-type]
    checks: list[ConnectionCheck]
    last_tested_at: datetime | None
    webhooks_registered: bool = strawberry.field(description="Whether the source's webhooks point at bokbro.")

    @classmethod
    def of(cls, row: models.Connection) -> Connection:
        return cls(
            id=strawberry.ID(row.id), integration_id=strawberry.ID(row.integration_id),
            system=models.System(row.system),
            base_url=row.base_url, status=models.ConnectionStatus(row.status),
            checks=[ConnectionCheck(name=c["name"], ok=c["ok"], message=c["message"]) for c in row.checks],
            last_tested_at=utc(row.last_tested_at), webhooks_registered=bool(row.webhook_secret_encrypted),
        )


CustomerMatch = strawberry.enum(
    models.CustomerMatch,
    description="CUSTOMER_NUMBER: the webshop's customer number plus the offset; ORGANIZATION_NUMBER: a business "
                "by its organisation number first.")
InvoiceNumberSource = strawberry.enum(
    models.InvoiceNumberSource,
    description="TARGET: the accounting system numbers invoices (recommended); SOURCE: the source document's number.")


@strawberry.type
class Settings:
    integration_id: strawberry.ID
    invoice_transfer_mode: TransferMode = strawberry.field(  # type: ignore[valid-type]
        description="How a booked source invoice lands in the target: INVOICE (booked) or ORDER (editable)."
    )
    send_invoice_to_customer: bool = strawberry.field(
        description="Whether the target sends the invoice to the customer when it is created."
    )
    sync_customers: EntitySync = strawberry.field(description="Customers created or changed in the source.")  # type: ignore[valid-type]
    sync_suppliers: EntitySync = strawberry.field(description="Suppliers created or changed in the source.")  # type: ignore[valid-type]
    sync_products: EntitySync = strawberry.field(description="Products created or changed in the source.")  # type: ignore[valid-type]
    sync_boms: EntitySync = strawberry.field(  # type: ignore[valid-type]
        description="BOMs (Rackbeat lots) created or changed in the source; a BOM becomes a product in Tripletex."
    )
    eaccounting_invoice_status: EAccountingInvoiceStatus = strawberry.field(  # type: ignore[valid-type]
        description="eAccounting only: what a transferred invoice becomes there.")
    start_order_flow_from: OrderFlowStart = strawberry.field(  # type: ignore[valid-type]
        description="Whether booked source invoices are transferred at all (\"Start order flow from\").")
    use_exact_quantity: bool = strawberry.field(
        description="eAccounting rows take 2 decimals. On: a quantity with more is sent as 1 × the exact line amount, "
                    "the real quantity in the row text. Off: the quantity is rounded to 2 decimals.")
    transfer_purchase_orders: bool = strawberry.field(
        description="Purchase orders are transferred, to be matched against supplier invoices in the target.")
    customer_number_offset: int = strawberry.field(
        description="Webshop customers get this number plus their webshop customer number in the accounting system "
                    "(default 100000), so they never collide with its own customers.")
    customer_match: CustomerMatch = strawberry.field(  # type: ignore[valid-type]
        description="How a webshop order's customer is found: by customer number (plus the offset), or a business "
                    "by its organisation number first.")
    update_existing_customers: bool = strawberry.field(
        description="On: a customer that already exists is brought up to date from the webshop order (name, "
                    "address, e-mail). Off: \"do not update existing customer\" — it is left as it is.")
    invoice_number_source: InvoiceNumberSource = strawberry.field(  # type: ignore[valid-type]
        description="Who numbers the invoices: TARGET, the accounting system (recommended), or SOURCE, the webshop "
                    "order's number; a number already used there is refused with an explanation, never reused.")
    notes_not_synced: str = strawberry.field(
        description="What is never synchronised, said plainly.",
        default="Stock levels and the financial value of the inventory are not synchronised.")
    updated_at: datetime

    @classmethod
    def of(cls, row: models.IntegrationSettings) -> Settings:
        return cls(integration_id=strawberry.ID(row.integration_id),
                   invoice_transfer_mode=models.TransferMode(row.invoice_transfer_mode),
                   send_invoice_to_customer=row.send_invoice_to_customer,
                   sync_customers=models.EntitySync(row.sync_customers),
                   sync_suppliers=models.EntitySync(row.sync_suppliers),
                   sync_products=models.EntitySync(row.sync_products),
                   sync_boms=models.EntitySync(row.sync_boms),
                   eaccounting_invoice_status=models.EAccountingInvoiceStatus(row.eaccounting_invoice_status),
                   start_order_flow_from=models.OrderFlowStart(row.start_order_flow_from),
                   use_exact_quantity=row.use_exact_quantity,
                   transfer_purchase_orders=row.transfer_purchase_orders,
                   customer_number_offset=row.customer_number_offset,
                   customer_match=models.CustomerMatch(row.customer_match),
                   update_existing_customers=row.update_existing_customers,
                   invoice_number_source=models.InvoiceNumberSource(row.invoice_number_source),
                   updated_at=utc(row.updated_at))  # type: ignore[arg-type]


@strawberry.type
class Integration:
    id: strawberry.ID
    company_name: str
    contact_person: str
    email: str
    source: System  # type: ignore[valid-type]
    target: System  # type: ignore[valid-type]
    status: IntegrationStatus  # type: ignore[valid-type]
    created_at: datetime
    webhook_url: str = strawberry.field(description="Where the source system posts its webhooks.")
    last_transfer_at: datetime | None = strawberry.field(
        resolver=last_transfer_at, description="When the most recently changed transfer last changed.")
    last_transfer_status: TransferStatus | None = strawberry.field(  # type: ignore[valid-type]
        resolver=last_transfer_status, description="The status of the most recently changed transfer.")
    last_transfer_id: strawberry.ID | None = strawberry.field(
        resolver=last_transfer_id, description="The most recently changed transfer.")
    failed_last_24h: int = strawberry.field(
        resolver=failed_last_24h, description="Transfer runs that ended FAILED in the last 24 hours (a failure "
                                              "resent since is still counted).")

    @strawberry.field
    async def connections(self, info: Info) -> list[Connection]:
        rows = await ctx_of(info)["connections"].load(str(self.id))
        return [Connection.of(r) for r in rows]

    @strawberry.field
    async def settings(self, info: Info) -> Settings | None:
        row = await ctx_of(info)["settings"].load(str(self.id))
        return Settings.of(row) if row else None

    @classmethod
    def of(cls, row: models.Integration, public_url: str) -> Integration:
        return cls(
            id=strawberry.ID(row.id), company_name=row.company_name, contact_person=row.contact_person,
            email=row.email, source=models.System(row.source), target=models.System(row.target),
            status=models.IntegrationStatus(row.status), created_at=utc(row.created_at),  # type: ignore[arg-type]
            webhook_url=f"{public_url.rstrip('/')}/webhooks/{row.source.lower()}/{row.id}",
        )


@strawberry.type
class TransferError:
    code: str = strawberry.field(description="<SYSTEM>_<HTTP status>[_<the system's error code>] when a system "
                                             "refused or failed (e.g. TRIPLETEX_422_18000, EACCOUNTING_400_4026, "
                                             "TRIPLETEX_NETWORK); NOT_TRANSFERABLE when the document cannot be "
                                             "carried as it is (see the explanation); INTERNAL for bokbro's own "
                                             "failure.")
    message: str
    explanation: str | None = strawberry.field(description="What went wrong and how to fix it, in English.")
    explanation_no: str | None = strawberry.field(description="The same explanation in Norwegian.")


@strawberry.type
class TransferAttempt:
    number: int
    status: TransferStatus  # type: ignore[valid-type]
    worker: str | None
    error_code: str | None
    error_message: str | None
    started_at: datetime
    finished_at: datetime | None
    exchanges: JSON = strawberry.field(
        description="The HTTP requests and responses of this attempt, with every secret redacted."
    )


@strawberry.type
class Transfer:
    id: strawberry.ID
    integration_id: strawberry.ID
    kind: TransferKind  # type: ignore[valid-type]
    source_system: System  # type: ignore[valid-type]
    target_system: System  # type: ignore[valid-type]
    source_ref: str
    target_ref: str | None
    mode: TransferMode | None  # type: ignore[valid-type]
    status: TransferStatus  # type: ignore[valid-type]
    trigger: str
    attempts: int
    error: TransferError | None
    next_attempt_at: datetime | None
    notes: list[str] = strawberry.field(description="How the document was carried over, where it matters "
                                                    "(rounding of quantities, ...).")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @strawberry.field(description="Each attempt with its redacted HTTP exchanges.")
    async def attempt_log(self, info: Info) -> list[TransferAttempt]:
        rows = await ctx_of(info)["attempts"].load(str(self.id))
        return [
            TransferAttempt(number=r.number, status=models.TransferStatus(r.status), worker=r.worker,
                            error_code=r.error_code, error_message=r.error_message,
                            started_at=utc(r.started_at), finished_at=utc(r.finished_at),  # type: ignore[arg-type]
                            exchanges=r.exchanges)
            for r in rows
        ]

    @classmethod
    def of(cls, row: models.Transfer) -> Transfer:
        error = None
        if row.error_message or row.error_code:
            error = TransferError(code=row.error_code or "UNKNOWN", message=row.error_message or "",
                                  explanation=row.error_explanation, explanation_no=row.error_explanation_no)
        return cls(
            id=strawberry.ID(row.id), integration_id=strawberry.ID(row.integration_id),
            kind=models.TransferKind(row.kind), source_system=models.System(row.source_system),
            target_system=models.System(row.target_system), source_ref=row.source_ref, target_ref=row.target_ref,
            mode=models.TransferMode(row.mode) if row.mode else None, status=models.TransferStatus(row.status),
            trigger=row.trigger, attempts=row.attempts, error=error, next_attempt_at=utc(row.next_attempt_at),
            notes=list(row.notes or []),
            created_at=utc(row.created_at), updated_at=utc(row.updated_at),  # type: ignore[arg-type]
            started_at=utc(row.started_at), finished_at=utc(row.finished_at),
        )


@strawberry.type
class TransferEdge:
    cursor: str
    node: Transfer


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class TransferConnection:
    edges: list[TransferEdge]
    page_info: PageInfo


@strawberry.type
class TransferPreview:
    outcome: str = strawberry.field(description="What would happen, in a sentence.")
    error: str | None = strawberry.field(description="Why the transfer would fail, if it would.")
    reads: int = strawberry.field(description="How many lookups the target answered (they were really made).")
    requests: JSON = strawberry.field(
        description="The writes that would be sent, in order: method, url, body (secrets redacted). "
                    "Negative ids stand for objects an earlier request in the list would create."
    )


@strawberry.type
class ApiToken:
    id: strawberry.ID
    name: str
    role: TokenRole  # type: ignore[valid-type]
    integration_ids: list[strawberry.ID]
    token: str | None = strawberry.field(description="The secret itself: shown once, when the token is created.")


# -- inputs -----------------------------------------------------------------------------------------


@strawberry.input
class StartOnboardingInput:
    company_name: str
    contact_person: str
    email: str
    source: System  # type: ignore[valid-type]
    target: System  # type: ignore[valid-type]


@strawberry.input
class ConnectionInput:
    integration_id: strawberry.ID
    system: System  # type: ignore[valid-type]
    credentials: JSON = strawberry.field(
        description="RACKBEAT: {token}; TRIPLETEX: {consumerToken, employeeToken}; MYSTORE: {shop, token, "
                    "webhookSecret}; EACCOUNTING: {clientId, clientSecret} then authorizeEAccounting. Stored encrypted."
    )
    base_url: str | None = None


@strawberry.input
class SettingsInput:
    invoice_transfer_mode: TransferMode | None = None  # type: ignore[valid-type]
    send_invoice_to_customer: bool | None = None
    sync_customers: EntitySync | None = None  # type: ignore[valid-type]
    sync_suppliers: EntitySync | None = None  # type: ignore[valid-type]
    sync_products: EntitySync | None = None  # type: ignore[valid-type]
    sync_boms: EntitySync | None = None  # type: ignore[valid-type]
    eaccounting_invoice_status: EAccountingInvoiceStatus | None = None  # type: ignore[valid-type]
    start_order_flow_from: OrderFlowStart | None = None  # type: ignore[valid-type]
    use_exact_quantity: bool | None = None
    transfer_purchase_orders: bool | None = None
    customer_number_offset: int | None = None
    customer_match: CustomerMatch | None = None  # type: ignore[valid-type]
    update_existing_customers: bool | None = None
    invoice_number_source: InvoiceNumberSource | None = None  # type: ignore[valid-type]


@strawberry.input
class ApiTokenInput:
    name: str
    role: TokenRole  # type: ignore[valid-type]
    integration_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.type(description="A source value mapped to a target value, e.g. a webshop payment method → a Tripletex "
                             "payment type (kind payment_method).")
class Mapping:
    id: strawberry.ID
    integration_id: strawberry.ID
    kind: str = strawberry.field(description="payment_method")
    source_key: str = strawberry.field(description="The source's value (payment_method: Mystore's payment code).")
    target_key: str = strawberry.field(description="The target's value (payment_method: a Tripletex payment type "
                                                   "id; empty when the method is not marked as paid).")
    options: JSON = strawberry.field(description='payment_method: {"transferAs": "INVOICE"|"ORDER", '
                                                 '"sendInvoice": bool, "markAsPaid": bool}')

    @classmethod
    def of(cls, row: models.Mapping) -> Mapping:
        return cls(id=strawberry.ID(row.id), integration_id=strawberry.ID(row.integration_id), kind=row.kind,
                   source_key=row.source_key, target_key=row.target_key,
                   options=dict(row.options))  # type: ignore[arg-type]


@strawberry.type(description="A value a mapping may point at.")
class MappingChoice:
    key: str = strawberry.field(description="What goes in the mapping's targetKey.")
    name: str
    detail: str | None


@strawberry.type(description="A mapping as saved, or suggested (matching names, default options) when none is.")
class MappingSuggestion:
    kind: str
    source_key: str
    source_name: str
    target_key: str | None
    target_name: str | None
    options: JSON
    saved: bool = strawberry.field(description="True when this is a saved mapping, false for a suggestion.")


@strawberry.input
class MappingInput:
    source_key: str
    target_key: str = ""
    kind: str = mapping_service.PAYMENT_METHOD
    options: JSON | None = strawberry.field(
        default=None, description="Missing options take the defaults (paid methods: INVOICE, paid, not sent; "
                                  "invoice/faktura: ORDER).")


# -- root types -------------------------------------------------------------------------------------


@strawberry.type
class Query(PreflightQuery, OnboardingQuery, InitialSyncQuery, TransferStatsQuery):
    @strawberry.field
    async def integrations(self, info: Info) -> list[Integration]:
        c = ctx_of(info)
        rows = await integration_service.list_integrations(c.app, await c.principal())
        return [Integration.of(r, c.app.settings.public_url) for r in rows]

    @strawberry.field
    async def integration(self, info: Info, id: strawberry.ID) -> Integration | None:
        c = ctx_of(info)
        principal = await c.principal()
        try:
            row = await integration_service.get_integration(c.app, principal, str(id))
        except ServiceError as exc:
            if exc.code == "NOT_FOUND":
                return None
            raise
        return Integration.of(row, c.app.settings.public_url)

    @strawberry.field
    async def transfers(
        self, info: Info, integration_id: strawberry.ID | None = None,
        status: list[TransferStatus] | None = None,  # type: ignore[valid-type]
        kind: list[TransferKind] | None = None,  # type: ignore[valid-type]
        search: str | None = None, first: int = 50, after: str | None = None,
    ) -> TransferConnection:
        c = ctx_of(info)
        page = await transfer_service.list_transfers(
            c.app, await c.principal(), integration_id=str(integration_id) if integration_id else None,
            statuses=status, kinds=kind, search=search, first=first, after=after)
        return TransferConnection(
            edges=[TransferEdge(cursor=transfer_service.encode_cursor(r), node=Transfer.of(r)) for r in page.rows],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field
    async def transfer(self, info: Info, id: strawberry.ID) -> Transfer | None:
        c = ctx_of(info)
        principal = await c.principal()
        try:
            return Transfer.of(await transfer_service.get_transfer(c.app, principal, str(id)))
        except ServiceError as exc:
            if exc.code == "NOT_FOUND":
                return None
            raise


    @strawberry.field(description="The mappings of an integration, of one kind or all.")
    async def mappings(self, info: Info, integration_id: strawberry.ID, kind: str | None = None) -> list[Mapping]:
        c = ctx_of(info)
        principal = await c.principal()
        principal.require(str(integration_id))
        rows = await mapping_service.list_mappings(c.app, principal, str(integration_id), kind)
        return [Mapping.of(r) for r in rows]

    @strawberry.field(description="Every value a mapping of this kind may point at: Rackbeat groups (customer_group, "
                                  "supplier_group, product_group, service_group), Rackbeat payment terms "
                                  "(payment_term), Tripletex payment types (payment_method).")
    async def mapping_choices(self, info: Info, integration_id: strawberry.ID, kind: str) -> list[MappingChoice]:
        c = ctx_of(info)
        rows = await mapping_service.mapping_choices(c.app, await c.principal(), str(integration_id), kind)
        return [MappingChoice(key=r.key, name=r.name, detail=r.detail) for r in rows]

    @strawberry.field(description="Each webshop payment method with its saved mapping, or a suggested one.")
    async def suggest_mappings(self, info: Info, integration_id: strawberry.ID) -> list[MappingSuggestion]:
        c = ctx_of(info)
        principal = await c.principal()
        principal.require(str(integration_id))
        found = await mapping_service.suggest_mappings(c.app, principal, str(integration_id))
        return [MappingSuggestion(kind=x.kind, source_key=x.source_key, source_name=x.source_name,
                                  target_key=x.target_key, target_name=x.target_name,
                                  options=x.options,  # type: ignore[arg-type]
                                  saved=x.mapped) for x in found]

    @strawberry.field(description="The exact requests a transfer would send to the target, without sending them.")
    async def preview_transfer(
        self, info: Info, integration_id: strawberry.ID, kind: TransferKind,  # type: ignore[valid-type]
        source_ref: str, mode: TransferMode | None = None,  # type: ignore[valid-type]
    ) -> TransferPreview:
        c = ctx_of(info)
        p = await preview_service.preview_transfer(c.app, await c.principal(), str(integration_id), kind,
                                                   source_ref, mode)
        return TransferPreview(outcome=p.outcome, error=p.error, reads=p.reads,
                               requests=[r.as_dict() for r in p.requests])  # type: ignore[arg-type]


@strawberry.type
class ReconciliationLine:
    source_ref: str
    status: str = strawberry.field(description="OK, MISSING (not in the target), DIFFERENT (amount), EXTRA.")
    source_amount: float | None = strawberry.field(description="Excluding VAT.")
    target_ref: str | None
    target_amount: float | None = strawberry.field(description="Excluding VAT.")
    target_kind: str | None = strawberry.field(
        description="What was found in the target: INVOICE, ORDER (Tripletex sales order) or DRAFT (eAccounting "
                    "invoice draft).")
    transfer_id: strawberry.ID | None
    transfer_status: TransferStatus | None  # type: ignore[valid-type]


@strawberry.type
class Reconciliation:
    integration_id: strawberry.ID
    date_from: date
    date_to: date
    mode: TransferMode  # type: ignore[valid-type]
    ok: int
    missing: int
    different: int
    extra: int
    lines: list[ReconciliationLine]
    transferred: list[strawberry.ID] = strawberry.field(description="Transfers queued for what was missing.")

    @classmethod
    def of(cls, r: reconciliation_service.ReconciliationReport) -> Reconciliation:
        return cls(
            integration_id=strawberry.ID(r.integration_id), date_from=r.date_from, date_to=r.date_to, mode=r.mode,
            ok=r.count("OK"), missing=r.count("MISSING"), different=r.count("DIFFERENT"), extra=r.count("EXTRA"),
            lines=[ReconciliationLine(
                source_ref=x.source_ref, status=x.status,
                source_amount=float(x.source_amount) if x.source_amount is not None else None,
                target_ref=x.target_ref,
                target_amount=float(x.target_amount) if x.target_amount is not None else None,
                target_kind=x.target_kind,
                transfer_id=strawberry.ID(x.transfer_id) if x.transfer_id else None,
                transfer_status=models.TransferStatus(x.transfer_status) if x.transfer_status else None,
            ) for x in r.lines],
            transferred=[strawberry.ID(t) for t in r.transferred],
        )


@strawberry.input
class TransferFilter:
    integration_id: strawberry.ID | None = None
    status: list[TransferStatus] | None = None  # type: ignore[valid-type]
    kind: list[TransferKind] | None = None  # type: ignore[valid-type]
    search: str | None = None


@strawberry.type
class Mutation(OnboardingMutation, InitialSyncMutation):
    @strawberry.mutation
    async def start_onboarding(self, info: Info, input: StartOnboardingInput) -> Integration:
        c = ctx_of(info)
        row = await integration_service.start_onboarding(
            c.app, await c.principal(), company_name=input.company_name, contact_person=input.contact_person,
            email=input.email, source=input.source, target=input.target)
        return Integration.of(row, c.app.settings.public_url)

    @strawberry.mutation
    async def save_connection(self, info: Info, input: ConnectionInput) -> Connection:
        c = ctx_of(info)
        row = await connection_service.save_connection(
            c.app, await c.principal(), integration_id=str(input.integration_id), system=input.system,
            base_url=input.base_url, credentials=input.credentials)
        return Connection.of(row)

    @strawberry.mutation(description="Check the credentials, each needed permission, and register webhooks.")
    async def test_connection(self, info: Info, id: strawberry.ID) -> Connection:
        c = ctx_of(info)
        return Connection.of(await connection_service.test_connection(c.app, await c.principal(), str(id)))

    @strawberry.mutation(name="authorizeEAccounting",
                         description="The URL to send the customer to so that they grant bokbro access to their "
                                     "eAccounting company (OAuth2); Visma sends them back to bokbro's callback.")
    async def authorize_eaccounting(self, info: Info, connection_id: strawberry.ID) -> str:
        c = ctx_of(info)
        return await oauth_service.authorize_eaccounting(c.app, await c.principal(), str(connection_id))

    @strawberry.mutation
    async def update_settings(self, info: Info, integration_id: strawberry.ID, input: SettingsInput) -> Settings:
        c = ctx_of(info)
        row = await settings_service.update_settings(
            c.app, await c.principal(), str(integration_id),
            settings_service.SettingsUpdate(invoice_transfer_mode=input.invoice_transfer_mode,
                                            send_invoice_to_customer=input.send_invoice_to_customer,
                                            sync_customers=input.sync_customers, sync_suppliers=input.sync_suppliers,
                                            sync_products=input.sync_products, sync_boms=input.sync_boms,
                                            eaccounting_invoice_status=input.eaccounting_invoice_status,
                                            start_order_flow_from=input.start_order_flow_from,
                                            use_exact_quantity=input.use_exact_quantity,
                                            transfer_purchase_orders=input.transfer_purchase_orders,
                                            customer_number_offset=input.customer_number_offset,
                                            customer_match=input.customer_match,
                                            update_existing_customers=input.update_existing_customers,
                                            invoice_number_source=input.invoice_number_source))
        return Settings.of(row)

    @strawberry.mutation(description="Transfer one source document now. Asking twice never makes two documents.")
    async def transfer_document(
        self, info: Info, integration_id: strawberry.ID, kind: TransferKind,  # type: ignore[valid-type]
        source_ref: str, mode: TransferMode | None = None,  # type: ignore[valid-type]
        send_email: bool | None = None,
    ) -> Transfer:
        c = ctx_of(info)
        principal = await c.principal()
        principal.require(str(integration_id))
        row = await transfer_service.request_transfer(c.app, str(integration_id), kind, source_ref, mode=mode,
                                                      trigger="manual", send_email=send_email)
        return Transfer.of(row)

    @strawberry.mutation(description="Run a transfer again. A document already in the target is not made twice; "
                                     "one that was deleted there is made again.")
    async def resend_transfer(
        self, info: Info, id: strawberry.ID, mode: TransferMode | None = None,  # type: ignore[valid-type]
        send_email: bool | None = None,
    ) -> Transfer:
        c = ctx_of(info)
        row = await transfer_service.resend_transfer(c.app, await c.principal(), str(id), mode, send_email)
        return Transfer.of(row)

    @strawberry.mutation(description="Resend every transfer matching the filter (default: the failed ones), "
                                     "after the cause is fixed. Returns the transfers re-queued.")
    async def resend_transfers(
        self, info: Info, filter: TransferFilter, mode: TransferMode | None = None,  # type: ignore[valid-type]
        send_email: bool | None = None,
    ) -> list[Transfer]:
        c = ctx_of(info)
        rows = await transfer_service.resend_matching(
            c.app, await c.principal(), integration_id=str(filter.integration_id) if filter.integration_id else None,
            statuses=filter.status or [], kinds=filter.kind, search=filter.search, mode=mode, send_email=send_email)
        return [Transfer.of(r) for r in rows]

    @strawberry.mutation(description="Compare the source's booked invoices (Rackbeat) or completed orders (Mystore) "
                                     "of a period (dates inclusive) with the transfer log and the target; with "
                                     "transferMissing, transfer what is missing.")
    async def reconcile(
        self, info: Info, integration_id: strawberry.ID, date_from: date, date_to: date,
        transfer_missing: bool = False,
    ) -> Reconciliation:
        c = ctx_of(info)
        report = await reconciliation_service.reconcile(c.app, await c.principal(), str(integration_id), date_from,
                                                        date_to, transfer_missing=transfer_missing)
        return Reconciliation.of(report)

    @strawberry.mutation(description="Create or replace mappings (one per kind and source key); returns every "
                                     "mapping of the kinds given.")
    async def set_mappings(self, info: Info, integration_id: strawberry.ID,
                           input: list[MappingInput]) -> list[Mapping]:
        c = ctx_of(info)
        principal = await c.principal()
        principal.require(str(integration_id))
        rows = await mapping_service.set_mappings(c.app, principal, str(integration_id), [
            mapping_service.MappingIn(kind=m.kind, source_key=m.source_key, target_key=m.target_key,
                                      options=m.options)
            for m in input])
        return [Mapping.of(r) for r in rows]

    @strawberry.mutation(description="Create an API token (operators only). The secret is shown once.")
    async def create_api_token(self, info: Info, input: ApiTokenInput) -> ApiToken:
        c = ctx_of(info)
        row, secret = await auth_service.create_token(
            c.app, await c.principal(), input.name, input.role, [str(i) for i in input.integration_ids])
        return ApiToken(id=strawberry.ID(row.id), name=row.name, role=models.TokenRole(row.role),
                        integration_ids=[strawberry.ID(i) for i in row.integration_ids], token=secret)


@strawberry.type
class Subscription(InitialSyncSubscription):
    @strawberry.subscription(description="Every change of a transfer's status, as it happens.")
    async def transfer_updated(
        self, info: Info, integration_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Transfer, None]:
        c = ctx_of(info)
        principal = await c.principal()
        if integration_id is not None:
            principal.require(str(integration_id))
        events = c.app.events.listen(transfer_service.TOPIC_TRANSFER)
        try:
            async for event in events:
                if integration_id is not None and event["integrationId"] != str(integration_id):
                    continue
                if not principal.can_access(event["integrationId"]):
                    continue
                try:
                    row = await transfer_service.get_transfer(c.app, principal, event["id"])
                except ServiceError:
                    continue
                # The event says which status it announced; the row may already be further on. Report the
                # announced status so that a subscriber sees every step in order.
                node = Transfer.of(row)
                node.status = models.TransferStatus(event["status"])
                yield node
        finally:
            with contextlib.suppress(Exception):
                await events.aclose()


def _should_mask(error: GraphQLError) -> bool:
    if error.path is None:
        return False  # syntax, validation and input-coercion errors are the caller's, and safe to show
    return not isinstance(error.original_error, ServiceError | GraphQLError)


class BokbroSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Log what went wrong unexpectedly; a refused token or an invalid input is the caller's, not ours."""
        unexpected = [e for e in errors if not isinstance(e.original_error, ServiceError)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def create_schema(max_depth: int = 10, max_aliases: int = 30, max_tokens: int = 2000) -> strawberry.Schema:
    return BokbroSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            SettingsLinkScope,  # a settings link may use only the fields of its integration's settings
            lambda: MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error; it has been logged."),
        ],
    )


schema = create_schema()
