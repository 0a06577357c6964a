"""reward orders remember the day of their last failed delivery (P-25): a reward shipped again after a failed
delivery is not dated before that failure, so the failures and the shipment that follows stay in order

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 21:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reward_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_failed_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('reward_orders', schema=None) as batch_op:
        batch_op.drop_column('last_failed_on')
