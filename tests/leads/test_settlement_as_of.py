"""L-17: a settlement is run as of a day that has come — on the page as over the API — so no draft of the future can
be approved and frozen before its sales are known."""

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


def test_L17_the_settlement_page_refuses_a_day_after_today(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 10, 5))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@distributor.example.com",
                                                   locale="en").email)
    page = client.post("/t/distributor/settlements/1/run", data={"as_of": "2018-10-06"}, follow_redirects=True)
    assert "not 2018-10-06 (today is 2018-10-05)" in page.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Settlement)).all() == []
    assert client.post("/t/distributor/settlements/1/run", data={"as_of": "2018-10-05"}).status_code == 302
