"""devices remember the day the organiser asked for the proof of purchase and installation (P-10): the participant
sees the request next to the device and can add the proof later

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 11:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proof_requested_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('proof_requested_on')
