"""The sweeper hands out transfers whose job was lost — and only those. A job that is merely waiting in a
backed-up queue is left alone: handing it out again every round made the queue grow by the whole backlog each
round (a 500-document fault run queued 32,000 jobs for 500 transfers and never settled). A job the transfer was
since handed past does nothing.

On the real database and queue of each back-end, with no worker running, so that what is queued stays queued."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, update

from backend.db.models import Integration, System, Transfer, TransferKind, TransferStatus, utcnow
from backend.services import transfers
from backend.services.context import AppContext
from tests.e2e.flow import book_invoice, onboard, set_faults, tripletex_state, wait_for_transfer
from tests.support.backends import Backend
from tests.support.stack import running_stack


async def _waiting_jobs(ctx: AppContext) -> list[str]:
    return [m.decode() if isinstance(m, bytes) else str(m) for m in await ctx.redis.zrange(ctx.queue.name, 0, -1)]


async def _set(ctx: AppContext, transfer_id: str, **values: object) -> None:
    async with ctx.db.session() as s:
        await s.execute(update(Transfer).where(col(Transfer.id) == transfer_id).values(**values))
        await s.commit()


async def _get(ctx: AppContext, transfer_id: str) -> Transfer:
    async with ctx.db.session() as s:
        row = await s.get(Transfer, transfer_id)
        assert row is not None
        return row


async def test_the_sweeper_hands_out_lost_jobs_once_and_leaves_waiting_ones(be: Backend) -> None:
    async with running_stack(be, embedded_worker=False, transfer_lease_seconds=5) as stack:
        ctx: AppContext = stack.app.state.ctx
        async with ctx.db.session() as s:
            integration = Integration(company_name="Sweep AS", contact_person="Kari", email="kari@sweep.example",
                                      source=System.RACKBEAT.value, target=System.TRIPLETEX.value)
            s.add(integration)
            await s.commit()
            integration_id = integration.id
        row = await transfers.request_transfer(ctx, integration_id, TransferKind.INVOICE, "1001", trigger="webhook")
        long_ago = utcnow() - timedelta(minutes=10)

        # QUEUED long ago, but its job is still in the queue (no worker free): not lost
        await _set(ctx, row.id, updated_at=long_ago)
        assert await _waiting_jobs(ctx) == [f"transfer:{row.id}:1"]
        assert await transfers.sweep(ctx) == 0
        # RETRYING long past due, its deferred job still waiting: not lost either
        await _set(ctx, row.id, status=TransferStatus.RETRYING.value, next_attempt_at=long_ago)
        assert await transfers.sweep(ctx) == 0
        assert (await _get(ctx, row.id)).job_seq == 1

        # the queue lost it (Redis restarted without its data): handed out once, with the next job number
        await ctx.redis.delete(ctx.queue.name)
        assert await transfers.sweep(ctx) == 1
        assert await _waiting_jobs(ctx) == [f"transfer:{row.id}:2"]
        for _ in range(3):
            assert await transfers.sweep(ctx) == 0, "a job handed out is waiting; it is not handed out again"
        assert (await _get(ctx, row.id)).job_seq == 2

        # the job it was handed past (say it was only slow to be picked up) does nothing
        assert await transfers.run_transfer(ctx, row.id, 1) is None
        after = await _get(ctx, row.id)
        assert (after.status, after.attempts, after.job_seq) == (TransferStatus.RETRYING.value, 0, 2)

        # a RUNNING transfer whose lease ran out is taken over whatever the queue holds (its worker died)
        await _set(ctx, row.id, status=TransferStatus.RUNNING.value, lease_owner="dead-worker",
                   lease_until=long_ago)
        assert await transfers.sweep(ctx) == 1
        assert await _waiting_jobs(ctx) == [f"transfer:{row.id}:2", f"transfer:{row.id}:3"]
        taken = await _get(ctx, row.id)
        assert (taken.status, taken.lease_owner, taken.job_seq) == (TransferStatus.QUEUED.value, None, 3)
        assert await transfers.sweep(ctx) == 0, "taken over once, not every round"


async def test_a_transfer_slower_than_its_lease_keeps_it(be: Backend) -> None:
    """Every Tripletex answer takes 0.4 s and a transfer makes about ten calls: the run lasts several times its
    1.5 s lease. The worker renews the lease while it runs, so the sweeper (every 0.5 s) does not hand the
    transfer to another job: one attempt, one invoice."""
    async with running_stack(be, transfer_lease_seconds=1.5) as stack:
        setup = await onboard(stack, mode="INVOICE")
        await set_faults(stack, "tripletex", setup.tripletex["accountId"], latency_ms=400)
        number = await book_invoice(stack, setup)
        done = await wait_for_transfer(stack, setup, str(number), ("SUCCEEDED", "FAILED"), timeout=120)
        assert done["status"] == "SUCCEEDED", done
        assert done["attempts"] == 1, done
        state = await tripletex_state(stack, setup)
        assert len(state["orders"]) == len(state["invoices"]) == 1
