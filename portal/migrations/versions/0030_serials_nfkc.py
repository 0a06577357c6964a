"""serial numbers as P-05 now compares them: full-width characters as their plain forms (NFKC) and no invisible
format characters (a zero-width space, a soft hyphen), besides no spaces and upper case — so the (tenant_id, serial)
unique index answers for a serial stored before. A row whose normalised serial another row of its tenant already
holds keeps its spelling, as in 0013.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 20:00:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def _normalised(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf").upper()


def upgrade():
    devices = sa.table("devices", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                       sa.column("serial", sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(devices.c.id, devices.c.tenant_id, devices.c.serial)).all()
    taken = {(tenant_id, serial) for _id, tenant_id, serial in rows}
    for row_id, tenant_id, serial in rows:
        clean = _normalised(serial)
        if not clean or clean == serial or (tenant_id, clean) in taken:
            continue
        conn.execute(devices.update().where(devices.c.id == row_id).values(serial=clean))
        taken.discard((tenant_id, serial))
        taken.add((tenant_id, clean))


def downgrade():
    pass  # the original spellings are not kept; normalised serials are valid serials
