"""Settlement across periods when the vendor's report comes late or changes after an approval (L-14, L-15, L-19) and
while a partner is restricted (G-07): the statement of the next period lists what the late report brings, pays the
new-partner bonus it earns, counts each lead once in its month's limit, and holds a restricted partner's lines."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.leads.models import Partner
from portal.tenancy.guard import use_tenant
from tests.leads.conftest import ROOT, Campaign, lead_row, nip, partner_row
from tests.leads.test_pages import _setup


def _lines(rows: list[dict], **match) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def _approve(campaign, period: int) -> None:
    result = campaign.run("settlement", "approve", "distributor", "--period", period)
    assert result.exit_code == 0, result.output


def test_L15_L19_a_realised_lead_reported_after_its_period_was_approved_is_listed_next_and_earns_the_bonus(
        app, campaign):
    _setup(app, "2018-10-05")
    assert campaign.partners(partner_row(1)).exit_code == 0
    assert campaign.leads(lead_row("T1", 1, 1, "O365", "monthly", 10, "2018-08-01")).exit_code == 0
    assert campaign.decide("T1,qualified,2018-08-02,").exit_code == 0
    _, first = campaign.settle(1, "2018-10-05")
    assert _lines(first, ref="T1") == []  # no sale reported yet
    _approve(campaign, 1)
    _setup(app, "2018-12-28")
    # the vendor's report, late: a sale in period 1's dates, 2 months of consumption (paid from 3, L-11)
    assert campaign.sales("T1,2018-09-20,O365,monthly,10,900.00,2,yes").exit_code == 0
    _, second = campaign.settle(2, "2018-12-28")
    reward = _lines(second, ref="T1", line="reward")
    assert len(reward) == 1 and reward[0]["status"] == "not_paid" and reward[0]["reason"]
    bonus = _lines(second, line="new_partner_bonus", partner_nip=nip(1))
    assert [(b["amount"], b["status"]) for b in bonus] == [("365.00", "payable")]


def _three_periods(tmp_path):
    preset = tmp_path / "preset"
    shutil.copytree(ROOT / "tenants" / "distributor", preset)
    toml = preset / "programme.toml"
    text = toml.read_text(encoding="utf-8")
    second = "number = 2\nsales_from = 2018-10-01\nsales_until = 2018-12-27\npayout_by = 2019-02-28\n"
    assert second in text
    toml.write_text(text.replace(second, "number = 2\nsales_from = 2018-10-01\nsales_until = 2018-11-30\n"
                                         "payout_by = 2018-12-31\n\n[[settlement_periods]]\nnumber = 3\n"
                                         "sales_from = 2018-12-01\nsales_until = 2018-12-27\n"
                                         "payout_by = 2019-02-28\n"), encoding="utf-8")
    return preset


def test_L14_a_lead_paid_more_later_still_holds_one_place_in_its_months_limit(app, tmp_path):
    campaign = Campaign(app, tmp_path, _three_periods(tmp_path))
    _setup(app, "2019-03-01")
    assert campaign.partners(partner_row(1)).exit_code == 0
    assert campaign.leads(*[lead_row(f"A{i}", 1, i, "O365", "annual", 10, "2018-08-01")
                            for i in range(1, 6)]).exit_code == 0
    assert campaign.decide(*[f"A{i},qualified,2018-08-02," for i in range(1, 6)]).exit_code == 0
    assert campaign.sales(*[f"A{i},2018-09-0{i},O365,annual,10,1000.00,0,yes" for i in range(1, 5)]).exit_code == 0
    _, first = campaign.settle(1, "2018-10-05")
    assert len(_lines(first, line="reward", status="payable")) == 4
    _approve(campaign, 1)
    _setup(app, "2018-12-05")
    more = campaign.sales("A1,2018-10-10,O365,annual,5,500.00,0,no")  # more licences for A1
    assert more.exit_code == 0, more.output
    _, second = campaign.settle(2, "2018-12-05")
    assert [r["amount"] for r in _lines(second, ref="A1", line="reward")] == ["60.00"]
    _approve(campaign, 2)
    _setup(app, "2018-12-28")
    assert campaign.sales("A5,2018-09-05,O365,annual,10,1000.00,0,yes").exit_code == 0  # the late report
    _, third = campaign.settle(3, "2018-12-28")
    a5 = _lines(third, ref="A5", line="reward")
    assert [(r["amount"], r["status"]) for r in a5] == [("120.00", "payable")]  # the 5th lead of September


def test_G07_a_restricted_partner_gets_no_clawback_until_the_restriction_is_lifted(app, campaign):
    tenant = _setup(app, "2019-03-01")
    assert campaign.partners(partner_row(1), partner_row(2)).exit_code == 0
    assert campaign.leads(lead_row("A1", 1, 1, "O365", "annual", 20, "2018-08-01"),
                          lead_row("B1", 2, 3, "O365", "annual", 20, "2018-08-01")).exit_code == 0
    assert campaign.decide("A1,qualified,2018-08-02,", "B1,qualified,2018-08-02,").exit_code == 0
    assert campaign.sales("A1,2018-08-02,O365,annual,20,1000.00,0,yes",
                          "B1,2018-08-03,O365,annual,20,1000.00,0,yes").exit_code == 0
    campaign.settle(1, "2018-10-05")
    _approve(campaign, 1)
    assert campaign.sales("A1,2018-08-02,O365,annual,20,500.00,0,yes").exit_code == 0  # reduced after approval
    with use_tenant(tenant.id):
        db.session.scalars(select(Partner).where(Partner.nip == nip(1))).one().restricted_at = \
            datetime(2018, 11, 1, tzinfo=UTC)
        db.session.commit()
    _, second = campaign.settle(2, "2018-12-28")
    assert _lines(second, partner_nip=nip(1)) == []
    with use_tenant(tenant.id):
        db.session.scalars(select(Partner).where(Partner.nip == nip(1))).one().restricted_at = None
        db.session.commit()
    _, again = campaign.settle(2, "2018-12-28")
    assert [r["amount"] for r in _lines(again, ref="A1", line="reward")] == ["-60.00"]
