"""points entries' note is personal: the organiser's reason for a revocation (P-09) is text about the participant,
so the erasure masks it and its residue scan reads it (a trigram index on PostgreSQL)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 16:40:00.000000

"""
from alembic import op

from portal.extensions import db
from portal.privacy.residues import ensure_indexes

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    ensure_indexes(op.get_bind(), db.metadata)


def downgrade():
    op.execute('DROP INDEX IF EXISTS "ix_points_entries_residue"')
