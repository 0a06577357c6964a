"""SPEC §11 (never a 500, never a silent drop): values a form's type lets through but no one means — an amount of
NaN, a day in year 1 or 9999, a superscript digit, a number beyond any column — get a message at their field on
the page, and nothing is written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.security import world as w

DAYS = {"distributor": date(2018, 8, 10), "manufacturer": date(2024, 2, 1), "saas-vendor": date(2024, 3, 1)}


def _setup(app, kind: str):
    app.extensions["clock"] = as_of(DAYS[kind])
    tenant = w.create_preset(app, kind)
    people = {role: factories.user(tenant, role, email=f"{role}@{kind}.example", locale="en").email
              for role in (ADMIN, STAFF, DPO)}
    people[PARTICIPANT] = factories.subject_everywhere(tenant, "Alice1canary").email
    return tenant, people


def _count(tenant, model, *where) -> int:
    with use_tenant(tenant.id):
        n = db.session.scalar(select(func.count()).select_from(model).where(*where))
        db.session.rollback()
        return n


def _at_field(answer, field: str) -> str:
    body = answer.get_data(as_text=True)
    assert answer.status_code in (400, 422), (answer.status_code, body[:300])
    assert f'id="{field}-error"' in body, body[:2000]
    return body


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_S11_an_amount_that_is_no_number_is_refused_at_the_field(app, value):
    from portal.loyalty.models import Reward

    tenant, people = _setup(app, "manufacturer")
    admin = w.logged_in(app, "manufacturer", people[ADMIN])
    before = _count(tenant, Reward)
    answer = admin.post("/t/manufacturer/catalogue/new", data={
        "code": "NEWX", "kind": "tools", "name_pl": "Nowa", "name_en": "New", "description": "d", "points": "100",
        "gross_value": value, "delivery_days": "14", "stock": "5", "active": "y"})
    _at_field(answer, "gross_value")
    assert _count(tenant, Reward) == before


def test_S11_P40_an_end_in_year_9999_is_refused_and_the_end_page_still_opens(app):
    from portal.notifications.models import Notification

    tenant, people = _setup(app, "manufacturer")
    admin = w.logged_in(app, "manufacturer", people[ADMIN])
    _at_field(admin.post("/t/manufacturer/programme-end", data={"ends_on": "9999-12-31"}), "ends_on")
    assert _count(tenant, Notification, Notification.kind == "programme_ending") == 0
    assert admin.get("/t/manufacturer/programme-end").status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31"])
def test_S11_P29_a_date_of_birth_centuries_ago_is_refused(app, value):
    tenant, people = _setup(app, "manufacturer")
    participant = w.logged_in(app, "manufacturer", people[PARTICIPANT])
    answer = participant.post("/t/manufacturer/tax-data", data={"tax_id": "", "home_address": "ul. B 2",
                                                                 "birth_date": value})
    _at_field(answer, "birth_date")


def test_S11_G03_a_request_received_in_year_1_is_refused(app):
    from portal.privacy.models import DataSubjectRequest

    tenant, people = _setup(app, "manufacturer")
    dpo = w.logged_in(app, "manufacturer", people[DPO])
    before = _count(tenant, DataSubjectRequest)
    answer = dpo.post("/t/manufacturer/dpo/requests", data={
        "kind": "access", "email": "x@example.com", "name": "X", "details": "d", "locale": "", "note": "id ok",
        "received_on": "0001-01-01"})
    _at_field(answer, "received_on")
    assert _count(tenant, DataSubjectRequest) == before


@pytest.mark.parametrize(("field", "value"), [("discovered_at", "0001-01-01T00:00"), ("discovered_at", "0001-01-01"),
                                              ("people", "99999999999999999999"), ("records", "99999999999999999999")])
def test_S11_C05_G12_breach_values_beyond_any_column_are_refused_at_the_field(app, field, value):
    tenant, people = _setup(app, "saas-vendor")
    dpo = w.logged_in(app, "saas-vendor", people[DPO])
    form = {"action": "record", "nature": "n", "categories": "c", "contact": "k", "consequences": "q", "measures": "m",
            "people": "", "records": "", "discovered_at": "2024-02-29T10:00", field: value}
    _at_field(dpo.post("/t/saas-vendor/dpo/breaches", data=form), field)
    w.operator()
    operator = w.operator_client(app)
    _at_field(operator.post("/operator/breaches", data={**form, "tenant": str(tenant.id)}), field)


def test_S11_C01_contract_days_in_year_9999_or_1_are_refused_at_the_field(app):
    from portal.operator.models import Contract

    tenant, _ = _setup(app, "saas-vendor")
    w.operator()
    operator = w.operator_client(app)
    terms = {"action": "terms", "terms-term_months": "12", "terms-tiers": "", "terms-premium": ""}
    _at_field(operator.post(f"/operator/tenants/{tenant.id}/contract",
                            data={**terms, "terms-starts_on": "9999-12-01"}), "terms-starts_on")
    assert _count(tenant, Contract) == 0
    assert operator.post(f"/operator/tenants/{tenant.id}/contract",
                         data={**terms, "terms-starts_on": "2024-01-01"}).status_code == 302
    _at_field(operator.post(f"/operator/tenants/{tenant.id}/contract",
                            data={"action": "notice", "notice-received_on": "0001-01-01"}), "notice-received_on")
    _at_field(operator.post(f"/operator/tenants/{tenant.id}/end",
                            data={"ground": "mutual", "on": "9999-12-31", "confirm": "x"}), "on")
    # the live summary beside the form (HTMX) computes nothing for such a day: the message comes with the form
    assert operator.post(f"/operator/tenants/{tenant.id}/end/summary",
                         data={"ground": "mutual", "on": "9999-12-31"}).status_code == 200


@pytest.mark.parametrize("value", ["²", "99999999999999999999"])
def test_S11_a_superscript_digit_or_a_huge_number_in_a_choice_is_not_a_500(app, value):
    tenant, people = _setup(app, "manufacturer")
    participant = w.logged_in(app, "manufacturer", people[PARTICIPANT])
    answer = participant.post("/t/manufacturer/my-complaints", data={"kind": "points", "entry_id": value,
                                                                       "text": "x"})
    assert answer.status_code in (400, 422)
    dpo = w.logged_in(app, "manufacturer", people[DPO])
    assert dpo.get(f"/t/manufacturer/dpo/requests?page={value}").status_code in (200, 400)
    assert dpo.get(f"/t/manufacturer/dpo/audit?before={value}").status_code in (200, 400)
    w.operator()
    operator = w.operator_client(app)
    assert operator.post("/operator/audits", data={"audit_id": value, "answer": "a"}).status_code in (400, 404, 422)


# --- accepted without a word before: a phone no one can dial, an address with two @, a consent said "no" ---------

REGISTRATION = {"first_name": "Ewa", "last_name": "Nowak", "email": "ewa@x.example", "company_name": "", "nip": "",
                "password": "correct-horse-battery", "confirm": "correct-horse-battery", "accept_terms": "y",
                "accept_privacy": "y"}


def test_S11_L01_registration_checks_the_phone_as_the_profile_does(app):
    from portal.accounts.models import User

    tenant, _ = _setup(app, "distributor")
    answer = app.test_client().post("/t/distributor/register", data={**REGISTRATION, "phone": "abc 🙂"})
    _at_field(answer, "phone")
    assert _count(tenant, User, User.email == "ewa@x.example") == 0
    company = {"company_name": "Nowak IT", "nip": factories.valid_nip(4242)}  # L-01: the campaign admits companies
    assert app.test_client().post("/t/distributor/register",
                                  data={**REGISTRATION, **company, "phone": "+48 600 100 200"}).status_code == 302


@pytest.mark.parametrize("value", ["no", "0", "off"])
def test_S11_G08_a_consent_box_sent_as_no_is_no_consent(app, value):
    from portal.accounts.models import User

    tenant, _ = _setup(app, "distributor")
    answer = app.test_client().post("/t/distributor/register", data={**REGISTRATION, "phone": "",
                                                                     "accept_privacy": value})
    _at_field(answer, "accept_privacy")
    assert _count(tenant, User, User.email == "ewa@x.example") == 0


@pytest.mark.parametrize("value", ["no", "0", "off"])
def test_S11_P01_an_installer_box_sent_as_no_is_not_ticked(app, value):
    """P-01: "I install heating devices" sent as "no" is no such declaration: the organiser decides (pending)."""
    from portal.loyalty.models import Installer

    tenant, _ = _setup(app, "manufacturer")
    newcomer = factories.user(tenant, PARTICIPANT, email="new@instal.example", locale="en")
    installer = w.logged_in(app, "manufacturer", newcomer.email)
    assert installer.post("/t/manufacturer/installer/join", data={
        "installs_heating": value, "adult": "y"}).status_code == 302
    assert _count(tenant, Installer, Installer.user_id == newcomer.id, Installer.approval == "pending") == 1


@pytest.mark.parametrize("address", ["a@@x.pl", "a@x@y.pl"])
def test_S11_L02_an_address_with_two_at_signs_is_refused_at_the_field(app, address):
    from portal.leads.service.limits import email_ok

    assert not email_ok(address) and email_ok("jan.kowalski@firma.pl")
    tenant, _ = _setup(app, "distributor")
    newcomer = factories.user(tenant, PARTICIPANT, email="new@firma.example", locale="en")
    partner = w.logged_in(app, "distributor", newcomer.email)
    answer = partner.post("/t/distributor/partner/join", data={
        "nip": factories.valid_nip(91), "name": "Firma", "address": "ul. A 1", "contact_first_name": "J",
        "contact_last_name": "K", "contact_phone": "+48600100200", "contact_email": address})
    _at_field(answer, "contact_email")


def test_S11_P29_a_wrong_employer_acceptance_file_is_named_at_its_field(app):
    import io

    tenant, people = _setup(app, "manufacturer")
    participant = w.logged_in(app, "manufacturer", people[PARTICIPANT])
    answer = participant.post("/t/manufacturer/tax-data", content_type="multipart/form-data", data={
        "tax_id": "44051401359", "home_address": "ul. C 3", "birth_date": "1944-05-14",
        "employer_acceptance": (io.BytesIO(b"MZ\x90\x00"), "x.exe")})
    _at_field(answer, "employer_acceptance")


def test_S11_C07_a_sub_processor_refusal_stands_next_to_its_field(app):
    from portal.operator.models import SubProcessor

    _setup(app, "saas-vendor")
    w.operator()
    operator = w.operator_client(app)
    form = {"name": "Acme", "purpose": "e-mail delivery", "location": "PL"}
    _at_field(operator.post("/operator/subprocessors", data={**form, "name": "x" * 5000}), "name")
    _at_field(operator.post("/operator/subprocessors", data={**form, "location": " "}), "location")
    _at_field(operator.post("/operator/subprocessors", data={**form, "location": "US", "outside_eea": "y"}),
              "outside_eea")
    assert db.session.scalar(select(func.count()).select_from(SubProcessor)) == 0
    assert operator.post("/operator/subprocessors", data={**form, "outside_eea": "no"}).status_code == 302
    assert db.session.scalars(select(SubProcessor.outside_eea)).all() == [False]


@pytest.mark.parametrize(("value", "said"), [("2018-02-30", "date"), ("1800-01-01", "1900-01-01")])
def test_S11_L17_a_settlement_day_that_does_not_exist_is_said_so(app, value, said):
    tenant, people = _setup(app, "distributor")
    staff = w.logged_in(app, "distributor", people[STAFF])
    answer = staff.post("/t/distributor/settlements/1/run", data={"as_of": value}, follow_redirects=True)
    body = answer.get_data(as_text=True)
    assert said in body and "Enter the settlement date." not in body
