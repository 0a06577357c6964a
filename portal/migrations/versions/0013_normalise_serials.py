"""serial numbers as P-05 compares them: no spaces, upper case ("sn 1" is "SN1"); the duplicate check can then
look a serial up by the (tenant_id, serial) unique index. A row whose normalised serial another row of its tenant
already holds (the same device registered twice in another case before the check caught it) keeps its spelling.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 19:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _normalised(value: str) -> str:
    return "".join(value.split()).upper()


def upgrade():
    normalise(op.get_bind())


def normalise(conn) -> None:
    """Rewrite every serial that is not in its normalised form, unless its tenant already holds that form."""
    devices = sa.table("devices", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                       sa.column("serial", sa.String))
    rows = conn.execute(sa.select(devices.c.id, devices.c.tenant_id, devices.c.serial)).all()
    taken = {(tenant_id, serial) for _id, tenant_id, serial in rows}
    for row_id, tenant_id, serial in rows:
        clean = _normalised(serial)
        if clean == serial or (tenant_id, clean) in taken:
            continue
        conn.execute(devices.update().where(devices.c.id == row_id).values(serial=clean))
        taken.discard((tenant_id, serial))
        taken.add((tenant_id, clean))


def downgrade():
    pass  # the original spellings are not kept; normalised serials are valid serials
