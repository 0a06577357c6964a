"""FORMATS (`flask sales import`, the staff's upload): every row is checked with the same rules and each bad row is
reported with its line number and every reason. L-11/L-17: a monthly-billing reward counts the months of active
consumption, so a monthly row without ``months_active`` is refused, not read as 0 months."""

from __future__ import annotations

import io

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.extensions import db
from portal.leads.models import Sale
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.leads.conftest import lead_row, partner_row
from tests.leads.test_pages import _setup

HEADER = "ref,transaction_date,family,billing,licences,value,months_active,new_tenant"
NO_MONTHS = "months_active is required for monthly billing"


def _monthly_lead(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("M1", 1, 1, billing="monthly"))


def test_L17_the_command_refuses_a_monthly_row_without_months_active(campaign):
    _monthly_lead(campaign)
    result = campaign.sales("M1,2018-08-20,O365,monthly,20,300.00,,yes")
    assert result.exit_code == 1
    assert "line 2: L-17: " + NO_MONTHS in result.output
    assert "nothing written" in result.output


def test_L17_a_monthly_row_with_its_months_and_an_annual_row_without_them_are_taken(campaign):
    _monthly_lead(campaign)
    campaign.leads(lead_row("A1", 1, 2))
    result = campaign.sales("M1,2018-08-20,O365,monthly,20,300.00,0,yes", "A1,2018-08-20,O365,annual,20,900.00,,yes")
    assert result.exit_code == 0, result.output


def test_L17_the_staff_upload_refuses_a_monthly_row_without_months_active(app, client, campaign):
    tenant = _setup(app, "2018-08-20")
    _monthly_lead(campaign)
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com", locale="en")
    factories.login(client, tenant, staff.email)
    body = f"{HEADER}\nM1,2018-08-20,O365,monthly,20,300.00,,yes\n".encode()
    html = client.post("/t/distributor/sales/import", data={"file": (io.BytesIO(body), "sales.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "line 2" in html and NO_MONTHS in html
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Sale)).all() == []


def test_L10_a_repeated_row_with_a_negative_value_is_refused_for_the_value_too(campaign):
    """A row that repeats an earlier line's sale and has problems of its own says them all: fixing only the repeat
    would send the file back again for the negative value."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1))
    result = campaign.sales("S1,2018-08-20,O365,annual,20,100.00,,yes", "S1,2018-08-20,O365,annual,20,-5,,maybe")
    assert result.exit_code == 1
    line = next(text for text in result.output.splitlines() if text.startswith("line 3:"))
    assert "value cannot be negative" in line
    assert "new_tenant is yes or no" in line
    assert "the same sale (ref, transaction_date, family, billing) as an earlier line" in line


def test_L10_a_valid_repeated_row_is_still_refused_as_a_repeat(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1))
    result = campaign.sales("S1,2018-08-20,O365,annual,20,100.00,,yes", "S1,2018-08-20,O365,annual,20,90.00,,yes")
    assert result.exit_code == 1
    assert "line 3: the same sale (ref, transaction_date, family, billing) as line 2" in result.output


def test_L10_a_clean_repeat_of_a_refused_line_is_refused_as_the_repeat_it_is(campaign):
    """One report names a sale once, whatever became of its first line: the second line for it is refused as a
    repeat of that line, not taken as the sale because the first was refused for its own problems."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1))
    campaign.decide("S1,qualified,2018-08-13,")
    result = campaign.sales("S1,2018-08-20,O365,annual,20,-5,,yes", "S1,2018-08-20,O365,annual,20,100.00,,yes")
    assert result.exit_code == 1
    assert "line 3" in result.output and "as line 2" in result.output and "0 good row(s)" in result.output
