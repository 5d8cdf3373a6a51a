"""setting values named as documented: syncCustomers/… RACKBEAT_TO_TARGET (was SOURCE_TO_TARGET), startOrderFlowFrom
RACKBEAT (was SOURCE); these settings exist for Rackbeat sources only

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNC_COLUMNS = ('sync_customers', 'sync_suppliers', 'sync_products', 'sync_boms')
RENAMES = [(column, 'SOURCE_TO_TARGET', 'RACKBEAT_TO_TARGET') for column in SYNC_COLUMNS] + [
    ('start_order_flow_from', 'SOURCE', 'RACKBEAT')]


def _rename(old_index: int, new_index: int) -> None:
    for rename in RENAMES:
        column, old, new = rename[0], rename[old_index], rename[new_index]
        op.execute(sa.text(f"UPDATE integration_settings SET {column} = :new WHERE {column} = :old")
                   .bindparams(new=new, old=old))
    with op.batch_alter_table('integration_settings', schema=None) as batch_op:
        for rename in RENAMES:
            batch_op.alter_column(rename[0], server_default=rename[new_index])


def upgrade() -> None:
    _rename(1, 2)


def downgrade() -> None:
    _rename(2, 1)
