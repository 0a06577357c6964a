"""L-19: a paid reward is taken back only when the vendor's report of the sales behind it goes down after the
approval. What the partner was paid for was judged when it was paid: a customer flag written later (the customer
has since bought M365), or the partner excluded or marked a direct CSP afterwards, takes nothing back — those act
on leads not yet paid (L-05, L-01, L-20)."""

from __future__ import annotations

from datetime import date

from portal.core.clock import as_of
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


# --- L-10/L-12: licences bought after the lead was paid ------------------------------------------------------------
# seed: the payout is "za liczbę aktywnych licencji w momencie wypłaty" — a customer that buys more within the
# campaign, after period 1 paid its lead, is paid for in period 2 (the difference, within the 500-licence cap)

def _later_sales(campaign, *rows: str) -> None:
    campaign.app.extensions["clock"] = as_of(date(2019, 1, 10))  # the vendor's December report has come
    assert campaign.sales(*rows).exit_code == 0


def test_L10_licences_bought_after_the_lead_was_paid_are_paid_in_the_next_period(campaign):
    _paid_in_period_one(campaign, "O365")  # 12% of 1000.00 = 120.00
    _later_sales(campaign, "K1,2018-11-15,O365,annual,10,500.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    extra = by_ref(rows)["K1"]
    assert (extra["line"], extra["status"], extra["amount"], extra["rule"]) == ("reward", "payable", "60.00", "L-10")
    assert "120.00" in extra["reason"] and "180.00" in extra["reason"]
    [line] = [row for row in rows if row["ref"] == "K1"]  # one line: the difference, not the lead paid again
    from flask_babel import force_locale

    from portal.leads.labels import settlement_reason

    with campaign.app.test_request_context(), force_locale("pl"):
        shown = settlement_reason(extra["reason"])
    assert "okresie 1" in shown and "120,00" in shown and "180,00" in shown, shown


def test_L12_what_is_bought_later_is_paid_up_to_the_500_licence_cap(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("K2", 1, 2, "O365", "annual", 20))
    campaign.decide("K2,qualified,2018-08-13,")
    campaign.sales("K2,2018-08-20,O365,annual,400,20000.00,0,yes")  # 12% of 20000.00 = 2400.00
    campaign.settle(1, "2018-10-05")
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    # 600 bought: the base stops at 500 licences → 25000.00
    _later_sales(campaign, "K2,2018-11-15,O365,annual,200,10000.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    assert by_ref(rows)["K2"]["amount"] == "600.00"  # 3000.00 − 2400.00


def test_L19_a_reduced_report_and_a_later_purchase_are_settled_as_one_difference(campaign):
    _paid_in_period_one(campaign, "O365")  # paid 120.00
    _later_sales(campaign, "K1,2018-08-20,O365,annual,20,400.00,0,yes", "K1,2018-11-15,O365,annual,10,500.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    [line] = [row for row in rows if row["ref"] == "K1"]
    assert (line["amount"], line["rule"]) == ("-12.00", "L-19")  # now 12% of 900.00 = 108.00


def test_L18_a_later_purchase_of_a_partner_in_arrears_is_withheld(campaign):
    _paid_in_period_one(campaign, "O365")
    campaign.partners(partner_row(1, "arrears"))
    _later_sales(campaign, "K1,2018-11-15,O365,annual,10,500.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    assert (by_ref(rows)["K1"]["status"], by_ref(rows)["K1"]["amount"]) == ("withheld", "60.00")


def test_L20_a_partner_removed_after_payment_is_not_paid_for_later_purchases(campaign):
    _paid_in_period_one(campaign, "O365")
    campaign.flags(f"{nip(101)},holds_m365")  # the customer became ineligible after the payment
    _later_sales(campaign, "K1,2018-11-15,O365,annual,10,500.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    assert "K1" not in by_ref(rows) or by_ref(rows)["K1"]["status"] == "not_paid"


# --- L-14/L-15 after a correction: what a lead no longer realised held frees up ------------------------------------

def test_L14_a_lead_the_monthly_limit_cut_is_paid_once_a_paid_lead_of_that_month_is_corrected_away(campaign):
    """Six realised August leads: period 1 pays the five earliest (L-14). The vendor then reports the first was not
    on a new tenant — never realised (L-10). August now has five realised leads, and all five are paid."""
    campaign.partners(partner_row(1, "prior_realised_lead"))
    refs = ["E1", "E2", "E3", "E4", "E5", "E6"]
    campaign.leads(*[lead_row(ref, 1, i + 1) for i, ref in enumerate(refs)])
    campaign.decide(*[f"{ref},qualified,2018-08-13," for ref in refs])
    campaign.sales(*[f"{ref},2018-08-{20 + i},O365,annual,20,1000.00,0,yes" for i, ref in enumerate(refs)])
    _, rows = campaign.settle(1, "2018-10-05")
    assert (by_ref(rows)["E6"]["status"], by_ref(rows)["E6"]["rule"]) == ("not_paid", "L-14")
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    _later_sales(campaign, "E1,2018-08-20,O365,annual,20,1000.00,0,no")
    _, rows = campaign.settle(2, "2019-01-10")
    got = by_ref(rows)
    assert (got["E1"]["amount"], got["E1"]["rule"]) == ("-120.00", "L-19")
    assert (got["E6"]["amount"], got["E6"]["status"]) == ("120.00", "payable")


def test_L15_L19_the_new_partner_bonus_goes_back_when_its_only_lead_is_corrected_away(campaign):
    """The 365.00 bonus is paid when the new partner's lead ends in a sale; the vendor's corrected report says it
    did not (2 licences, below the 3 of L-10): the lead's reward and the bonus come back as negative lines."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("G1", 1, 1, "M365", "annual", 10))
    campaign.decide("G1,qualified,2018-08-13,")
    campaign.sales("G1,2018-08-20,M365,annual,10,2000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert [r["amount"] for r in rows if r["line"] == "new_partner_bonus"] == ["365.00"]
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    _later_sales(campaign, "G1,2018-08-20,M365,annual,2,400.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    assert by_ref(rows)["G1"]["amount"] == "-300.00"
    bonus = [r for r in rows if r["line"] == "new_partner_bonus"]
    assert [(r["amount"], r["rule"], r["status"]) for r in bonus] == [("-365.00", "L-19", "payable")], bonus
    from flask_babel import force_locale

    from portal.leads.labels import settlement_reason

    with campaign.app.test_request_context(), force_locale("pl"):
        shown = settlement_reason(bonus[0]["reason"])
    assert "korekta" in shown and "365,00" in shown, shown


def test_L15_the_bonus_stays_while_another_lead_of_the_partner_is_realised(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("G1", 1, 1, "M365", "annual", 10), lead_row("G2", 1, 2, "M365", "annual", 10))
    campaign.decide("G1,qualified,2018-08-13,", "G2,qualified,2018-08-13,")
    campaign.sales("G1,2018-08-20,M365,annual,10,2000.00,0,yes", "G2,2018-08-21,M365,annual,10,2000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    _later_sales(campaign, "G1,2018-08-20,M365,annual,2,400.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    assert by_ref(rows)["G1"]["amount"] == "-300.00"
    assert [r for r in rows if r["line"] == "new_partner_bonus"] == []


def test_L15_L18_a_withheld_bonus_is_not_released_once_its_only_lead_is_corrected_away(campaign):
    """The partner's only lead was realised while it was in arrears, so the 365.00 bonus was withheld (L-18); the
    arrears are paid, but the vendor's corrected report leaves the lead unrealised (2 licences, below the 3 of
    L-10): no lead of the partner ended in a sale, so no bonus is released. A lead realised later releases it."""
    campaign.partners(partner_row(1, "arrears"))
    campaign.leads(lead_row("H1", 1, 1, "M365", "annual", 10), lead_row("H2", 1, 2, "M365", "annual", 10))
    campaign.decide("H1,qualified,2018-08-13,", "H2,qualified,2018-08-13,")
    campaign.sales("H1,2018-08-20,M365,annual,10,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert [(r["status"], r["amount"]) for r in rows if r["line"] == "new_partner_bonus"] == [("withheld", "365.00")]
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    assert campaign.partners(partner_row(1)).exit_code == 0  # the arrears are paid
    _later_sales(campaign, "H1,2018-08-20,M365,annual,2,200.00,0,yes")
    _, rows = campaign.settle(2, "2018-12-30")
    bonus = [r for r in rows if r["line"] == "new_partner_bonus"]
    assert [(r["status"], r["amount"], r["rule"]) for r in bonus] == [("not_paid", "0.00", "L-15")], bonus
    assert "no longer shows a realised lead" in bonus[0]["reason"]
    assert not [r for r in rows if r["status"] == "payable" and r["amount"] != "0.00"]
    _later_sales(campaign, "H2,2018-11-20,M365,annual,10,1000.00,0,yes")  # another lead ends in a sale
    _, rows = campaign.settle(2, "2018-12-30")
    bonus = [r for r in rows if r["line"] == "new_partner_bonus"]
    assert [(r["status"], r["amount"]) for r in bonus] == [("payable", "365.00")], bonus
