"""Benchmark: how fast booked Rackbeat invoices reach Tripletex, on each back-end, in one run.

    make bench            (or: .venv/bin/python -m bench.transfer_throughput --invoices 200)

Books N invoices in the Rackbeat sandbox (webhooks → transfers → Tripletex sandbox), all in one process
(API, worker and sandboxes), and reports the wall time until every transfer SUCCEEDED. The figures are for
comparing back-ends and changes on the same machine in the same run — not absolute numbers: the sandboxes
share the CPU with bokbro. PostgreSQL + Redis are used when reachable.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from tests.e2e.flow import book_invoice, onboard
from tests.support.backends import backend, services_available
from tests.support.stack import Stack, running_stack

FINISHED = """query($id: ID, $after: String) { transfers(integrationId: $id, status: [SUCCEEDED, FAILED], first: 500,
  after: $after) { edges { node { status } } pageInfo { hasNextPage endCursor } } }"""


async def finished(stack: Stack, integration_id: str) -> list[dict[str, str]]:
    """Every finished transfer (all pages: the log answers at most 500 a page)."""
    out: list[dict[str, str]] = []
    after = None
    while True:
        page = (await stack.gql(FINISHED, {"id": integration_id, "after": after}))["transfers"]
        out += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


async def run(name: str, invoices: int, tmp: Path) -> float:
    async with backend(name, tmp) as be, running_stack(be, sweeper_interval_seconds=5) as stack:
        setup = await onboard(stack, mode="INVOICE")
        # the benchmark's own calls (making and booking invoices) must not eat the account's Rackbeat budget;
        # bokbro's calls stay under its own 480/min limiter
        await stack.sandbox("rackbeat", "POST", f"/_control/accounts/{setup.rackbeat['accountId']}/rate-limit",
                            json={"limit": 100_000, "periodSeconds": 60})
        started = time.monotonic()
        for _ in range(invoices):
            await book_invoice(stack, setup)
        while True:
            done = await finished(stack, setup.integration_id)
            if len(done) >= invoices:
                break
            await asyncio.sleep(0.2)
        elapsed = time.monotonic() - started
        failed = sum(1 for t in done if t["status"] == "FAILED")
        print(f"{name:>9}: {invoices} invoices in {elapsed:6.2f} s  ({invoices / elapsed:5.1f}/s, {failed} failed)")
        return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["embedded"] = await run("embedded", args.invoices, Path(tmp))
        if services_available():
            results["postgres"] = await run("postgres", args.invoices, Path(tmp))
    if len(results) == 2:
        print(f"ratio postgres/embedded wall time: {results['postgres'] / results['embedded']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
