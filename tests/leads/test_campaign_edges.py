"""Edges of the distributor's campaign a partner or the organiser would notice: the last period cannot be frozen
before its sales end (L-17, L-19), a lead carried over from the previous edition is paid for a sale anywhere in this
campaign (seed: "w okresie trwania bieżącej promocji"), and the new-partner bonus follows the first realised lead,
whatever that lead itself earns (L-15)."""

from __future__ import annotations

from tests.leads.conftest import lead_row, nip, partner_row


def test_L17_L19_the_last_period_is_not_frozen_before_its_sales_end(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("A1", 1, 1))
    campaign.decide("A1,qualified,2018-08-13,")
    campaign.sales("A1,2018-08-20,O365,annual,20,1000.00,0,yes")
    assert campaign.settle(1, "2018-10-05")[0].exit_code == 0
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    assert campaign.settle(2, "2018-11-15")[0].exit_code == 0
    early = campaign.run("settlement", "approve", "distributor", "--period", "2")
    assert early.exit_code != 0 and "2018-12-27" in early.output, early.output
    assert campaign.settle(2, "2018-12-28")[0].exit_code == 0  # still a draft: it can be run again
    assert campaign.run("settlement", "approve", "distributor", "--period", "2").exit_code == 0


def test_L08_L10_a_carried_over_lead_is_paid_for_a_sale_in_this_campaign_before_its_new_qualification(campaign):
    campaign.partners(partner_row(1))
    carried = campaign.leads(lead_row("III-1", 1, 1, submitted="2018-05-10"))
    assert carried.exit_code == 0, carried.output
    campaign.decide("III-1,qualified,2018-08-20,")
    campaign.sales("III-1,2018-08-10,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    reward = next(r for r in rows if r["ref"] == "III-1" and r["line"] == "reward")
    assert reward["status"] == "payable", reward


def test_L15_the_first_realised_lead_earns_the_bonus_even_when_no_rate_pays_the_lead(campaign):
    """Seed: the 365 PLN is paid "jeśli zgłoszony temat zakończy się transakcją sprzedaży" — a sale of a licensing
    programme the rate table does not reward still realises the lead."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("T1", 1, 1, billing="triennial"))
    campaign.decide("T1,qualified,2018-08-13,")
    campaign.sales("T1,2018-08-20,O365,triennial,20,3000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert {(r["line"], r["status"]) for r in rows if r["partner_nip"] == nip(1)} >= {("new_partner_bonus", "payable")}
