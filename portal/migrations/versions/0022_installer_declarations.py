"""an installer's joining declarations (P-01): installs or services heating devices, of age — the organiser decides
an applicant outside the usual group knowing which answer put them there

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 16:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('installers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_heating', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('declared_adult', sa.Boolean(), nullable=True))


def downgrade():
    op.drop_column('installers', 'declared_adult')  # plain ALTER … DROP COLUMN, as 0020 (SQLite ≥ 3.35 has it)
    op.drop_column('installers', 'declared_heating')
