"""entity sync settings and rerun flag

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:12:42.463285
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('integration_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sync_customers', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='SOURCE_TO_TARGET'))
        batch_op.add_column(sa.Column('sync_suppliers', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='SOURCE_TO_TARGET'))
        batch_op.add_column(sa.Column('sync_products', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='SOURCE_TO_TARGET'))
        batch_op.add_column(sa.Column('sync_boms', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='SOURCE_TO_TARGET'))

    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rerun_requested', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_column('rerun_requested')

    with op.batch_alter_table('integration_settings', schema=None) as batch_op:
        batch_op.drop_column('sync_boms')
        batch_op.drop_column('sync_products')
        batch_op.drop_column('sync_suppliers')
        batch_op.drop_column('sync_customers')

