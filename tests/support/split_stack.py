"""bokbro as production runs it: the API, worker(s) and the sandboxes in processes of their own, on a real
PostgreSQL + Redis back-end — for tests that kill a worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.backends import Backend
from tests.support.processes import Proc, processes, wait_http
from tests.support.servers import free_port
from tests.support.stack import OPERATOR_TOKEN, SECRET_KEY, Stack


class SplitStack(Stack):
    """The stack helper with the sandboxes on a server of their own."""

    def __init__(self, *, sandbox_url: str, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.sandbox_url = sandbox_url

    async def sandbox(self, system: str, method: str, path: str, **kw: object) -> httpx.Response:
        return await self.http.request(method, f"{self.sandbox_url}/sandbox/{system}/{path.lstrip('/')}",
                                       **kw)  # type: ignore[arg-type]

    def base_urls(self) -> dict[str, str]:
        """Connection base URLs pointing at the separate sandbox server."""
        return {"RACKBEAT": f"{self.sandbox_url}/sandbox/rackbeat/api",
                "TRIPLETEX": f"{self.sandbox_url}/sandbox/tripletex/v2"}


@dataclass
class Separate:
    stack: SplitStack
    procs: list[Proc]
    env: dict[str, str]
    tmp_path: Path

    def start_worker(self, name: str) -> Proc:
        proc = Proc(name, ["worker"], self.env, self.tmp_path)
        self.procs.append(proc)
        return proc


@asynccontextmanager
async def separate_processes(be: Backend, tmp_path: Path, **env: str) -> AsyncIterator[Separate]:
    """Sandboxes and API started and answering; start workers with ``start_worker``."""
    api_port, sandbox_port = free_port(), free_port()
    api_url, sandbox_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{sandbox_port}"
    full_env = {
        "DATABASE_URL": be.database_url, "REDIS_URL": be.redis_url, "BOKBRO_REDIS_PREFIX": be.redis_prefix,
        "BOKBRO_SECRET_KEY": SECRET_KEY, "BOKBRO_BOOTSTRAP_TOKEN": OPERATOR_TOKEN, "BOKBRO_PUBLIC_URL": api_url,
        **env,
    }
    with processes(tmp_path) as procs:
        procs.append(Proc("sandbox", ["sandbox", "--port", str(sandbox_port)], full_env, tmp_path))
        procs.append(Proc("api", ["serve", "--port", str(api_port)], full_env, tmp_path))
        await asyncio.to_thread(wait_http, f"{sandbox_url}/")
        await asyncio.to_thread(wait_http, f"{api_url}/healthz")
        async with httpx.AsyncClient(timeout=30) as http:
            stack = SplitStack(base_url=api_url, http=http, app=None, sandbox_url=sandbox_url)
            yield Separate(stack, procs, full_env, tmp_path)
