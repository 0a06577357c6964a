"""FORMATS.md, scheduled work: `flask jobs run` settles "finished periods where automatic". A period with a
`settle_on` day is drafted by the daily job on that day (L-17, as of it, so a late or repeated run drafts the same
statement); staff review and approve it as any draft. Without `settle_on`, staff run the settlement themselves."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.leads.models import Settlement, SettlementLine
from tests.leads.conftest import ROOT, Campaign, lead_row, partner_row


def _preset(tmp_path, settle_on: str | None = "2018-10-25"):
    folder = tmp_path / "distributor"
    shutil.copytree(ROOT / "tenants" / "distributor", folder)
    if settle_on is not None:
        toml = folder / "programme.toml"
        text = toml.read_text(encoding="utf-8")
        marker = "payout_by = 2018-10-31"
        assert marker in text
        toml.write_text(text.replace(marker, f"{marker}\nsettle_on = {settle_on}", 1), encoding="utf-8")
    return folder


def _sold(campaign: Campaign) -> None:
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("A1", 1, 1))
    campaign.decide("A1,qualified,2018-08-13,")
    campaign.sales("A1,2018-08-20,O365,annual,20,1000.00,0,yes")


def _settlements():
    return db.session.scalars(select(Settlement).execution_options(include_all_tenants=True)).all()


def _lines():
    rows = db.session.scalars(select(SettlementLine).execution_options(include_all_tenants=True)
                              .order_by(SettlementLine.line, SettlementLine.ref)).all()
    return [(r.line, r.ref, r.amount, r.status) for r in rows]


def test_L17_jobs_run_drafts_a_period_on_its_settle_on_day_once(app, tmp_path):
    campaign = Campaign(app, tmp_path, _preset(tmp_path))
    _sold(campaign)
    before = campaign.run("jobs", "run", "distributor", "--as-of", "2018-10-24")
    assert before.exit_code == 0, before.output
    assert _settlements() == []
    on_day = campaign.run("jobs", "run", "distributor", "--as-of", "2018-10-25")
    assert on_day.exit_code == 0 and "settlements_due" in on_day.output and "changed=1" in on_day.output
    db.session.expire_all()
    [draft] = _settlements()
    assert (draft.period, draft.status, str(draft.as_of), draft.runs) == (1, "draft", "2018-10-25", 1)
    drafted = _lines()
    assert ("reward", "A1", 120, "payable") in [(a, b, int(c), d) for a, b, c, d in drafted]  # 12 % of 1,000.00
    # the same statement as staff running it as of that day; a repeated or late run changes nothing
    for day in ("2018-10-25", "2018-11-02"):
        again = campaign.run("jobs", "run", "distributor", "--as-of", day)
        assert again.exit_code == 0, again.output
    db.session.expire_all()
    assert [(s.runs, str(s.as_of)) for s in _settlements()] == [(1, "2018-10-25")]
    result, rows = campaign.settle(1, "2018-10-25")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _lines() == drafted
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0


def test_L17_a_draft_staff_already_ran_is_left_as_they_ran_it(app, tmp_path):
    campaign = Campaign(app, tmp_path, _preset(tmp_path))
    _sold(campaign)
    campaign.settle(1, "2018-10-05")
    assert campaign.run("jobs", "run", "distributor", "--as-of", "2018-10-26").exit_code == 0
    db.session.expire_all()
    assert [(s.runs, str(s.as_of)) for s in _settlements()] == [(1, "2018-10-05")]


def test_L17_without_settle_on_staff_settle_themselves(app, tmp_path):
    campaign = Campaign(app, tmp_path)
    _sold(campaign)
    assert campaign.run("jobs", "run", "distributor", "--as-of", "2019-03-01").exit_code == 0
    assert _settlements() == []


@pytest.mark.parametrize("day", ["2018-09-30", "2018-11-01"])
def test_E01_L17_settle_on_falls_after_the_sales_and_by_the_payout(app, tmp_path, day):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "create", str(_preset(tmp_path, day))])
    assert result.exit_code != 0
    assert "settlement_periods[1].settle_on" in result.output
