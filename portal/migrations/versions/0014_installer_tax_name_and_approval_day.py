"""installers keep the name for the PIT-8C form with the tax data (P-29: kept 5 years like the NIP/PESEL, while the
account's own name is erased when the participant leaves), and the day the organiser approved them (P-01, P-32: the
three months without points count from it)

The name of every participant who already gave the tax data is copied from the account (when not erased yet).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from portal.extensions import db
from portal.privacy.residues import ensure_indexes

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('installers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('tax_first_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('tax_last_name', sa.String(length=100), nullable=True))
    op.execute("UPDATE installers SET "
               "tax_first_name = (SELECT NULLIF(users.first_name, '') FROM users WHERE users.id = installers.user_id), "
               "tax_last_name = (SELECT NULLIF(users.last_name, '') FROM users WHERE users.id = installers.user_id) "
               "WHERE installers.tax_id IS NOT NULL")
    # the residue scan's index covers the personal text columns of the table, these included
    ensure_indexes(op.get_bind(), db.metadata)


def downgrade():
    with op.batch_alter_table('installers', schema=None) as batch_op:
        batch_op.drop_column('tax_last_name')
        batch_op.drop_column('tax_first_name')
        batch_op.drop_column('approved_on')
    ensure_indexes(op.get_bind(), db.metadata)
