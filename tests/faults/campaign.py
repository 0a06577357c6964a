"""A small lead campaign on the distributor preset, settleable as of 2018-10-05 (period 1)."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.leads.models import Settlement, SettlementLine
from portal.privacy.models import AuditEntry
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.leads.conftest import Campaign, lead_row, partner_row

PARTNERS, LEADS = 5, 30


def settleable(app, tmp_path) -> Tenant:
    campaign = Campaign(app, tmp_path)
    assert campaign.partners(*(partner_row(p) for p in range(1, PARTNERS + 1))).exit_code == 0
    refs = [f"K{i}" for i in range(LEADS)]
    assert campaign.leads(*(lead_row(ref, 1 + i % PARTNERS, i) for i, ref in enumerate(refs))).exit_code == 0
    assert campaign.decide(*(f"{ref},qualified,2018-08-13," for ref in refs)).exit_code == 0
    sales = campaign.sales(*(f"{ref},2018-08-{20 + i % 9},O365,annual,20,{1000 + 37 * i}.00,0,yes"
                             for i, ref in enumerate(refs)))
    assert sales.exit_code == 0, sales.output
    return db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()


def statement(tenant: Tenant, period: int = 1) -> tuple[int | None, list[tuple]]:
    """(runs, every line as stored) of the period; (None, []) when it was never settled."""
    db.session.rollback()
    with use_tenant(tenant.id):
        run = db.session.scalars(select(Settlement).where(Settlement.period == period)).first()
        if run is None:
            return None, []
        lines = db.session.execute(select(
            SettlementLine.partner_nip, SettlementLine.ref, SettlementLine.line, SettlementLine.rule,
            SettlementLine.base, SettlementLine.rate, SettlementLine.amount, SettlementLine.status,
            SettlementLine.reason).where(SettlementLine.settlement_id == run.id)).all()
        return run.runs, sorted(map(tuple, lines), key=repr)


def audited_runs(tenant: Tenant) -> int:
    db.session.rollback()
    with use_tenant(tenant.id):
        return len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "settlement.run")).all())
