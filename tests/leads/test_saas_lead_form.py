"""The lead form follows the programme (SPEC §4 "a programme is data", §7): the SaaS vendor's referral form asks what
its definition's ``lead.required_fields`` lists — the contact person at the referred company, the expected number of
contacts and the contract term — and not the distributor's licences and PCs (L-02, L-03 analogues on §7)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.accounts.models import PARTICIPANT
from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Lead
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.api.conftest import Api, make_token
from tests.factories import valid_nip

ROOT = Path(__file__).resolve().parents[2]
AGENCY, PROSPECT = valid_nip(4101), valid_nip(4102)

PROSPECT_LEAD = {"customer_name": "Sklep Rowerowy Sp. z o.o.", "customer_address": "ul. Rynek 1, 31-001 Kraków",
                 "customer_nip": PROSPECT, "customer_contact_first_name": "Olga",
                 "customer_contact_last_name": "Wiśniewska", "customer_contact_phone": "+48 601 202 303",
                 "customer_contact_email": "olga@sklep-rowerowy.example.com", "family": "engagement_platform",
                 "billing": "fixed_term", "licences": "8000", "term_months": "12", "vendor_consent": "y"}


def _organiser(app, slug: str, day: date):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / slug)])
    assert result.exit_code == 0, result.output
    app.extensions["clock"] = as_of(day)
    return db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()


@pytest.fixture
def saas(app):
    return _organiser(app, "saas-vendor", date(2024, 2, 5))


def _agency(client, tenant, slug: str = "saas-vendor", company_nip: str = AGENCY):
    user = factories.user(tenant, PARTICIPANT, email=f"marta@{slug}-agency.example.com", locale="en")
    factories.login(client, tenant, user.email)
    response = client.post(f"/t/{slug}/partner/join", data={
        "nip": company_nip, "name": "Agencja Kowalczyk", "address": "ul. Długa 5, Warszawa",
        "contact_first_name": "Marta", "contact_last_name": "Kowalczyk", "contact_phone": "+48 600 100 200",
        "contact_email": "marta@agencja.example.com"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return user


def _leads(tenant) -> list[Lead]:
    with use_tenant(tenant.id):
        return list(db.session.scalars(select(Lead)))


def test_L02_saas_form_asks_for_the_prospects_contact_person_contacts_and_term(app, client, saas):
    """SPEC §7: an agency registers a prospect — company, NIP, contact, expected contacts volume, term."""
    _agency(client, saas)
    page = client.get("/t/saas-vendor/leads/new").get_data(as_text=True)
    for label in ("Contact person at the customer: first name", "Contact person at the customer: e-mail",
                  "Expected number of contacts in the customer's database", "Expected contract term (months)"):
        assert label in page, label
    for name in ("customer_contact_first_name", "customer_contact_last_name", "customer_contact_phone",
                 "customer_contact_email", "term_months", "licences"):
        assert f'name="{name}"' in page, name
    # the distributor's questions are not this programme's
    assert "PCs at the customer" not in page and 'name="pcs"' not in page and 'name="plan"' not in page
    assert "Licences the customer intends to buy" not in page and "at least 1 licences" not in page
    # the checkbox says what this programme's definition asks the agency to declare (its lead-form consent)
    assert "data to Kontaktio and that I have told that person about it." in page


def test_L02_distributor_form_keeps_licences_and_pcs_and_asks_no_customer_contact(app, client):
    """L-02: the distributor's lead names plan, licences and the customer's PCs; no contact person at the customer."""
    tenant = _organiser(app, "distributor", date(2018, 8, 10))
    _agency(client, tenant, "distributor", valid_nip(4103))
    page = client.get("/t/distributor/leads/new").get_data(as_text=True)
    assert "Licences the customer intends to buy" in page and "PCs at the customer" in page
    assert 'name="plan"' in page and 'name="pcs"' in page
    assert 'name="customer_contact_email"' not in page and 'name="term_months"' not in page


def test_L02_saas_lead_without_contact_person_or_term_shows_each_message_next_to_its_field(app, client, saas):
    """L-02 (§7): the prospect's contact person and the term are required; nothing is stored until they are given."""
    _agency(client, saas)
    response = client.post("/t/saas-vendor/leads/new", data=dict(
        PROSPECT_LEAD, customer_contact_first_name="", customer_contact_email="olga-at-sklep", term_months="0",
        licences="many"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="customer_contact_first_name-error"' in html
    assert "Enter the first name of the contact person at the customer." in html
    assert 'id="customer_contact_email-error"' in html
    assert "Check the e-mail address of the contact person at the customer." in html
    assert 'id="term_months-error"' in html and "The contract term is at least 1 month." in html
    assert 'id="licences-error"' in html and "Enter the expected number of contacts as a whole number." in html
    assert _leads(saas) == []


def test_L03_saas_contacts_below_the_minimum_are_refused_in_the_programmes_words(app, client, saas):
    _agency(client, saas)
    response = client.post("/t/saas-vendor/leads/new", data=dict(PROSPECT_LEAD, licences="0"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="licences-error"' in html
    assert "Enter an expected number of contacts of at least 1." in html and "(L-03)" in html
    assert "licence" not in html.split('id="licences-error"')[1].split("</div>")[0]


def test_L02_saas_inline_validation_speaks_for_the_new_fields(app, client, saas):
    """The HTMX check as the agency types answers the field's own fragment with its message."""
    _agency(client, saas)
    term = client.post("/t/saas-vendor/leads/validate", data=dict(PROSPECT_LEAD, term_months="a year"),
                       headers={"HX-Request": "true", "HX-Trigger-Name": "term_months"})
    html = term.get_data(as_text=True)
    assert term.status_code == 200 and "<html" not in html
    assert 'id="term_months-error"' in html and "Enter the contract term in months as a whole number." in html
    email = client.post("/t/saas-vendor/leads/validate", data=dict(PROSPECT_LEAD, customer_contact_email="olga"),
                        headers={"HX-Request": "true", "HX-Trigger-Name": "customer_contact_email"})
    assert "Check the e-mail address of the contact person at the customer." in email.get_data(as_text=True)
    good = client.post("/t/saas-vendor/leads/validate", data=PROSPECT_LEAD,
                       headers={"HX-Request": "true", "HX-Trigger-Name": "customer_contact_email"})
    assert 'id="customer_contact_email-error"' not in good.get_data(as_text=True)
    # a field this programme does not ask for is not a field of its form
    pcs = client.post("/t/saas-vendor/leads/validate", data=PROSPECT_LEAD,
                      headers={"HX-Request": "true", "HX-Trigger-Name": "pcs"})
    assert pcs.status_code == 400


def test_L02_valid_saas_lead_is_stored_with_the_contact_person_contacts_and_term(app, client, saas):
    _agency(client, saas)
    response = client.post("/t/saas-vendor/leads/new", data=PROSPECT_LEAD)
    assert response.status_code == 302, response.get_data(as_text=True)
    [lead] = _leads(saas)
    assert (lead.customer_contact_first_name, lead.customer_contact_last_name, lead.customer_contact_phone,
            lead.customer_contact_email) == ("Olga", "Wiśniewska", "+48 601 202 303",
                                             "olga@sklep-rowerowy.example.com")
    assert (lead.licences, lead.term_months, lead.pcs, lead.plan) == (8000, 12, 0, "")
    assert lead.contact_email == "marta@agencja.example.com"  # the agency's own contact person, from its record


def test_L02_api_takes_and_returns_the_same_saas_fields_as_the_page(app, client, saas):
    """The API checks a SaaS lead as the page does and answers with what was stored (OpenAPI LeadIn / Lead)."""
    api = Api(client, make_token(saas))
    partner = api.post("/participants", {
        "nip": AGENCY, "name": "Agencja", "address": "ul. A 1", "contact_first_name": "Ewa",
        "contact_last_name": "Nowak", "contact_phone": "+48 600 100 300", "contact_email": "ewa@agencja.example.com"})
    assert partner.status_code == 201, partner.get_json()
    body = {k: v for k, v in PROSPECT_LEAD.items() if k != "vendor_consent"}
    body.update(partner_id=partner.get_json()["id"], licences=8000, term_months=12, vendor_consent=True,
                submitted_on="2024-02-05")
    missing = api.post("/leads", {k: v for k, v in body.items() if k not in ("customer_contact_email",
                                                                             "term_months")})
    assert missing.status_code == 422
    assert {(e["field"], e["rule"]) for e in missing.get_json()["errors"]} == {
        ("customer_contact_email", "L-02"), ("term_months", "L-02")}
    created = api.post("/leads", body)
    assert created.status_code == 201, created.get_json()
    answer = created.get_json()
    assert answer["customer_contact_email"] == "olga@sklep-rowerowy.example.com" and answer["term_months"] == 12
    document = api.get("/openapi.json").get_json()["components"]["schemas"]
    for name in ("customer_contact_first_name", "customer_contact_email", "term_months"):
        assert name in document["LeadIn"]["properties"] and name in document["Lead"]["properties"]


def test_L02_saas_bulk_file_with_the_referral_columns_is_checked_like_the_page(app, saas, tmp_path):
    """FORMATS.md's lead columns stay the contract; a SaaS file that adds the referral's columns has them checked
    as the form checks them (here: a row without the prospect's e-mail is refused with the form's message)."""
    runner = app.test_cli_runner()
    partners = tmp_path / "p.csv"
    partners.write_text("nip,name,address,contact_first_name,contact_last_name,contact_phone,contact_email,flags\n"
                        f"{AGENCY},Agencja,ul. A 1,Ewa,Nowak,+48 600 100 300,ewa@agencja.example.com,\n",
                        encoding="utf-8")
    assert runner.invoke(args=["participants", "import", "saas-vendor", str(partners)]).exit_code == 0
    leads = tmp_path / "l.csv"
    leads.write_text("ref,partner_nip,customer_nip,customer_name,customer_address,family,plan,billing,licences,pcs,"
                     "submitted_on,customer_contact_first_name,customer_contact_last_name,customer_contact_phone,"
                     "customer_contact_email,term_months\n"
                     f"R1,{AGENCY},{PROSPECT},Sklep,ul. B 2,engagement_platform,,fixed_term,8000,,2024-02-05,"
                     "Olga,Wiśniewska,+48 601 202 303,,12\n", encoding="utf-8")
    refused = runner.invoke(args=["leads", "import", "saas-vendor", str(leads)])
    assert refused.exit_code == 1
    assert "line 2: L-02: Enter the e-mail of the contact person at the customer." in refused.stderr
    leads.write_text(leads.read_text(encoding="utf-8").replace(",,12", ",olga@sklep.example.com,12"),
                     encoding="utf-8")
    assert runner.invoke(args=["leads", "import", "saas-vendor", str(leads)]).exit_code == 0
    [lead] = _leads(saas)
    assert (lead.customer_contact_email, lead.term_months, lead.licences) == ("olga@sklep.example.com", 12, 8000)


def test_E01_a_definition_naming_an_unknown_lead_field_is_refused_with_its_key():
    from portal.leads.rules import problems

    found = dict(problems({"programme": {"ends_on": "2024-12-31"},
                           "lead": {"min_quantity": 1, "review_business_days": 5, "quantity_unit": "seats",
                                    "required_fields": ["customer_name", "shoe_size"],
                                    "reward_rules": [{"code": "r", "families": [], "billing": [], "rate": "0.1",
                                                      "base": "sale_value"}]}}))
    assert "shoe_size" in found["lead.required_fields[2]"] and "lead.required_fields[1]" not in found
    assert "licences, contacts" in found["lead.quantity_unit"]


def test_S7_the_agency_submits_a_referral_not_a_lead(app, client, saas):
    """The SaaS vendor's programme speaks of referrals (polecenia), as its mails do."""
    _agency(client, saas)
    for path in ("/t/saas-vendor/leads/new", "/t/saas-vendor/leads"):
        page = client.get(path).get_data(as_text=True)
        assert "Submit a referral" in page or "Submit the referral" in page, path
        assert "Submit a lead" not in page and "Submit the lead" not in page, path


def test_S7_S10_an_agency_reads_of_referrals_not_leads(app, client, saas):
    """§7/§10: the referral programme speaks of referrals (as its terms do) on the agency's pages, notices and mails;
    the distributor's campaign keeps its leads."""
    from portal.notifications.models import Notification
    from portal.notifications.service import _render

    user = _agency(client, saas)
    answer = client.post("/t/saas-vendor/leads/new", data=PROSPECT_LEAD, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Referral R" in page or "Referral " in page, page[:3000]
    assert "My referrals" in page and "My leads" not in page and "Lead " not in page.split("<main", 1)[-1]
    listing = client.get("/t/saas-vendor/leads").get_data(as_text=True)
    assert "My referrals" in listing and "My leads" not in listing
    with use_tenant(saas.id):
        told = db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                             Notification.kind == "lead_received")).one()
        subject, body = _render(told, user, saas)
    words = subject + body.split("http", 1)[0]  # the page's address keeps its /leads
    assert subject.startswith("Referral") and "lead" not in words.lower(), subject + body
    notices = client.get("/t/saas-vendor/notices").get_data(as_text=True)
    assert "Referral" in notices and "Lead " not in notices.split("<main", 1)[-1]


def test_L07_a_reason_given_with_a_qualification_reaches_the_partner(app, client, saas):
    """The decision form's reason is "sent to the partner": a qualification's too, in the notice and the mail."""
    from portal.leads.service import review
    from portal.notifications.models import Notification
    from portal.notifications.service import _render

    user = _agency(client, saas)
    assert client.post("/t/saas-vendor/leads/new", data=PROSPECT_LEAD).status_code == 302
    [lead] = _leads(saas)
    with use_tenant(saas.id):
        review.decide(db.session.get(Lead, lead.id), "qualified", reason="Zweryfikowano u dostawcy",
                      decided_on=date(2024, 2, 5), clock=app.extensions["clock"])
        db.session.commit()
        told = db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                             Notification.kind == "lead_qualified")).one()
        _subject, body = _render(told, user, saas)
    assert "Zweryfikowano u dostawcy" in body
    assert "Zweryfikowano u dostawcy" in client.get("/t/saas-vendor/notices").get_data(as_text=True)


def test_S7_L01_the_join_page_names_the_programmes_own_exclusion(app, client, saas):
    """The SaaS vendor's agencies read who may not join its programme — its capital group — not the distributor's
    direct CSP partners."""
    user = factories.user(saas, PARTICIPANT, email="ola@agencja-join.example.com", locale="en")
    factories.login(client, saas, user.email)
    import html

    page = html.unescape(client.get("/t/saas-vendor/partner/join").get_data(as_text=True))
    assert "Companies of the organiser's capital group are not eligible." in page
    assert "CSP" not in page


def test_L01_the_distributors_join_page_names_direct_csp_partners(app, client):
    import html

    distributor = _organiser(app, "distributor", date(2018, 8, 10))
    user = factories.user(distributor, PARTICIPANT, email="jan@reseller-join.example.com", locale="pl")
    factories.login(client, distributor, user.email)
    page = html.unescape(client.get("/t/distributor/partner/join").get_data(as_text=True))
    assert "Bezpośredni partnerzy CSP i ich grupa kapitałowa nie mogą brać udziału w programie." in page
