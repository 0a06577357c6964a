"""L-08: a visitor and a partner are told when the campaign runs — on the organiser's home page and on the lead
form — and once it is over there is no form to fill in only to be refused."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core.clock import as_of
from portal.extensions import db
from portal.tenancy.models import Tenant
from tests.leads.test_pages import _partner


def _distributor():
    return db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()


def test_L08_the_home_page_and_the_lead_form_say_when_the_campaign_runs(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 9, 3))
    client.post("/lang/en")
    home = client.get("/t/distributor/").get_data(as_text=True)
    assert "2018-08-01" in home and "2018-12-27" in home
    tenant = _distributor()
    _partner(client, tenant)
    assert 'id="lead-form"' in client.get("/t/distributor/leads/new").get_data(as_text=True)
    app.extensions["clock"] = as_of(date(2019, 1, 10))
    over = client.get("/t/distributor/leads/new").get_data(as_text=True)
    assert 'id="lead-form"' not in over and "2018-12-27" in over
    assert "ended" in client.get("/t/distributor/").get_data(as_text=True)


