"""The Alembic migrations build exactly the tables the models describe (on SQLite here; the PostgreSQL
end-to-end runs migrate a fresh database each test)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from backend.db import models  # noqa: F401
from backend.db.migrate import upgrade
from backend.db.session import Database


async def test_migrations_match_the_models(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await upgrade(db)
    await upgrade(db)  # idempotent

    def diff(connection: object) -> list[object]:
        ctx = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(ctx, SQLModel.metadata))

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    await db.dispose()
    assert differences == []
