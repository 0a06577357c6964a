"""L-10/L-19: a sale counts only during the campaign (2018-08-01 … 2018-12-27). A qualified lead whose only sale
came after the campaign ended is not paid — and, like every lead whose sale does not count, the statement lists it
with the reason, rather than leaving it out."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.tenancy.models import Tenant
from tests import factories
from tests.leads.conftest import lead_row, nip, partner_row

AFTER = "the sale on 2018-12-28 came after the campaign ended on 2018-12-27"


def _late_sale(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("L1", 1, 1), lead_row("L2", 1, 2))
    campaign.decide("L1,qualified,2018-08-13,", "L2,qualified,2018-08-13,")
    imported = campaign.sales("L1,2018-12-28,O365,annual,20,1000.00,,yes",
                              "L2,2018-10-15,O365,annual,20,1000.00,,yes")
    assert imported.exit_code == 0, imported.output  # the vendor's report runs to the month's end: it is taken


def test_L19_a_sale_after_the_campaign_end_gives_the_lead_a_not_paid_line_with_the_reason(campaign):
    _late_sale(campaign)
    result, rows = campaign.settle(2, "2019-01-10")
    assert result.exit_code == 0, result.output
    late = [r for r in rows if r["ref"] == "L1"]
    assert len(late) == 1
    assert (late[0]["partner_nip"], late[0]["line"], late[0]["rule"], late[0]["status"], late[0]["amount"]) == \
        (nip(1), "reward", "L-10", "not_paid", "0.00")
    assert late[0]["reason"] == AFTER
    assert [r["status"] for r in rows if r["ref"] == "L2" and r["line"] == "reward"] == ["payable"]


def test_L19_the_late_sale_is_listed_once_not_in_the_period_before_the_end(campaign):
    _late_sale(campaign)
    _, first = campaign.settle(1, "2019-01-10")
    assert [r for r in first if r["ref"] == "L1"] == []  # period 1 does not close the campaign


def test_L19_the_settlement_page_says_why_the_late_sale_is_not_paid(campaign, app, client):
    _late_sale(campaign)
    campaign.settle(1, "2018-10-05")
    campaign.settle(2, "2019-01-10")
    app.extensions["clock"] = as_of(date(2019, 1, 10))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com", locale="en")
    factories.login(client, tenant, staff.email)
    html = client.get("/t/distributor/settlements/2").get_data(as_text=True)
    assert "L1" in html and AFTER in html
    csv_text = client.get("/t/distributor/settlements/2/statement.csv").get_data(as_text=True)
    assert f"{nip(1)},L1,reward,L-10,0.00,0.00,0.00,not_paid,{AFTER}" in csv_text
