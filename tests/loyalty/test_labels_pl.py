"""Installer-programme pages speak the reader's language: statuses and criteria by the names the organiser gave
them (P-02, P-03), order states (P-21 … P-30), reward names and kinds (P-20), complaint kinds and decisions
(P-08, P-42) — never the stored codes."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, STAFF, User
from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import Installer
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.factories import BUSINESS

EMAIL = "ala@installer.example"


def _tenant(app, day: str = "2024-02-01"):
    app.extensions["clock"] = as_of(date.fromisoformat(day))
    return db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()


def _installer_with_points(app, client, programme, locale: str = "pl"):
    """A participant who joined through the page (Polish account) with 360 points from three boilers."""
    tenant = _tenant(app)
    user = factories.user(tenant, PARTICIPANT, email=EMAIL, locale=locale)
    factories.login(client, tenant, user.email)
    join = {**BUSINESS, "installs_heating": "y", "adult": "y", "delivery_address": "ul. Polna 1, 00-950 Warszawa"}
    assert client.post("/t/manufacturer/installer/join", data=join).status_code == 302
    for n in range(3):
        programme.device(EMAIL, f"SN-{n}", "2024-02-01")
    return tenant


def _as_staff(client, tenant):
    client.post(f"/t/{tenant.slug}/logout")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_P02_P03_participants_page_names_statuses_and_criteria_in_polish(app, client, programme):
    tenant = _installer_with_points(app, client, programme)
    _as_staff(client, tenant)
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
    page = client.get("/t/manufacturer/installers").get_data(as_text=True)
    # the organiser's own names from the definition (name_pl), in the list and in the criterion choice
    assert "<td>Instalator<br>" in page
    assert '<option value="training">Ukończone szkolenie „Autoryzowany Instalator Termovia”</option>' in page
    assert ">training<" not in page and ">sales_activity<" not in page
    for criterion in ("training", "sales_activity"):
        response = client.post(f"/t/manufacturer/installers/{installer.id}/evidence", data={"criterion": criterion})
        assert response.status_code == 302
    client.post(f"/t/manufacturer/installers/{installer.id}/evaluate")
    page = _text(client.get("/t/manufacturer/installers").get_data(as_text=True))
    assert "Autoryzowany Instalator" in page
    assert "spełnione kryteria: Aktywność w sprzedaży urządzeń Termovia; Ukończone szkolenie" in page
    assert "authorised" not in page and "criteria met" not in page


def test_P03_P21_points_page_in_polish_status_missing_criteria_orders_and_devices(app, client, programme):
    _installer_with_points(app, client, programme)
    assert client.post("/t/manufacturer/rewards/R-KURTKA/order").status_code == 302
    page = _text(client.get("/t/manufacturer/points").get_data(as_text=True))
    assert "Status Instalator" in page
    assert "Brakuje do kolejnego statusu: Ukończone szkolenie „Autoryzowany Instalator Termovia”" in page
    assert "Kurtka robocza softshell — złożone" in page
    assert "Kocioł kondensacyjny dwufunkcyjny Termovia Kond 24 C (24 kW)" in page
    for code in ("installer", "placed", "training", "TV-KOND-24C —"):
        assert f" {code} " not in page


def test_P20_catalogue_in_english_names_rewards_in_english(app, client, programme):
    tenant = _installer_with_points(app, client, programme, locale="en")
    page = client.get("/t/manufacturer/rewards").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Softshell work jacket" in page and "Kurtka robocza softshell" not in page
    client.post("/lang/pl", data={"next": "/t/manufacturer/rewards"})
    page = client.get("/t/manufacturer/rewards").get_data(as_text=True)
    assert "Kurtka robocza softshell" in page and "Softshell work jacket" not in page
    client.post(f"/t/{tenant.slug}/logout")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example", locale="en")
    factories.login(client, tenant, staff.email)
    client.post("/lang/en", data={"next": "/t/manufacturer/catalogue"})  # the choice made above outlives a logout
    catalogue = _text(client.get("/t/manufacturer/catalogue").get_data(as_text=True))
    assert "R-KURTKA — Softshell work jacket workwear" in catalogue and "Kurtka robocza" not in catalogue


def test_P20_P21_organiser_catalogue_and_fulfilment_in_polish(app, client, programme):
    tenant = _installer_with_points(app, client, programme)
    assert client.post("/t/manufacturer/rewards/R-KURTKA/order").status_code == 302
    _as_staff(client, tenant)
    catalogue = _text(client.get("/t/manufacturer/catalogue").get_data(as_text=True))
    assert "R-KURTKA — Kurtka robocza softshell odzież robocza" in catalogue
    assert "elektronarzędzia" in catalogue and "power_tools" not in catalogue and "workwear" not in catalogue
    fulfilment = _text(client.get("/t/manufacturer/fulfilment").get_data(as_text=True))
    assert "Kurtka robocza softshell (R-KURTKA) złożone" in fulfilment
    assert " placed " not in fulfilment
    new = _text(client.get("/t/manufacturer/catalogue/new").get_data(as_text=True))
    assert "Kod" in new and "Kod błędu" not in new  # a reward's code is not an error code
    assert "Kod błędu 404" in _text(client.get("/t/manufacturer/catalogue/999999/edit").get_data(as_text=True))


def test_P08_P42_complaints_in_polish_for_the_participant_and_the_commission(app, client, programme):
    tenant = _installer_with_points(app, client, programme)
    assert client.post("/t/manufacturer/my-complaints", data={"kind": "programme", "text": "Za mało nagród."}
                       ).status_code == 302
    _as_staff(client, tenant)
    commission = _text(client.get("/t/manufacturer/commission").get_data(as_text=True))
    assert "Program Za mało nagród." in commission and " programme " not in commission
    from portal.loyalty.models import Complaint

    with use_tenant(tenant.id):
        complaint = db.session.scalars(select(Complaint)).one()
    assert client.post(f"/t/manufacturer/commission/{complaint.id}", data={"decision": "upheld",
                                                                           "answer": "Dodamy nagrody."}
                       ).status_code == 302
    client.post("/t/manufacturer/logout")
    factories.login(client, tenant, EMAIL)
    mine = _text(client.get("/t/manufacturer/my-complaints").get_data(as_text=True))
    assert "Program — Uwzględniona: Dodamy nagrody." in mine
    notices = _text(client.get("/t/manufacturer/notices").get_data(as_text=True))
    assert "upheld" not in notices and "Uwzględniona" in notices


def test_P03_status_change_notice_and_mail_name_the_status_in_polish(app, client, programme):
    from portal.notifications.models import Notification
    from portal.notifications.service import _render

    tenant = _installer_with_points(app, client, programme)
    _as_staff(client, tenant)
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
    for criterion in ("training", "sales_activity"):
        client.post(f"/t/manufacturer/installers/{installer.id}/evidence", data={"criterion": criterion})
    client.post(f"/t/manufacturer/installers/{installer.id}/evaluate")
    client.post("/t/manufacturer/logout")
    factories.login(client, tenant, EMAIL)
    notices = _text(client.get("/t/manufacturer/notices").get_data(as_text=True))
    assert "Autoryzowany Instalator" in notices and "authorised" not in notices
    with use_tenant(tenant.id):
        row = db.session.scalars(select(Notification).where(Notification.kind == "status_changed")).one()
        user = db.session.get(User, row.user_id)
        _subject, body = _render(row, user, tenant)
    assert "Twój status to teraz: Autoryzowany Instalator (wcześniej: Instalator)." in body
