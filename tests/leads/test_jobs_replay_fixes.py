"""C-04 "the tenant becomes read-only" for the lead-reward commands (FORMATS.md): once the organiser's contract has
ended, every command that writes exits 1 with the rule and the first read-only day, and writes nothing; the daily
jobs go on (the export window and the deletion need them)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.leads.models import Lead, Partner
from tests.leads.conftest import ROOT, lead_row, nip, partner_row


def _refused(result) -> None:
    assert result.exit_code == 1, result.output
    assert "C-04" in result.output and "read-only from 2026-03-02" in result.output


def test_C04_write_commands_are_refused_on_a_read_only_lead_tenant(campaign, tmp_path):
    assert campaign.partners(partner_row(1)).exit_code == 0
    assert campaign.leads(lead_row("A1", 1, 1)).exit_code == 0
    ended = campaign.run("contracts", "end", "distributor", "--on", "2026-03-02", "--ground", "mutual")
    assert ended.exit_code == 0, ended.output
    _refused(campaign.partners(partner_row(2)))
    _refused(campaign.leads(lead_row("A2", 1, 2)))
    _refused(campaign.decide("A1,qualified,2018-08-14,"))
    _refused(campaign.flags(f"{nip(105)},holds_m365"))
    _refused(campaign.sales("A1,2018-08-20,O365,annual,20,1000.00,12,no"))
    out = tmp_path / "settlement.csv"
    _refused(campaign.run("settlement", "run", "distributor", "--period", "1", "--as-of", "2018-10-01",
                          "--out", out))
    assert not out.exists()
    _refused(campaign.run("settlement", "approve", "distributor", "--period", "1"))
    _refused(campaign.run("programme", "load", "distributor", ROOT / "tenants" / "distributor" / "programme.toml"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 1
    assert db.session.scalars(select(Lead.status)).all() == ["pending"]
    jobs = campaign.run("jobs", "run", "distributor", "--as-of", "2026-03-03")
    assert jobs.exit_code == 0, jobs.output
