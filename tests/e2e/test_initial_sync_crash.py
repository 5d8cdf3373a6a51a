"""A worker killed (SIGKILL) in the middle of the initial sync, against PostgreSQL + Redis with the API, the worker
and the sandboxes in separate processes: a fresh worker resumes it, and Rackbeat ends with every record exactly
once — what the preview said, no more (Rackbeat's answers are delayed after it acted, so the kill falls between
Rackbeat's commit and ours)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.flow import set_faults
from tests.e2e.initial_sync_flow import (
    PREVIEW,
    PROGRESS,
    START,
    accept_suggested_groups,
    make_groups,
    onboard_for_sync,
    rackbeat_state,
)
from tests.support.backends import backend
from tests.support.split_stack import separate_processes
from tests.support.stack import wait_for

pytestmark = pytest.mark.slow


async def test_a_killed_worker_resumes_the_initial_sync_without_duplicates(tmp_path: Path) -> None:
    async with backend("postgres", tmp_path) as be, separate_processes(
            be, tmp_path, BOKBRO_TRANSFER_LEASE_SECONDS="8", BOKBRO_SWEEPER_INTERVAL_SECONDS="0.5") as run:
        first_worker = run.start_worker("worker-1")
        stack = run.stack
        setup = await onboard_for_sync(stack, sandbox_base=stack.sandbox_url, base_urls=stack.base_urls())
        iid = setup.integration_id
        await make_groups(stack, setup.rackbeat["token"])
        await accept_suggested_groups(stack, iid)
        plan = {e["entity"]: e for e in (await stack.gql(PREVIEW, {"id": iid}))["previewInitialSync"]["entities"]}
        before = await rackbeat_state(stack, setup)
        # Rackbeat answers 0.3 s after it acted: a kill now falls between its commit and ours.
        await set_faults(stack, "rackbeat", setup.rackbeat["accountId"], latency_ms=300)
        await stack.gql(START, {"id": iid})

        async def customers_half_done() -> bool:
            p = (await stack.gql(PROGRESS, {"id": iid}))["initialSync"]
            customers = next(e for e in p["entities"] if e["entity"] == "customers")
            return bool(customers["done"] >= 4)

        await wait_for(customers_half_done, timeout=120, interval=0.05)
        first_worker.kill()
        await set_faults(stack, "rackbeat", setup.rackbeat["accountId"])
        second = run.start_worker("worker-2")

        async def finished() -> dict[str, Any] | None:
            p = (await stack.gql(PROGRESS, {"id": iid}))["initialSync"]
            return p if p["status"] != "RUNNING" else None  # type: ignore[no-any-return]

        done = await wait_for(finished, timeout=120, interval=0.2)
        assert done["status"] == "SUCCEEDED", (done, second.log()[-3000:])
        assert done["runs"] >= 2, done  # resumed by the second worker
        after = await rackbeat_state(stack, setup)
        progress = {e["entity"]: e for e in done["entities"]}
        for key, entity in (("customers", "customers"), ("suppliers", "suppliers"),
                            ("products", "products"), ("paymentTerms", "payment_terms")):
            assert after["counts"][key] - before["counts"][key] == plan[entity]["create"], \
                (key, after["counts"], plan[entity])
            assert progress[entity]["created"] == plan[entity]["create"], (entity, progress[entity])
            assert progress[entity]["done"] == plan[entity]["total"]
