"""Settlement periods are paid in order and each statement says everything that decided a line (L-14, L-15, L-17,
L-18, L-19, L-20)."""

from __future__ import annotations

from sqlalchemy import select

from tests.leads.conftest import lead_row, nip, partner_row
from tests.leads.test_campaign_commands import by_ref


def _approve(campaign, period: int):
    return campaign.run("settlement", "approve", "distributor", "--period", period)


def test_L17_period_two_cannot_be_approved_while_period_one_was_never_settled(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1), lead_row("S2", 1, 2, submitted="2018-10-10"))
    campaign.decide("S1,qualified,2018-08-13,", "S2,qualified,2018-10-12,")
    campaign.sales("S1,2018-08-20,O365,annual,20,1000.00,0,yes", "S2,2018-11-20,O365,annual,20,1000.00,0,yes")
    campaign.settle(2, "2019-01-10")
    refused = _approve(campaign, 2)
    assert refused.exit_code != 0 and "period 1 first" in refused.output
    # settled in order, the partner's first realised lead brings one bonus over the whole campaign
    campaign.settle(1, "2018-10-05")
    assert _approve(campaign, 1).exit_code == 0
    assert _approve(campaign, 2).exit_code == 0
    from portal.extensions import db
    from portal.leads.models import SettlementLine

    bonuses = db.session.scalars(select(SettlementLine.ref).where(SettlementLine.line == "new_partner_bonus")
                                 .execution_options(include_all_tenants=True)).all()
    assert bonuses == ["S1"]


def test_L18_approving_period_one_refreshes_the_period_two_draft_computed_before_it(campaign):
    campaign.partners(partner_row(2, "arrears"))
    campaign.leads(lead_row("W1", 2, 1))
    campaign.decide("W1,qualified,2018-08-13,")
    campaign.sales("W1,2018-08-20,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert by_ref(rows)["W1"]["status"] == "withheld"
    assert campaign.partners(partner_row(2)).exit_code == 0  # arrears paid while period 1 is still a draft
    _, second = campaign.settle(2, "2019-01-10")
    assert "W1" not in by_ref(second)  # period 1 is not approved yet: its withheld payout is still its own
    assert _approve(campaign, 1).exit_code == 0
    # the period 2 draft now settles what period 1 withheld: the lead and the new-partner bonus
    assert _approve(campaign, 2).exit_code == 0
    from portal.extensions import db
    from portal.leads.models import Settlement, SettlementLine

    period_two = db.session.scalars(select(Settlement).where(Settlement.period == 2)
                                    .execution_options(include_all_tenants=True)).one()
    paid = db.session.execute(select(SettlementLine.ref, SettlementLine.line, SettlementLine.amount)
                              .where(SettlementLine.settlement_id == period_two.id,
                                     SettlementLine.status == "payable")
                              .execution_options(include_all_tenants=True)).all()
    assert sorted((ref, line, f"{amount:.2f}") for ref, line, amount in paid) == [
        ("W1", "new_partner_bonus", "365.00"), ("W1", "reward", "120.00")]


def test_L15_L20_a_withheld_bonus_is_not_released_to_a_partner_removed_from_the_programme(campaign):
    campaign.partners(partner_row(2, "arrears"))
    campaign.leads(lead_row("X1", 2, 1))
    campaign.decide("X1,qualified,2018-08-13,")
    campaign.sales("X1,2018-08-20,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert [r["status"] for r in rows if r["line"] == "new_partner_bonus"] == ["withheld"]
    assert _approve(campaign, 1).exit_code == 0
    from portal.core.clock import get_clock
    from portal.extensions import db
    from portal.leads.models import Partner
    from portal.leads.service import partners
    from portal.tenancy.guard import use_tenant
    from portal.tenancy.models import Tenant

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    with use_tenant(tenant.id):
        partner = db.session.scalars(select(Partner).where(Partner.nip == nip(2))).one()
        partners.exclude(partner, "false customer data", actor=None, clock=get_clock())
        db.session.commit()
    assert campaign.partners(partner_row(2)).exit_code == 0  # the arrears are paid afterwards
    _, rows = campaign.settle(2, "2019-01-10")
    bonus = [r for r in rows if r["line"] == "new_partner_bonus"]
    assert [(r["rule"], r["status"], r["amount"]) for r in bonus] == [("L-20", "not_paid", "0.00")]
    assert "removed from the programme" in bonus[0]["reason"]
    assert all(r["status"] != "payable" for r in rows if r["partner_nip"] == nip(2))


def test_L15_L18_a_bonus_still_withheld_in_the_next_period_does_not_say_released(campaign):
    campaign.partners(partner_row(2, "arrears"))
    campaign.leads(lead_row("Y1", 2, 1))
    campaign.decide("Y1,qualified,2018-08-13,")
    campaign.sales("Y1,2018-08-20,O365,annual,20,1000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    assert _approve(campaign, 1).exit_code == 0
    _, rows = campaign.settle(2, "2019-01-10")  # still in arrears
    bonus = [r for r in rows if r["line"] == "new_partner_bonus"]
    assert [(r["status"], r["amount"]) for r in bonus] == [("withheld", "365.00")]
    assert "released" not in bonus[0]["reason"] and "withheld: arrears" in bonus[0]["reason"]
    assert campaign.partners(partner_row(2)).exit_code == 0  # the arrears are paid
    _, rows = campaign.settle(2, "2019-01-10")
    bonus = [r for r in rows if r["line"] == "new_partner_bonus"]
    assert [(r["status"], r["amount"]) for r in bonus] == [("payable", "365.00")] and "released" in bonus[0]["reason"]


def test_L19_a_withheld_line_keeps_the_rule_and_the_cap_that_computed_it(campaign):
    campaign.partners(partner_row(2, "arrears"))
    campaign.leads(lead_row("C1", 2, 1, "M365", "annual", 600))
    campaign.decide("C1,qualified,2018-08-13,")
    campaign.sales("C1,2018-08-20,M365,annual,600,60000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    line = by_ref(rows)["C1"]
    assert (line["rule"], line["base"], line["amount"], line["status"]) == ("L-18", "50000.00", "1000.00", "withheld")
    assert "rule 6" in line["reason"] and "capped at 500 licences" in line["reason"]
    assert "withheld: arrears" in line["reason"]


def test_L14_L19_a_carried_lead_refused_by_the_monthly_limit_stays_on_the_statement(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(*[lead_row(f"E{i}", 1, i, "O365", "annual" if i else "monthly") for i in range(0, 6)])
    campaign.decide(*[f"E{i},qualified,2018-08-13," for i in range(0, 6)])
    sales = ["E0,2018-09-01,O365,monthly,20,600.00,1,yes"]  # the month's earliest sale, too young to be paid yet
    sales += [f"E{i},2018-09-1{i},O365,annual,20,1000.00,0,yes" for i in range(1, 6)]
    campaign.sales(*sales)
    _, rows = campaign.settle(1, "2018-10-05")
    assert by_ref(rows)["E0"]["status"] == "not_paid"
    assert _approve(campaign, 1).exit_code == 0
    campaign.sales("E0,2018-09-01,O365,monthly,20,2400.00,4,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    line = by_ref(rows)["E0"]
    assert (line["rule"], line["status"], line["amount"]) == ("L-14", "not_paid", "0.00")
    assert "more than 5 realised leads in 2018-09" in line["reason"]
    assert _approve(campaign, 2).exit_code == 0


def test_L19_the_staff_settlement_page_totals_each_partner_and_the_period(app, client, campaign):
    """The organiser checks a run by its sums before approving: what each partner is paid and what is withheld,
    and the period's totals — as the partners' own statements and the PDF show them."""
    from datetime import date

    from portal.accounts.models import STAFF
    from portal.core.clock import as_of
    from portal.tenancy import service as tenants
    from tests import factories

    campaign.partners(partner_row(1), partner_row(2, "arrears"))
    campaign.leads(lead_row("T1", 1, 1), lead_row("T2", 2, 2))
    campaign.decide("T1,qualified,2018-08-13,", "T2,qualified,2018-08-13,")
    campaign.sales("T1,2018-08-20,O365,annual,20,1000.00,0,yes", "T2,2018-08-21,O365,annual,20,2000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    app.extensions["clock"] = as_of(date(2018, 10, 5))
    tenant = tenants.by_slug("distributor")
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@distributor.example.com",
                                                   locale="en").email)
    page = client.get("/t/distributor/settlements/1").get_data(as_text=True)
    # partner 1: 120.00 + the 365.00 bonus payable; partner 2 (arrears): 240.00 + 365.00 withheld
    assert "Payable: PLN485.00" in page and "Withheld: PLN605.00" in page
    assert "Period total — payable: PLN485.00, withheld: PLN605.00" in page
