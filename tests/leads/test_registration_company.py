"""L-01: joining a lead-reward programme requires a registered company (seed: "rejestracja w serwisie dystrybutora
jako firma / partner"). Registering with the distributor asks for the company's name and NIP, next to their fields, and
refuses a NIP already in the programme as the join step does; the installer programme (P-01: individuals may join
too) keeps them optional."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.clock import as_of
from portal.extensions import db
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.leads.conftest import ROOT, Campaign, nip, partner_row

REGISTRATION = {"first_name": "Ewa", "last_name": "Nowak", "email": "ewa@firma.example", "phone": "+48 600 100 200",
                "company_name": "", "nip": "", "password": "correct-horse-battery",
                "confirm": "correct-horse-battery", "accept_terms": "y", "accept_privacy": "y"}


def _users(slug: str) -> list[str]:
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
    with use_tenant(tenant.id):
        emails = list(db.session.scalars(select(User.email)))
        db.session.rollback()
        return emails


def _field_error(html: str, field: str) -> str:
    assert f'id="{field}-error"' in html, html[:2000]
    return html.split(f'id="{field}-error"', 1)[1].split("</", 1)[0]


def test_L01_registering_with_the_distributor_requires_the_company_name_and_nip(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    answer = client.post("/t/distributor/register", data=REGISTRATION)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Podaj nazwę firmy." in _field_error(html, "company_name")
    assert "Podaj NIP firmy." in _field_error(html, "nip")
    assert "ewa@firma.example" not in _users("distributor")


def test_L01_the_distributor_registration_page_asks_for_the_company_not_if_you_run_one(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    page = client.get("/t/distributor/register").get_data(as_text=True)
    assert "jeśli prowadzisz działalność gospodarczą" not in page
    assert "<legend>Twoja firma</legend>" in page


def test_L01_a_nip_already_in_the_programme_is_refused_at_registration(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    assert campaign.partners(partner_row(1)).exit_code == 0
    written = f"PL {nip(1)[:3]}-{nip(1)[3:6]}-{nip(1)[6:8]}-{nip(1)[8:]}"
    answer = client.post("/t/distributor/register", data={**REGISTRATION, "company_name": "Partner 1 Sp. z o.o.",
                                                          "nip": written})
    assert answer.status_code == 422
    assert "Ta firma jest już zarejestrowana w programie." in _field_error(answer.get_data(as_text=True), "nip")
    assert "ewa@firma.example" not in _users("distributor")


def test_L01_a_company_registers_and_the_join_step_starts_from_its_name_and_nip(app, client, campaign):
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    answer = client.post("/t/distributor/register", data={**REGISTRATION, "company_name": "Firma Ewy Sp. z o.o.",
                                                          "nip": nip(7)})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    join = client.get("/t/distributor/partner/join").get_data(as_text=True)
    assert 'value="Firma Ewy Sp. z o.o."' in join and f'value="{nip(7)}"' in join


def test_P01_the_installer_programme_still_registers_a_person_without_a_company(app, client, tmp_path):
    Campaign(app, tmp_path, ROOT / "tenants" / "manufacturer")
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    page = client.get("/t/manufacturer/register").get_data(as_text=True)
    assert "jeśli prowadzisz działalność gospodarczą" in page
    answer = client.post("/t/manufacturer/register", data=REGISTRATION)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    assert "ewa@firma.example" in _users("manufacturer")
