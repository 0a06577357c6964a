"""The lead-reward campaign through the pages: partner and organiser (SPEC §5)."""

from __future__ import annotations

import io

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Lead
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.leads.conftest import nip

LEAD = {"customer_name": "Klient Sp. z o.o.", "customer_address": "ul. Polna 1, Kraków", "customer_nip": nip(101),
        "family": "O365", "plan": "E3", "billing": "annual", "licences": "20", "pcs": "25",
        "vendor_consent": "y"}


def _setup(app, campaign_day="2018-08-10"):
    from datetime import date

    app.extensions["clock"] = as_of(date.fromisoformat(campaign_day))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    return tenant


def _partner(client, tenant, n=1):
    user = factories.user(tenant, PARTICIPANT, email=f"p{n}@partner.example.com")
    factories.login(client, tenant, user.email)
    response = client.post("/t/distributor/partner/join", data={
        "nip": nip(n), "name": f"Partner {n}", "address": "ul. Długa 5, Warszawa", "contact_first_name": "Ewa",
        "contact_last_name": "Lis", "contact_phone": "+48 600 100 200", "contact_email": f"ewa{n}@partner.example.com"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return user


def test_L01_partner_joins_with_a_checked_nip(app, client, campaign):
    tenant = _setup(app)
    user = factories.user(tenant, PARTICIPANT, email="p@partner.example.com")
    factories.login(client, tenant, user.email)
    response = client.post("/t/distributor/partner/join", data={
        "nip": "1234567890", "name": "X", "address": "Y", "contact_first_name": "A", "contact_last_name": "B",
        "contact_phone": "1", "contact_email": "a@b.example.com"})
    assert response.status_code == 422
    assert "NIP firmy jest nieprawidłowy" in response.get_data(as_text=True)


def test_L02_a_customer_nip_written_as_people_write_it_is_taken(app, client, campaign):
    """A NIP pasted as "PL 123-456-32-18" (16 characters) is the same NIP: kept as its ten digits."""
    tenant = _setup(app)
    _partner(client, tenant)
    digits = nip(101)
    written = f"PL {digits[:3]}-{digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    form = client.get("/t/distributor/leads/new").get_data(as_text=True)
    assert 'maxlength="13"' not in form
    assert client.post("/t/distributor/leads/new", data={**LEAD, "customer_nip": written}).status_code == 302
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Lead.customer_nip)).all() == [digits]
        db.session.rollback()


def test_L02_partner_submits_a_lead_and_sees_its_deadline(app, client, campaign):
    tenant = _setup(app)
    _partner(client, tenant)
    response = client.post("/t/distributor/leads/new", data=LEAD)
    assert response.status_code == 302
    page = client.get("/t/distributor/leads").get_data(as_text=True)
    assert "Klient Sp. z o.o." in page and "2018-08-20" in page  # 5 business days: 15 August is a holiday


def test_L03_L21_lead_form_shows_each_problem_next_to_its_field(app, client, campaign):
    tenant = _setup(app)
    _partner(client, tenant)
    response = client.post("/t/distributor/leads/new", data=dict(LEAD, licences="2", vendor_consent=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="licences-error"' in html and "co najmniej 3 licencje" in html
    assert "zgody na przekazanie leada dostawcy" in html
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Lead)).all() == []


def test_L04_inline_validation_says_the_customer_is_taken(app, client, campaign):
    tenant = _setup(app)
    _partner(client, tenant, 1)
    client.post("/t/distributor/leads/new", data=LEAD)
    client.post("/t/distributor/logout")
    _partner(client, tenant, 2)
    response = client.post("/t/distributor/leads/validate", data=LEAD,
                           headers={"HX-Request": "true", "HX-Trigger-Name": "customer_nip"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "przez innego partnera" in html


def test_L08_lead_outside_the_campaign_is_refused_on_the_page(app, client, campaign):
    tenant = _setup(app, "2019-01-15")
    _partner(client, tenant)
    response = client.post("/t/distributor/leads/new", data=LEAD)
    assert response.status_code == 422 and "L-08" in response.get_data(as_text=True)


def test_another_partners_lead_answers_404(app, client, campaign):
    tenant = _setup(app)
    _partner(client, tenant, 1)
    client.post("/t/distributor/leads/new", data=LEAD)
    with use_tenant(tenant.id):
        lead_id = db.session.scalars(select(Lead.id)).one()
    assert client.get(f"/t/distributor/leads/{lead_id}").status_code == 200
    client.post("/t/distributor/logout")
    _partner(client, tenant, 2)
    assert client.get(f"/t/distributor/leads/{lead_id}").status_code == 404


def test_L07_without_javascript_a_decision_answers_with_the_queue_page(app, client, campaign):
    """The queue's forms post without htmx too (a browser without scripts): the answer is the whole queue page with
    what happened, not a bare table row."""
    tenant = _setup(app)
    _partner(client, tenant)
    client.post("/t/distributor/leads/new", data=LEAD)
    client.post("/t/distributor/logout")
    factories.login(client, tenant, factories.user(tenant, STAFF, email="staff@distributor.example.com").email)
    with use_tenant(tenant.id):
        lead = db.session.scalars(select(Lead)).one()
    refused = client.post(f"/t/distributor/review/{lead.id}", data={"decision": "rejected", "reason": ""},
                          follow_redirects=True)
    body = refused.get_data(as_text=True)
    assert "<html" in body and "Podaj partnerowi powód odrzucenia" in body
    ok = client.post(f"/t/distributor/review/{lead.id}", data={"decision": "qualified", "reason": ""},
                     follow_redirects=True)
    assert ok.status_code == 200 and "<html" in ok.get_data(as_text=True)
    with use_tenant(tenant.id):
        db.session.expire_all()
        assert db.session.get(Lead, lead.id).status == "qualified"


def test_L07_staff_qualify_from_the_queue_and_the_partner_is_told(app, client, campaign):
    tenant = _setup(app)
    partner_user = _partner(client, tenant)
    client.post("/t/distributor/leads/new", data=LEAD)
    client.post("/t/distributor/logout")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    app.extensions["clock"] = as_of(__import__("datetime").date(2018, 8, 21))
    queue = client.get("/t/distributor/review").get_data(as_text=True)
    assert "overdue" in queue  # due 20 August
    assert "<td>Partner 1</td>" in queue  # the partner's name, not its number
    with use_tenant(tenant.id):
        lead = db.session.scalars(select(Lead)).one()
    refused = client.post(f"/t/distributor/review/{lead.id}", data={"decision": "rejected", "reason": ""},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "Podaj partnerowi powód odrzucenia" in refused.get_data(as_text=True)
    row = refused.get_data(as_text=True)  # the refusal is said at the reason's field, for a screen reader too
    reason_input = row[row.index(f'id="reason-{lead.id}"'):][:400]
    assert 'aria-invalid="true"' in reason_input and f'aria-describedby="reason-{lead.id}-error"' in reason_input
    said = row[row.index(f'id="reason-{lead.id}-error"'):]
    assert "Podaj partnerowi powód odrzucenia" in said[:said.index("</div>")]
    ok = client.post(f"/t/distributor/review/{lead.id}", data={"decision": "qualified", "reason": ""},
                     headers={"HX-Request": "true"})
    assert ok.status_code == 200 and "<html" not in ok.get_data(as_text=True)
    assert "<td>Partner 1</td>" in ok.get_data(as_text=True)
    from portal.notifications.models import Notification

    with use_tenant(tenant.id):
        kinds = {n.kind for n in db.session.scalars(select(Notification).where(
            Notification.user_id == partner_user.id))}
    assert "lead_qualified" in kinds


def test_L07_a_refused_decision_keeps_the_reviewers_choice_and_says_why(app, client, campaign):
    """After "reject without a reason" the row must still say Reject (and keep what was typed): a row that fell back
    to its first option would qualify the lead on the next Save."""
    tenant = _setup(app)
    _partner(client, tenant)
    client.post("/t/distributor/leads/new", data=LEAD)
    client.post("/t/distributor/logout")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    with use_tenant(tenant.id):
        lead = db.session.scalars(select(Lead)).one()
    url = f"/t/distributor/review/{lead.id}"
    refused = client.post(url, data={"decision": "rejected", "reason": "  "}, headers={"HX-Request": "true"})
    row = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert '<option value="rejected" selected>' in row and '<option value="qualified" selected>' not in row
    bogus = client.post(url, data={"decision": "bogus", "reason": ""}, headers={"HX-Request": "true"})
    assert bogus.status_code == 422 and "Nieprawidłowy wybór" in bogus.get_data(as_text=True)
    client.post(url, data={"decision": "rejected", "reason": "Klient już obsługiwany"}, headers={"HX-Request": "true"})
    again = client.post(url, data={"decision": "qualified", "reason": ""}, headers={"HX-Request": "true"})
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert "odrzucony" in text.lower() and '<p class="error">' in text  # the refusal is said, not an empty 422


def test_sales_import_page_previews_bad_rows_then_commits_atomically(app, client, campaign):
    tenant = _setup(app, "2018-08-20")  # the sales below are of that day: a report tells the past (L-10)
    campaign.partners(f"{nip(1)},P,ul. A,Jan,K,+48 600 100 201,jan@p.example.com,")
    campaign.leads(f"S1,{nip(1)},{nip(101)},K,ul. B,O365,E3,annual,20,20,2018-08-10")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com", locale="en")
    factories.login(client, tenant, staff.email)
    bad = b"ref,transaction_date,family,billing,licences,value,months_active,new_tenant\n" \
          b"S1,2018-08-20,O365,annual,20,1000.00,0,yes\nS9,2018-08-20,O365,annual,20,1.00,0,yes\n"
    preview = client.post("/t/distributor/sales/import", data={"file": (io.BytesIO(bad), "sales.csv")},
                          content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert "line 3" in html and "No lead has the reference S9" in html
    good = bad.splitlines(keepends=True)
    preview = client.post("/t/distributor/sales/import",
                          data={"file": (io.BytesIO(b"".join(good[:2])), "sales.csv")},
                          content_type="multipart/form-data")
    token = preview.get_data(as_text=True).split("/sales/import/")[1].split('"')[0]
    assert client.post(f"/t/distributor/sales/import/{token}").status_code == 302
    from portal.leads.models import Sale

    with use_tenant(tenant.id):
        assert len(db.session.scalars(select(Sale)).all()) == 1


def test_L10_the_sales_upload_refuses_a_second_row_for_the_same_sale_as_the_command_does(app, client, campaign):
    tenant = _setup(app, "2018-08-20")
    campaign.partners(f"{nip(1)},P,ul. A,Jan,K,+48 600 100 201,jan@p.example.com,")
    campaign.leads(f"A1,{nip(1)},{nip(101)},K,ul. B,O365,E3,annual,20,20,2018-08-10")
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@distributor.example.com",
                                                   locale="en").email)
    twice = b"ref,transaction_date,family,billing,licences,value,months_active,new_tenant\n" \
            b"A1,2018-08-20,O365,annual,20,12000.00,,yes\nA1,2018-08-20,O365,annual,20,99000.00,,yes\n"
    preview = client.post("/t/distributor/sales/import", data={"file": (io.BytesIO(twice), "sales.csv")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "line 3" in preview and "as line 2" in preview
    from portal.leads.models import Sale

    with use_tenant(tenant.id):
        assert db.session.scalars(select(Sale)).all() == []


def test_L19_settlement_through_the_pages_with_csv_and_pdf(app, client, campaign):
    tenant = _setup(app, "2018-10-05")  # L-07: the decisions of 2018-08-13 are past
    campaign.partners(f"{nip(1)},P,ul. A,Jan,K,+48 600 100 201,jan@p.example.com,")
    campaign.leads(f"S1,{nip(1)},{nip(101)},K,ul. B,O365,E3,annual,20,20,2018-08-10")
    campaign.decide("S1,qualified,2018-08-13,")
    campaign.sales("S1,2018-08-20,O365,annual,20,1000.00,0,yes")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    assert client.post("/t/distributor/settlements/1/run", data={"as_of": "2018-10-05"}).status_code == 302
    page = client.get("/t/distributor/settlements/1").get_data(as_text=True)
    assert "120,00\u00a0zł" in page and "365,00\u00a0zł" in page  # E-04: the reader's notation (pl)
    assert f"P, NIP {nip(1)}" in page  # each partner's statement is headed by its name
    csv_text = client.get("/t/distributor/settlements/1/statement.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "partner_nip,ref,line,rule,base,rate,amount,status,reason"
    pdf = client.get(f"/t/distributor/settlements/1/statement.pdf?partner={nip(1)}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.post("/t/distributor/settlements/1/approve").status_code == 302
    again = client.post("/t/distributor/settlements/1/run", data={"as_of": "2018-10-05"}, follow_redirects=True)
    assert "nie można go przeliczyć ponownie" in again.get_data(as_text=True)


def test_lead_pages_are_for_their_roles_only(app, client, campaign):
    tenant = _setup(app)
    _partner(client, tenant)
    assert client.get("/t/distributor/review").status_code == 403
    assert client.get("/t/distributor/settlements").status_code == 403


def test_L01_the_joining_form_says_every_problem_at_once(app, client, campaign):
    """Empty NIP and name with a wrong e-mail and phone: all four messages on the first submission, not the e-mail
    and phone ones only after the others are put right."""
    tenant = _setup(app)
    factories.login(client, tenant, factories.user(tenant, PARTICIPANT, email="newbie@partner.example.com").email)
    page = client.post("/t/distributor/partner/join", data={
        "nip": "", "name": "", "address": "ul. Handlowa 1", "contact_first_name": "Jan",
        "contact_last_name": "Nowak", "contact_phone": "abc", "contact_email": "not-an-email"})
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    for field in ("nip", "name", "contact_phone", "contact_email"):
        assert f'id="{field}-error"' in body, field
