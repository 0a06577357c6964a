"""a breach's approximate numbers of people and records may be not yet known (DPA §4.11.2: told later), kept as
NULL rather than as a 0 the DPO would read as "nobody"

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 17:05:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

TABLES = ('platform_breaches', 'breach_records')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ('people', 'records'):
                batch_op.alter_column(column, existing_type=sa.Integer(), nullable=True)


def downgrade():
    for table in TABLES:
        op.execute(sa.text(f"UPDATE {table} SET people = COALESCE(people, 0), records = COALESCE(records, 0)"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ('people', 'records'):
                batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False)
