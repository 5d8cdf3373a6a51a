"""A worker killed (SIGKILL) while a transfer is RUNNING, against PostgreSQL + Redis with the API, the worker
and the sandboxes in separate processes: a fresh worker finishes it; Tripletex holds exactly one invoice."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.flow import book_invoice, onboard, set_faults, transfers, tripletex_state
from tests.support.backends import Backend, backend
from tests.support.split_stack import separate_processes
from tests.support.stack import wait_for

pytestmark = pytest.mark.slow


async def test_a_killed_worker_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    async with backend("postgres", tmp_path) as be:
        await _scenario(be, tmp_path)


async def _scenario(be: Backend, tmp_path: Path) -> None:
    async with separate_processes(be, tmp_path, BOKBRO_TRANSFER_LEASE_SECONDS="12", BOKBRO_JOB_TIMEOUT_SECONDS="10",
                                  BOKBRO_SWEEPER_INTERVAL_SECONDS="0.5", BOKBRO_RETRY_BASE_SECONDS="0.2") as run:
        first_worker = run.start_worker("worker-1")
        stack = run.stack
        setup = await onboard(stack, mode="INVOICE", base_urls=stack.base_urls())
        # Every Tripletex answer now comes 0.7 s after Tripletex acted: the worker will be caught between
        # Tripletex's commit and its own.
        await set_faults(stack, "tripletex", setup.tripletex["accountId"], latency_ms=700)
        number = await book_invoice(stack, setup)

        async def invoice_committed_while_running() -> bool:
            state = await tripletex_state(stack, setup)
            return bool(state["invoices"])

        await wait_for(invoice_committed_while_running, timeout=60, interval=0.02)
        running = (await transfers(stack, setup))[0]
        assert running["status"] == "RUNNING", running
        first_worker.kill()
        killed_at = time.monotonic()
        await set_faults(stack, "tripletex", setup.tripletex["accountId"])
        second = run.start_worker("worker-2")

        async def finished() -> dict[str, object] | None:
            t = (await transfers(stack, setup))[0]
            return t if t["status"] in ("SUCCEEDED", "FAILED") else None

        done = await wait_for(finished, timeout=90, interval=0.2)
        recovery = time.monotonic() - killed_at
        assert done["status"] == "SUCCEEDED", (done, second.log()[-3000:])
        assert done["attempts"] == 2
        state = await tripletex_state(stack, setup)
        assert len(state["invoices"]) == 1, state["invoices"]
        assert len(state["orders"]) == 1
        assert str(state["invoices"][0]["id"]) == done["targetRef"]
        assert str(number) == done["sourceRef"]
        assert recovery < 60
