"""A worker killed (SIGKILL) while a transfer is RUNNING, against PostgreSQL + Redis with the API, the worker
and the sandboxes in separate processes: a fresh worker finishes it; Tripletex holds exactly one invoice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.flow import book_invoice, onboard, set_faults, transfers, tripletex_state
from tests.support.backends import Backend, backend
from tests.support.processes import Proc, processes, wait_http
from tests.support.servers import free_port
from tests.support.stack import OPERATOR_TOKEN, SECRET_KEY, Stack, wait_for

pytestmark = pytest.mark.slow


async def test_a_killed_worker_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    async with backend("postgres", tmp_path) as be:
        await _scenario(be, tmp_path)


async def _scenario(be: Backend, tmp_path: Path) -> None:
    api_port, sandbox_port = free_port(), free_port()
    api_url, sandbox_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{sandbox_port}"
    env = {
        "DATABASE_URL": be.database_url, "REDIS_URL": be.redis_url, "BOKBRO_REDIS_PREFIX": be.redis_prefix,
        "BOKBRO_SECRET_KEY": SECRET_KEY, "BOKBRO_BOOTSTRAP_TOKEN": OPERATOR_TOKEN, "BOKBRO_PUBLIC_URL": api_url,
        "BOKBRO_TRANSFER_LEASE_SECONDS": "12", "BOKBRO_JOB_TIMEOUT_SECONDS": "10",
        "BOKBRO_SWEEPER_INTERVAL_SECONDS": "0.5", "BOKBRO_RETRY_BASE_SECONDS": "0.2",
    }
    with processes(tmp_path) as procs:
        procs.append(Proc("sandbox", ["sandbox", "--port", str(sandbox_port)], env, tmp_path))
        procs.append(Proc("api", ["serve", "--port", str(api_port)], env, tmp_path))
        await asyncio.to_thread(wait_http, f"{sandbox_url}/")
        await asyncio.to_thread(wait_http, f"{api_url}/healthz")
        first_worker = Proc("worker-1", ["worker"], env, tmp_path)
        procs.append(first_worker)

        async with httpx.AsyncClient(timeout=30) as http:
            # The API and the sandboxes are separate servers here: point the stack helper at each.
            stack = _SplitStack(base_url=api_url, http=http, app=None, sandbox_url=sandbox_url)
            setup = await onboard(stack, mode="INVOICE", base_urls={
                "RACKBEAT": f"{sandbox_url}/sandbox/rackbeat/api", "TRIPLETEX": f"{sandbox_url}/sandbox/tripletex/v2"})
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
            procs.append(Proc("worker-2", ["worker"], env, tmp_path))

            async def finished() -> dict[str, object] | None:
                t = (await transfers(stack, setup))[0]
                return t if t["status"] in ("SUCCEEDED", "FAILED") else None

            done = await wait_for(finished, timeout=90, interval=0.2)
            recovery = time.monotonic() - killed_at
            assert done["status"] == "SUCCEEDED", (done, procs[-1].log()[-3000:])
            assert done["attempts"] == 2
            state = await tripletex_state(stack, setup)
            assert len(state["invoices"]) == 1, state["invoices"]
            assert len(state["orders"]) == 1
            assert str(state["invoices"][0]["id"]) == done["targetRef"]
            assert str(number) == done["sourceRef"]
            assert recovery < 60


class _SplitStack(Stack):
    def __init__(self, *, sandbox_url: str, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.sandbox_url = sandbox_url

    async def sandbox(self, system: str, method: str, path: str, **kw: object) -> httpx.Response:
        return await self.http.request(method, f"{self.sandbox_url}/sandbox/{system}/{path.lstrip('/')}",
                                       **kw)  # type: ignore[arg-type]
