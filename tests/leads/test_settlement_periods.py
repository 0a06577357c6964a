"""Across settlement periods: what one period could not pay, a later one pays once (L-11, L-12, L-15, L-17, L-18)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.leads.conftest import lead_row, partner_row
from tests.leads.test_campaign_commands import by_ref


def _approve(campaign, period: int):
    return campaign.run("settlement", "approve", "distributor", "--period", period)


def test_L12_a_lead_above_500_licences_is_paid_as_one_of_500(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("B1", 1, 1, "M365", "annual", 600), lead_row("B2", 1, 2, "O365", "monthly", 600))
    campaign.decide("B1,qualified,2018-08-13,", "B2,qualified,2018-08-13,")
    campaign.sales("B1,2018-08-20,M365,annual,600,60000.00,0,yes", "B2,2018-08-21,O365,monthly,600,6000.00,3,yes")
    result, rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    lines = by_ref(rows)
    # the 151–500 band at 2 %, on the value of 500 of the 600 licences: 60000 × 500/600 = 50000.00
    assert (lines["B1"]["rule"], lines["B1"]["base"], lines["B1"]["rate"], lines["B1"]["amount"],
            lines["B1"]["status"]) == ("L-12", "50000.00", "0.02", "1000.00", "payable")
    assert (lines["B2"]["base"], lines["B2"]["amount"], lines["B2"]["status"]) == ("5000.00", "100.00", "payable")


def test_L17_a_monthly_lead_too_young_in_period_one_is_paid_in_period_two_from_its_consumption(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("M1", 1, 1, "O365", "monthly", 20))
    campaign.decide("M1,qualified,2018-08-13,")
    campaign.sales("M1,2018-08-20,O365,monthly,20,600.00,1,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert (by_ref(rows)["M1"]["status"], by_ref(rows)["M1"]["amount"]) == ("not_paid", "0.00")
    # L-15: the sale realised the partner's first lead — its bonus is paid now, not when the lead itself is
    assert [(r["ref"], r["amount"]) for r in rows if r["line"] == "new_partner_bonus"] == [("M1", "365.00")]
    assert _approve(campaign, 1).exit_code == 0
    campaign.sales("M1,2018-08-20,O365,monthly,20,2000.00,5,yes")  # the vendor's report at the second settlement
    _, rows = campaign.settle(2, "2019-01-10")
    line = by_ref(rows)["M1"]
    assert (line["base"], line["rate"], line["amount"], line["status"]) == ("2000.00", "0.10", "200.00", "payable")
    assert [r for r in rows if r["line"] == "new_partner_bonus"] == []  # paid once, in period 1


def test_L17_leads_of_period_one_that_stay_unpaid_are_not_listed_again(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("R1", 1, 1), lead_row("R2", 1, 2))
    campaign.decide("R1,rejected,2018-08-13,duplicate of an existing customer", "R2,qualified,2018-08-13,")
    campaign.sales("R1,2018-08-20,O365,annual,20,1000.00,0,yes", "R2,2018-08-21,O365,annual,2,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert {r["ref"] for r in rows if r["line"] == "reward"} == {"R1", "R2"}
    _approve(campaign, 1)
    _, rows = campaign.settle(2, "2019-01-10")
    assert [r for r in rows if r["line"] == "reward"] == []


def test_L18_a_payout_withheld_for_arrears_is_released_once_the_arrears_are_paid(campaign):
    campaign.partners(partner_row(2, "arrears"))
    campaign.leads(lead_row("W1", 2, 1))
    campaign.decide("W1,qualified,2018-08-13,")
    campaign.sales("W1,2018-08-20,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert (by_ref(rows)["W1"]["status"], by_ref(rows)["W1"]["amount"]) == ("withheld", "120.00")
    _approve(campaign, 1)
    _, rows = campaign.settle(2, "2019-01-10")  # still in arrears: still withheld, still listed
    assert by_ref(rows)["W1"]["status"] == "withheld"
    assert campaign.partners(partner_row(2)).exit_code == 0  # the ERP import clears the flag
    _, rows = campaign.settle(2, "2019-01-10")
    assert (by_ref(rows)["W1"]["status"], by_ref(rows)["W1"]["amount"]) == ("payable", "120.00")
    bonus = [(r["amount"], r["status"]) for r in rows if r["line"] == "new_partner_bonus"]
    assert bonus == [("365.00", "payable")]
    assert not [r for r in rows if r["rule"] == "L-19"]  # nothing was paid, so nothing is clawed back
    _approve(campaign, 2)


def test_L15_the_new_partner_bonus_is_paid_once_even_when_period_one_is_still_a_draft(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1), lead_row("S2", 1, 2, submitted="2018-10-10"))
    campaign.decide("S1,qualified,2018-08-13,", "S2,qualified,2018-10-12,")
    campaign.sales("S1,2018-08-20,O365,annual,20,1000.00,0,yes", "S2,2018-12-27,O365,annual,20,1000.00,0,yes")
    _, first = campaign.settle(1, "2018-10-05")
    _, second = campaign.settle(2, "2019-01-10")
    bonuses = [r["ref"] for rows in (first, second) for r in rows if r["line"] == "new_partner_bonus"]
    assert bonuses == ["S1"]
    # and periods are approved in order, so period 2 cannot be paid before period 1
    refused = _approve(campaign, 2)
    assert refused.exit_code != 0 and "period 1 first" in refused.output
    assert _approve(campaign, 1).exit_code == 0 and _approve(campaign, 2).exit_code == 0


def test_L07_L08_a_carried_over_lead_is_due_five_business_days_after_it_enters_the_campaign(campaign, app):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.leads.models import Lead

    app.extensions["clock"].at = datetime(2018, 8, 6, 10, tzinfo=UTC)  # Monday of the campaign's first full week
    campaign.partners(partner_row(1))
    assert campaign.leads(lead_row("OLD", 1, 1, submitted="2018-05-10")).exit_code == 0
    lead = db.session.scalars(select(Lead).where(Lead.ref == "OLD")).one()
    assert (lead.submitted_on, lead.due_on) == (date(2018, 5, 10), date(2018, 8, 13))
