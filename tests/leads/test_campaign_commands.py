"""The distributor's campaign through the commands of FORMATS.md, amounts checked by hand against SPEC §5."""

from __future__ import annotations

from tests.leads.conftest import lead_row, nip, partner_row


def by_ref(rows: list[dict]) -> dict[str, dict]:
    return {r["ref"]: r for r in rows if r["line"] == "reward"}


def test_L01_partner_import_checks_nip_and_contact(campaign):
    result = campaign.partners(partner_row(1), "1234567890,Bad Sp. z o.o.,ul. X,Jan,K,+48 1,jan@x.example.com,",
                               f"{nip(3)},No Contact,ul. Y,,,,,")
    assert result.exit_code == 1
    assert "line 3: L-01: The company NIP is not valid" in result.output
    assert "line 4:" in result.output and "Enter the contact's first name" in result.output
    assert "nothing written" in result.output
    # all or nothing: the good row was not written either
    assert "No partner with NIP" in campaign.leads(lead_row("A1", 1, 1)).output


def test_leads_import_refuses_each_bad_row_with_its_rule(campaign):
    assert campaign.partners(partner_row(1), partner_row(2), partner_row(3, "csp_direct")).exit_code == 0
    assert campaign.flags(f"{nip(105)},holds_m365", f"{nip(106)},registered_with_vendor").exit_code == 0
    result = campaign.leads(
        lead_row("OK1", 1, 1),
        lead_row("DUP", 2, 1),                         # L-04 same customer, another partner
        lead_row("FEW", 1, 2, licences=2),             # L-03
        lead_row("LATE", 1, 3, submitted="2018-12-28"),  # L-08
        lead_row("CSP", 3, 4),                         # L-01 direct CSP partner
        lead_row("M365", 1, 5),                        # L-05 holds M365
        lead_row("VEND", 1, 6),                        # L-04 registered with the vendor
    )
    assert result.exit_code == 1
    out = result.output
    assert "line 3: L-04: This customer was already registered by another partner" in out
    assert "line 4: L-03: The customer must declare at least 3 licences" in out
    assert "line 5: L-08:" in out
    assert "line 6: L-01:" in out
    assert "line 7: L-05:" in out
    assert "line 8: L-04: This customer is already registered with the vendor" in out
    assert "1 good row(s), 6 bad row(s); nothing written" in out


def test_leads_import_commit_valid_keeps_the_good_rows(campaign):
    campaign.partners(partner_row(1))
    result = campaign.leads(lead_row("OK1", 1, 1), lead_row("FEW", 1, 2, licences=2), commit_valid=True)
    assert result.exit_code == 1 and "committed" in result.output
    again = campaign.leads(lead_row("OK2", 1, 1))
    assert "line 2: L-04: This customer was already registered by you" in again.output


def test_leads_import_commit_valid_with_no_good_row_says_nothing_was_written(campaign):
    campaign.partners(partner_row(1))
    result = campaign.leads(lead_row("FEW", 1, 2, licences=2), commit_valid=True)
    assert result.exit_code == 1 and "0 good row(s), 1 bad row(s); nothing written" in result.output


def test_L06_at_most_100_submissions_per_partner(campaign):
    campaign.partners(partner_row(1))
    rows = [lead_row(f"R{i}", 1, i) for i in range(1, 102)]
    result = campaign.leads(*rows, commit_valid=True)
    assert "line 102: L-06: You have reached the limit of 100 submissions" in result.output
    assert "100 good row(s), 1 bad row(s)" in result.output


def test_L08_previous_edition_lead_is_carried_over_for_re_verification(campaign, app):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.leads.models import Lead

    campaign.partners(partner_row(1))
    assert campaign.leads(lead_row("OLD", 1, 1, submitted="2018-05-10")).exit_code == 0
    assert campaign.leads(lead_row("GAP", 1, 2, submitted="2018-07-10")).exit_code == 1
    lead = db.session.scalars(select(Lead).where(Lead.ref == "OLD")).one()
    assert lead.carried_over and lead.status == "pending"


def test_L07_decisions_need_a_reason_to_reject_and_happen_once(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("A1", 1, 1), lead_row("A2", 1, 2))
    result = campaign.decide("A1,qualified,2018-08-13,", "A2,rejected,2018-08-13,")
    assert result.exit_code == 1 and "line 3: L-07: Give the partner the reason" in result.output
    assert campaign.decide("A1,qualified,2018-08-13,", "A2,rejected,2018-08-13,customer in another region"
                           ).exit_code == 0
    again = campaign.decide("A1,rejected,2018-08-20,changed mind")
    assert again.exit_code == 1 and "already qualified" in again.output


def _standard_campaign(campaign):
    assert campaign.partners(partner_row(1), partner_row(2, "arrears"), partner_row(4, "prior_realised_lead")
                             ).exit_code == 0
    assert campaign.leads(
        lead_row("L1", 1, 1, "O365", "annual", 20),
        lead_row("L2", 1, 2, "M365", "annual", 100),
        lead_row("L3", 2, 3, "D365", "monthly", 10),
        lead_row("L4", 1, 4, "WINDOWS_SERVER", "triennial", 5),
        lead_row("L5", 1, 5, "O365", "annual", 10),
        lead_row("L6", 4, 6, "O365", "monthly", 10),
        lead_row("L7", 4, 7, "O365", "annual", 200),
    ).exit_code == 0
    assert campaign.decide(*(f"L{i},qualified,2018-08-13," for i in range(1, 8))).exit_code == 0
    assert campaign.sales(
        "L1,2018-08-20,O365,annual,20,10000.00,0,yes",
        "L2,2018-08-21,M365,annual,700,70000.00,0,yes",
        "L3,2018-08-22,D365,monthly,10,3000.00,4,yes",
        "L4,2018-09-01,WINDOWS_SERVER,triennial,5,20000.00,0,yes",
        "L5,2018-08-10,O365,annual,10,5000.00,0,yes",
        "L6,2018-09-03,O365,monthly,10,900.00,2,yes",
        "L7,2018-09-04,O365,annual,200,40000.00,0,yes",
    ).exit_code == 0


def test_L11_L12_L18_period_one_statement_by_hand(campaign):
    _standard_campaign(campaign)
    result, rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    lines = by_ref(rows)
    assert (lines["L1"]["rule"], lines["L1"]["rate"], lines["L1"]["base"], lines["L1"]["amount"],
            lines["L1"]["status"]) == ("L-11", "0.12", "10000.00", "1200.00", "payable")
    # L-12: 700 licences bought, base capped at the value of 500: 70000 × 500/700 = 50000.00; 15 % of it
    assert (lines["L2"]["rule"], lines["L2"]["base"], lines["L2"]["amount"]) == ("L-12", "50000.00", "7500.00")
    # L-18: the partner is in arrears: computed but withheld
    assert (lines["L3"]["rule"], lines["L3"]["amount"], lines["L3"]["status"]) == ("L-18", "150.00", "withheld")
    assert (lines["L4"]["rate"], lines["L4"]["amount"]) == ("0.02", "400.00")
    # L-10: bought before the qualification
    assert (lines["L5"]["rule"], lines["L5"]["status"], lines["L5"]["amount"]) == ("L-10", "not_paid", "0.00")
    # L-11: monthly billing needs 3 months of active consumption
    assert (lines["L6"]["rule"], lines["L6"]["status"]) == ("L-11", "not_paid")
    # L-11: 151–500 licences on annual O365 earn 2 % of the annual subscription value
    assert (lines["L7"]["rate"], lines["L7"]["amount"]) == ("0.02", "800.00")
    bonuses = [r for r in rows if r["line"] == "new_partner_bonus"]
    # L-15: partners 1 and 2 are new (2's bonus withheld for arrears); partner 4 realised a lead before
    assert sorted((r["partner_nip"], r["amount"], r["status"]) for r in bonuses) == sorted(
        [(nip(1), "365.00", "payable"), (nip(2), "365.00", "withheld")])
    assert not [r for r in rows if r["line"] == "top_partner_award"]  # only at the end of the campaign


def test_L19_settlement_twice_gives_the_same_file_then_approval_freezes_it(campaign):
    _standard_campaign(campaign)
    first, rows1 = campaign.settle(1, "2018-10-05")
    text1 = (campaign.tmp / "settlement-1.csv").read_text()
    second, rows2 = campaign.settle(1, "2018-10-05")
    assert (campaign.tmp / "settlement-1.csv").read_text() == text1 and rows1 == rows2
    assert text1.splitlines()[0] == "partner_nip,ref,line,rule,base,rate,amount,status,reason"
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    refused, _ = campaign.settle(1, "2018-10-06")
    assert refused.exit_code == 1 and "approved and frozen" in refused.output


def test_L14_only_five_realised_leads_per_month_are_paid_earliest_first(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(*(lead_row(f"M{i}", 1, i) for i in range(1, 7)))
    campaign.decide(*(f"M{i},qualified,2018-08-13," for i in range(1, 7)))
    campaign.sales(*(f"M{i},2018-08-{27 - i:02d},O365,annual,20,1000.00,0,yes" for i in range(1, 7)))
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    # M6 has the earliest date (21st) … M1 the latest (26th): M1 is the sixth and is not paid
    assert lines["M1"]["status"] == "not_paid" and lines["M1"]["rule"] == "L-14"
    assert all(lines[f"M{i}"]["status"] == "payable" for i in range(2, 7))


def test_L16_top_partner_award_in_the_last_period(campaign):
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(*(lead_row(f"T{i}", 1, i) for i in range(1, 5)), lead_row("U1", 2, 9))
    campaign.decide(*(f"T{i},qualified,2018-08-13," for i in range(1, 5)), "U1,qualified,2018-08-13,")
    campaign.sales(*(f"T{i},2018-10-1{i},O365,annual,20,1000.00,0,yes" for i in range(1, 5)),
                   "U1,2018-10-20,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    award = [r for r in rows if r["line"] == "top_partner_award"]
    assert [(r["partner_nip"], r["amount"], r["status"]) for r in award] == [(nip(1), "1400.00", "payable")]


def test_L16_tie_is_shown_for_the_organiser(campaign):
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(*(lead_row(f"A{i}", 1, i) for i in range(1, 4)),
                   *(lead_row(f"B{i}", 2, 10 + i) for i in range(1, 4)))
    campaign.decide(*(f"{p}{i},qualified,2018-08-13," for p in "AB" for i in range(1, 4)))
    campaign.sales(*(f"{p}{i},2018-10-1{i},O365,annual,20,1000.00,0,yes" for p in "AB" for i in range(1, 4)))
    _, rows = campaign.settle(2, "2019-01-10")
    award = [r for r in rows if r["line"] == "top_partner_award"]
    assert len(award) == 2 and all(r["status"] == "withheld" and "tie" in r["reason"] for r in award)


def test_L05_customer_flagged_after_qualification_is_not_paid(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("F1", 1, 1), lead_row("F2", 1, 2), lead_row("F3", 1, 3, family="WINDOWS_SERVER",
                                                                         billing="annual"))
    campaign.decide("F1,qualified,2018-08-13,", "F2,qualified,2018-08-13,", "F3,qualified,2018-08-13,")
    campaign.flags(f"{nip(101)},holds_o365", f"{nip(102)},holds_o365", f"{nip(102)},moving_to_e3_or_higher",
                   f"{nip(103)},held_server_csp")
    campaign.sales("F1,2018-08-20,O365,annual,20,1000.00,0,yes", "F2,2018-08-20,O365,annual,20,1000.00,0,yes",
                   "F3,2018-08-20,WINDOWS_SERVER,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    assert (lines["F1"]["rule"], lines["F1"]["status"]) == ("L-05", "not_paid")
    assert lines["F2"]["status"] == "payable"  # holds O365 but moves to E3
    assert (lines["F3"]["rule"], lines["F3"]["status"]) == ("L-05", "not_paid")


def test_L10_sale_needs_a_new_tenant_and_three_licences(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("N1", 1, 1), lead_row("N2", 1, 2))
    campaign.decide("N1,qualified,2018-08-13,", "N2,qualified,2018-08-13,")
    campaign.sales("N1,2018-08-20,O365,annual,20,1000.00,0,no", "N2,2018-08-20,O365,annual,2,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    assert lines["N1"]["rule"] == "L-10" and "new tenant" in lines["N1"]["reason"]
    assert lines["N2"]["rule"] == "L-10" and "licences" in lines["N2"]["reason"]


def test_L13_reward_goes_to_the_registering_partner_whoever_sold(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1))
    campaign.decide("S1,qualified,2018-08-13,")
    campaign.sales("S1,2018-08-20,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert by_ref(rows)["S1"]["partner_nip"] == nip(1)


def test_L19_a_sale_reduced_after_approval_is_clawed_back_next_period(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("C1", 1, 1))
    campaign.decide("C1,qualified,2018-08-13,")
    campaign.sales("C1,2018-08-20,O365,annual,20,1000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    campaign.run("settlement", "approve", "distributor", "--period", "1")
    campaign.sales("C1,2018-08-20,O365,annual,20,400.00,0,yes")  # the vendor's corrected report
    _, rows = campaign.settle(2, "2019-01-10")
    claw = by_ref(rows)["C1"]
    assert (claw["amount"], claw["rule"]) == ("-72.00", "L-19")  # paid 120.00, now 48.00


def test_sales_import_reports_bad_rows(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1))
    result = campaign.sales("S1,2018-08-20,O365,annual,20,abc,0,yes", "NOPE,2018-08-20,O365,annual,20,1.00,0,yes",
                            "S1,20.08.2018,XBOX,weekly,20,1.00,0,maybe")
    assert result.exit_code == 1
    assert "line 2:" in result.output and "value must be an amount" in result.output
    assert "line 3: L-10: No lead has the reference NOPE" in result.output
    assert "line 4:" in result.output and "YYYY-MM-DD" in result.output and "new_tenant is yes or no" in result.output
