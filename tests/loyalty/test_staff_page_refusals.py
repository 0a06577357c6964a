"""Organiser pages of the installer programme refuse bad input with a message where it belongs, never a 500:
the PIT-8C list for a year no date can hold (P-29), an end date inside the three months' notice (P-40)."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import ADMIN, STAFF
from portal.extensions import db
from portal.loyalty.models import ProgrammeEnd
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories


def _login(client, role=STAFF):
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    user = factories.user(tenant, role, email=f"{role}@manufacturer.test.example")
    factories.login(client, tenant, user.email)
    return tenant


def test_P29_pit8c_list_for_a_year_out_of_range_is_a_400_with_the_reason(app, client, programme):
    _login(client)
    for year in ("-5", "0", "10000", "99999999", "twenty"):
        response = client.get(f"/t/manufacturer/pit8c.csv?year={year}")
        assert response.status_code == 400, (year, response.status_code)
        assert "2016" in response.get_data(as_text=True)  # the years the list can be asked for
    assert client.get("/t/manufacturer/pit8c.csv?year=2016").status_code == 200


def test_P40_an_end_inside_the_notice_is_refused_next_to_the_end_date(app, client, programme):
    tenant = _login(client, ADMIN)  # the tests' today is 2026-03-02: the end may be 2026-06-02 at the earliest
    response = client.post("/t/manufacturer/programme-end", data={"ends_on": "2026-05-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = page[page.index('id="field-ends_on"'):]
    assert "2026-06-02" in field[:field.index("</div>") + 600]
    with use_tenant(tenant.id):
        assert db.session.scalars(select(ProgrammeEnd)).first() is None
    assert client.post("/t/manufacturer/programme-end", data={"ends_on": "2026-06-02"}).status_code == 302
