"""Audit fixes of the organiser's lead pages: a plain form post (no JavaScript) answers with a page and says a
refusal in the row it is about (L-01, L-07); the review queue shows what a decision needs (L-02, L-05, L-07); staff
open a lead's page with its history, and decided leads can be found (L-07)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Lead, Partner
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.leads.test_pages import LEAD, _partner, _setup


def _row(html: str, row_id: str) -> str:
    start = html.index(f'id="{row_id}"')
    return html[start:html.index("</tr>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _lead_for_staff(app, client):
    """One lead submitted through the pages by Partner 1 (contact Ewa Lis); staff (English) logged in."""
    tenant = _setup(app)
    _partner(client, tenant)
    assert client.post("/t/distributor/leads/new", data=LEAD).status_code == 302
    client.post("/t/distributor/logout")
    factories.login(client, tenant, factories.user(tenant, STAFF, email="staff@distributor.example.com",
                                                   locale="en").email)
    with use_tenant(tenant.id):
        lead = db.session.scalars(select(Lead)).one()
    db.session.rollback()
    return tenant, lead


def test_L01_partner_flags_saved_without_javascript_answer_with_the_partners_page(app, client, campaign):
    tenant, _lead = _lead_for_staff(app, client)
    with use_tenant(tenant.id):
        partner_id = db.session.scalars(select(Partner.id)).one()
    db.session.rollback()
    saved = client.post(f"/t/distributor/partners/{partner_id}/flags", data={"flag": ["arrears"]})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/t/distributor/partners")
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "<html" in page and 'value="arrears" checked' in _row(page, f"partner-{partner_id}")
    refused = client.post(f"/t/distributor/partners/{partner_id}/flags", data={"flag": ["bogus"]})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<html" in page
    assert "bogus" in _row(page, f"partner-{partner_id}")
    with use_tenant(tenant.id):
        db.session.expire_all()
        assert db.session.get(Partner, partner_id).flags == ["arrears"]


def test_L02_L07_the_queue_shows_the_submission_the_plan_and_the_partners_contact(app, client, campaign):
    _tenant, lead = _lead_for_staff(app, client)
    row = _text(_row(client.get("/t/distributor/review").get_data(as_text=True), f"lead-{lead.id}"))
    assert "2018-08-10" in row  # submitted
    assert "Office 365 E3" in row and "CSP annual" in row and "25 PCs" in row and " 20 " in row
    assert "Ewa Lis" in row and "+48 600 100 200" in row and "ewa1@partner.example.com" in row


def test_L07_staff_open_a_leads_page_with_every_field_and_its_decision_history(app, client, campaign):
    _tenant, lead = _lead_for_staff(app, client)
    queue = client.get("/t/distributor/review").get_data(as_text=True)
    assert f'href="/t/distributor/leads/{lead.id}"' in _row(queue, f"lead-{lead.id}")
    assert client.post(f"/t/distributor/review/{lead.id}", data={"decision": "rejected",
                                                                "reason": "Customer already served"}
                       ).status_code == 302
    page = client.get(f"/t/distributor/leads/{lead.id}")
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    for shown in ("Klient Sp. z o.o.", "ul. Polna 1, Kraków", LEAD["customer_nip"], "Office 365 E3", "25 PCs",
                  "Partner 1", "Ewa Lis", "Customer already served", "2018-08-10", "lead submitted", "lead rejected",
                  "staff@distributor.example.com"):
        assert shown in text, shown
    assert client.get("/t/distributor/leads/999999").status_code == 404


def test_L07_decided_leads_can_be_found_from_the_queue(app, client, campaign):
    _tenant, lead = _lead_for_staff(app, client)
    client.post(f"/t/distributor/review/{lead.id}", data={"decision": "qualified", "reason": ""})
    assert f'id="lead-{lead.id}"' not in client.get("/t/distributor/review").get_data(as_text=True)
    queue = client.get("/t/distributor/review").get_data(as_text=True)
    assert 'href="/t/distributor/review?status=qualified"' in queue
    decided = client.get("/t/distributor/review?status=qualified").get_data(as_text=True)
    assert "qualified" in _text(_row(decided, f"lead-{lead.id}"))
    assert f'id="lead-{lead.id}"' not in client.get("/t/distributor/review?status=rejected").get_data(as_text=True)
    assert client.get("/t/distributor/review?status=bogus").status_code == 400


def test_L07_a_rejection_without_reason_posted_without_javascript_is_said_in_the_leads_row(app, client, campaign):
    _tenant, lead = _lead_for_staff(app, client)
    app.extensions["clock"] = as_of(date(2018, 8, 13))
    refused = client.post(f"/t/distributor/review/{lead.id}", data={"decision": "rejected", "reason": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<html" in page
    row = _row(page, f"lead-{lead.id}")
    assert "Give the partner the reason for the rejection." in row
    assert '<option value="rejected" selected>' in row
    assert lead.ref in _text(page[page.index('class="flash'):page.index('class="flash') + 400])
