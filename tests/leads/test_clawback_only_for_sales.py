"""L-19: a paid reward is taken back only when the vendor's report of the sales behind it goes down after the
approval. What the partner was paid for was judged when it was paid: a customer flag written later (the customer
has since bought M365), or the partner excluded or marked a direct CSP afterwards, takes nothing back — those act
on leads not yet paid (L-05, L-01, L-20)."""

from __future__ import annotations

from tests.leads.conftest import lead_row, nip, partner_row
from tests.leads.test_campaign_commands import by_ref


def _paid_in_period_one(campaign, family: str = "M365") -> None:
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("K1", 1, 1, family, "annual", 20))
    campaign.decide("K1,qualified,2018-08-13,")
    campaign.sales(f"K1,2018-08-20,{family},annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert by_ref(rows)["K1"]["status"] == "payable"
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0


def test_L19_L05_a_customer_flag_written_after_payment_takes_nothing_back(campaign):
    _paid_in_period_one(campaign)
    assert campaign.flags(f"{nip(101)},holds_m365").exit_code == 0
    _, rows = campaign.settle(2, "2019-01-10")
    assert "K1" not in by_ref(rows), by_ref(rows).get("K1")


def test_L19_L01_a_partner_marked_direct_csp_after_payment_keeps_what_it_was_paid(campaign):
    _paid_in_period_one(campaign)
    campaign.partners(partner_row(1, "csp_direct"))
    _, rows = campaign.settle(2, "2019-01-10")
    assert "K1" not in by_ref(rows), by_ref(rows).get("K1")


def test_L19_a_reduced_report_is_still_taken_back_when_the_customer_was_flagged_too(campaign):
    _paid_in_period_one(campaign, "O365")
    campaign.flags(f"{nip(101)},holds_m365")
    campaign.sales("K1,2018-08-20,O365,annual,20,400.00,0,yes")  # the vendor's corrected report
    _, rows = campaign.settle(2, "2019-01-10")
    claw = by_ref(rows)["K1"]
    assert (claw["amount"], claw["rule"]) == ("-72.00", "L-19")  # paid 120.00, now 48.00
