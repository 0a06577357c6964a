"""The staff dashboard says what the organiser's staff do there: an installer programme has no imports or
settlements pages (its imports are commands), a lead campaign has both."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.tenancy.models import Tenant
from tests import factories
from tests.loyalty.conftest import programme  # noqa: F401 - fixture


def test_P01_the_installer_programmes_staff_dashboard_promises_only_its_own_pages(app, client, programme):  # noqa: F811
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@manufacturer.example", locale="en").email)
    page = client.get("/t/manufacturer/staff").get_data(as_text=True)
    assert "settlements" not in page.lower() and "imports" not in page.lower()
    assert "orders to fulfil" in page.lower()
