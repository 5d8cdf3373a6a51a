"""GraphQL for the once-only initial sync: preview, start, progress (query and subscription), records, retry."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from backend.api.graphql_common import ctx_of, utc
from backend.db import models
from backend.flows.initial_sync import ENTITY_NAMES
from backend.services import initial_sync as sync_service

InitialSyncStatus = strawberry.enum(
    models.InitialSyncStatus,
    description="RUNNING; SUCCEEDED: every record written or linked; COMPLETED_WITH_FAILURES: done, some records "
                "failed (see initialSyncRecords, retry with retryInitialSyncFailures).")
InitialSyncRecordStatus = strawberry.enum(
    models.InitialSyncRecordStatus,
    description="PENDING: being written; CREATED; LINKED: already in Rackbeat, linked and kept as it was; "
                "SKIPPED: not written (see the reason); FAILED: Rackbeat refused it (see the reason).")


def _labels(entity: str) -> tuple[str, str]:
    return ENTITY_NAMES.get(entity, (entity, entity))


@strawberry.type(description="What the initial sync would do with one entity.")
class InitialSyncEntityPlan:
    entity: str
    label: str
    label_no: str
    total: int = strawberry.field(description="Records in the accounting system.")
    create: int = strawberry.field(description="Records that would be created in Rackbeat.")
    link: int = strawberry.field(description="Records already in Rackbeat (same number or name): linked, "
                                             "not overwritten.")
    skip: int = strawberry.field(description="Records that would not be written (see the conflicts).")
    sample: JSON = strawberry.field(description="A few records exactly as they would be written to Rackbeat.")


@strawberry.type
class InitialSyncConflict:
    entity: str
    source_key: str
    code: str = strawberry.field(description="ALREADY_IN_RACKBEAT, INVALID_VALUE, NO_NUMBER, NO_NAME, NO_EMAIL, ...")
    message: str
    action: str = strawberry.field(description="What the sync will do about it.")


@strawberry.type(description="A dry run of the initial sync: nothing is written.")
class InitialSyncPreview:
    integration_id: strawberry.ID
    direction: str
    ready: bool = strawberry.field(description="Whether startInitialSync would be accepted now.")
    already_started: bool
    blocking: list[str] = strawberry.field(description="What must be done before the sync can start.")
    entities: list[InitialSyncEntityPlan]
    conflicts: list[InitialSyncConflict] = strawberry.field(description="The first 500 conflicts.")
    conflict_count: int
    not_supported: list[str] = strawberry.field(description="What the seeds name but cannot be carried over.")


@strawberry.type
class InitialSyncEntityProgress:
    entity: str
    label: str
    label_no: str
    total: int
    created: int
    linked: int
    skipped: int
    failed: int
    done: int
    percent: float
    finished: bool


@strawberry.type
class InitialSyncProgress:
    integration_id: strawberry.ID
    status: InitialSyncStatus  # type: ignore[valid-type]
    direction: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    current_entity: str | None
    runs: int = strawberry.field(description="Times a worker started or resumed it (more than 1 after a crash).")
    error: str | None = strawberry.field(description="Why the last run stopped, if it did (it is resumed).")
    percent: float
    entities: list[InitialSyncEntityProgress]

    @classmethod
    def of(cls, sync: models.InitialSync, entities: list[models.InitialSyncEntity]) -> InitialSyncProgress:
        items = []
        for e in entities:
            done = e.created + e.linked + e.skipped + e.failed
            label, label_no = _labels(e.entity)
            percent = 100.0 if e.finished or not e.total else min(100.0, round(100.0 * done / e.total, 1))
            items.append(InitialSyncEntityProgress(
                entity=e.entity, label=label, label_no=label_no, total=e.total, created=e.created,
                linked=e.linked, skipped=e.skipped, failed=e.failed, done=done, percent=percent,
                finished=e.finished))
        total = sum(i.total for i in items)
        done = sum(min(i.done, i.total) for i in items)
        percent = 100.0 if all(i.finished for i in items) else (round(100.0 * done / total, 1) if total else 0.0)
        return cls(integration_id=strawberry.ID(sync.integration_id),
                   status=models.InitialSyncStatus(sync.status), direction=sync.direction,
                   started_by=sync.started_by, started_at=utc(sync.started_at),  # type: ignore[arg-type]
                   finished_at=utc(sync.finished_at), current_entity=sync.current_entity, runs=sync.runs,
                   error=sync.error, percent=percent, entities=items)


@strawberry.type(description="One record of the initial sync and what became of it.")
class InitialSyncRecord:
    id: strawberry.ID
    entity: str
    source_key: str = strawberry.field(description="Its number in the accounting system (employees: e-mail).")
    target_key: str | None = strawberry.field(description="Its number in Rackbeat.")
    status: InitialSyncRecordStatus  # type: ignore[valid-type]
    error_code: str | None
    error_message: str | None = strawberry.field(description="Why it was skipped or refused.")
    notes: list[str]
    attempts: int

    @classmethod
    def of(cls, r: models.InitialSyncRecord) -> InitialSyncRecord:
        return cls(id=strawberry.ID(r.id), entity=r.entity, source_key=r.source_key, target_key=r.target_key,
                   status=models.InitialSyncRecordStatus(r.status), error_code=r.error_code,
                   error_message=r.error_message, notes=list(r.notes or []), attempts=r.attempts)


async def _progress(info: Info, integration_id: str) -> InitialSyncProgress | None:
    c = ctx_of(info)
    sync, entities = await sync_service.progress_of(c.app, await c.principal(), integration_id)
    return InitialSyncProgress.of(sync, entities) if sync is not None else None


@strawberry.type
class InitialSyncQuery:
    @strawberry.field(description="A dry run of the initial sync (Tripletex or eAccounting → Rackbeat): counts per "
                                  "entity, sample records as they would be written, and every conflict with what "
                                  "will be done about it. Entities default to all, in dependency order.")
    async def preview_initial_sync(self, info: Info, integration_id: strawberry.ID,
                                   entities: list[str] | None = None) -> InitialSyncPreview:
        c = ctx_of(info)
        p = await sync_service.preview(c.app, await c.principal(), str(integration_id), entities)
        return InitialSyncPreview(
            integration_id=strawberry.ID(p.integration_id), direction=p.direction, ready=p.ready,
            already_started=p.already_started, blocking=p.blocking,
            entities=[InitialSyncEntityPlan(entity=e.entity, label=_labels(e.entity)[0], label_no=_labels(e.entity)[1],
                                            total=e.total, create=e.create, link=e.link, skip=e.skip,
                                            sample=e.sample)  # type: ignore[arg-type]
                      for e in p.entities],
            conflicts=[InitialSyncConflict(entity=x.entity, source_key=x.source_key, code=x.code, message=x.message,
                                           action=x.action) for x in p.conflicts],
            conflict_count=p.conflict_count, not_supported=p.not_supported)

    @strawberry.field(description="The initial sync's progress per entity; null until it is started.")
    async def initial_sync(self, info: Info, integration_id: strawberry.ID) -> InitialSyncProgress | None:
        return await _progress(info, str(integration_id))

    @strawberry.field(description="Records of the initial sync by status (default: the failed ones), with reasons.")
    async def initial_sync_records(
        self, info: Info, integration_id: strawberry.ID,
        status: list[InitialSyncRecordStatus] | None = None,  # type: ignore[valid-type]
        entity: str | None = None, first: int = 100, after: strawberry.ID | None = None,
    ) -> list[InitialSyncRecord]:
        c = ctx_of(info)
        wanted: list[models.InitialSyncRecordStatus] = status or [models.InitialSyncRecordStatus.FAILED]
        statuses = [s.value for s in wanted]
        rows = await sync_service.records_of(c.app, await c.principal(), str(integration_id), statuses=statuses,
                                             entity=entity, first=first, after=str(after) if after else None)
        return [InitialSyncRecord.of(r) for r in rows]


@strawberry.type
class InitialSyncMutation:
    @strawberry.mutation(description="Start the initial sync. It runs ONCE per integration: a second start is "
                                     "refused (CONFLICT). It needs the group mappings (see previewInitialSync's "
                                     "blocking list) and resumes by itself after a crash.")
    async def start_initial_sync(self, info: Info, integration_id: strawberry.ID,
                                 entities: list[str] | None = None) -> InitialSyncProgress:
        c = ctx_of(info)
        await sync_service.start(c.app, await c.principal(), str(integration_id), entities)
        progress = await _progress(info, str(integration_id))
        assert progress is not None
        return progress

    @strawberry.mutation(description="Write the initial sync's failed records again, once the cause is fixed, "
                                     "without re-running the sync. Returns the progress.")
    async def retry_initial_sync_failures(self, info: Info, integration_id: strawberry.ID,
                                          entity: str | None = None) -> InitialSyncProgress:
        c = ctx_of(info)
        await sync_service.retry_failures(c.app, await c.principal(), str(integration_id), entity)
        progress = await _progress(info, str(integration_id))
        if progress is None:  # pragma: no cover - retry_failures refuses an unstarted sync
            raise AssertionError("no initial sync")
        return progress


@strawberry.type
class InitialSyncSubscription:
    @strawberry.subscription(description="The initial sync's progress as it moves: the current state first, then "
                                         "every change, until it has finished.")
    async def initial_sync_progress(self, info: Info,
                                    integration_id: strawberry.ID) -> AsyncGenerator[InitialSyncProgress, None]:
        c = ctx_of(info)
        principal = await c.principal()
        principal.require(str(integration_id))
        events = c.app.events.listen(sync_service.TOPIC_PROGRESS)
        last: tuple[object, ...] | None = None
        try:
            current = await _progress(info, str(integration_id))
            if current is not None:
                last = _fingerprint(current)
                yield current
                if current.status != models.InitialSyncStatus.RUNNING:
                    return
            async for event in events:
                if event.get("integrationId") != str(integration_id):
                    continue
                current = await _progress(info, str(integration_id))
                if current is None:
                    continue
                mark = _fingerprint(current)
                if mark == last:
                    continue
                last = mark
                yield current
                if current.status != models.InitialSyncStatus.RUNNING:
                    return
        finally:
            with contextlib.suppress(Exception):
                await events.aclose()


def _fingerprint(p: InitialSyncProgress) -> tuple[object, ...]:
    return (p.status, p.current_entity, p.error, tuple((e.done, e.failed, e.finished) for e in p.entities))
