"""residue indexes: the erasure's residue scan answers from a trigram index per tenant table (PostgreSQL)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 13:00:00.000000

"""
from alembic import op

from portal.extensions import db
from portal.privacy.residues import drop_indexes, ensure_indexes

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    ensure_indexes(op.get_bind(), db.metadata)


def downgrade():
    drop_indexes(op.get_bind(), db.metadata)
