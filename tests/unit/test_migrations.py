"""The Alembic migrations build exactly the tables the models describe (on SQLite here; the PostgreSQL
end-to-end runs migrate a fresh database each test)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
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


async def test_setting_values_are_renamed_to_the_documented_names(tmp_path: Path) -> None:
    """0007: settings saved as SOURCE_TO_TARGET / SOURCE (before) read as RACKBEAT_TO_TARGET / RACKBEAT (after);
    OFF and DONT_TRANSFER stay."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    await upgrade(db, "0006")
    async with db.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO integration (id, company_name, contact_person, email, source, target, status, created_at, "
            "updated_at) VALUES ('i1', 'A', 'B', 'c@d.example', 'RACKBEAT', 'TRIPLETEX', 'ACTIVE', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        await conn.execute(text(
            "INSERT INTO integration_settings (integration_id, invoice_transfer_mode, send_invoice_to_customer, "
            "updated_at) VALUES ('i1', 'INVOICE', false, CURRENT_TIMESTAMP)"))
        await conn.execute(text("UPDATE integration_settings SET sync_boms = 'OFF', "
                                "start_order_flow_from = 'SOURCE' WHERE integration_id = 'i1'"))
    await upgrade(db)
    async with db.engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT sync_customers, sync_suppliers, sync_products, sync_boms, start_order_flow_from "
            "FROM integration_settings"))).one()
    await db.dispose()
    assert tuple(row) == ("RACKBEAT_TO_TARGET", "RACKBEAT_TO_TARGET", "RACKBEAT_TO_TARGET", "OFF", "RACKBEAT")
