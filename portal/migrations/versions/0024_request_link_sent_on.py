"""a public data-subject request remembers the day its one-time link was mailed (G-02): the link's 7 days count
from then, not from a receipt day the organiser backdated

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 22:55:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_sent_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('subject_requests', schema=None) as batch_op:
        batch_op.drop_column('link_sent_on')
