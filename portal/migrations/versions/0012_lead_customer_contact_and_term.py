"""lead customer contact and term: a referral (SPEC §7) names the person at the customer and the expected term

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from portal.extensions import db
from portal.privacy.residues import ensure_indexes

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TEXT_COLUMNS = (('customer_contact_first_name', 100), ('customer_contact_last_name', 100),
                ('customer_contact_phone', 30), ('customer_contact_email', 254))


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        for name, length in TEXT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), server_default='', nullable=False))
        batch_op.add_column(sa.Column('term_months', sa.Integer(), nullable=True))
    # the residue scan's index covers the personal text columns of the table, these included
    ensure_indexes(op.get_bind(), db.metadata)


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('term_months')
        for name, _ in reversed(TEXT_COLUMNS):
            batch_op.drop_column(name)
    ensure_indexes(op.get_bind(), db.metadata)
