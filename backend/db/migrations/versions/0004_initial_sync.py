"""initial sync: run, entity progress, records

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 14:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('initial_sync',
    sa.Column('integration_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('entities', sa.JSON(), nullable=False),
    sa.Column('started_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('job_seq', sa.Integer(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('current_entity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('integration_id')
    )
    op.create_table('initial_sync_entity',
    sa.Column('integration_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('linked', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['initial_sync.integration_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('integration_id', 'entity')
    )
    op.create_table('initial_sync_record',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('integration_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('target_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['initial_sync.integration_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('integration_id', 'entity', 'source_key', name='uq_initial_sync_record')
    )
    op.create_index('ix_initial_sync_record_status', 'initial_sync_record', ['integration_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_initial_sync_record_status', table_name='initial_sync_record')
    op.drop_table('initial_sync_record')
    op.drop_table('initial_sync_entity')
    op.drop_table('initial_sync')
