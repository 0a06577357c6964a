"""an erasure log names where its residue scan found the subject's identifiers still written (table, row id,
columns — never the values), so the DPO knows what to look at before closing the request (G-05)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 12:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('erasure_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('residue_rows', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('erasure_logs', 'residue_rows')  # plain ALTER … DROP COLUMN, as 0020 (SQLite ≥ 3.35 has it)
