"""P-05 one serial earns once however it is typed; P-29/P-01 the PIT-8C data agree with themselves and the adult
check reads the PESEL; an installer the organiser admitted by its own decision (P-01) can give those data; P-32 a
re-join is a new start after the exclusion, never dated inside it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.core.bulk import ValidationFailed
from portal.extensions import db
from portal.loyalty.service import devices, members
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant


def _tenant() -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()


def pesel_for(born: date, serial: str = "0001") -> str:
    month = born.month + {18: 80, 19: 0, 20: 20, 21: 40}[born.year // 100]
    digits = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial}"
    check = (10 - sum(int(d) * w for d, w in zip(digits, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3], strict=True)) % 10) % 10
    return digits + str(check)


@pytest.mark.parametrize("typed", ["SN\u200b-100", "\ufeffSN-100", "SN-\u00ad100", "ＳＮ－１００", "SN-100\u2060"])
def test_P05_a_serial_with_an_invisible_or_full_width_character_is_the_same_serial(typed):
    assert devices.normalise_serial(typed) == devices.normalise_serial("sn-100") == "SN-100"


def test_P05_a_serial_of_invisible_characters_only_is_no_serial(programme):
    programme.join("a@example.com")
    refused = programme.devices("a@example.com,\u200b\u2060,TV-KOND-24C,FD612,2024-02-05,2024-02-05")
    assert refused.exit_code != 0 and "serial" in refused.output.lower()


def test_P05_the_same_serial_typed_with_a_zero_width_space_earns_nothing_the_second_time(programme):
    programme.join("a@example.com")
    programme.join("b@example.com")
    programme.device("a@example.com", "SN-100", "2024-02-05")
    again = programme.devices("b@example.com,SN\u200b-100,TV-KOND-24C,FD612,2024-02-06,2024-02-06")
    assert again.exit_code != 0 and "already" in again.output
    assert programme.statement("b@example.com", "2024-02-06")["balance"] == 0


@pytest.mark.parametrize(("born", "given", "field"), [
    (date(2010, 5, 5), date(1990, 5, 5), "birth_date"),  # the PESEL says 15 years old
    (date(1990, 5, 5), date(1985, 1, 1), "birth_date"),  # two dates of birth
])
def test_P29_a_date_of_birth_the_pesel_contradicts_is_refused(programme, born, given, field):
    programme.participants("i@example.com,Jan,K,,no,installer,2024-01-10,2024-01-10")
    with use_tenant(_tenant().id):
        installer = members.by_email("i@example.com")
        with pytest.raises(ValidationFailed) as refused:
            members.set_tax_data(installer, tax_id=pesel_for(born), home_address="ul. X 1", birth_date=given,
                                 on=date(2026, 3, 2))
        assert field in {f for f, _m, _r in refused.value.problems} and installer.tax_id is None


def test_P29_a_pesel_of_a_day_still_to_come_is_refused(programme):
    programme.participants("i@example.com,Jan,K,,no,installer,2024-01-10,2024-01-10")
    with use_tenant(_tenant().id):
        installer = members.by_email("i@example.com")
        with pytest.raises(ValidationFailed) as refused:
            members.set_tax_data(installer, tax_id=pesel_for(date(2090, 5, 5)), home_address="ul. X 1",
                                 birth_date=date(1990, 5, 5), on=date(2026, 3, 2))
        assert "tax_id" in {f for f, _m, _r in refused.value.problems}


def test_P29_matching_pesel_and_date_of_birth_are_kept(programme):
    programme.participants("i@example.com,Jan,K,,no,installer,2024-01-10,2024-01-10")
    with use_tenant(_tenant().id):
        installer = members.by_email("i@example.com")
        members.set_tax_data(installer, tax_id=pesel_for(date(1990, 5, 5)), home_address="ul. X 1",
                             birth_date=date(1990, 5, 5), on=date(2026, 3, 2))
        assert installer.birth_date == date(1990, 5, 5)


def test_P01_P29_an_installer_the_organiser_admitted_though_not_of_age_gives_the_pit8c_data(app, client, programme):
    """Seed §3.2: anyone else takes part by the organiser's individual decision. Admitted so, a 16-year-old's true
    date of birth is taken for the PIT-8C form; refusing it would block every reward of someone the organiser
    chose to admit."""
    from portal.accounts.models import PARTICIPANT
    from portal.core.clock import as_of
    from portal.loyalty.models import Installer
    from tests import factories

    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = _tenant()
    person = factories.user(tenant, PARTICIPANT, email="young@installer.example")
    factories.login(client, tenant, person.email)
    client.post("/t/manufacturer/installer/join", data={"installs_heating": "y"})  # not of age
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer).where(Installer.user_id == person.id)).one()
        assert installer.approval == "pending"
        members.approve(installer, approved=True, on=date(2024, 2, 1), clock=as_of(date(2024, 2, 1)))
        db.session.commit()
        members.set_tax_data(installer, tax_id=pesel_for(date(2008, 5, 5)), home_address="ul. Y 2",
                             birth_date=date(2008, 5, 5), on=date(2024, 2, 1))
        assert installer.birth_date == date(2008, 5, 5)


def test_P32_a_rejoin_dated_inside_the_exclusion_is_refused(programme):
    programme.join("a@example.com", registered_on="2024-01-10")
    programme.jobs("2024-04-11")
    assert programme.statement("a@example.com", "2024-04-11")["status"] == "excluded"
    backdated = programme.participants("a@example.com,Jan,Kowalski,5252248481,yes,installer,2024-02-01,2024-02-01")
    assert backdated.exit_code != 0 and "Excluded on 2024-04-11" in backdated.output
    assert programme.statement("a@example.com", "2024-04-20")["status"] == "excluded"


def test_P32_the_points_page_offers_to_join_again_from_the_day_after_the_exclusion(app, client, programme):
    from portal.core.clock import as_of
    from tests.loyalty.test_pages import _installer

    tenant = _installer(app, client, programme, day="2024-02-01")
    app.extensions["clock"] = as_of(date(2024, 5, 2))
    with use_tenant(tenant.id):
        members.exclude(members.by_email("ala@installer.example"), "no_points", on=date(2024, 5, 2),
                        clock=app.extensions["clock"])
        db.session.commit()
    link = 'href="/t/manufacturer/installer/join"'
    assert link not in client.get("/t/manufacturer/points").get_data(as_text=True)
    app.extensions["clock"] = as_of(date(2024, 5, 3))
    assert link in client.get("/t/manufacturer/points").get_data(as_text=True)
