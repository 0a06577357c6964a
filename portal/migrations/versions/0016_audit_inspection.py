"""processing audits keep their form — the questionnaire (DPA §5.2) or, after it, an audit in another form such as an
inspection (DPA §5.3) — and the agreed day an inspection starts (no sooner than 10 business days after the request)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 17:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form', sa.String(length=20), nullable=False, server_default='questionnaire'))
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_requests', schema=None) as batch_op:
        batch_op.drop_column('starts_on')
        batch_op.drop_column('form')
