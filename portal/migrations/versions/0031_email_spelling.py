"""account addresses in the one spelling they are now looked up in (SPEC §2: one account per address at an
organiser): email_validator's normalised form (the local part in NFC, the domain as IDNA maps it, in ASCII),
lower-cased. An address that another account of its organiser already holds in that spelling keeps its own, as
serials did in 0013.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 22:30:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def _normalised(value: str) -> str:
    address = value.strip()
    try:
        checked = validate_email(address, check_deliverability=False)
        address = checked.ascii_email or checked.normalized
    except EmailNotValidError:
        address = unicodedata.normalize("NFC", address)
    return address.lower()


def _renormalise(table: sa.Table, scope: str | None) -> None:
    conn = op.get_bind()
    columns = [table.c.id, table.c.email] + ([table.c[scope]] if scope else [])
    rows = conn.execute(sa.select(*columns)).all()
    taken = {(row[2] if scope else None, row[1]) for row in rows}
    for row in rows:
        owner, address = (row[2] if scope else None), row[1]
        clean = _normalised(address or "")
        if not address or clean == address or (owner, clean) in taken:
            continue
        conn.execute(table.update().where(table.c.id == row[0]).values(email=clean))
        taken.discard((owner, address))
        taken.add((owner, clean))


def upgrade():
    _renormalise(sa.table("users", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                          sa.column("email", sa.String)), "tenant_id")
    _renormalise(sa.table("operators", sa.column("id", sa.Integer), sa.column("email", sa.String)), None)


def downgrade():
    pass  # the earlier spellings are not kept; each normalised address is the same address
