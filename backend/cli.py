"""``bokbro`` command line: serve, demo, worker, migrate, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

import uvicorn

from backend.config import Settings


def _logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _require(settings: Settings, *names: str) -> None:
    missing = [n for n in names if not getattr(settings, n)]
    if missing:
        env = {"database_url": "DATABASE_URL", "redis_url": "REDIS_URL", "secret_key": "BOKBRO_SECRET_KEY"}
        sys.exit("bokbro: set " + ", ".join(env.get(n, n) for n in missing))


def cmd_serve(args: argparse.Namespace) -> None:
    settings = Settings()
    _require(settings, "redis_url", "secret_key")
    if "DATABASE_URL" not in os.environ and "BOKBRO_DATABASE_URL" not in os.environ:
        sys.exit("bokbro serve: set DATABASE_URL (bokbro demo runs without it)")
    if args.with_worker:
        settings.embedded_worker = True
    if args.sandboxes:
        settings.sandboxes = True
    _logging(settings.log_level)
    from backend.api.app import create_app

    uvicorn.run(create_app(settings, run_migrations=not args.no_migrate), host=args.host, port=args.port,
                log_level="info", proxy_headers=True)


def cmd_demo(args: argparse.Namespace) -> None:
    from backend.demo import run_demo

    run_demo(port=args.port, data_dir=Path(args.data_dir), host=args.host)


def cmd_worker(args: argparse.Namespace) -> None:
    settings = Settings()
    _require(settings, "redis_url", "secret_key")
    _logging(settings.log_level)
    from worker.settings import run_standalone

    asyncio.run(run_standalone(settings))


def cmd_sandbox(args: argparse.Namespace) -> None:
    from backend.sandbox.server import create_server

    logging.basicConfig(level=logging.INFO)
    print(f"sandboxes at http://{args.host}:{args.port}/sandbox/{{rackbeat,tripletex,...}}", flush=True)
    uvicorn.run(create_server(), host=args.host, port=args.port, log_level="warning")


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = Settings()
    from backend.db.migrate import upgrade
    from backend.db.session import Database

    async def go() -> None:
        db = Database(settings.database_url)
        await upgrade(db)
        await db.dispose()

    asyncio.run(go())
    print("database is at the newest schema")


def cmd_export_schema(args: argparse.Namespace) -> None:
    from backend.api.graphql_schema import schema

    text = schema.as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bokbro", description="bokbro integration gateway")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="production API server (needs DATABASE_URL, REDIS_URL, BOKBRO_SECRET_KEY)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--with-worker", action="store_true", help="also run a worker inside this process")
    p.add_argument("--sandboxes", action="store_true", help="mount the sandboxes of the external systems")
    p.add_argument("--no-migrate", action="store_true", help="do not run migrations at start-up")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="everything in one process: SQLite, in-process Redis and worker, sandboxes")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", default=".bokbro")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("worker", help="an arq worker process (needs DATABASE_URL, REDIS_URL, BOKBRO_SECRET_KEY)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("sandbox", help="serve the sandboxes of the external systems on their own")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8100)
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("migrate", help="bring the database to the newest schema")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    p.add_argument("output", nargs="?", default="schema.graphql")
    p.set_defaults(func=cmd_export_schema)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
