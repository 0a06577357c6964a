"""Defects found by the lead-reward audit: the cap over several sales (L-12), amounts reproducible from the
shown base (E-04), decisions dated in the future (L-07), each lead counted once in the standings (L-16)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.leads.models import Sale
from portal.leads.service import settlement as settlement_service
from portal.tenancy import service as tenants
from portal.tenancy.guard import set_current_tenant
from tests.leads.conftest import lead_row, partner_row
from tests.leads.test_campaign_commands import by_ref


def _approve(campaign, period: int):
    result = campaign.run("settlement", "approve", "distributor", "--period", period)
    assert result.exit_code == 0, result.output


def _in_distributor(app):
    ctx = app.app_context()
    ctx.push()
    set_current_tenant(tenants.by_slug("distributor").id)
    return ctx


# ---------------------------------------------------------------- L-12


def _two_sales_of_300(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("C1", 1, 1, "M365", "annual", 300))
    campaign.decide("C1,qualified,2018-08-13,")
    result = campaign.sales("C1,2018-08-20,M365,annual,300,30000.00,0,yes",
                            "C1,2018-08-27,M365,annual,300,30000.00,0,yes")
    assert result.exit_code == 0, result.output


def test_L12_the_cap_counts_the_licences_of_all_the_leads_sales(campaign):
    """Two sales of 300 licences are 600 licences: the base is the value of 500 of them, 60000 × 500/600."""
    _two_sales_of_300(campaign)
    result, rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    line = by_ref(rows)["C1"]
    assert (line["rule"], line["base"], line["rate"], line["amount"], line["status"]) == (
        "L-12", "50000.00", "0.02", "1000.00", "payable")
    assert line["reason"].endswith("base capped at 500 licences")


def test_L12_the_database_and_the_python_realisation_agree_on_the_licences(campaign, app):
    _two_sales_of_300(campaign)
    ctx = _in_distributor(app)
    try:
        [(lead, in_sql)] = settlement_service._realisations(date(2018, 8, 1), date(2018, 9, 30))
        in_python = settlement_service.Realisation.of(list(db.session.scalars(select(Sale))))
        assert (in_sql.licences, in_sql.value) == (in_python.licences, in_python.value) == (600, Decimal("60000.00"))
    finally:
        ctx.pop()


def test_L12_L19_a_capped_lead_paid_in_period_one_is_not_clawed_back_in_period_two(campaign):
    """The clawback re-evaluates the paid lead from its sales: it must see the same capped amount, not less."""
    _two_sales_of_300(campaign)
    campaign.settle(1, "2018-10-05")
    _approve(campaign, 1)
    result, rows = campaign.settle(2, "2019-01-10")
    assert result.exit_code == 0, result.output
    assert [r for r in rows if r["rule"] == "L-19"] == []


# ---------------------------------------------------------------- E-04


def test_E04_the_amount_is_the_shown_base_times_the_rate_rounded_half_up(campaign):
    """1000.01 for 503 licences: base 1000.01 × 500/503 = 994.0457… shown as 994.05; 10 % of 994.05 is 99.405,
    so the line pays 99.41 (from the unrounded base it would be 99.40, a grosz off what the line shows)."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("E1", 1, 1, "O365", "monthly", 20))
    campaign.decide("E1,qualified,2018-08-13,")
    campaign.sales("E1,2018-08-20,O365,monthly,503,1000.01,3,yes")
    result, rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    line = by_ref(rows)["E1"]
    assert (line["rule"], line["base"], line["rate"], line["amount"]) == ("L-12", "994.05", "0.10", "99.41")


def test_E04_every_payable_line_is_reproducible_from_its_base_and_rate(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(*(lead_row(f"R{i}", 1, i, "O365", "annual", 20) for i in range(1, 5)))
    campaign.decide(*(f"R{i},qualified,2018-08-13," for i in range(1, 5)))
    campaign.sales("R1,2018-08-20,O365,annual,503,1000.01,0,yes", "R2,2018-08-21,O365,annual,777,1234.56,0,yes",
                   "R3,2018-08-22,O365,annual,999,333.33,0,yes", "R4,2018-08-23,O365,annual,20,100.05,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    assert len(lines) == 4
    for line in lines.values():
        shown = (Decimal(line["base"]) * Decimal(line["rate"])).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert Decimal(line["amount"]) == shown, line
