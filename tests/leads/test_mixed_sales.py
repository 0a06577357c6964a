"""L-11/L-12 when one lead's customer buys in more than one family or licensing model: each purchase earns at the
rate the seed gives its own family and model ("2% za każdy sprzedany Windows Server i SQL Server…"), and the lead
stays one line of the statement (FORMATS.md: one row per realised lead per period)."""

from __future__ import annotations

from tests.leads.conftest import lead_row, nip, partner_row
from tests.leads.test_audit_fixes import _approve
from tests.leads.test_campaign_commands import by_ref


def _lead(campaign, family="M365"):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("M1", 1, 1, family=family, licences=10))
    assert campaign.decide("M1,qualified,2018-08-13,").exit_code == 0


def test_L11_each_family_of_one_lead_earns_at_its_own_rate(campaign):
    _lead(campaign)
    assert campaign.sales("M1,2018-08-20,M365,annual,10,1000.00,0,yes",
                          "M1,2018-08-25,WINDOWS_SERVER,triennial,5,10000.00,0,yes").exit_code == 0
    result, rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    line = by_ref(rows)["M1"]
    # 15% of 1000.00 (M365 annual) + 2% of 10000.00 (Windows Server three-year) — not 15% of 11000.00
    assert (line["base"], line["amount"], line["status"], line["rule"]) == ("11000.00", "350.00", "payable", "L-11")
    assert "M365 annual" in line["reason"] and "WINDOWS_SERVER triennial" in line["reason"]
    assert "150.00" in line["reason"] and "200.00" in line["reason"]
    assert len([r for r in rows if r["ref"] == "M1" and r["line"] == "reward"]) == 1


def test_L11_a_monthly_part_without_its_3_months_waits_while_the_annual_part_is_paid(campaign):
    _lead(campaign)
    campaign.sales("M1,2018-08-20,M365,annual,10,1000.00,0,yes", "M1,2018-08-22,M365,monthly,10,5000.00,1,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    line = by_ref(rows)["M1"]
    assert (line["base"], line["rate"], line["amount"], line["status"]) == ("1000.00", "0.15", "150.00", "payable")
    assert "1 month of active consumption" in line["reason"]
    _approve(campaign, 1)
    # the vendor's December report: the monthly subscription has now been active for 4 months
    header = "ref,transaction_date,family,billing,licences,value,months_active,new_tenant"
    assert campaign.run("sales", "import", "distributor", "--as-of", "2019-01-10", campaign.csv(
        "december.csv", header, ["M1,2018-12-20,M365,monthly,10,2000.00,4,yes"])).exit_code == 0
    _, rows = campaign.settle(2, "2019-01-10")
    more = by_ref(rows)["M1"]
    # 5% of the 7000.00 consumed (M365 monthly) is paid now: 350.00
    assert (more["amount"], more["status"]) == ("350.00", "payable"), more


def test_L05_a_server_customer_is_paid_for_its_cloud_purchase_only(campaign):
    """SPEC L-05: a customer that held Windows Server in CSP is not eligible for those families — its new
    Microsoft 365 still earns."""
    _lead(campaign)
    campaign.flags(f"{nip(101)},held_server_csp")
    campaign.sales("M1,2018-08-20,M365,annual,10,1000.00,0,yes",
                   "M1,2018-08-25,WINDOWS_SERVER,triennial,5,10000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    line = by_ref(rows)["M1"]
    assert (line["base"], line["amount"], line["status"]) == ("1000.00", "150.00", "payable")
    assert "L-05" in line["reason"]


def test_L12_the_cap_applies_to_each_purchased_service(campaign):
    _lead(campaign, family="O365")
    campaign.sales("M1,2018-08-20,O365,annual,10,1000.00,0,yes",
                   "M1,2018-08-25,SQL_SERVER,annual,600,60000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    line = by_ref(rows)["M1"]
    # 12% of 1000.00 + 2% of the value of 500 of the 600 SQL Server licences (50000.00)
    assert (line["base"], line["amount"], line["rule"]) == ("51000.00", "1120.00", "L-12")


def test_L05_L19_a_family_excluded_when_paid_is_not_paid_in_a_later_period(campaign):
    """The paid lead is settled again in period 2 (L-19): its excluded family still earns nothing, and a later
    purchase is paid only for a family the customer may earn on."""
    test_L05_a_server_customer_is_paid_for_its_cloud_purchase_only(campaign)
    _approve(campaign, 1)
    _, rows = campaign.settle(2, "2019-01-10")
    assert "M1" not in by_ref(rows)
    campaign.sales("M1,2018-11-20,WINDOWS_SERVER,triennial,5,5000.00,0,yes",
                   "M1,2018-11-21,M365,annual,2,200.00,0,yes")
    _, rows = campaign.settle(2, "2019-01-10")
    assert by_ref(rows)["M1"]["amount"] == "30.00"  # 15% of the 200.00 of Microsoft 365 only


def test_L05_L19_a_fact_marked_after_the_payment_takes_nothing_back(campaign):
    """A lead judged eligible when paid keeps what it was paid; the vendor's report did not change."""
    _lead(campaign)
    campaign.sales("M1,2018-08-20,M365,annual,10,1000.00,0,yes",
                   "M1,2018-08-25,WINDOWS_SERVER,triennial,5,10000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert by_ref(rows)["M1"]["amount"] == "350.00"
    _approve(campaign, 1)
    campaign.flags(f"{nip(101)},held_server_csp")
    _, rows = campaign.settle(2, "2019-01-10")
    assert "M1" not in by_ref(rows)


def test_L11_paid_parts_of_zero_value_settle_to_zero_without_failing(campaign):
    _lead(campaign)
    campaign.sales("M1,2018-08-20,M365,annual,10,0.00,0,yes", "M1,2018-08-25,WINDOWS_SERVER,triennial,5,0.00,0,yes")
    result, rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    assert by_ref(rows)["M1"]["amount"] == "0.00"


def test_L12_one_service_in_two_licensing_models_is_capped_at_500_licences_in_all(campaign):
    """Seed: "wartości 500 licencji zakupionej usługi" — Microsoft 365 is one service, whatever its billing."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("M1", 1, 1, family="M365", licences=600))
    campaign.decide("M1,qualified,2018-08-13,")
    campaign.sales("M1,2018-08-20,M365,annual,300,30000.00,0,yes", "M1,2018-08-22,M365,monthly,300,30000.00,3,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    line = by_ref(rows)["M1"]
    # 600 licences of M365: each model's value × 500/600 = 25000.00, both at 2% (151–500)
    assert (line["base"], line["rate"], line["amount"], line["rule"]) == ("50000.00", "0.02", "1000.00", "L-12")


def test_L05_L19_a_part_excluded_reads_in_polish_with_the_programmes_own_reason(campaign):
    from flask_babel import force_locale

    from portal.leads.labels import settlement_reason
    from portal.tenancy import service as tenants
    from portal.tenancy.guard import use_tenant

    stored = ("M365 annual: rule 1 (m365-d365-annual-upto150): 0.15 of sale value = 150.00; WINDOWS_SERVER "
              "triennial: L-05: The customer has already held a Windows Server or SQL Server subscription bought "
              "under CSP.")
    with campaign.app.test_request_context("/"), force_locale("pl"), use_tenant(tenants.by_slug("distributor").id):
        said = settlement_reason(stored)
    assert said.endswith("Klient posiadał już subskrypcję Windows Server lub SQL Server kupioną w modelu CSP.")
    assert said.startswith("Microsoft 365") and "150,00" in said
