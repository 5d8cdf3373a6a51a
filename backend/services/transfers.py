"""Transfers: request (idempotent), run (leased, exactly-once in the ledger), retry, resend, sweep, list.

The rules that keep the ledger free of duplicates:
- one row per (integration, kind, source document): the idempotency key is unique in the database, so a
  repeated webhook or mutation finds the row that exists instead of making a second one;
- a job only runs a transfer after winning a conditional UPDATE (the lease): two jobs for one transfer
  never run at once; a worker that dies loses its lease and the sweeper hands the row to another;
- the pipe looks the document up in the target by our reference before it creates anything, so a run
  after a crash between the target's commit and ours finds the document instead of making a second one;
- jobs are enqueued only after the transaction that queued the row has committed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from backend.connectors.base import ConnectorError, Exchange, PermanentError, RetryableError
from backend.db.models import (
    ACTIVE_STATUSES,
    DOCUMENT_KINDS,
    Integration,
    IntegrationSettings,
    Transfer,
    TransferAttempt,
    TransferKind,
    TransferMode,
    TransferStatus,
    utcnow,
)
from backend.flows.explanations import Explanation, explain
from backend.services import pipes
from backend.services.auth import Principal
from backend.services.context import AppContext
from backend.services.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

TOPIC_TRANSFER = "transfer"


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _rowcount(result: object) -> int:
    """Rows an UPDATE touched (SQLAlchemy types ``execute`` as a plain Result)."""
    return int(getattr(result, "rowcount", 0))


def idempotency_key(kind: TransferKind, source_ref: str) -> str:
    return f"{kind.value}:{source_ref}"


def normalise_source_ref(kind: TransferKind, source_ref: str) -> str:
    ref = source_ref.strip()
    if not ref:
        raise InvalidInput("sourceRef must not be empty", field="sourceRef")
    if len(ref) > 200:
        raise InvalidInput("sourceRef is longer than 200 characters", field="sourceRef")
    if kind in (TransferKind.INVOICE, TransferKind.ORDER, TransferKind.PURCHASE_ORDER,
                TransferKind.CUSTOMER, TransferKind.SUPPLIER):
        if not ref.isdigit():
            raise InvalidInput(f"a {kind.value.lower().replace('_', ' ')} number is a whole number, not '{ref}'",
                               field="sourceRef")
        ref = str(int(ref))
    return ref


# -- requesting -------------------------------------------------------------------------------------


def _should_requeue(row: Transfer, trigger: str) -> bool:
    status = TransferStatus(row.status)
    if status in ACTIVE_STATUSES:
        return False  # already on its way: coalesce
    if trigger in ("resend", "reconcile"):
        return True
    if TransferKind(row.kind) in DOCUMENT_KINDS:
        # A document is transferred once; asking again for a succeeded one is a no-op. A failed one is
        # retried when somebody asks for it explicitly; a repeated webhook does not re-run a failure.
        return status is TransferStatus.FAILED and trigger == "manual"
    return True  # entities: a new notification means a new version to carry over


async def request_transfer(
    ctx: AppContext,
    integration_id: str,
    kind: TransferKind,
    source_ref: str,
    *,
    mode: TransferMode | None = None,
    trigger: str = "manual",
    send_email: bool | None = None,
) -> Transfer:
    ref = normalise_source_ref(kind, source_ref)
    key = idempotency_key(kind, ref)
    enqueue = False
    async with ctx.db.session() as s:
        integration = await s.get(Integration, integration_id)
        if integration is None:
            raise NotFound(f"integration {integration_id} not found")
        if mode is None and kind is TransferKind.INVOICE:
            settings = await s.get(IntegrationSettings, integration_id)
            mode = TransferMode(settings.invoice_transfer_mode) if settings else TransferMode.INVOICE
        row = (await s.exec(select(Transfer).where(
            Transfer.integration_id == integration_id, Transfer.idempotency_key == key))).first()
        if row is None:
            row = Transfer(
                integration_id=integration_id, kind=kind.value, source_system=integration.source,
                target_system=integration.target, source_ref=ref, idempotency_key=key,
                mode=mode.value if mode else None, trigger=trigger, send_email=send_email, job_seq=1,
            )
            s.add(row)
            try:
                await s.commit()
                enqueue = True
            except IntegrityError:
                # Another request inserted the same key at the same moment: that one wins.
                await s.rollback()
                row = (await s.exec(select(Transfer).where(
                    Transfer.integration_id == integration_id, Transfer.idempotency_key == key))).one()
        elif (TransferKind(row.kind) not in DOCUMENT_KINDS and row.status == TransferStatus.RUNNING.value
              and trigger == "webhook"):
            # A newer version while the old one is on its way: run once more when this run ends.
            await s.execute(update(Transfer).where(col(Transfer.id) == row.id).values(rerun_requested=True))
            await s.commit()
        elif _should_requeue(row, trigger):
            old_seq = row.job_seq
            values: dict[str, Any] = {
                "status": TransferStatus.QUEUED.value, "job_seq": old_seq + 1, "trigger": trigger,
                "next_attempt_at": None, "lease_owner": None, "lease_until": None, "finished_at": None,
                "updated_at": utcnow(), "rerun_requested": False,
            }
            if mode is not None:
                values["mode"] = mode.value
            if send_email is not None:
                values["send_email"] = send_email
            result = await s.execute(
                update(Transfer).where(col(Transfer.id) == row.id, col(Transfer.job_seq) == old_seq,
                                       col(Transfer.status).not_in([st.value for st in ACTIVE_STATUSES]))
                .values(**values))
            await s.commit()
            enqueue = _rowcount(result) == 1
            refreshed = await s.get(Transfer, row.id, populate_existing=True)
            assert refreshed is not None
            row = refreshed
    if enqueue:
        await ctx.queue.enqueue_transfer(row.id, row.job_seq)
        await publish(ctx, row)
    return row


async def resend_transfer(ctx: AppContext, principal: Principal, transfer_id: str,
                          mode: TransferMode | None, send_email: bool | None = None) -> Transfer:
    row = await get_transfer(ctx, principal, transfer_id)
    return await request_transfer(ctx, row.integration_id, TransferKind(row.kind), row.source_ref,
                                  mode=mode, trigger="resend", send_email=send_email)


async def resend_matching(
    ctx: AppContext, principal: Principal, *, integration_id: str | None, statuses: Sequence[TransferStatus],
    kinds: Sequence[TransferKind] | None, search: str | None, mode: TransferMode | None,
    send_email: bool | None, limit: int = 10_000,
) -> list[Transfer]:
    """Resend every transfer matching the filter (by default the failed ones), after the cause is fixed."""
    stmt = _filtered(select(Transfer), principal, integration_id, statuses or [TransferStatus.FAILED], kinds, search)
    async with ctx.db.session() as s:
        rows = (await s.exec(stmt.order_by(col(Transfer.created_at)).limit(limit))).all()
    return [await request_transfer(ctx, r.integration_id, TransferKind(r.kind), r.source_ref, mode=mode,
                                   trigger="resend", send_email=send_email) for r in rows]


# -- reading ----------------------------------------------------------------------------------------


def _filtered(stmt: Any, principal: Principal, integration_id: str | None,
              statuses: Sequence[TransferStatus] | None, kinds: Sequence[TransferKind] | None,
              search: str | None) -> Any:
    if integration_id is not None:
        principal.require(integration_id)
        stmt = stmt.where(Transfer.integration_id == integration_id)
    elif not principal.is_operator:
        stmt = stmt.where(col(Transfer.integration_id).in_(principal.integration_ids or {""}))
    if statuses:
        stmt = stmt.where(col(Transfer.status).in_([st.value for st in statuses]))
    if kinds:
        stmt = stmt.where(col(Transfer.kind).in_([k.value for k in kinds]))
    if search:
        stmt = stmt.where(col(Transfer.source_ref).contains(search.strip()))
    return stmt


async def get_transfer(ctx: AppContext, principal: Principal, transfer_id: str) -> Transfer:
    async with ctx.db.session() as s:
        row = await s.get(Transfer, transfer_id)
    if row is None or not principal.can_access(row.integration_id):
        raise NotFound(f"transfer {transfer_id} not found")
    return row


async def attempts_of(ctx: AppContext, transfer_ids: Sequence[str]) -> dict[str, list[TransferAttempt]]:
    async with ctx.db.session() as s:
        rows = (await s.exec(select(TransferAttempt).where(col(TransferAttempt.transfer_id).in_(transfer_ids))
                             .order_by(col(TransferAttempt.number)))).all()
    out: dict[str, list[TransferAttempt]] = {tid: [] for tid in transfer_ids}
    for r in rows:
        out[r.transfer_id].append(r)
    return out


@dataclass
class TransferPage:
    rows: list[Transfer]
    has_next_page: bool
    end_cursor: str | None


def encode_cursor(row: Transfer) -> str:
    created = as_utc(row.created_at)
    assert created is not None
    return base64.urlsafe_b64encode(json.dumps([created.isoformat(), row.id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, tid = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(created), str(tid)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("'after' is not a cursor this API handed out", field="after") from exc


async def list_transfers(
    ctx: AppContext, principal: Principal, *, integration_id: str | None,
    statuses: Sequence[TransferStatus] | None, kinds: Sequence[TransferKind] | None,
    search: str | None = None, first: int = 50, after: str | None = None,
) -> TransferPage:
    """Newest first, keyset-paged on (created_at, id) so that any depth costs the same."""
    if first < 1 or first > 500:
        raise InvalidInput("first must be between 1 and 500", field="first")
    stmt = _filtered(select(Transfer), principal, integration_id, statuses, kinds, search)
    if after:
        created, tid = decode_cursor(after)
        if ctx.db.is_sqlite:
            created = created.replace(tzinfo=None)
        stmt = stmt.where(or_(col(Transfer.created_at) < created,
                              and_(col(Transfer.created_at) == created, col(Transfer.id) < tid)))
    stmt = stmt.order_by(col(Transfer.created_at).desc(), col(Transfer.id).desc()).limit(first + 1)
    async with ctx.db.session() as s:
        rows = list((await s.exec(stmt)).all())
    has_next = len(rows) > first
    rows = rows[:first]
    return TransferPage(rows, has_next, encode_cursor(rows[-1]) if rows else None)


# -- running ----------------------------------------------------------------------------------------


def transfer_event(row: Transfer) -> dict[str, Any]:
    return {"id": row.id, "integrationId": row.integration_id, "status": row.status}


async def publish(ctx: AppContext, row: Transfer) -> None:
    await ctx.events.publish(TOPIC_TRANSFER, transfer_event(row))


async def _claim(ctx: AppContext, transfer_id: str, job_seq: int | None) -> Transfer | None:
    now = utcnow()
    lease_until = now + timedelta(seconds=ctx.settings.transfer_lease_seconds)
    current_job = [] if job_seq is None else [col(Transfer.job_seq) == job_seq]
    async with ctx.db.session() as s:
        result = await s.execute(
            update(Transfer)
            .where(
                col(Transfer.id) == transfer_id,
                *current_job,
                or_(
                    col(Transfer.status) == TransferStatus.QUEUED.value,
                    col(Transfer.status) == TransferStatus.RETRYING.value,
                    and_(col(Transfer.status) == TransferStatus.RUNNING.value, col(Transfer.lease_until) < now),
                ),
            )
            .values(status=TransferStatus.RUNNING.value, lease_owner=ctx.worker_id, lease_until=lease_until,
                    attempts=Transfer.attempts + 1, started_at=now, updated_at=now, next_attempt_at=None)
        )
        if _rowcount(result) != 1:
            await s.rollback()
            return None
        row = await s.get(Transfer, transfer_id, populate_existing=True)
        assert row is not None
        s.add(TransferAttempt(transfer_id=row.id, number=row.attempts, worker=ctx.worker_id))
        await s.commit()
    return row


def backoff_seconds(ctx: AppContext, attempt: int, retry_after: float | None) -> float:
    base = min(ctx.settings.retry_max_seconds, ctx.settings.retry_base_seconds * (2 ** max(0, attempt - 1)))
    jittered = base * (0.5 + random.random() / 2)
    if retry_after is not None:
        return min(ctx.settings.retry_max_seconds, max(retry_after, 0.2))
    return float(jittered)


def _still_ours(row: Transfer) -> tuple[Any, ...]:
    """This run still holds the transfer: RUNNING under this worker and this attempt (one worker runs several jobs,
    and a job that outlived its lease may meet a newer attempt of the same transfer on the same worker)."""
    return (col(Transfer.id) == row.id, col(Transfer.lease_owner) == row.lease_owner,
            col(Transfer.attempts) == row.attempts, col(Transfer.status) == TransferStatus.RUNNING.value)


async def _heartbeat(ctx: AppContext, row: Transfer) -> None:
    """Keep the lease while the run lasts (a transfer waiting on a lock, a rate limit or retries after 429s is
    slow, not dead); a dead worker's heartbeat stops with it, and the sweeper then hands the transfer on."""
    lease = ctx.settings.transfer_lease_seconds
    while True:
        await asyncio.sleep(max(lease / 3, 0.2))
        try:
            async with ctx.db.session() as s:
                await s.execute(update(Transfer).where(*_still_ours(row)).values(
                    lease_until=utcnow() + timedelta(seconds=lease)))
                await s.commit()
        except Exception:  # the database blinked: the next beat tries again, well within the lease
            log.warning("transfer %s: lease not renewed this time", row.id, exc_info=True)


async def _finish(
    ctx: AppContext, row: Transfer, *, status: TransferStatus, exchanges: list[Exchange],
    result: pipes.PipeResult | None = None, error: ConnectorError | None = None,
    error_message: str | None = None, next_attempt_at: datetime | None = None,
    explanation: Explanation | None = None,
) -> Transfer | None:
    now = utcnow()
    values: dict[str, Any] = {"status": status.value, "updated_at": now, "lease_owner": None,
                              "lease_until": None, "next_attempt_at": next_attempt_at}
    if status is TransferStatus.SUCCEEDED and result is not None:
        values.update(target_ref=result.target_ref, target_url=result.target_url, notes=result.notes, error_code=None,
                      error_message=None, error_explanation=None, error_explanation_no=None, finished_at=now)
    if status in (TransferStatus.FAILED, TransferStatus.RETRYING):
        code = None
        if error is not None:
            code = f"{error.system.upper()}_{error.status or 'NETWORK'}" + (f"_{error.code}" if error.code else "")
        if explanation is None and error is not None:
            explanation = explain(error)
        if code is None:
            # no system refused it: the document cannot be carried as it is (explained), or bokbro itself failed
            code = "NOT_TRANSFERABLE" if explanation is not None else "INTERNAL"
        values.update(
            error_code=code,
            error_message=error_message,
            error_explanation=explanation.en if explanation else None,
            error_explanation_no=explanation.no if explanation else None,
        )
        if status is TransferStatus.FAILED:
            values["finished_at"] = now
    if status is TransferStatus.RETRYING:
        values["job_seq"] = Transfer.job_seq + 1
    async with ctx.db.session() as s:
        outcome = await s.execute(update(Transfer).where(*_still_ours(row)).values(**values))
        if _rowcount(outcome) != 1:
            # Our lease ran out and someone else took the transfer over; their outcome stands.
            await s.rollback()
            log.warning("transfer %s: lease lost before finishing; leaving it to its new owner", row.id)
            return None
        attempt = (await s.exec(select(TransferAttempt).where(
            TransferAttempt.transfer_id == row.id, TransferAttempt.number == row.attempts))).first()
        if attempt is not None:
            attempt.status = status.value
            attempt.finished_at = now
            attempt.exchanges = [e.as_dict() for e in exchanges]
            if status is not TransferStatus.SUCCEEDED:
                attempt.error_code = values.get("error_code")
                attempt.error_message = error_message
            s.add(attempt)
        if result is not None:
            for entity, source_key, target_id in result.external_ids:
                await pipes.remember_external_id(s, row.integration_id, entity, source_key, target_id)
        await s.commit()
        fresh = await s.get(Transfer, row.id, populate_existing=True)
    return fresh


async def _attempt(ctx: AppContext, row: Transfer) -> Transfer | None:
    """One attempt of a claimed transfer, ended in SUCCEEDED, RETRYING or FAILED (None: the lease was lost)."""
    exchanges: list[Exchange] = []
    try:
        result = await pipes.execute(ctx, row, exchanges.append)
    except PermanentError as exc:
        return await _finish(ctx, row, status=TransferStatus.FAILED, exchanges=exchanges, error=exc,
                             error_message=str(exc))
    except RetryableError as exc:
        return await _retry_or_fail(ctx, row, exchanges, exc, str(exc), exc.retry_after)
    except pipes.SourceProblem as exc:
        return await _finish(ctx, row, status=TransferStatus.FAILED, exchanges=exchanges,
                             error_message=exc.message,
                             explanation=Explanation("source", exc.explanation_en, exc.explanation_no))
    except Exception as exc:  # a bug or an unforeseen failure: retry, keep the reason
        log.exception("transfer %s failed unexpectedly", row.id)
        return await _retry_or_fail(ctx, row, exchanges, None, f"internal error: {type(exc).__name__}: {exc}",
                                    None)
    return await _finish(ctx, row, status=TransferStatus.SUCCEEDED, exchanges=exchanges, result=result)


async def run_transfer(ctx: AppContext, transfer_id: str, job_seq: int | None = None) -> TransferStatus | None:
    """The job: run one transfer if this worker wins its lease. Returns the status it ended in.

    ``job_seq`` is the job's number; a job the transfer was since handed past does nothing (None: a job queued
    before jobs carried their number, which runs as before)."""
    row = await _claim(ctx, transfer_id, job_seq)
    if row is None:
        return None  # someone else has it, it is already done, or a newer job has it
    await publish(ctx, row)
    beat = asyncio.create_task(_heartbeat(ctx, row))
    try:
        final = await _attempt(ctx, row)
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
    if final is None:
        return None
    await publish(ctx, final)
    if TransferStatus(final.status) is TransferStatus.RETRYING and final.next_attempt_at is not None:
        delay = (as_utc(final.next_attempt_at) or utcnow()) - utcnow()
        await ctx.queue.enqueue_transfer(final.id, final.job_seq, max(0.0, delay.total_seconds()))
    elif final.rerun_requested:
        await request_transfer(ctx, final.integration_id, TransferKind(final.kind), final.source_ref,
                               trigger="webhook")
    return TransferStatus(final.status)


async def _retry_or_fail(
    ctx: AppContext, row: Transfer, exchanges: list[Exchange], error: ConnectorError | None,
    message: str, retry_after: float | None,
) -> Transfer | None:
    if row.attempts >= ctx.settings.max_attempts:
        return await _finish(ctx, row, status=TransferStatus.FAILED, exchanges=exchanges, error=error,
                             error_message=f"gave up after {row.attempts} attempts: {message}")
    delay = backoff_seconds(ctx, row.attempts, retry_after)
    return await _finish(ctx, row, status=TransferStatus.RETRYING, exchanges=exchanges, error=error,
                         error_message=message, next_attempt_at=utcnow() + timedelta(seconds=delay))


async def sweep(ctx: AppContext) -> int:
    """Re-enqueue transfers whose job was lost: QUEUED or RETRYING long past due with no job of theirs left in
    the queue, RUNNING past the lease. Returns how many were handed out again."""
    now = utcnow()
    grace = timedelta(seconds=ctx.settings.transfer_lease_seconds)
    async with ctx.db.session() as s:
        stale = (await s.exec(
            select(Transfer).where(or_(
                and_(col(Transfer.status) == TransferStatus.QUEUED.value, col(Transfer.updated_at) < now - grace),
                and_(col(Transfer.status) == TransferStatus.RETRYING.value,
                     col(Transfer.next_attempt_at) < now - grace),
                and_(col(Transfer.status) == TransferStatus.RUNNING.value, col(Transfer.lease_until) < now),
            )).limit(500)
        )).all()
        handed: list[tuple[str, int]] = []
        for row in stale:
            if row.status != TransferStatus.RUNNING.value and \
                    await ctx.queue.transfer_job_waiting(row.id, row.job_seq):
                continue  # not lost: waiting in a backed-up queue (handing it out again would only add to it)
            seq = row.job_seq + 1  # read before the update: the ORM brings ``row`` up to date with it
            values: dict[str, Any] = {"job_seq": seq, "updated_at": now}
            if row.status == TransferStatus.RUNNING.value:
                # taken away from the worker that stopped renewing its lease: should it come back to life, its
                # outcome is not written (``_still_ours``); the new job runs it again, looking up first
                values.update(status=TransferStatus.QUEUED.value, lease_owner=None, lease_until=None)
            result = await s.execute(
                update(Transfer).where(col(Transfer.id) == row.id, col(Transfer.job_seq) == seq - 1,
                                       col(Transfer.status) == row.status)
                .values(**values))
            if _rowcount(result) == 1:
                handed.append((row.id, seq))
        await s.commit()
    for transfer_id, seq in handed:
        await ctx.queue.enqueue_transfer(transfer_id, seq)
    if handed:
        log.info("sweeper re-enqueued %d transfer(s)", len(handed))
    return len(handed)
