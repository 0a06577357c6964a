"""the organiser's decision of a top-partner tie (L-16), kept on the settlement's draft through its re-runs: "all"
(each tied partner is paid) or the id of the partner it is awarded to, with the ids of the tie it decided

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 08:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('settlements') as batch:
        batch.add_column(sa.Column('tie_award', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('settlements') as batch:
        batch.drop_column('tie_award')
