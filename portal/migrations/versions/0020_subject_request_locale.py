"""a data-subject request keeps its requester's language (SPEC §9, G-02): the mails to someone without an account,
or to an erased account, are in the language the request was filed in, not always the organiser's

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 06:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))


def downgrade():
    # a plain ALTER … DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy of the table would drop and re-create
    # ``subject_requests``, which the foreign key of export bundles refuses while the table holds rows
    op.drop_column('subject_requests', 'locale')
