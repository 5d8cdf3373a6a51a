"""The once-only initial sync ("oppstartssynkronisering"): the accounting system's master data into Rackbeat.

- **Once**: ``initial_sync`` has the integration as its primary key, so a second start fails on the database's
  unique key, whatever the UI or a script does.
- **Preview = run**: the preview streams the same records through the same rules (``backend/flows/initial_sync``)
  and counts what the run will create, link or skip; nothing is written.
- **Nothing twice, even after a crash**: every record gets a row in ``initial_sync_record`` (PENDING) before it is
  written to Rackbeat and its outcome in the same transaction as the progress counters. Rackbeat records carry
  the accounting system's number (small entities: their name / e-mail), so a record an interrupted attempt did
  write is found again, not written again. A worker owns the run through a lease; when it dies, the sweeper hands
  the run to another worker, which resumes: records already done are skipped without a request.
- **Flat memory**: the source is streamed page by page and handled in chunks; only small lookups (payment terms,
  groups, units) are held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from backend.connectors.base import ConnectorError, RetryableError, ValidationError
from backend.connectors.eaccounting import EAccountingClient
from backend.connectors.rackbeat import RackbeatClient
from backend.connectors.tripletex import RESULT_SET_TOO_LARGE, TripletexClient
from backend.db.models import (
    Connection,
    InitialSync,
    InitialSyncEntity,
    InitialSyncRecord,
    InitialSyncRecordStatus,
    InitialSyncStatus,
    Integration,
    Mapping,
    System,
    utcnow,
)
from backend.flows import initial_sync as rules
from backend.flows.initial_sync import Planned
from backend.services.auth import Principal
from backend.services.connector_factory import eaccounting_client, rackbeat_client, tripletex_client
from backend.services.context import AppContext
from backend.services.errors import Conflict, ExternalSystemError, InvalidInput, NotFound
from backend.services.pipes import remember_external_id

log = logging.getLogger(__name__)

TOPIC_PROGRESS = "initial_sync"
CHUNK = 50  # records written between two checkpoints
WRITERS = 4  # requests in flight at once (the Redis-backed limiter keeps Rackbeat's 480/min across workers)
RETRIES = 5  # a record's retryable failures (429, 5xx, timeouts) are retried this often, then it is FAILED
SAMPLE = 3  # records shown as they would be written, per entity, in the preview
MAX_CONFLICTS = 500  # conflicts listed in a preview (all are counted)

# records a (resumed) run passes over without a request; FAILED ones are written again when an entity is run again
DONE = (InitialSyncRecordStatus.CREATED.value, InitialSyncRecordStatus.LINKED.value,
        InitialSyncRecordStatus.SKIPPED.value)
# which external-id entity a synced record is remembered as (real-time transfers then update, not duplicate)
EXTERNAL_ENTITY = {"customers": "customer", "suppliers": "supplier", "products": "product"}
NUMBERED = frozenset(EXTERNAL_ENTITY)  # written with the accounting system's number as Rackbeat's number


# -- what the source side looks like ----------------------------------------------------------------------------


@dataclass
class Lookups:
    """What the rules need besides the record: group mappings, and what earlier entities became in Rackbeat."""

    groups: dict[str, int] = field(default_factory=dict)
    terms: dict[str, int] = field(default_factory=dict)
    label_groups: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)

    @property
    def default_term(self) -> int:
        return self.terms.get("14 DAYS") or next(iter(self.terms.values()), 0)


@dataclass
class Side:
    integration: Integration
    source: System  # the accounting system the data comes from
    accounting: TripletexClient | EAccountingClient
    rackbeat: RackbeatClient

    @property
    def entities(self) -> tuple[str, ...]:
        return rules.TRIPLETEX_ENTITIES if self.source is System.TRIPLETEX else rules.EACCOUNTING_ENTITIES

    @property
    def direction(self) -> str:
        return f"{self.source.value}→{System.RACKBEAT.value}"

    async def stream(self, entity: str, look: Lookups) -> AsyncIterator[Planned]:
        """Each source record of ``entity`` as it would be written, in the source's order."""
        if isinstance(self.accounting, TripletexClient):
            async for planned in _tripletex_stream(self.accounting, entity, look):
                yield planned
        else:
            async for planned in _eaccounting_stream(self.accounting, entity, look):
                yield planned


async def _tripletex_stream(tx: TripletexClient, entity: str, look: Lookups) -> AsyncIterator[Planned]:
    if entity == "payment_terms":
        seen: set[str] = set()  # distinct due terms of customers and suppliers: a handful
        for records in (tx.iter_customers(), tx.iter_suppliers()):
            async for record in records:
                key = rules.tripletex_term_key(record)
                if key and key not in seen:
                    seen.add(key)
                    yield Planned(key=key, payload=rules.term_payload(key, None, None))
    elif entity == "employees":
        async for record in tx.iter_employees():
            yield rules.tripletex_employee(record)
    elif entity in ("customers", "suppliers"):
        number_field = "customerNumber" if entity == "customers" else "supplierNumber"
        group = look.groups.get(rules.NEEDS_GROUP[entity], 0)
        records = tx.iter_customers() if entity == "customers" else tx.iter_suppliers()
        async for record in records:
            yield rules.tripletex_contact(record, number_field, group=group, terms=look.terms,
                                          default_term=look.default_term)
    elif entity == "products":
        async for record in tx.iter_products():
            yield rules.tripletex_product(record, stock_group=look.groups.get("product_group", 0),
                                          service_group=look.groups.get("service_group", 0))


async def _eaccounting_stream(ea: EAccountingClient, entity: str, look: Lookups) -> AsyncIterator[Planned]:
    if entity == "product_groups":
        for record in await ea.list_article_labels():
            yield rules.eaccounting_label(record)
    elif entity == "units":
        for record in await ea.list_units():
            yield rules.eaccounting_unit(record)
    elif entity == "payment_terms":
        for record in await ea.list_terms_of_payment():
            if record.get("AvailableForSales") is False:
                continue
            days = record.get("NumberOfDays")
            yield Planned(key=str(record.get("Id")),
                          payload=rules.term_payload(str(record.get("Id")), str(record.get("Name") or "") or None,
                                                     int(days) if days is not None else 0))
    elif entity == "customers":
        async for record in ea.iter_customers():
            yield rules.eaccounting_customer(record, group=look.groups.get("customer_group", 0), terms=look.terms,
                                             default_term=look.default_term)
    elif entity == "products":
        async for record in ea.iter_articles():
            yield rules.eaccounting_article(record, stock_group=look.groups.get("product_group", 0),
                                            service_group=look.groups.get("service_group", 0),
                                            label_groups=look.label_groups, units=look.units)


async def source_terms(ctx: AppContext, integration_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The accounting system's payment terms (key, name, as a Rackbeat payment term), for mapping suggestions."""
    side = await _side(ctx, None, integration_id)
    try:
        return [(p.key, str(p.payload["name"]), p.payload) async for p in side.stream("payment_terms", Lookups())
                if p.payload is not None]
    except ConnectorError as exc:
        raise ExternalSystemError(_unreadable(exc)) from exc


# -- the Rackbeat side: what is there, and writing one record -----------------------------------------------------


class Existing:
    """Rackbeat's records of an entity, for finding one again: numbered entities are asked by number, small ones
    are listed once (payment terms, employees, groups, units: a few dozen at most)."""

    def __init__(self, rackbeat: RackbeatClient, entity: str) -> None:
        self.rackbeat = rackbeat
        self.entity = entity
        self._small: list[dict[str, Any]] | None = None

    async def small(self) -> list[dict[str, Any]]:
        if self._small is None:
            lister: dict[str, Callable[[], Awaitable[list[dict[str, Any]]]]] = {
                "payment_terms": self.rackbeat.list_payment_terms, "employees": self.rackbeat.list_employees,
                "product_groups": self.rackbeat.list_product_groups, "units": self.rackbeat.list_units,
            }
            self._small = await lister[self.entity]()
        return self._small

    async def find(self, planned: Planned) -> dict[str, Any] | None:
        assert planned.payload is not None
        if self.entity == "customers":
            return await self.rackbeat.get_customer(int(planned.key))
        if self.entity == "suppliers":
            return await self.rackbeat.get_supplier(int(planned.key))
        if self.entity == "products":
            return await self.rackbeat.get_item(planned.key)
        records = await self.small()
        if self.entity == "payment_terms":
            return rules.matching_term(planned.payload, records)
        if self.entity == "employees":
            wanted = planned.key.lower()
            return next((r for r in records if str(r.get("contact_email") or "").lower() == wanted), None)
        name = str(planned.payload["name"]).strip().lower()
        return next((r for r in records if str(r.get("name") or "").strip().lower() == name), None)

    async def create(self, planned: Planned) -> dict[str, Any]:
        assert planned.payload is not None
        creators: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
            "customers": self.rackbeat.create_customer, "suppliers": self.rackbeat.create_supplier,
            "products": self.rackbeat.create_product, "payment_terms": self.rackbeat.create_payment_term,
            "employees": self.rackbeat.create_employee, "product_groups": self.rackbeat.create_product_group,
            "units": self.rackbeat.create_unit,
        }
        made = await creators[self.entity](planned.payload)
        if self._small is not None:
            self._small.append(made)
        return made


@dataclass
class Outcome:
    status: InitialSyncRecordStatus
    target_key: str | None = None
    error_code: str | None = None
    error_message: str | None = None


async def _write(existing: Existing, planned: Planned, *, was_pending: bool) -> Outcome:
    """Make sure the record is in Rackbeat: found → linked (or, if an earlier attempt of ours was writing it,
    created); else created. A numbered record is created straight away: Rackbeat refusing its number means it is
    there, and it is then looked up (one request in the common case, never a second record)."""
    if planned.payload is None:
        return Outcome(InitialSyncRecordStatus.SKIPPED, error_code=planned.skip, error_message=planned.skip_message)
    found_status = InitialSyncRecordStatus.CREATED if was_pending else InitialSyncRecordStatus.LINKED
    for attempt in range(RETRIES + 1):
        try:
            if existing.entity not in NUMBERED:
                found = await existing.find(planned)
                if found is not None:
                    return Outcome(found_status, target_key=str(found.get("number")))
            try:
                made = await existing.create(planned)
            except ValidationError as exc:
                if existing.entity in NUMBERED and exc.field == "number":
                    found = await existing.find(planned)
                    if found is not None:
                        return Outcome(found_status, target_key=str(found.get("number")))
                raise
            return Outcome(InitialSyncRecordStatus.CREATED, target_key=str(made.get("number")))
        except RetryableError as exc:
            if attempt == RETRIES:
                return Outcome(InitialSyncRecordStatus.FAILED, error_code="UNAVAILABLE",
                               error_message=f"Rackbeat did not answer after {RETRIES + 1} tries: {exc}")
            await asyncio.sleep(min(exc.retry_after or 2 ** attempt, 60))
        except ConnectorError as exc:
            return Outcome(InitialSyncRecordStatus.FAILED, error_code=exc.code or f"HTTP_{exc.status or 'ERROR'}",
                           error_message=_refusal(exc))
    raise AssertionError("unreachable")


def _refusal(exc: ConnectorError) -> str:
    if exc.details:
        return "Rackbeat refused it: " + "; ".join(f"{d.get('field')}: {d.get('message')}" for d in exc.details)
    return f"Rackbeat refused it: {exc.message}"


# -- loading an integration ---------------------------------------------------------------------------------------


async def _side(ctx: AppContext, principal: Principal | None, integration_id: str) -> Side:
    if principal is not None:
        principal.require(integration_id)
    async with ctx.db.session() as s:
        integration = await s.get(Integration, integration_id)
        connections = {c.system: c for c in (await s.exec(select(Connection).where(
            Connection.integration_id == integration_id))).all()}
    if integration is None:
        raise NotFound(f"integration {integration_id} not found")
    if integration.source != System.RACKBEAT.value or integration.target not in (System.TRIPLETEX.value,
                                                                                 System.EACCOUNTING.value):
        raise InvalidInput("the initial sync fills Rackbeat from Tripletex or eAccounting; this integration is "
                           f"{integration.source} → {integration.target}", field="integrationId")
    source = System(integration.target)
    for system in (System.RACKBEAT, source):
        if system.value not in connections:
            raise InvalidInput(f"connect {system.value.capitalize()} first (saveConnection)", field="integrationId")
    rb = rackbeat_client(ctx, connections[System.RACKBEAT.value], None)
    accounting: TripletexClient | EAccountingClient
    if source is System.TRIPLETEX:
        accounting = tripletex_client(ctx, connections[source.value], None)
    else:
        accounting = eaccounting_client(ctx, connections[source.value], None)
    return Side(integration, source, accounting, rb)


async def _group_mappings(ctx: AppContext, integration_id: str) -> dict[str, int]:
    async with ctx.db.session() as s:
        rows = (await s.exec(select(Mapping).where(Mapping.integration_id == integration_id,
                                                   col(Mapping.kind).in_(rules.GROUP_KINDS)))).all()
    return {r.kind: int(r.target_key) for r in rows if r.target_key.isdigit()}


def _missing_groups(entities: Sequence[str], groups: dict[str, int]) -> list[str]:
    needed: list[str] = []
    for entity in entities:
        kind = rules.NEEDS_GROUP.get(entity)
        if kind:
            needed.append(kind)
        if entity == "products":
            needed.append("service_group")
    return [k for k in dict.fromkeys(needed) if k not in groups]


def _chosen(side: Side, entities: Sequence[str] | None) -> list[str]:
    if entities is None:
        return list(side.entities)
    unknown = sorted(set(entities) - set(side.entities))
    if unknown:
        raise InvalidInput(f"unknown entities for {side.direction}: {', '.join(unknown)} "
                           f"(known: {', '.join(side.entities)})", field="entities")
    return [e for e in side.entities if e in set(entities)]  # always in dependency order


# -- preview -----------------------------------------------------------------------------------------------------


@dataclass
class EntityPlan:
    entity: str
    total: int = 0
    create: int = 0
    link: int = 0
    skip: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PlanConflict:
    entity: str
    source_key: str
    code: str
    message: str
    action: str


@dataclass
class Preview:
    integration_id: str
    direction: str
    entities: list[EntityPlan]
    conflicts: list[PlanConflict]
    conflict_count: int
    blocking: list[str]
    already_started: bool
    not_supported: list[str]

    @property
    def ready(self) -> bool:
        return not self.blocking and not self.already_started


def _preview_lookups(look: Lookups, entity: str, planned: Planned, number: int) -> None:
    """In a dry run nothing is created: later entities refer to placeholders (negative numbers)."""
    if entity == "payment_terms":
        look.terms.setdefault(planned.key, number)
    elif entity == "product_groups":
        look.label_groups.setdefault(planned.key, number)
    elif entity == "units":
        look.units.setdefault(planned.key, number)


async def preview(ctx: AppContext, principal: Principal, integration_id: str,
                  entities: Sequence[str] | None = None) -> Preview:
    side = await _side(ctx, principal, integration_id)
    try:
        return await _preview(ctx, side, integration_id, entities)
    except ConnectorError as exc:
        raise ExternalSystemError(_unreadable(exc)) from exc


def _unreadable(exc: ConnectorError) -> str:
    if exc.system == "tripletex" and exc.code == RESULT_SET_TOO_LARGE:
        return ("Tripletex answers at most 10,000 records to one search, and its API has no filter that splits this "
                "list into smaller searches (products are read in price ranges; customers and suppliers cannot be "
                "split). Leave this entity out of the initial sync, or make inactive in Tripletex what need not be "
                f"carried over. ({exc})")
    return f"{exc.system.capitalize()} could not be read: {exc}"


async def _preview(ctx: AppContext, side: Side, integration_id: str, entities: Sequence[str] | None) -> Preview:
    chosen = _chosen(side, entities)
    groups = await _group_mappings(ctx, integration_id)
    missing = _missing_groups(chosen, groups)
    blocking = [f"map the Rackbeat {kind.replace('_', ' ')} first (setMappings, kind {kind})" for kind in missing]
    look = Lookups(groups={**{k: -1 for k in missing}, **groups})
    async with ctx.db.session() as s:
        already = await s.get(InitialSync, integration_id) is not None
    plans: list[EntityPlan] = []
    conflicts: list[PlanConflict] = []
    count = 0
    placeholder = -1
    for entity in chosen:
        plan = EntityPlan(entity)
        plans.append(plan)
        existing = Existing(side.rackbeat, entity)
        taken = await _rackbeat_numbers(side.rackbeat, entity) if entity in NUMBERED else None
        seen: set[str] = set()
        async for planned in side.stream(entity, look):
            if planned.key in seen:
                continue
            seen.add(planned.key)
            plan.total += 1
            issue: PlanConflict | None = None
            if planned.payload is None:
                plan.skip += 1
                issue = PlanConflict(entity, planned.key, planned.skip or "SKIPPED", planned.skip_message or "",
                                     "not written")
            else:
                found = (planned.key in taken) if taken is not None else (await existing.find(planned) is not None)
                if found:
                    plan.link += 1
                    issue = PlanConflict(entity, planned.key, "ALREADY_IN_RACKBEAT",
                                         f"{planned.key} is already in Rackbeat",
                                         "linked to the Rackbeat record, which is kept as it is (not overwritten)")
                else:
                    plan.create += 1
                    if len(plan.sample) < SAMPLE:
                        plan.sample.append(dict(planned.payload))
                    _preview_lookups(look, entity, planned, placeholder)
                    placeholder -= 1
                for note in planned.notes:
                    count += 1
                    if len(conflicts) < MAX_CONFLICTS:
                        conflicts.append(PlanConflict(entity, planned.key, "INVALID_VALUE", note, "written without it"))
            if issue is not None:
                count += 1
                if len(conflicts) < MAX_CONFLICTS:
                    conflicts.append(issue)
    not_supported = list(rules.NOT_SUPPORTED.values()) if side.source is System.TRIPLETEX else []
    return Preview(integration_id, side.direction, plans, conflicts, count, blocking, already, not_supported)


async def _rackbeat_numbers(rackbeat: RackbeatClient, entity: str) -> set[str]:
    """The numbers Rackbeat already has (only numbers are kept, for the dry run's "already there" check)."""
    lister = {"customers": rackbeat.iter_customers, "suppliers": rackbeat.iter_suppliers,
              "products": rackbeat.iter_products}[entity]
    numbers = {str(r.get("number")) async for r in lister(page_size=1000)}
    if entity == "products":
        numbers |= {str(r.get("number")) async for r in rackbeat.iter_lots(page_size=1000)}
    return numbers


# -- start -------------------------------------------------------------------------------------------------------


async def start(ctx: AppContext, principal: Principal, integration_id: str,
                entities: Sequence[str] | None = None) -> InitialSync:
    """Start the sync once. Its plan (the preview's counts) is the progress bars' 100 %."""
    plan = await preview(ctx, principal, integration_id, entities)
    if plan.already_started:
        raise Conflict("the initial sync of this integration has already been started; it runs only once "
                       "(failed records can be retried with retryInitialSyncFailures)")
    if plan.blocking:
        raise InvalidInput("the initial sync cannot start yet: " + "; ".join(plan.blocking), field="integrationId")
    row = InitialSync(integration_id=integration_id, direction=plan.direction,
                      entities=[p.entity for p in plan.entities], started_by=principal.name, job_seq=1)
    async with ctx.db.session() as s:
        s.add(row)
        for position, p in enumerate(plan.entities):
            s.add(InitialSyncEntity(integration_id=integration_id, entity=p.entity, position=position,
                                    total=p.total))
        try:
            await s.commit()
        except IntegrityError as exc:  # two starts at the same moment: the database lets one through
            raise Conflict("the initial sync of this integration has already been started; it runs only "
                           "once") from exc
    await ctx.queue.enqueue_initial_sync(integration_id, row.job_seq)
    await _announce(ctx, integration_id)
    return row


# -- run (the worker's job) -------------------------------------------------------------------------------------


class LeaseLost(Exception):
    """Another worker took the run over (this one was presumed dead): stop without writing anything more."""


async def _claim(ctx: AppContext, integration_id: str) -> bool:
    now = utcnow()
    lease = now + timedelta(seconds=ctx.settings.transfer_lease_seconds)
    async with ctx.db.session() as s:
        row = await s.get(InitialSync, integration_id)
        if row is None or row.status != InitialSyncStatus.RUNNING.value:
            return False
        result = await s.execute(
            update(InitialSync).where(
                col(InitialSync.integration_id) == integration_id,
                col(InitialSync.status) == InitialSyncStatus.RUNNING.value,
                (col(InitialSync.lease_until).is_(None)) | (col(InitialSync.lease_until) < now)
                | (col(InitialSync.lease_owner) == ctx.worker_id))
            .values(lease_owner=ctx.worker_id, lease_until=lease, runs=InitialSync.runs + 1)
            .execution_options(synchronize_session=False))
        await s.commit()
    return int(getattr(result, "rowcount", 0)) == 1


async def _renew(s: Any, ctx: AppContext, integration_id: str, **values: Any) -> None:
    lease = utcnow() + timedelta(seconds=ctx.settings.transfer_lease_seconds)
    result = await s.execute(
        update(InitialSync).where(col(InitialSync.integration_id) == integration_id,
                                  col(InitialSync.lease_owner) == ctx.worker_id)
        .values(**{"lease_until": lease, **values}).execution_options(synchronize_session=False))
    if int(getattr(result, "rowcount", 0)) != 1:
        raise LeaseLost(integration_id)


async def _heartbeat(ctx: AppContext, integration_id: str) -> None:
    """Keep the lease while a chunk's writes wait (Rackbeat's budget, retries after a 429): a slow chunk must not
    look like a dead worker."""
    while True:
        await asyncio.sleep(max(ctx.settings.transfer_lease_seconds / 3, 0.5))
        async with ctx.db.session() as s:
            await _renew(s, ctx, integration_id)
            await s.commit()


async def _lookups(ctx: AppContext, integration_id: str) -> Lookups:
    """Group mappings, and what the small entities became (from the records of this sync and the mappings)."""
    look = Lookups(groups=await _group_mappings(ctx, integration_id))
    async with ctx.db.session() as s:
        rows = (await s.exec(select(InitialSyncRecord).where(
            InitialSyncRecord.integration_id == integration_id,
            col(InitialSyncRecord.entity).in_(("payment_terms", "product_groups", "units")),
            col(InitialSyncRecord.target_key).is_not(None)))).all()
        saved_terms = (await s.exec(select(Mapping).where(Mapping.integration_id == integration_id,
                                                          Mapping.kind == "payment_term"))).all()
    for m in saved_terms:
        if m.target_key.isdigit():
            look.terms[m.source_key] = int(m.target_key)
    target = {"payment_terms": look.terms, "product_groups": look.label_groups, "units": look.units}
    for r in rows:
        if r.target_key and r.target_key.isdigit():
            target[r.entity].setdefault(r.source_key, int(r.target_key))
    return look


async def run(ctx: AppContext, integration_id: str) -> str | None:
    """Run (or resume) the sync; returns its final status, or None when another worker owns it."""
    if not await _claim(ctx, integration_id):
        return None
    try:
        side = await _side(ctx, None, integration_id)
        async with ctx.db.session() as s:
            sync = await s.get(InitialSync, integration_id)
            progress = (await s.exec(select(InitialSyncEntity).where(
                InitialSyncEntity.integration_id == integration_id).order_by(col(InitialSyncEntity.position)))).all()
        assert sync is not None
        for entity_row in progress:
            if entity_row.finished:
                continue
            look = await _lookups(ctx, integration_id)
            await _run_entity(ctx, side, entity_row.entity, look)
        return await _finish(ctx, integration_id)
    except LeaseLost:
        log.warning("initial sync of %s was taken over by another worker", integration_id)
        return None
    except ConnectorError as exc:
        # the source could not be read (e.g. credentials revoked): keep the run, say why; the sweeper retries
        async with ctx.db.session() as s:
            await _renew(s, ctx, integration_id, error=_unreadable(exc))
            await s.commit()
        await _announce(ctx, integration_id)
        raise


async def _run_entity(ctx: AppContext, side: Side, entity: str, look: Lookups) -> None:
    existing = Existing(side.rackbeat, entity)
    async with ctx.db.session() as s:
        await _renew(s, ctx, side.integration.id, current_entity=entity, error=None)
        await s.commit()
    chunk: list[Planned] = []
    seen_total = 0
    async for planned in side.stream(entity, look):
        chunk.append(planned)
        if len(chunk) >= CHUNK:
            seen_total += await _run_chunk(ctx, side.integration.id, entity, existing, chunk)
            chunk = []
    if chunk:
        seen_total += await _run_chunk(ctx, side.integration.id, entity, existing, chunk)
    async with ctx.db.session() as s:
        await _renew(s, ctx, side.integration.id)
        row = await s.get(InitialSyncEntity, (side.integration.id, entity))
        assert row is not None
        done = row.created + row.linked + row.skipped + row.failed
        row.total = max(row.total, done)  # the source may have grown since the start
        row.finished = True
        s.add(row)
        await s.commit()
    await _announce(ctx, side.integration.id)


async def _run_chunk(ctx: AppContext, integration_id: str, entity: str, existing: Existing,
                     chunk: list[Planned]) -> int:
    unique = list({p.key: p for p in chunk}.values())
    keys = [p.key for p in unique]
    async with ctx.db.session() as s:
        rows = {r.source_key: r for r in (await s.exec(select(InitialSyncRecord).where(
            InitialSyncRecord.integration_id == integration_id, InitialSyncRecord.entity == entity,
            col(InitialSyncRecord.source_key).in_(keys)))).all()}
        todo: list[tuple[Planned, InitialSyncRecord, bool]] = []
        for p in unique:
            row = rows.get(p.key)
            if row is not None and row.status in DONE:
                continue  # done by an earlier attempt: no request at all
            # PENDING: an attempt died while writing it; FAILED: it may have timed out after Rackbeat's commit
            was_pending = row is not None
            if row is None:
                row = InitialSyncRecord(integration_id=integration_id, entity=entity, source_key=p.key,
                                        notes=list(p.notes))
                s.add(row)
            todo.append((p, row, was_pending))
        await _renew(s, ctx, integration_id)
        await s.commit()  # the intent (PENDING) is durable before anything is written to Rackbeat
    if not todo:
        return 0
    gate = asyncio.Semaphore(WRITERS)

    async def one(p: Planned, was_pending: bool) -> Outcome:
        async with gate:
            return await _write(existing, p, was_pending=was_pending)

    beat = asyncio.create_task(_heartbeat(ctx, integration_id))
    try:
        outcomes = await asyncio.gather(*(one(p, pending) for p, _, pending in todo))
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError, LeaseLost):
            await beat
    await _record(ctx, integration_id, entity, [(p, row, o) for (p, row, _), o in zip(todo, outcomes, strict=True)])
    return len(todo)


async def _record(ctx: AppContext, integration_id: str, entity: str,
                  results: list[tuple[Planned, InitialSyncRecord, Outcome]]) -> None:
    """Outcomes, external ids, payment-term mappings and the counters: one transaction."""
    counts = {s.value: 0 for s in InitialSyncRecordStatus}
    async with ctx.db.session() as s:
        await _renew(s, ctx, integration_id)
        for planned, row, outcome in results:
            before = row.status
            changed = await s.execute(
                update(InitialSyncRecord).where(
                    col(InitialSyncRecord.id) == row.id,
                    col(InitialSyncRecord.status).in_((InitialSyncRecordStatus.PENDING.value,
                                                       InitialSyncRecordStatus.FAILED.value)))
                .values(status=outcome.status.value, target_key=outcome.target_key, error_code=outcome.error_code,
                        error_message=outcome.error_message, attempts=InitialSyncRecord.attempts + 1,
                        updated_at=utcnow()).execution_options(synchronize_session=False))
            if int(getattr(changed, "rowcount", 0)) != 1:
                continue
            counts[outcome.status.value] += 1
            if before == InitialSyncRecordStatus.FAILED.value:
                counts["RETRIED"] = counts.get("RETRIED", 0) + 1
            if outcome.target_key and planned.source_id and entity in EXTERNAL_ENTITY and outcome.status in (
                    InitialSyncRecordStatus.CREATED, InitialSyncRecordStatus.LINKED):
                # Rackbeat's number → the accounting system's id: real-time transfers then update this record
                await remember_external_id(s, integration_id, EXTERNAL_ENTITY[entity], outcome.target_key,
                                           planned.source_id)
        progress = await s.get(InitialSyncEntity, (integration_id, entity))
        assert progress is not None
        progress.created += counts["CREATED"]
        progress.linked += counts["LINKED"]
        progress.skipped += counts["SKIPPED"]
        progress.failed += counts["FAILED"] - counts.get("RETRIED", 0)
        s.add(progress)
        await s.commit()
    await _announce(ctx, integration_id)


async def _finish(ctx: AppContext, integration_id: str) -> str:
    async with ctx.db.session() as s:
        failed = sum(e.failed for e in (await s.exec(select(InitialSyncEntity).where(
            InitialSyncEntity.integration_id == integration_id))).all())
        status = InitialSyncStatus.COMPLETED_WITH_FAILURES if failed else InitialSyncStatus.SUCCEEDED
        await _renew(s, ctx, integration_id, status=status.value, finished_at=utcnow(), current_entity=None,
                     lease_owner=None, lease_until=None)
        await s.commit()
    await _announce(ctx, integration_id)
    log.info("initial sync of %s finished: %s", integration_id, status.value)
    return status.value


# -- retrying failed records -------------------------------------------------------------------------------------


async def retry_failures(ctx: AppContext, principal: Principal, integration_id: str,
                         entity: str | None = None) -> int:
    """Write the failed records again (after the cause is fixed), without re-running the sync. Returns how many
    are retried; progress moves as they succeed."""
    principal.require(integration_id)
    async with ctx.db.session() as s:
        sync = await s.get(InitialSync, integration_id)
        if sync is None:
            raise InvalidInput("the initial sync has not been started", field="integrationId")
        if sync.status == InitialSyncStatus.RUNNING.value:
            raise Conflict("the initial sync is still running; retry its failures when it has finished")
        stmt = select(InitialSyncEntity).where(InitialSyncEntity.integration_id == integration_id,
                                               col(InitialSyncEntity.failed) > 0)
        if entity is not None:
            stmt = stmt.where(InitialSyncEntity.entity == entity)
        entities = (await s.exec(stmt)).all()
        count = sum(e.failed for e in entities)
        if not count:
            return 0
        for e in entities:
            # the run goes through these entities again; their FAILED records are written again (and counted
            # from failed to their new outcome), everything else is skipped without a request
            e.finished = False
            s.add(e)
        sync.status = InitialSyncStatus.RUNNING.value
        sync.finished_at = None
        sync.job_seq += 1
        s.add(sync)
        await s.commit()
        seq = sync.job_seq
    await ctx.queue.enqueue_initial_sync(integration_id, seq)
    await _announce(ctx, integration_id)
    return count


# -- reading -----------------------------------------------------------------------------------------------------


async def progress_of(ctx: AppContext, principal: Principal,
                      integration_id: str) -> tuple[InitialSync | None, list[InitialSyncEntity]]:
    principal.require(integration_id)
    async with ctx.db.session() as s:
        sync = await s.get(InitialSync, integration_id)
        entities = (await s.exec(select(InitialSyncEntity).where(
            InitialSyncEntity.integration_id == integration_id).order_by(col(InitialSyncEntity.position)))).all()
    return sync, list(entities)


async def records_of(ctx: AppContext, principal: Principal, integration_id: str, *,
                     statuses: Sequence[str] = (InitialSyncRecordStatus.FAILED.value,),
                     entity: str | None = None, first: int = 100, after: str | None = None,
                     ) -> list[InitialSyncRecord]:
    principal.require(integration_id)
    first = max(1, min(first, 500))
    stmt = select(InitialSyncRecord).where(InitialSyncRecord.integration_id == integration_id,
                                           col(InitialSyncRecord.status).in_(list(statuses)))
    if entity is not None:
        stmt = stmt.where(InitialSyncRecord.entity == entity)
    if after:
        stmt = stmt.where(col(InitialSyncRecord.id) > after)
    async with ctx.db.session() as s:
        return list((await s.exec(stmt.order_by(col(InitialSyncRecord.id)).limit(first))).all())


async def _announce(ctx: AppContext, integration_id: str) -> None:
    await ctx.events.publish(TOPIC_PROGRESS, {"integrationId": integration_id})


# -- the sweeper ------------------------------------------------------------------------------------------------


async def sweep(ctx: AppContext) -> int:
    """Hand a run whose worker stopped renewing its lease (or whose job was lost) to a live worker."""
    now = utcnow()
    async with ctx.db.session() as s:
        stale = (await s.exec(select(InitialSync).where(
            InitialSync.status == InitialSyncStatus.RUNNING.value,
            (col(InitialSync.lease_until) < now)
            | (col(InitialSync.lease_until).is_(None)
               & (col(InitialSync.updated_at) < now - timedelta(seconds=ctx.settings.transfer_lease_seconds))),
        ))).all()
        handed: list[tuple[str, int]] = []
        for row in stale:
            result = await s.execute(update(InitialSync).where(
                col(InitialSync.integration_id) == row.integration_id, col(InitialSync.job_seq) == row.job_seq)
                .values(job_seq=row.job_seq + 1, updated_at=now).execution_options(synchronize_session=False))
            if int(getattr(result, "rowcount", 0)) == 1:
                handed.append((row.integration_id, row.job_seq + 1))
        await s.commit()
    for integration_id, seq in handed:
        log.info("initial sync of %s resumed by the sweeper", integration_id)
        await ctx.queue.enqueue_initial_sync(integration_id, seq)
    return len(handed)
