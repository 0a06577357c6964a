"""a sub-processor remembers the moment it was announced (C-07): an organiser that joined earlier the same day was
told of it and must consent before its data goes there; one that joined later joined with it on the list

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 19:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sub_processors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('sub_processors', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
