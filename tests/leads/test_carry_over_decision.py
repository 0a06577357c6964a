"""L-08: a lead of the previous edition (2018-01-15 … 2018-06-29) is carried over and re-verified in this one: the
seed's "zostaną zweryfikowane ponownie … a o ich akceptacji Partnera poinformuje Dystrybutor" happens during the
fourth edition, so its qualification cannot be dated before the campaign starts (2018-08-01) — on the command, the
API and the review page alike; nothing is written when it is refused."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Lead
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.api.conftest import api, distributor, lead_body, partner_body, problem  # noqa: F401 - fixtures
from tests.leads.conftest import lead_row, partner_row
from tests.leads.test_campaign_commands import by_ref


def _lead(ref: str) -> Lead:
    return db.session.scalars(select(Lead).where(Lead.ref == ref)).one()


def test_l08_carried_over_lead_qualified_before_the_campaign_start_is_refused_on_the_command(campaign):
    campaign.partners(partner_row(1))
    assert campaign.leads(lead_row("III-1", 1, 1, submitted="2018-05-10")).exit_code == 0
    result = campaign.decide("III-1,qualified,2018-07-31,")
    assert result.exit_code == 1
    assert "line 2: L-08:" in result.output
    assert "2018-08-01" in result.output and "2018-07-31" in result.output
    assert "nothing written" in result.output
    lead = _lead("III-1")
    assert (lead.status, lead.decided_on) == ("pending", None)
    # on the first day of the campaign the re-verified lead is qualified, and its sale in the campaign is paid
    assert campaign.decide("III-1,qualified,2018-08-01,").exit_code == 0
    campaign.sales("III-1,2018-08-20,O365,annual,20,1000.00,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    assert (by_ref(rows)["III-1"]["status"], by_ref(rows)["III-1"]["amount"]) == ("payable", "120.00")


def test_l08_carried_over_lead_qualified_in_the_previous_edition_is_refused_and_its_early_sale_not_counted(campaign):
    """A decision dated inside the previous edition would have let a sale of July (between the editions) pass
    L-10's "not before the qualification"; refused, the lead stays pending and is not paid."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("III-2", 1, 2, submitted="2018-03-01"))
    result = campaign.decide("III-2,qualified,2018-03-05,")
    assert result.exit_code == 1 and "line 2: L-08:" in result.output
    assert _lead("III-2").status == "pending"


def test_l08_a_lead_of_this_edition_is_qualified_on_the_campaigns_first_day(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("IV-1", 1, 1, submitted="2018-08-01"))
    assert campaign.decide("IV-1,qualified,2018-08-01,").exit_code == 0


def test_l08_api_refuses_qualifying_a_carried_over_lead_before_the_campaign_start(app, api, distributor):  # noqa: F811
    app.extensions["clock"] = as_of(date(2018, 7, 20))
    partner_id = api.post("/participants", partner_body(1)).get_json()["id"]
    created = api.post("/leads", lead_body("III-3", partner_id, 3, submitted_on="2018-06-29"))
    assert created.status_code == 201, created.get_json()
    refused = api.post("/leads/III-3/decision", {"decision": "qualified", "decided_on": "2018-07-20"})
    assert refused.status_code == 422
    errors = problem(refused)["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [("decided_on", "L-08")]
    assert "2018-08-01" in errors[0]["message"]
    refused_today = api.post("/leads/III-3/decision", {"decision": "qualified"})  # today is 20 July
    assert refused_today.status_code == 422
    with use_tenant(distributor.id):
        assert _lead("III-3").status == "pending"
    app.extensions["clock"] = as_of(date(2018, 8, 1))
    ok = api.post("/leads/III-3/decision", {"decision": "qualified"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "qualified"


def test_l08_review_page_refuses_qualifying_a_carried_over_lead_before_the_campaign_start(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 7, 25))
    campaign.partners(partner_row(1))
    assert campaign.leads(lead_row("III-4", 1, 4, submitted="2018-06-01")).exit_code == 0
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com", locale="en")
    factories.login(client, tenant, staff.email)
    with use_tenant(tenant.id):
        lead_id = _lead("III-4").id
    refused = client.post(f"/t/distributor/review/{lead_id}", data={"decision": "qualified", "reason": ""},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "qualified from the campaign start on 2018-08-01, not on 2018-07-25" in page
    with use_tenant(tenant.id):
        assert _lead("III-4").status == "pending"


def test_l07_l08_a_carried_over_lead_entered_before_the_start_is_due_five_business_days_after_the_start(campaign, app):
    """It cannot be qualified before 1 August, so its 5 business days count from then, as a lead submitted on
    1 August: 2, 3, 6, 7, 8 August (not from 20 July, which would make it overdue before it could be decided)."""
    app.extensions["clock"] = as_of(date(2018, 7, 20))
    campaign.partners(partner_row(1))
    assert campaign.leads(lead_row("III-5", 1, 5, submitted="2018-06-15")).exit_code == 0
    lead = _lead("III-5")
    assert (lead.submitted_on, lead.due_on) == (date(2018, 6, 15), date(2018, 8, 8))
