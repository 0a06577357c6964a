"""an erasure log may be of a contact person without an account (G-05): their erasure is scanned for residues and
logged as an account's is, with no account to name

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 19:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('erasure_logs', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute('DELETE FROM erasure_logs WHERE user_id IS NULL')
    with op.batch_alter_table('erasure_logs', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
