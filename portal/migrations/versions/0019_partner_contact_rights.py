"""a partner without an account (imported) keeps its contact person's restriction (G-07) and consent withdrawal
(G-08) on its own row

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 03:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restricted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # a plain ALTER … DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy of the table would drop and re-create
    # ``partners``, which the foreign keys of leads and settlement lines refuse while the table holds rows
    op.drop_column('partners', 'consent_withdrawn_at')
    op.drop_column('partners', 'restricted_at')
