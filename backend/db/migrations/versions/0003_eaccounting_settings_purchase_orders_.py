"""eaccounting settings, purchase orders, transfer notes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:31:51.978389
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('integration_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eaccounting_invoice_status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False, server_default='INVOICED'))
        batch_op.add_column(sa.Column('start_order_flow_from', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='SOURCE'))
        batch_op.add_column(sa.Column('use_exact_quantity', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('transfer_purchase_orders', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_column('notes')

    with op.batch_alter_table('integration_settings', schema=None) as batch_op:
        batch_op.drop_column('transfer_purchase_orders')
        batch_op.drop_column('use_exact_quantity')
        batch_op.drop_column('start_order_flow_from')
        batch_op.drop_column('eaccounting_invoice_status')

