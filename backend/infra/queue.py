"""The one seam between bokbro and arq: ``Queue.enqueue_transfer``.

arq is only the trigger; the database is the source of truth. Job ids carry the transfer's ``job_seq``
so that a re-enqueue (resend, retry, sweeper) is never swallowed by arq's uniqueness check while an
older job id still lingers after a crashed worker.
"""

from __future__ import annotations

from arq.connections import ArqRedis

RUN_TRANSFER = "run_transfer"
RUN_INITIAL_SYNC = "run_initial_sync"


class Queue:
    def __init__(self, redis: ArqRedis, prefix: str) -> None:
        self.redis = redis
        self.name = f"{prefix}:queue"

    @staticmethod
    def _transfer_job_id(transfer_id: str, job_seq: int) -> str:
        return f"transfer:{transfer_id}:{job_seq}"

    async def enqueue_transfer(self, transfer_id: str, job_seq: int, defer_seconds: float = 0) -> None:
        """The job carries ``job_seq``: a job the transfer has since been handed past (a retry, a resend, the
        sweeper) finds a newer number in the database and does nothing."""
        await self.redis.enqueue_job(
            RUN_TRANSFER,
            transfer_id,
            job_seq,
            _job_id=self._transfer_job_id(transfer_id, job_seq),
            _queue_name=self.name,
            _defer_by=defer_seconds if defer_seconds > 0 else None,
        )

    async def transfer_job_waiting(self, transfer_id: str, job_seq: int) -> bool:
        """Whether the transfer's job is still in the queue (waiting for its time or for a free worker): the
        sweeper then leaves it alone, however long a backed-up queue makes it wait."""
        return await self.redis.zscore(self.name, self._transfer_job_id(transfer_id, job_seq)) is not None

    async def enqueue_initial_sync(self, integration_id: str, job_seq: int) -> None:
        await self.redis.enqueue_job(
            RUN_INITIAL_SYNC,
            integration_id,
            _job_id=f"initial-sync:{integration_id}:{job_seq}",
            _queue_name=self.name,
        )
