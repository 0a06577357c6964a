"""L-16: "ties: organiser decides". An approved settlement is frozen (L-19), and a tie can be decided only on a draft,
so a period whose top-partner award is still a tie to decide is not approved: the award would be stuck for good."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Settlement
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.leads.conftest import nip
from tests.leads.test_top_partner_tie import tied_leads


def _tie(campaign):
    tied_leads(campaign)
    campaign.settle(1, "2018-10-05")
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    campaign.settle(2, "2019-01-10")


def _status(app, period: int) -> str:
    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
        with use_tenant(tenant.id):
            return db.session.scalars(select(Settlement.status).where(Settlement.period == period)).one()


def test_L16_the_command_refuses_to_approve_a_period_with_an_undecided_tie(campaign, app):
    _tie(campaign)
    refused = campaign.run("settlement", "approve", "distributor", "--period", "2")
    assert refused.exit_code == 1
    assert "L-16" in refused.output and "tie" in refused.output
    assert _status(app, 2) == "draft"
    # decided, the same period is approved, and the award is paid as decided
    decided = campaign.run("settlement", "decide-tie", "distributor", "--period", "2", "--partner", nip(2))
    assert decided.exit_code == 0, decided.output
    approved = campaign.run("settlement", "approve", "distributor", "--period", "2")
    assert approved.exit_code == 0, approved.output
    assert _status(app, 2) == "approved"


def test_L16_the_settlement_page_says_why_a_period_with_an_undecided_tie_is_not_approved(campaign, app, client):
    _tie(campaign)
    app.extensions["clock"] = as_of(date(2019, 1, 10))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com", locale="en")
    factories.login(client, tenant, staff.email)
    page = client.post("/t/distributor/settlements/2/approve", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Decide the top-partner tie" in html
    assert "Approved and frozen." not in html and 'id="tie-choice"' in html  # still a draft, the tie form offered
    assert _status(app, 2) == "draft"
