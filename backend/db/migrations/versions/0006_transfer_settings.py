"""transfer settings: webshop customer number offset and matching, updating existing customers, invoice numbers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 14:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('integration_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_number_offset', sa.Integer(), nullable=False, server_default='100000'))
        batch_op.add_column(sa.Column('customer_match', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False,
                                      server_default='CUSTOMER_NUMBER'))
        batch_op.add_column(sa.Column('update_existing_customers', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('invoice_number_source', sqlmodel.sql.sqltypes.AutoString(length=20),
                                      nullable=False, server_default='TARGET'))


def downgrade() -> None:
    with op.batch_alter_table('integration_settings', schema=None) as batch_op:
        batch_op.drop_column('invoice_number_source')
        batch_op.drop_column('update_existing_customers')
        batch_op.drop_column('customer_match')
        batch_op.drop_column('customer_number_offset')
