"""one open lead per customer (L-04 under concurrency): a partial unique index on leads (tenant_id, customer_nip)
for the leads that are not rejected and not erased, so two partners registering the same customer at the same
instant cannot both succeed; the submission that loses is refused with the L-04 reason

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 20:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OPEN = "status <> 'rejected' AND customer_nip <> ''"


def upgrade():
    taken = op.get_bind().execute(sa.text(
        f"SELECT tenant_id, min(id), max(id), count(*) FROM leads WHERE {OPEN} "
        "GROUP BY tenant_id, customer_nip HAVING count(*) > 1")).all()
    if taken:
        # leads stored twice by an earlier race: the organiser decides which one stands (reject the other); the
        # message names lead ids only, never the customer's NIP (personal data stays out of logs, G-05)
        raise RuntimeError("cannot add the L-04 index: some customers have more than one open lead; reject all but "
                           "one of each and migrate again: "
                           + ", ".join(f"tenant {t}: leads {a}…{b} ({n})" for t, a, b, n in taken))
    op.create_index('uq_leads_open_customer', 'leads', ['tenant_id', 'customer_nip'], unique=True,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade():
    op.drop_index('uq_leads_open_customer', table_name='leads')
