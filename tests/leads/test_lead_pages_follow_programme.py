"""Every page and document that shows a lead follows its programme's definition as the lead form does (L-02, SPEC §7):
the SaaS vendor's referral is counted in contacts and names the person at the customer and the expected term, with
no plan and no PCs; the distributor's lead keeps its plan, licences and PCs (L-02, L-03). The review queue (L-07) and
the settlement reasons (L-11, L-12, L-19) speak in the same unit."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.tenancy.models import Tenant
from tests import factories
from tests.factories import valid_nip
from tests.leads.test_pages import LEAD, _partner, _setup
from tests.leads.test_saas_lead_form import PROSPECT_LEAD as SAAS_FORM

ROOT = Path(__file__).resolve().parents[2]
AGENCY, PROSPECT = valid_nip(4201), valid_nip(4202)
PROSPECT_LEAD = {**SAAS_FORM, "customer_nip": PROSPECT}  # the form test's referral, another customer


@pytest.fixture
def saas(app):
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")])
    assert result.exit_code == 0, result.output
    app.extensions["clock"] = as_of(date(2024, 2, 5))
    return db.session.scalars(select(Tenant).where(Tenant.slug == "saas-vendor")).one()


def _agency_lead(client, saas) -> str:
    """A Polish-speaking agency joins and registers the prospect; the URL of the lead's page."""
    user = factories.user(saas, PARTICIPANT, email="marta@agencja.example.com", locale="pl")
    factories.login(client, saas, user.email)
    joined = client.post("/t/saas-vendor/partner/join", data={
        "nip": AGENCY, "name": "Agencja Kowalczyk", "address": "ul. Długa 5, Warszawa",
        "contact_first_name": "Marta", "contact_last_name": "Kowalczyk", "contact_phone": "+48 600 100 200",
        "contact_email": "marta@agencja.example.com"})
    assert joined.status_code == 302, joined.get_data(as_text=True)
    submitted = client.post("/t/saas-vendor/leads/new", data=PROSPECT_LEAD)
    assert submitted.status_code == 302, submitted.get_data(as_text=True)
    return submitted.headers["Location"]


def _facts(html: str) -> dict[str, str]:
    """The lead page's description list: heading → text."""
    block = re.search(r"<dl>(.*?)</dl>", html, flags=re.S).group(1)
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block, flags=re.S))


def _main(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_L02_saas_lead_page_in_polish_names_the_contact_person_the_term_and_contacts(app, client, saas):
    """SPEC §7: a prospect is registered with its contact person, expected contacts volume and term; its page says
    so in the programme's words — contacts, not licences, and no plan or PCs it never asked for."""
    html = client.get(_agency_lead(client, saas)).get_data(as_text=True)
    facts = _facts(html)
    assert facts["Osoba kontaktowa u klienta"] == "Olga Wiśniewska, +48 601 202 303, olga@sklep-rowerowy.example.com"
    assert facts["Przewidywany okres umowy"] == "12 miesięcy"
    assert "8000 kontaktów" in facts["Co klient zamierza kupić"]
    assert facts["Co klient zamierza kupić"].startswith("Platforma Kontaktio Engage, Umowa na czas określony")
    # the agency's own contact person is told apart from the customer's
    assert facts["Osoba kontaktowa w Twojej firmie"] == "Marta Kowalczyk, +48 600 100 200, marta@agencja.example.com"
    main = _main(html)
    for word in ("licencj", "komputer", "Plan", "PCs", "licences"):
        assert word not in main, word


def test_L02_distributor_lead_page_is_unchanged(app, client, campaign):
    """L-02: the distributor's lead shows its plan, licences and PCs and one contact person, as before."""
    tenant = _setup(app)
    _partner(client, tenant)
    submitted = client.post("/t/distributor/leads/new", data=LEAD)
    facts = _facts(client.get(submitted.headers["Location"]).get_data(as_text=True))
    assert list(facts) == ["Status", "Termin decyzji", "Klient", "Plan", "Osoba kontaktowa", "Data zgłoszenia"]
    assert facts["Plan"] == "Office 365 E3, CSP roczny, licencje: 20, komputery: 25"
    assert facts["Osoba kontaktowa"] == "Ewa Lis, +48 600 100 200, ewa1@partner.example.com"


def test_L02_saas_my_leads_in_polish_speaks_of_no_licences(app, client, saas):
    _agency_lead(client, saas)
    main = _main(client.get("/t/saas-vendor/leads").get_data(as_text=True))
    assert "Sklep Rowerowy Sp. z o.o." in main and "licencj" not in main.lower()


def test_L07_saas_review_queue_in_polish_counts_contacts_and_names_the_contact_person(app, client, saas):
    """L-07 on §7: the organiser reviews a referral by the prospect's contact person, contacts and term; the row
    the decision answers with speaks the same way."""
    _agency_lead(client, saas)
    staff = factories.user(saas, STAFF, email="opiekun@kontaktio.example.com", locale="pl")
    factories.login(client, saas, staff.email)
    html = _main(client.get("/t/saas-vendor/review").get_data(as_text=True))
    assert '<th scope="col">Kontakty</th>' in html and "Licencje" not in html
    assert "Olga Wiśniewska" in html and "olga@sklep-rowerowy.example.com" in html and "+48 601 202 303" in html
    assert "<td>8000<br><small>12 miesięcy</small></td>" in html  # under the "Kontakty" heading, with the term
    lead_id = re.search(r'id="lead-(\d+)"', html).group(1)
    row = client.post(f"/t/saas-vendor/review/{lead_id}", data={"decision": "qualified"},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "zakwalifikowany" in row and "<td>8000<br><small>12 miesięcy</small></td>" in row
    assert "Olga Wiśniewska" in row


def test_L07_distributor_review_queue_keeps_licences(app, client, campaign):
    tenant = _setup(app)
    _partner(client, tenant)
    client.post("/t/distributor/leads/new", data=LEAD)
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    html = _main(client.get("/t/distributor/review").get_data(as_text=True))
    assert '<th scope="col">Licencje</th>' in html and "<td>20</td>" in html
    assert "kontakt" not in html.lower().replace("osoba kontaktowa", "")


def test_L11_L12_saas_settlement_reasons_count_contacts(app, saas):
    """L-11 / L-12 on §7: a SaaS line's reason names the contact count, not licences (the stored English keeps
    the engine's wording, FORMATS.md)."""
    from flask_babel import force_locale

    from portal.leads.labels import settlement_reason
    from portal.tenancy.guard import use_tenant

    with app.test_request_context("/t/saas-vendor/"), use_tenant(saas.id), force_locale("pl"):
        capped = settlement_reason("rule 1 (engage-first-year): 0.10 of first year subscription value, "
                                   "base capped at 500000 licences")
        no_rate = settlement_reason("no reward rate for engagement_platform fixed_term with 8000 licences")
        too_few = settlement_reason("2 licences bought; at least 5 are needed")
    assert capped.endswith("ograniczona do wartości 500000 kontaktów") and "licencj" not in capped
    assert no_rate == "brak stawki nagrody dla: Platforma Kontaktio Engage, Umowa na czas określony, " \
                      "liczba kontaktów: 8000"
    assert too_few == "liczba kontaktów w podpisanym zamówieniu: 2; wymagane co najmniej 5"


def test_L21_saas_lead_page_names_the_agencys_statement_not_a_consent_to_pass_the_lead_to_a_vendor(app, client, saas):
    """§7: the agency states it may pass the contact person's data to the organiser itself; there is no vendor to
    consent to (L-21 is the distributor's)."""
    lead_url = _agency_lead(client, saas)
    staff = factories.user(saas, STAFF, email="opiekun@kontaktio.example.com", locale="en")
    factories.login(client, saas, staff.email)
    facts = _facts(client.get(lead_url).get_data(as_text=True))
    assert "The partner's statement on the contact person's data" in facts
    assert not any("vendor" in heading for heading in facts)


def test_L16_the_top_partner_standings_are_offered_only_where_the_programme_awards_a_top_partner(app, client, saas,
                                                                                                   campaign):
    """The referral programme has no L-16 award: its staff are not sent to a ranking that decides nothing."""
    distributor = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    for tenant, offered in ((saas, False), (distributor, True)):
        staff = factories.user(tenant, STAFF, email=f"staff@{tenant.slug}.example.com", locale="en")
        factories.login(client, tenant, staff.email)
        for page in ("staff", "settlements"):
            html = client.get(f"/t/{tenant.slug}/{page}").get_data(as_text=True)
            assert ("/standings" in html) is offered, (tenant.slug, page)


def test_L10_saas_not_new_customer_is_said_in_the_referral_programmes_words(app, saas):
    """§7 (terms 7.1: the customer had no active contract with the organiser before): a sale reported as not new
    says the customer is not new — not the distributor's Microsoft "tenant" — in the CSV's English and in Polish,
    for a line stored with the older wording too."""
    from flask_babel import force_locale

    from portal.leads.labels import settlement_reason
    from portal.leads.service.programme import rules_on
    from portal.leads.service.settlement import Part, Realisation, _unrealised
    from portal.tenancy.guard import use_tenant

    with app.test_request_context("/t/saas-vendor/"), use_tenant(saas.id):
        rules = rules_on(date(2024, 2, 5))
        lead = type("L", (), {"decided_on": date(2024, 2, 1), "carried_over": False})()
        part = Part(date(2024, 2, 16), rules.reward_rules[0].families[0], rules.reward_rules[0].billing[0], 5000,
                    Decimal("0.00"), 12, False)
        stored = _unrealised(lead, Realisation([part]), rules)
        assert stored == "the customer is not new: it had an active contract with the organiser before"
        with force_locale("pl"):
            said = [settlement_reason(stored), settlement_reason("the service was not started on a new tenant")]
    assert said == ["klient nie jest nowy: miał już wcześniej aktywną umowę z organizatorem"] * 2
