"""The seed's numbers on their edges, computed by hand (SPEC §5, seeds/distributor-lead-campaign.pl.txt): the
licence bands of L-11 (150 / 151, 500 / 501), the 3 months of consumption, the 3 licences of L-03 and L-10, the
campaign's and the periods' first and last days (L-08, L-10, L-17), the calendar month of L-14 and the award's
tiers of L-16."""

from __future__ import annotations

from tests.leads.conftest import lead_row, nip, partner_row
from tests.leads.test_campaign_commands import by_ref


def _realise(campaign, *leads: tuple[str, int, str, str, int, str]):
    """Each (ref, customer, family, billing, licences, sale) registered by partner 1, qualified on 13 August and
    sold as written in ``sale`` (the part of the sales row after the ref)."""
    assert campaign.partners(partner_row(1)).exit_code == 0
    result = campaign.leads(*(lead_row(ref, 1, customer, family, billing, licences)
                              for ref, customer, family, billing, licences, _ in leads))
    assert result.exit_code == 0, result.output
    assert campaign.decide(*(f"{ref},qualified,2018-08-13," for ref, *_ in leads)).exit_code == 0
    result = campaign.sales(*(f"{ref},{sale}" for ref, *_, sale in leads))
    assert result.exit_code == 0, result.output


def _line(row: dict) -> tuple[str, str, str, str, str]:
    return row["rule"], row["base"], row["rate"], row["amount"], row["status"]


def test_L11_150_licences_is_the_upper_band_and_151_the_2_percent_band(campaign):
    _realise(campaign,
             ("M150", 1, "M365", "annual", 150, "2018-08-20,M365,annual,150,15000.00,0,yes"),
             ("M151", 2, "M365", "annual", 151, "2018-08-20,M365,annual,151,15100.00,0,yes"),
             ("D150", 3, "D365", "annual", 150, "2018-08-21,D365,annual,150,10000.00,0,yes"),
             ("O150", 4, "O365", "annual", 150, "2018-08-21,O365,annual,150,10000.00,0,yes"),
             ("O151", 5, "O365", "annual", 151, "2018-08-22,O365,annual,151,10000.00,0,yes"))
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    assert _line(lines["M150"]) == ("L-11", "15000.00", "0.15", "2250.00", "payable")
    assert _line(lines["M151"]) == ("L-11", "15100.00", "0.02", "302.00", "payable")
    assert _line(lines["D150"]) == ("L-11", "10000.00", "0.15", "1500.00", "payable")
    assert _line(lines["O150"]) == ("L-11", "10000.00", "0.12", "1200.00", "payable")
    assert _line(lines["O151"]) == ("L-11", "10000.00", "0.02", "200.00", "payable")


def test_L11_monthly_rates_by_family_and_band_after_exactly_three_months(campaign):
    _realise(campaign,
             ("O1", 1, "O365", "monthly", 150, "2018-08-20,O365,monthly,150,3000.00,3,yes"),
             ("M1", 2, "M365", "monthly", 150, "2018-08-20,M365,monthly,150,3000.00,3,yes"),
             ("D1", 3, "D365", "monthly", 10, "2018-08-21,D365,monthly,10,3000.00,3,yes"),
             ("O2", 4, "O365", "monthly", 151, "2018-08-21,O365,monthly,151,3000.00,3,yes"),
             ("O3", 5, "O365", "monthly", 20, "2018-08-22,O365,monthly,20,3000.00,2,yes"))
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    assert _line(lines["O1"]) == ("L-11", "3000.00", "0.10", "300.00", "payable")
    assert _line(lines["M1"]) == ("L-11", "3000.00", "0.05", "150.00", "payable")
    assert _line(lines["D1"]) == ("L-11", "3000.00", "0.05", "150.00", "payable")
    assert _line(lines["O2"]) == ("L-11", "3000.00", "0.02", "60.00", "payable")
    assert (lines["O3"]["rule"], lines["O3"]["amount"], lines["O3"]["status"]) == ("L-11", "0.00", "not_paid")


def test_L11_servers_earn_2_percent_annual_or_three_year_and_nothing_monthly(campaign):
    _realise(campaign,
             ("WS3", 1, "WINDOWS_SERVER", "triennial", 4, "2018-08-20,WINDOWS_SERVER,triennial,4,12345.67,0,yes"),
             ("SQ1", 2, "SQL_SERVER", "annual", 600, "2018-08-20,SQL_SERVER,annual,600,60000.00,0,yes"),
             ("SQM", 3, "SQL_SERVER", "monthly", 10, "2018-08-21,SQL_SERVER,monthly,10,3000.00,5,yes"),
             ("O3Y", 4, "O365", "triennial", 10, "2018-08-21,O365,triennial,10,3000.00,0,yes"))
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    # 2 % of 12345.67 = 246.9134 → 246.91
    assert _line(lines["WS3"]) == ("L-11", "12345.67", "0.02", "246.91", "payable")
    # L-12 also caps the servers: 60000 × 500/600 = 50000.00
    assert _line(lines["SQ1"]) == ("L-12", "50000.00", "0.02", "1000.00", "payable")
    assert (lines["SQM"]["rule"], lines["SQM"]["status"]) == ("L-11", "not_paid")
    assert (lines["O3Y"]["rule"], lines["O3Y"]["status"]) == ("L-11", "not_paid")


def test_L12_exactly_500_licences_is_not_capped_and_501_is(campaign):
    _realise(campaign,
             ("C500", 1, "O365", "annual", 500, "2018-08-20,O365,annual,500,50000.00,0,yes"),
             ("C501", 2, "O365", "annual", 501, "2018-08-20,O365,annual,501,50100.00,0,yes"))
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    assert _line(lines["C500"]) == ("L-11", "50000.00", "0.02", "1000.00", "payable")
    assert _line(lines["C501"]) == ("L-12", "50000.00", "0.02", "1000.00", "payable")


def test_L03_L10_three_licences_are_enough_two_are_not(campaign):
    campaign.partners(partner_row(1))
    result = campaign.leads(lead_row("T3", 1, 1, licences=3), lead_row("T2", 1, 2, licences=2), commit_valid=True)
    assert "line 3: L-03:" in result.output and "line 2:" not in result.output
    campaign.decide("T3,qualified,2018-08-13,")
    campaign.sales("T3,2018-08-20,O365,annual,3,300.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert _line(by_ref(rows)["T3"]) == ("L-11", "300.00", "0.12", "36.00", "payable")


def test_L08_submissions_on_the_first_and_last_days_of_each_edition(campaign):
    campaign.partners(partner_row(1))
    result = campaign.leads(
        lead_row("A", 1, 1, submitted="2018-08-01"),   # campaign start
        lead_row("B", 1, 2, submitted="2018-12-27"),   # campaign end
        lead_row("C", 1, 3, submitted="2018-01-15"),   # previous edition's start: carried over
        lead_row("D", 1, 4, submitted="2018-06-29"),   # previous edition's end: carried over
        lead_row("E", 1, 5, submitted="2018-07-31"),   # between the editions
        lead_row("F", 1, 6, submitted="2018-12-28"),   # after the campaign
        lead_row("G", 1, 7, submitted="2018-01-14"),   # before the previous edition
        lead_row("H", 1, 8, submitted="2018-06-30"),   # after the previous edition
        commit_valid=True)
    out = result.output
    assert [f"line {n}: L-08" in out for n in range(2, 10)] == [False] * 4 + [True] * 4


def test_L10_L17_sales_on_the_campaigns_and_periods_edges(campaign):
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(lead_row("P1", 1, 1), lead_row("P2", 2, 2), lead_row("P3", 1, 3), lead_row("P4", 2, 4),
                   lead_row("P5", 1, 5, submitted="2018-08-01"))
    campaign.decide(*(f"P{i},qualified,2018-08-13," for i in range(1, 5)), "P5,qualified,2018-08-01,")
    campaign.sales("P1,2018-09-30,O365,annual,20,1000.00,0,yes",   # last day of period 1
                   "P2,2018-10-01,O365,annual,20,1000.00,0,yes",   # first day of period 2
                   "P3,2018-12-27,O365,annual,20,1000.00,0,yes",   # last day of the campaign
                   "P4,2018-12-28,O365,annual,20,1000.00,0,yes",   # after the campaign
                   "P5,2018-08-01,O365,annual,20,1000.00,0,yes")   # the day of the qualification
    _, first = campaign.settle(1, "2018-10-05")
    one = by_ref(first)
    assert set(one) == {"P1", "P5"}
    assert one["P1"]["status"] == one["P5"]["status"] == "payable"
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    _, second = campaign.settle(2, "2019-01-10")
    two = by_ref(second)
    assert two["P2"]["status"] == two["P3"]["status"] == "payable"
    assert "P4" not in two or two["P4"]["status"] == "not_paid"
    assert "P1" not in two and "P5" not in two


def test_L14_the_limit_is_per_calendar_month_not_per_30_days(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(*(lead_row(f"K{i}", 1, i) for i in range(1, 8)))
    campaign.decide(*(f"K{i},qualified,2018-08-13," for i in range(1, 8)))
    # five on the last day of August, two on the first of September: all seven are paid
    campaign.sales(*(f"K{i},2018-08-31,O365,annual,20,1000.00,0,yes" for i in range(1, 6)),
                   "K6,2018-09-01,O365,annual,20,1000.00,0,yes", "K7,2018-09-01,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert {r["status"] for r in by_ref(rows).values()} == {"payable"}


def test_L16_the_award_by_tier_and_none_below_three(campaign):
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(*(lead_row(f"A{i}", 1, i) for i in range(1, 7)), lead_row("B1", 2, 20), lead_row("B2", 2, 21))
    campaign.decide(*(f"A{i},qualified,2018-08-13," for i in range(1, 7)), "B1,qualified,2018-08-13,",
                    "B2,qualified,2018-08-13,")
    # six realised leads over two months (five and one, so L-14 pays all): the highest tier is for five or more
    campaign.sales(*(f"A{i},2018-10-1{i},O365,annual,20,1000.00,0,yes" for i in range(1, 6)),
                   "A6,2018-11-05,O365,annual,20,1000.00,0,yes",
                   "B1,2018-10-20,O365,annual,20,1000.00,0,yes", "B2,2018-10-21,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    award = [(r["partner_nip"], r["amount"], r["status"]) for r in rows if r["line"] == "top_partner_award"]
    assert award == [(nip(1), "1700.00", "payable")]


def test_L16_two_realised_leads_earn_no_award(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("A1", 1, 1), lead_row("A2", 1, 2))
    campaign.decide("A1,qualified,2018-08-13,", "A2,qualified,2018-08-13,")
    campaign.sales("A1,2018-10-10,O365,annual,20,1000.00,0,yes", "A2,2018-10-11,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    assert [r for r in rows if r["line"] == "top_partner_award"] == []


def test_L18_no_cloud_agreement_withholds_the_reward_and_the_bonus(campaign):
    campaign.partners(partner_row(1, "no_cloud_agreement"))
    campaign.leads(lead_row("N1", 1, 1))
    campaign.decide("N1,qualified,2018-08-13,")
    campaign.sales("N1,2018-08-20,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert _line(by_ref(rows)["N1"]) == ("L-18", "1000.00", "0.12", "120.00", "withheld")
    bonus = [(r["amount"], r["status"], r["rule"]) for r in rows if r["line"] == "new_partner_bonus"]
    assert bonus == [("365.00", "withheld", "L-18")]


def test_L04_a_customer_the_vendor_reports_as_already_registered_after_qualification_is_not_paid(campaign):
    """Seed: "Szansa nie została wcześniej zgłoszona do Microsoft (weryfikacja przez Microsoft)" — Microsoft's
    answer comes after the submission; like an L-05 holding learnt late, it stops the payout."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("V1", 1, 1), lead_row("V2", 1, 2))
    campaign.decide("V1,qualified,2018-08-13,", "V2,qualified,2018-08-13,")
    assert campaign.flags(f"{nip(101)},registered_with_vendor").exit_code == 0
    campaign.sales("V1,2018-08-20,O365,annual,20,1000.00,0,yes", "V2,2018-08-21,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    assert (lines["V1"]["rule"], lines["V1"]["amount"], lines["V1"]["status"]) == ("L-04", "0.00", "not_paid")
    assert "registered with the vendor" in lines["V1"]["reason"]
    assert _line(lines["V2"]) == ("L-11", "1000.00", "0.12", "120.00", "payable")
    # the new-partner bonus comes with the first lead that is paid
    assert [r["ref"] for r in rows if r["line"] == "new_partner_bonus"] == ["V2"]


def test_L04_L19_the_statement_says_why_in_polish(app, client, campaign):
    from portal.accounts.models import STAFF
    from tests import factories
    from tests.leads.test_labels_pl import _cells
    from tests.leads.test_pages import _setup

    tenant = _setup(app, "2018-10-05")
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("V1", 1, 1))
    campaign.decide("V1,qualified,2018-08-13,")
    campaign.flags(f"{nip(101)},registered_with_vendor")
    campaign.sales("V1,2018-08-20,O365,annual,20,1000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    factories.login(client, tenant, factories.user(tenant, STAFF, email="staff@distributor.example.com").email)
    reasons = _cells(client.get("/t/distributor/settlements/1").get_data(as_text=True), 7)
    assert "klient jest już zarejestrowany u dostawcy" in reasons
