"""Benchmark (issue 4's scale check): the initial sync Tripletex → Rackbeat of a large account, with flat memory.

    make bench-initial-sync      (50,000 products + 10,000 customers, ~15 min)
    .venv/bin/python -m bench.initial_sync_scale --products 100000 --customers 20000    (issue 4's size, ~30 min)

For each of two accounts — the one asked for and one ten times smaller — a fresh set of processes on 127.0.0.1:
the sandboxes (``bokbro sandbox``) in one process, bokbro in its own (embedded: ``bokbro serve --with-worker`` on
SQLite and in-process Redis; postgres: ``bokbro serve`` and ``bokbro worker`` on PostgreSQL + Redis). The Tripletex
sandbox gets a ``seed: "scale"`` company; the sync is started over GraphQL as the wizard does and followed until it
has finished, while the resident memory (RSS) of the bokbro processes — not the sandboxes' — is sampled every 0.5 s.

The sync runs at full speed: bokbro's Rackbeat budget (BOKBRO_RACKBEAT_REQUESTS_PER_MINUTE) and the Rackbeat
sandbox's own limit are raised, so the wall time is bokbro's own cost (sharing 127.0.0.1's CPUs with the sandboxes).
The real bound is Rackbeat's 480 requests a minute: ``writes / 480`` minutes, printed beside it.

Two deliberate departures from the real Tripletex, both printed: the Tripletex sandbox's records are light (no
addresses), and its "Result set too large" limit (10,000 matches per list, as Tripletex documents) is lifted for the
account (``maxResultSet``) — with it, no entity of more than 10,000 records can be read page by page at all
(``--keep-result-limit`` shows what happens then).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.e2e.initial_sync_flow import PROGRESS, START, accept_suggested_groups, make_groups
from tests.support.backends import Backend, backend, services_available
from tests.support.processes import REPO, Proc, processes, wait_http
from tests.support.servers import free_port
from tests.support.stack import OPERATOR_TOKEN, SECRET_KEY, GraphQLError, Stack

RACKBEAT_LIMIT_PER_MINUTE = 480  # the real budget (backend/infra/ratelimit.py BUDGETS)
UNLIMITED = 10_000_000
MB = 1024 * 1024


class SplitStack(Stack):
    """The API and the sandboxes are separate servers here: the stack helpers' sandbox calls go to the latter."""

    def __init__(self, *, sandbox_url: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.sandbox_url = sandbox_url

    async def sandbox(self, system: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, f"{self.sandbox_url}/sandbox/{system}/{path.lstrip('/')}", **kw)


class EmbeddedProc(Proc):
    """bokbro embedded (SQLite, in-process Redis and worker) in a process of its own: this module's
    ``--serve-embedded PORT``."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "bench.initial_sync_scale", *args], cwd=REPO, env={**os.environ, **env},
            stdout=self._log, stderr=subprocess.STDOUT)


def serve_embedded(port: int) -> None:
    import uvicorn

    from backend.api.app import create_app
    from backend.config import Settings

    settings = Settings(redis_url="", embedded_worker=True, sandboxes=False)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")


class RssSampler:
    """RSS of some processes every ``interval`` s, in a thread (the event loop's pauses do not skew it); each sample
    is tagged with the records done so far, so that the start and the end of a run can be told apart."""

    def __init__(self, pids: dict[str, int], interval: float = 0.5) -> None:
        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.interval = interval
        self.done = 0  # set by the caller as progress arrives
        self.samples: list[tuple[float, int, dict[str, int]]] = []  # (t, records done, {name: rss})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def rss(self) -> dict[str, int]:
        return {name: p.memory_info().rss for name, p in self.procs.items()}

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self.done, self.rss()))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, names: list[str], lo: float = 0.0, hi: float = 1.0, total: int = 1, start: int = 0) -> int:
        """Peak of the summed RSS of ``names`` over the samples (from the ``start``th) taken while lo..hi of
        ``total`` records were done (by default: all)."""
        chosen = [sum(r[n] for n in names) for _, done, r in self.samples[start:]
                  if total == 1 or lo * total <= done <= hi * total]
        return max(chosen, default=0)


@dataclass
class Result:
    label: str
    customers: int
    suppliers: int
    products: int
    status: str = ""
    records: int = 0
    created: int = 0
    failed: int = 0
    preview_s: float = 0.0  # the start mutation: the preview (the plan) streams every record once
    sync_s: float = 0.0  # from the start mutation's answer until the run has finished
    rss_idle: int = 0  # bokbro's processes, set up and idle, before the start
    rss_first: int = 0  # peak while the first quarter of the records was written (after the preview)
    rss_last: int = 0  # peak while the last quarter was written
    rss_peak: int = 0  # peak over everything, the preview included
    sandbox_peak: int = 0
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def wall_s(self) -> float:
        return self.preview_s + self.sync_s

    @property
    def bound_min(self) -> float:
        return self.created / RACKBEAT_LIMIT_PER_MINUTE  # every created record is one Rackbeat POST


async def run_one(label: str, be: Backend, tmp: Path, *, customers: int, suppliers: int, products: int,
                  keep_result_limit: bool) -> Result:
    res = Result(label, customers, suppliers, products)
    api_port, sandbox_port = free_port(), free_port()
    api_url, sandbox_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{sandbox_port}"
    env = {
        "DATABASE_URL": be.database_url, "REDIS_URL": be.redis_url, "BOKBRO_REDIS_PREFIX": be.redis_prefix,
        "BOKBRO_SECRET_KEY": SECRET_KEY, "BOKBRO_BOOTSTRAP_TOKEN": OPERATOR_TOKEN, "BOKBRO_PUBLIC_URL": api_url,
        "BOKBRO_RACKBEAT_REQUESTS_PER_MINUTE": str(UNLIMITED), "BOKBRO_RECONCILE_INTERVAL_SECONDS": "0",
        "BOKBRO_LOG_LEVEL": "WARNING",
    }
    with processes(tmp) as procs:
        procs.append(Proc("sandbox", ["sandbox", "--port", str(sandbox_port)], env, tmp))
        if be.name == "embedded":  # `bokbro serve` wants a real Redis; this is `bokbro demo` without its sandboxes
            procs.append(EmbeddedProc("bokbro", ["--serve-embedded", str(api_port)], env, tmp))
        else:
            procs.append(Proc("api", ["serve", "--port", str(api_port)], env, tmp))
        await asyncio.to_thread(wait_http, f"{sandbox_url}/", 60)
        await asyncio.to_thread(wait_http, f"{api_url}/healthz", 60)
        if be.name != "embedded":
            procs.append(Proc("worker", ["worker"], env, tmp))
        bokbro = [p.name for p in procs if p.name != "sandbox"]
        pids = {p.name: p.popen.pid for p in procs}

        async with httpx.AsyncClient(timeout=3600) as http:
            stack = SplitStack(base_url=api_url, http=http, app=None, sandbox_url=sandbox_url)
            rb = (await stack.sandbox("rackbeat", "POST", "/_control/accounts", json={"seed": "empty"})).json()
            r = await stack.sandbox("rackbeat", "POST", f"/_control/accounts/{rb['accountId']}/rate-limit",
                                    json={"limit": UNLIMITED, "periodSeconds": 60})
            assert r.status_code == 200, r.text
            scale: dict[str, Any] = {"seed": "scale", "customers": customers, "suppliers": suppliers,
                                     "products": products}
            if not keep_result_limit:
                scale["maxResultSet"] = max(customers, suppliers, products) + 1
            tx = await stack.sandbox("tripletex", "POST", "/_control/accounts", json=scale)
            assert tx.status_code == 201, tx.text
            txc = tx.json()
            integ = await stack.gql(
                "mutation($i: StartOnboardingInput!) { startOnboarding(input: $i) { id } }",
                {"i": {"companyName": "Storvare AS", "contactPerson": "Kari Nordmann",
                       "email": "kari@storvare.example", "source": "RACKBEAT", "target": "TRIPLETEX"}})
            iid = integ["startOnboarding"]["id"]
            for system, creds, path in (
                    ("RACKBEAT", {"token": rb["token"]}, "rackbeat/api"),
                    ("TRIPLETEX", {"consumerToken": txc["consumerToken"], "employeeToken": txc["employeeToken"]},
                     "tripletex/v2")):
                await stack.gql("mutation($i: ConnectionInput!) { saveConnection(input: $i) { id } }",
                                {"i": {"integrationId": iid, "system": system, "credentials": creds,
                                       "baseUrl": f"{sandbox_url}/sandbox/{path}"}})
            await make_groups(stack, rb["token"])
            await accept_suggested_groups(stack, iid)  # reads every customer and supplier once (payment terms)
            total = customers + suppliers + products
            with RssSampler(pids) as sampler:
                await asyncio.sleep(1.0)
                res.rss_idle = sum(sampler.rss()[n] for n in bokbro)
                t0 = time.monotonic()
                try:
                    await stack.gql(START, {"id": iid})
                except GraphQLError as exc:
                    res.status = "refused: " + "; ".join(str(e.get("message"))[:160] for e in exc.errors)
                    return res
                t1 = time.monotonic()
                res.preview_s = t1 - t0
                sampler.done = 0
                mark = len(sampler.samples)
                shown = time.monotonic()
                while True:
                    p = (await stack.gql(PROGRESS, {"id": iid}))["initialSync"]
                    sampler.done = sum(e["done"] for e in p["entities"])
                    if p["status"] != "RUNNING":
                        break
                    if time.monotonic() - shown >= 30:  # a line now and then: a long run can be judged half-way
                        shown = time.monotonic()
                        rss = ", ".join(f"{n} {v / MB:.0f} MB" for n, v in sampler.rss().items())
                        print(f"  {shown - t1:6.0f} s: {sampler.done:>7} records ({sampler.done / (shown - t1):.0f}/s)"
                              f"  RSS {rss}", flush=True)
                    await asyncio.sleep(0.5)
                res.sync_s = time.monotonic() - t1
                await asyncio.sleep(0.6)  # one more sample after the end
            res.status = p["status"]
            res.entities = {e["entity"]: e for e in p["entities"]}
            res.records = sampler.done
            res.created = sum(e["created"] for e in p["entities"])
            res.failed = sum(e["failed"] for e in p["entities"])
            res.rss_first = sampler.peak(bokbro, 0.0, 0.25, total, start=mark)  # after the preview
            res.rss_last = sampler.peak(bokbro, 0.75, 1.0, total, start=mark)
            res.rss_peak = max(sampler.peak(bokbro), _peak_from_status(pids, bokbro))
            res.sandbox_peak = _peak_from_status(pids, ["sandbox"])
    return res


def _peak_from_status(pids: dict[str, int], names: list[str]) -> int:
    """The kernel's own high-water mark (VmHWM) of each process, summed: catches a peak between two samples."""
    total = 0
    for name in names:
        try:
            with open(f"/proc/{pids[name]}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def _mb(n: int) -> str:
    return f"{n / MB:7.0f}"


def report(results: list[Result]) -> None:
    print()
    print("Initial sync Tripletex → Rackbeat at full speed (bokbro's own cost; sandboxes in their own process)")
    head = (f"{'run':<22} {'records':>8} {'status':>10} {'preview s':>9} {'sync s':>8} {'wall s':>8} "
            f"{'rec/s':>7} {'RSS idle':>8} {'first¼':>7} {'last¼':>7} {'peak':>7} {'sandbox':>7} "
            f"{'bound min':>9} {'bound/own':>9}")
    print(head)
    print("-" * len(head))
    for r in results:
        if not r.records:
            print(f"{r.label:<22} {r.customers + r.suppliers + r.products:>8} {r.status}")
            continue
        rate = r.records / r.wall_s if r.wall_s else 0.0
        ratio = r.bound_min * 60 / r.wall_s if r.wall_s else 0.0
        print(f"{r.label:<22} {r.records:>8} {r.status[:10]:>10} {r.preview_s:9.1f} {r.sync_s:8.1f} {r.wall_s:8.1f} "
              f"{rate:7.0f} {_mb(r.rss_idle):>8} {_mb(r.rss_first)} {_mb(r.rss_last)} {_mb(r.rss_peak)} "
              f"{_mb(r.sandbox_peak)} {r.bound_min:9.1f} {ratio:8.1f}×")
    print("RSS in MB of the bokbro process(es) (API + worker); first¼/last¼: peak while the first/last quarter of the "
          "records was written; peak: the kernel's high-water mark, preview included. bound: created records / "
          f"{RACKBEAT_LIMIT_PER_MINUTE} per minute (one POST each).")
    by_backend: dict[str, list[Result]] = {}
    for r in results:
        by_backend.setdefault(r.label.split()[0], []).append(r)
    for name, pair in by_backend.items():
        if len(pair) == 2 and all(p.records for p in pair):
            small, big = sorted(pair, key=lambda p: p.records)
            print(f"{name}: {big.records / small.records:.1f}× the records → peak RSS "
                  f"×{big.rss_peak / small.rss_peak:.2f}, last¼ RSS ×{big.rss_last / small.rss_last:.2f}; "
                  f"within the big run last¼/first¼ ×{big.rss_last / big.rss_first:.2f}")
            for e in big.entities.values():
                if e["failed"]:
                    print(f"  {e['entity']}: {e['failed']} FAILED")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    # issue 4's size is 100,000 products and 20,000 customers: ~30 min on 2 CPUs (~80 records/s); the default
    # is half of it, ~15 min with the 10× smaller account
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--suppliers", type=int, default=0)
    parser.add_argument("--backend", choices=("embedded", "postgres"), default="embedded")
    parser.add_argument("--no-small", action="store_true", help="skip the 10× smaller account")
    parser.add_argument("--serve-embedded", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--keep-result-limit", action="store_true",
                        help="keep Tripletex's 10,000-matches list limit (the sync cannot read larger entities)")
    args = parser.parse_args()
    if args.serve_embedded:
        serve_embedded(args.serve_embedded)
    else:
        asyncio.run(main(args))


async def main(args: argparse.Namespace) -> None:
    if args.backend == "postgres" and not services_available():
        raise SystemExit("PostgreSQL/Redis are not reachable on 127.0.0.1")
    sizes = [] if args.no_small else [(args.customers // 10, args.suppliers // 10, args.products // 10)]
    sizes.append((args.customers, args.suppliers, args.products))
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        for customers, suppliers, products in sizes:
            label = f"{args.backend} {customers:,}c+{products:,}p"
            run_dir = Path(tmp) / f"{customers}-{products}"
            run_dir.mkdir()
            async with backend(args.backend, run_dir) as be:
                print(f"{label}: running …", flush=True)
                res = await run_one(label, be, run_dir, customers=customers, suppliers=suppliers, products=products,
                                    keep_result_limit=args.keep_result_limit)
            print(f"{label}: {res.status} in {res.wall_s:.1f} s", flush=True)
            results.append(res)
    report(results)
    if not args.keep_result_limit:
        print("note: the Tripletex sandbox's 10,000-matches list limit was lifted for these accounts "
              "(see --keep-result-limit)")
    print(f"cpus: {os.cpu_count()}")


if __name__ == "__main__":
    cli()
