"""L-10/L-19: what the vendor reports for a lead after the sale that realised it. The customer's one tenant was
started new by the first purchase; licences added to it later arrive flagged ``new_tenant = no`` (the tenant is no
longer new) and neither undo the realisation nor take back a reward already paid. A difference paid or clawed back
in a later period states its own base, so that base × rate gives its amount, as every other line of the statement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.leads.conftest import lead_row, partner_row
from tests.leads.test_audit_fixes import _approve
from tests.leads.test_campaign_commands import by_ref

HEADER = "ref,transaction_date,family,billing,licences,value,months_active,new_tenant"


def _qualified(campaign, ref="E1", family="M365", licences=10):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row(ref, 1, 1, family=family, licences=licences))
    assert campaign.decide(f"{ref},qualified,2018-08-13,").exit_code == 0


def _later_sales(campaign, *rows: str):
    result = campaign.run("sales", "import", "distributor", "--as-of", "2019-01-10",
                          campaign.csv("later.csv", HEADER, list(rows)))
    assert result.exit_code == 0, result.output


def test_L10_licences_added_to_the_new_tenant_keep_the_lead_realised(campaign):
    _qualified(campaign)
    campaign.sales("E1,2018-08-20,M365,annual,10,10000.00,0,yes", "E1,2018-09-10,M365,annual,5,500.00,0,no")
    _, rows = campaign.settle(1, "2018-10-05")
    line = by_ref(rows)["E1"]
    # 15 % (M365 annual, 15 licences) of the 10,500.00 the customer's tenant was sold
    assert (line["rule"], line["status"], line["base"], line["amount"]) == ("L-11", "payable", "10500.00",
                                                                           "1575.00"), line


@pytest.mark.parametrize("later", ["E1,2018-09-10,M365,annual,5,500.00,0,no",    # only ever an existing tenant
                                   "E1,2018-09-10,M365,annual,1,100.00,0,yes"])  # a new one after it, 1 licence
def test_L10_a_lead_first_bought_on_an_existing_tenant_is_not_realised(campaign, later):
    _qualified(campaign)
    campaign.sales("E1,2018-08-20,M365,annual,10,10000.00,0,no", later)
    _, rows = campaign.settle(1, "2018-10-05")
    line = by_ref(rows)["E1"]
    assert (line["rule"], line["status"], line["amount"]) == ("L-10", "not_paid", "0.00")
    assert "new tenant" in line["reason"]


def test_L19_parts_moving_apart_after_approval_give_the_difference_without_a_rate_of_their_own(campaign):
    """One family's sale reduced, another's raised: no single rate says the difference — the line carries the
    amount, and its reason the amounts before and now."""
    _qualified(campaign)
    campaign.sales("E1,2018-08-20,M365,annual,10,1000.00,0,yes", "E1,2018-08-21,O365,annual,10,1000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    _approve(campaign, 1)  # paid 150.00 + 120.00
    campaign.sales("E1,2018-08-20,M365,annual,10,900.00,0,yes", "E1,2018-08-21,O365,annual,10,1100.01,0,yes")
    result, rows = campaign.settle(2, "2019-01-10")
    assert result.exit_code == 0, result.output
    line = by_ref(rows)["E1"]
    assert (line["base"], line["rate"], line["amount"]) == ("0.00", "0.00", "-3.00"), line  # 135.00 + 132.00


def test_L10_an_add_on_after_approval_is_paid_as_more_sold_not_clawed_back(campaign):
    _qualified(campaign, family="D365", licences=151)
    campaign.sales("E1,2018-08-20,D365,annual,151,50000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert by_ref(rows)["E1"]["amount"] == "1000.00"  # 2 % (151–500 licences)
    _approve(campaign, 1)
    _later_sales(campaign, "E1,2018-11-15,D365,annual,10,1000.00,0,no")
    _, rows = campaign.settle(2, "2019-01-10")
    more = by_ref(rows)["E1"]
    assert (more["rule"], more["status"], more["base"], more["rate"], more["amount"]) == \
        ("L-10", "payable", "1000.00", "0.02", "20.00"), more


def test_L19_more_sold_after_approval_states_the_added_base(campaign):
    _qualified(campaign)
    campaign.sales("E1,2018-08-20,M365,annual,10,10000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    _approve(campaign, 1)
    _later_sales(campaign, "E1,2018-11-10,M365,annual,10,500.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    more = by_ref(rows)["E1"]
    assert (more["base"], more["rate"], more["amount"]) == ("500.00", "0.15", "75.00"), more
    assert "paid 1500.00, now 1575.00" in more["reason"]


def test_L19_a_clawback_states_the_base_taken_back(campaign):
    _qualified(campaign, family="O365")
    campaign.sales("E1,2018-08-20,O365,annual,20,1000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    _approve(campaign, 1)
    campaign.sales("E1,2018-08-20,O365,annual,20,400.00,0,yes")  # the vendor's corrected report
    _, rows = campaign.settle(2, "2019-01-10")
    claw = by_ref(rows)["E1"]
    assert (claw["rule"], claw["base"], claw["rate"], claw["amount"]) == ("L-19", "-600.00", "0.12", "-72.00"), claw
    assert Decimal(claw["base"]) * Decimal(claw["rate"]) == Decimal(claw["amount"])


def test_L19_a_lead_no_longer_realised_takes_back_its_whole_base(campaign):
    _qualified(campaign, family="O365")
    campaign.sales("E1,2018-08-20,O365,annual,20,1000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    _approve(campaign, 1)
    campaign.sales("E1,2018-08-20,O365,annual,2,1000.00,0,yes")  # corrected: 2 licences, not 20
    _, rows = campaign.settle(2, "2019-01-10")
    claw = by_ref(rows)["E1"]
    assert (claw["rule"], claw["base"], claw["rate"], claw["amount"]) == ("L-19", "-1000.00", "0.12", "-120.00")
