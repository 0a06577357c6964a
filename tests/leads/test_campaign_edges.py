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


def test_L30_a_later_version_does_not_cut_the_limit_or_the_bonus_of_leads_qualified_before(campaign):
    """Rules changed on 1 October (3 paid leads a month, a 100 PLN bonus) do not reach six leads qualified and sold
    in August under the version that paid 5 a month and 365 PLN."""
    from tests.leads.conftest import ROOT

    campaign.partners(partner_row(1))
    campaign.leads(*(lead_row(f"Q{n}", 1, n) for n in range(1, 7)))
    campaign.decide(*(f"Q{n},qualified,2018-08-13," for n in range(1, 7)))
    campaign.sales(*(f"Q{n},2018-08-2{n},O365,annual,20,1000.00,0,yes" for n in range(1, 7)))
    text = (ROOT / "tenants" / "distributor" / "programme.toml").read_text(encoding="utf-8")
    changed = text.replace("max_paid_per_month = 5", "max_paid_per_month = 3").replace('amount = "365.00"',
                                                                                       'amount = "100.00"')
    path = campaign.tmp / "changed.toml"
    path.write_text(changed, encoding="utf-8")
    loaded = campaign.run("programme", "load", "distributor", path, "--as-of", "2018-09-20", "--effective-from",
                          "2018-10-01")
    assert loaded.exit_code == 0, loaded.output
    _, rows = campaign.settle(1, "2018-10-05")
    paid = sorted(r["ref"] for r in rows if r["line"] == "reward" and r["status"] == "payable")
    assert paid == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    refused = next(r for r in rows if r["ref"] == "Q6" and r["line"] == "reward")
    assert refused["rule"] == "L-14" and "more than 5" in refused["reason"]
    assert [r["amount"] for r in rows if r["line"] == "new_partner_bonus"] == ["365.00"]
