"""The review queue shows what the vendor's facts recorded after a submission say against it (L-04, L-05): the
organiser confirms a lead within 5 business days knowing whether its customer is still eligible (L-07)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Lead
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.leads.conftest import lead_row, nip, partner_row


def _row(html: str, lead_id: int) -> str:
    return re.search(rf'<tr id="lead-{lead_id}".*?</tr>', html, re.S).group(0)


def test_L04_L05_the_queue_shows_a_customer_fact_recorded_after_the_submission(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 8, 14))
    campaign.partners(partner_row(1))
    assert campaign.leads(lead_row("O1", 1, 1, "O365"), lead_row("V2", 1, 2, "M365"),
                          lead_row("S3", 1, 3, "O365"), lead_row("W4", 1, 4, "M365")).exit_code == 0
    # Microsoft's answers arrive after the submissions
    assert campaign.flags(f"{nip(101)},holds_o365", f"{nip(102)},registered_with_vendor",
                          f"{nip(104)},held_server_csp").exit_code == 0
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    with use_tenant(tenant.id):
        ids = dict(db.session.execute(select(Lead.ref, Lead.id)).all())
    html = client.get("/t/distributor/review").get_data(as_text=True)
    assert "Klient korzysta już z Office 365 i nie zadeklarował przejścia na plan E3 lub wyższy. (L-05)" in \
        _row(html, ids["O1"])
    assert "Ten klient jest już zarejestrowany u dostawcy. (L-04)" in _row(html, ids["V2"])
    assert "L-04" not in _row(html, ids["S3"]) and "L-05" not in _row(html, ids["S3"])
    # held Windows Server / SQL Server in CSP excludes those families only, not a Microsoft 365 lead
    assert "L-05" not in _row(html, ids["W4"])
    # the row redrawn after a refused decision still says it
    refused = client.post(f"/t/distributor/review/{ids['O1']}", data={"decision": "rejected", "reason": ""},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "(L-05)" in refused.get_data(as_text=True)


def test_L04_L05_every_customer_fact_can_be_found_and_removed_past_the_first_page(app, client, campaign):
    """The facts refuse leads, so each must be reachable: a page of 200, the next page, and a search by NIP."""
    rows = [f"{nip(300 + i)},registered_with_vendor" for i in range(205)]
    assert campaign.flags(*rows).exit_code == 0
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="staff@distributor.example.com").email)
    first = client.get("/t/distributor/customers").get_data(as_text=True)
    last = sorted(nip(300 + i) for i in range(205))[-1]
    assert first.count("/delete") == 200, first.count("/delete")
    assert last not in first
    assert "page=2" in first
    second = client.get("/t/distributor/customers?page=2").get_data(as_text=True)
    assert last in second and second.count("/delete") == 5
    found = client.get(f"/t/distributor/customers?nip={last}").get_data(as_text=True)
    assert last in found and found.count("/delete") == 1
    assert client.get("/t/distributor/customers?page=abc").status_code == 200
