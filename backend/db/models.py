"""SQLModel tables. Enumerations are stored as short strings so that migrations stay plain."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, **kw))


def _opt_ts(**kw: Any) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True, **kw))


class System(str, Enum):
    RACKBEAT = "RACKBEAT"
    MYSTORE = "MYSTORE"
    TRIPLETEX = "TRIPLETEX"
    EACCOUNTING = "EACCOUNTING"


SOURCES = frozenset({System.RACKBEAT, System.MYSTORE})
TARGETS = frozenset({System.TRIPLETEX, System.EACCOUNTING})


class IntegrationStatus(str, Enum):
    ONBOARDING = "ONBOARDING"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


class ConnectionStatus(str, Enum):
    UNTESTED = "UNTESTED"
    OK = "OK"
    FAILED = "FAILED"


class TransferStatus(str, Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    RETRYING = "RETRYING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


ACTIVE_STATUSES = (TransferStatus.QUEUED, TransferStatus.RUNNING, TransferStatus.RETRYING)


class TransferMode(str, Enum):
    INVOICE = "INVOICE"
    ORDER = "ORDER"


class TransferKind(str, Enum):
    INVOICE = "INVOICE"
    ORDER = "ORDER"
    CUSTOMER = "CUSTOMER"
    SUPPLIER = "SUPPLIER"
    PRODUCT = "PRODUCT"
    BOM = "BOM"
    PURCHASE_ORDER = "PURCHASE_ORDER"


DOCUMENT_KINDS = frozenset({TransferKind.INVOICE, TransferKind.ORDER, TransferKind.PURCHASE_ORDER})


class EntitySync(str, Enum):
    """Whether changes of one kind of entity in Rackbeat are carried to the target."""

    RACKBEAT_TO_TARGET = "RACKBEAT_TO_TARGET"
    OFF = "OFF"


class EAccountingInvoiceStatus(str, Enum):
    """What a transferred invoice becomes in eAccounting."""

    DRAFT = "DRAFT"  # an invoice draft, to be checked and sent from eAccounting
    INVOICED = "INVOICED"  # a booked invoice
    INVOICED_AND_EMAIL = "INVOICED_AND_EMAIL"  # a booked invoice, e-mailed to the customer by eAccounting


class OrderFlowStart(str, Enum):
    """Where invoices to the accounting system come from ("Start order flow from")."""

    RACKBEAT = "RACKBEAT"  # invoices booked in Rackbeat are transferred
    DONT_TRANSFER = "DONT_TRANSFER"  # invoices are not transferred


class CustomerMatch(str, Enum):
    """How a webshop order's customer is found in the accounting system."""

    CUSTOMER_NUMBER = "CUSTOMER_NUMBER"  # the webshop's customer number plus the offset
    ORGANIZATION_NUMBER = "ORGANIZATION_NUMBER"  # a business by its organisation number, else by customer number


class InvoiceNumberSource(str, Enum):
    """Who numbers the invoices a transfer makes."""

    TARGET = "TARGET"  # the accounting system's own series (recommended)
    SOURCE = "SOURCE"  # the source document's number (the series must not collide)


class TokenRole(str, Enum):
    OPERATOR = "OPERATOR"
    PARTNER = "PARTNER"


class Integration(SQLModel, table=True):
    __tablename__ = "integration"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    company_name: str = Field(max_length=200)
    contact_person: str = Field(max_length=200)
    email: str = Field(max_length=320)
    source: str = Field(max_length=20)
    target: str = Field(max_length=20)
    status: str = Field(default=IntegrationStatus.ONBOARDING.value, max_length=20)
    created_at: datetime = _ts()
    updated_at: datetime = _ts(onupdate=utcnow)


class Connection(SQLModel, table=True):
    __tablename__ = "connection"
    __table_args__ = (UniqueConstraint("integration_id", "system", name="uq_connection_integration_system"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    integration_id: str = Field(foreign_key="integration.id", index=True, max_length=32, ondelete="CASCADE")
    system: str = Field(max_length=20)
    base_url: str | None = Field(default=None, max_length=500)
    # Fernet token of the JSON credentials; never exposed, never logged.
    credentials_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    # Secret the source sends back on webhooks (Rackbeat's webhook token), encrypted as well.
    webhook_secret_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default=ConnectionStatus.UNTESTED.value, max_length=20)
    checks: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    last_tested_at: datetime | None = _opt_ts()
    created_at: datetime = _ts()
    updated_at: datetime = _ts(onupdate=utcnow)


class IntegrationSettings(SQLModel, table=True):
    __tablename__ = "integration_settings"

    integration_id: str = Field(foreign_key="integration.id", primary_key=True, max_length=32, ondelete="CASCADE")
    invoice_transfer_mode: str = Field(default=TransferMode.INVOICE.value, max_length=20)
    # Whether a booked invoice is sent to the customer by the target (Tripletex sendToCustomer).
    send_invoice_to_customer: bool = Field(default=False)
    # Real-time entity sync from the source, each switchable.
    sync_customers: str = Field(default=EntitySync.RACKBEAT_TO_TARGET.value, max_length=20)
    sync_suppliers: str = Field(default=EntitySync.RACKBEAT_TO_TARGET.value, max_length=20)
    sync_products: str = Field(default=EntitySync.RACKBEAT_TO_TARGET.value, max_length=20)
    sync_boms: str = Field(default=EntitySync.RACKBEAT_TO_TARGET.value, max_length=20)
    # eAccounting targets.
    eaccounting_invoice_status: str = Field(default=EAccountingInvoiceStatus.INVOICED.value, max_length=30)
    start_order_flow_from: str = Field(default=OrderFlowStart.RACKBEAT.value, max_length=20)
    # eAccounting rows take 2 decimals: True keeps the line total exact (quantity 1 × the line's amount, the real
    # quantity in the row text); False rounds the quantity to 2 decimals. Either way the transfer log says so.
    use_exact_quantity: bool = Field(default=True)
    # Purchase orders to the accounting system, to be matched against supplier invoices there.
    transfer_purchase_orders: bool = Field(default=False)
    # Webshop (Mystore) customers: number = offset + the webshop's number; or matched by organisation number;
    # an existing customer is brought up to date from the order unless the setting says not to.
    customer_number_offset: int = Field(default=100_000)
    customer_match: str = Field(default=CustomerMatch.CUSTOMER_NUMBER.value, max_length=30)
    update_existing_customers: bool = Field(default=True)
    # Who numbers invoices: the accounting system (default) or the source document's number.
    invoice_number_source: str = Field(default=InvoiceNumberSource.TARGET.value, max_length=20)
    updated_at: datetime = _ts(onupdate=utcnow)


class Mapping(SQLModel, table=True):
    __tablename__ = "mapping"
    __table_args__ = (UniqueConstraint("integration_id", "kind", "source_key", name="uq_mapping"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    integration_id: str = Field(foreign_key="integration.id", index=True, max_length=32, ondelete="CASCADE")
    kind: str = Field(max_length=40)
    source_key: str = Field(max_length=200)
    target_key: str = Field(max_length=200)
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Transfer(SQLModel, table=True):
    """One document or entity to carry from source to target: the transfer log's row."""

    __tablename__ = "transfer"
    __table_args__ = (
        UniqueConstraint("integration_id", "idempotency_key", name="uq_transfer_idempotency"),
        Index("ix_transfer_integration_created", "integration_id", "created_at", "id"),
        Index("ix_transfer_status_lease", "status", "lease_until"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    integration_id: str = Field(foreign_key="integration.id", max_length=32, ondelete="CASCADE")
    kind: str = Field(max_length=20)
    source_system: str = Field(max_length=20)
    target_system: str = Field(max_length=20)
    source_ref: str = Field(max_length=200)
    idempotency_key: str = Field(max_length=250)
    mode: str | None = Field(default=None, max_length=20)
    status: str = Field(default=TransferStatus.QUEUED.value, max_length=20, index=True)
    trigger: str = Field(default="manual", max_length=20)  # webhook | manual | resend | sweeper
    attempts: int = Field(default=0)
    target_ref: str | None = Field(default=None, max_length=200)
    target_url: str | None = Field(default=None, max_length=500)
    error_code: str | None = Field(default=None, max_length=100)
    error_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error_explanation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error_explanation_no: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    send_email: bool | None = Field(default=None)
    # lease: a worker owns a RUNNING transfer until lease_until; the sweeper takes over stale ones.
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _opt_ts()
    next_attempt_at: datetime | None = _opt_ts()
    job_seq: int = Field(default=0)  # increases each time a job is enqueued; part of the arq job id
    # A newer version arrived while this transfer was running: run it once more when this run ends.
    rerun_requested: bool = Field(default=False)
    # What a bookkeeper should know about how the document was carried over (rounding, expansions, ...).
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts(onupdate=utcnow)
    started_at: datetime | None = _opt_ts()
    finished_at: datetime | None = _opt_ts()


class TransferAttempt(SQLModel, table=True):
    __tablename__ = "transfer_attempt"
    __table_args__ = (UniqueConstraint("transfer_id", "number", name="uq_attempt_number"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    transfer_id: str = Field(foreign_key="transfer.id", index=True, max_length=32, ondelete="CASCADE")
    number: int
    worker: str | None = Field(default=None, max_length=100)
    status: str = Field(default=TransferStatus.RUNNING.value, max_length=20)
    error_code: str | None = Field(default=None, max_length=100)
    error_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # redacted HTTP exchanges of this attempt (list of Exchange.as_dict())
    exchanges: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_at: datetime = _ts()
    finished_at: datetime | None = _opt_ts()


class ExternalId(SQLModel, table=True):
    """Which target object a source object became: lets updates update and resends not duplicate."""

    __tablename__ = "external_id"
    __table_args__ = (UniqueConstraint("integration_id", "entity", "source_key", name="uq_external_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    integration_id: str = Field(foreign_key="integration.id", index=True, max_length=32, ondelete="CASCADE")
    entity: str = Field(max_length=40)  # customer | product | order | invoice | ...
    source_key: str = Field(max_length=200)
    target_id: str = Field(max_length=200)
    created_at: datetime = _ts()
    updated_at: datetime = _ts(onupdate=utcnow)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    token_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=20)
    integration_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    revoked_at: datetime | None = _opt_ts()


class WebhookReceipt(SQLModel, table=True):
    """Every webhook that reached us, accepted or not (the audit trail of what the source said)."""

    __tablename__ = "webhook_receipt"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    integration_id: str | None = Field(default=None, max_length=32, index=True)
    system: str = Field(max_length=20)
    event: str | None = Field(default=None, max_length=100)
    source_ref: str | None = Field(default=None, max_length=200)
    accepted: bool = Field(default=False)
    reason: str | None = Field(default=None, max_length=500)
    transfer_id: str | None = Field(default=None, max_length=32)
    received_at: datetime = _ts()


class InitialSyncStatus(str, Enum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"  # every record written or linked
    COMPLETED_WITH_FAILURES = "COMPLETED_WITH_FAILURES"  # done; some records failed (listed, retryable)


class InitialSyncRecordStatus(str, Enum):
    PENDING = "PENDING"  # about to be written (an attempt may have died after Rackbeat's commit)
    CREATED = "CREATED"
    LINKED = "LINKED"  # it was in Rackbeat already (same number / name): linked, not overwritten
    SKIPPED = "SKIPPED"  # not written, for the reason given (no number, ...)
    FAILED = "FAILED"  # Rackbeat refused it; retryable once the cause is fixed


class InitialSync(SQLModel, table=True):
    """The once-only initial sync of an integration. The primary key is the integration: a second start cannot
    insert a second row, whatever the UI or a script does."""

    __tablename__ = "initial_sync"

    integration_id: str = Field(foreign_key="integration.id", primary_key=True, max_length=32, ondelete="CASCADE")
    status: str = Field(default=InitialSyncStatus.RUNNING.value, max_length=30)
    direction: str = Field(max_length=40)  # e.g. TRIPLETEX→RACKBEAT
    entities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_by: str = Field(max_length=200)
    # a worker owns the run until lease_until; the sweeper hands a stale run to another worker (it resumes)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _opt_ts()
    job_seq: int = Field(default=0)
    runs: int = Field(default=0)  # how many times a worker started (or resumed) it
    current_entity: str | None = Field(default=None, max_length=40)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    started_at: datetime = _ts()
    updated_at: datetime = _ts(onupdate=utcnow)
    finished_at: datetime | None = _opt_ts()


class InitialSyncEntity(SQLModel, table=True):
    """Progress of one entity of an initial sync."""

    __tablename__ = "initial_sync_entity"

    integration_id: str = Field(foreign_key="initial_sync.integration_id", primary_key=True, max_length=32,
                                ondelete="CASCADE")
    entity: str = Field(primary_key=True, max_length=40)
    position: int = Field(default=0)  # dependency order
    total: int = Field(default=0)  # from the preview at start; raised if the source grew meanwhile
    created: int = Field(default=0)
    linked: int = Field(default=0)
    skipped: int = Field(default=0)
    failed: int = Field(default=0)
    finished: bool = Field(default=False)
    updated_at: datetime = _ts(onupdate=utcnow)


class InitialSyncRecord(SQLModel, table=True):
    """One source record of an initial sync and what became of it: the checkpoint that makes a resumed sync
    write nothing twice, and the list of failures to retry."""

    __tablename__ = "initial_sync_record"
    __table_args__ = (
        UniqueConstraint("integration_id", "entity", "source_key", name="uq_initial_sync_record"),
        Index("ix_initial_sync_record_status", "integration_id", "status"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    integration_id: str = Field(foreign_key="initial_sync.integration_id", max_length=32, ondelete="CASCADE")
    entity: str = Field(max_length=40)
    source_key: str = Field(max_length=200)
    target_key: str | None = Field(default=None, max_length=200)
    status: str = Field(default=InitialSyncRecordStatus.PENDING.value, max_length=20)
    error_code: str | None = Field(default=None, max_length=100)
    error_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attempts: int = Field(default=0)
    updated_at: datetime = _ts(onupdate=utcnow)


class EmailStatus(str, Enum):
    PENDING = "PENDING"  # committed, not tried yet (sent right after the commit)
    SENDING = "SENDING"  # handed to the SMTP server just now
    CAPTURED = "CAPTURED"  # no SMTP configured: kept here only, for the operator to read
    SENT = "SENT"
    FAILED = "FAILED"  # the SMTP server was not reached or refused it (error says why); can be resent


class EmailOutbox(SQLModel, table=True):
    """Every e-mail bokbro sends (or, without SMTP, captures). Never holds SMTP credentials."""

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_integration_created", "integration_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    integration_id: str | None = Field(default=None, foreign_key="integration.id", max_length=32, ondelete="CASCADE")
    purpose: str = Field(max_length=40)  # settings_link | ...
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default=EmailStatus.PENDING.value, max_length=20)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = Field(default=0)
    created_by: str = Field(default="", max_length=250)
    created_at: datetime = _ts()
    updated_at: datetime = _ts(onupdate=utcnow)
    sent_at: datetime | None = _opt_ts()


class SettingsLinkState(SQLModel, table=True):
    """Per integration: the version every settings link carries. Raising it revokes every link made before."""

    __tablename__ = "settings_link_state"

    integration_id: str = Field(foreign_key="integration.id", primary_key=True, max_length=32, ondelete="CASCADE")
    version: int = Field(default=1)
    finished_at: datetime | None = _opt_ts()  # when onboarding was finished (the first link was sent)
    finished_by: str | None = Field(default=None, max_length=250)
    updated_at: datetime = _ts(onupdate=utcnow)


class SettingChange(SQLModel, table=True):
    """Audit: who changed which setting or mapping of an integration, when, from what to what."""

    __tablename__ = "setting_change"
    __table_args__ = (Index("ix_setting_change_integration_at", "integration_id", "changed_at", "id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    integration_id: str = Field(foreign_key="integration.id", max_length=32, ondelete="CASCADE")
    actor_kind: str = Field(max_length=20)  # TOKEN | SETTINGS_LINK | SYSTEM
    actor_id: str = Field(max_length=64)  # the API token's id, or "link:<nonce>"
    actor_name: str = Field(max_length=200)  # the API token's name, or "settings link"
    field: str = Field(max_length=300)  # a settings column, or mapping.<kind>.<source key>
    old_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    new_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    changed_at: datetime = _ts()
