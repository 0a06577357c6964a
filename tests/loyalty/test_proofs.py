"""P-10: the participant keeps the proof of purchase and installation; the organiser may ask for it, the participant
adds it later, and the organiser sees it."""

from __future__ import annotations

import io

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, STAFF
from portal.extensions import db
from portal.loyalty.models import Device
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.factories import BUSINESS
from tests.loyalty.test_pages import PDF, _installer

STAFF_EMAIL = "staff@manufacturer.test.example"


def _device(tenant) -> Device:
    db.session.rollback()
    with use_tenant(tenant.id):
        return db.session.scalars(select(Device)).one()


def _as_staff(client, tenant, *, first: bool = True):
    client.post("/t/manufacturer/logout")
    if first:
        factories.user(tenant, STAFF, email=STAFF_EMAIL, locale="en")
    factories.login(client, tenant, STAFF_EMAIL)


def test_P10_the_organiser_asks_for_the_proof_the_participant_adds_it_later_and_the_organiser_opens_it(
        app, client, programme):
    tenant = _installer(app, client, programme)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    device = _device(tenant)
    installer_id = device.installer_id
    _as_staff(client, tenant)
    page = client.get(f"/t/manufacturer/installers/{installer_id}").get_data(as_text=True)
    assert "Ask for the proof" in page and "none added" in page
    assert client.post(f"/t/manufacturer/installers/{installer_id}/devices/{device.id}/ask-proof").status_code == 302
    with use_tenant(tenant.id):
        notice = db.session.scalars(select(Notification).where(Notification.kind == "proof_requested")).one()
    assert notice.params == {"serial": "SN-1"}
    assert "asked for on 2024-02-01" in client.get(f"/t/manufacturer/installers/{installer_id}").get_data(as_text=True)

    client.post("/t/manufacturer/logout")
    factories.login(client, tenant, "ala@installer.example")
    points = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "organizator prosi o dowód (2024-02-01)" in points  # the participant reads Polish
    response = client.post(f"/t/manufacturer/devices/{device.id}/proof",
                           data={"proof": (io.BytesIO(PDF), "invoice.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = _device(tenant)
    assert len(stored.proof_files) == 1 and stored.proof_requested_on is None  # the request is answered

    _as_staff(client, tenant, first=False)
    page = client.get(f"/t/manufacturer/installers/{installer_id}").get_data(as_text=True)
    assert "file 1" in page
    download = client.get(f"/t/manufacturer/installers/{installer_id}/devices/{device.id}/proof/0")
    assert download.status_code == 200 and download.mimetype == "application/pdf" and download.data == PDF
    assert client.get(f"/t/manufacturer/installers/{installer_id}/devices/{device.id}/proof/1").status_code == 404


def test_P10_a_proof_added_later_is_checked_by_content_next_to_the_field(app, client, programme):
    tenant = _installer(app, client, programme)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    device = _device(tenant)
    response = client.post(f"/t/manufacturer/devices/{device.id}/proof",
                           data={"proof": (io.BytesIO(b"MZ not a pdf"), "invoice.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Prześlij plik PDF, JPEG lub PNG." in response.get_data(as_text=True)
    empty = client.post(f"/t/manufacturer/devices/{device.id}/proof", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Wybierz plik do dodania." in empty.get_data(as_text=True)
    assert _device(tenant).proof_files == []


def test_P10_nobody_else_adds_or_opens_a_participants_proof(app, client, programme):
    tenant = _installer(app, client, programme)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    device = _device(tenant)
    assert client.post(f"/t/manufacturer/devices/{device.id}/proof",
                       data={"proof": (io.BytesIO(PDF), "invoice.pdf")},
                       content_type="multipart/form-data").status_code == 302
    # the participant does not reach the organiser's copy
    assert client.get(f"/t/manufacturer/installers/{device.installer_id}/devices/{device.id}/proof/0"
                      ).status_code == 403
    client.post("/t/manufacturer/logout")
    other = factories.user(tenant, PARTICIPANT, email="ola@installer.example")
    factories.login(client, tenant, other.email)
    client.post("/t/manufacturer/installer/join", data={**BUSINESS, "installs_heating": "y", "adult": "y"})
    assert client.get(f"/t/manufacturer/devices/{device.id}/proof").status_code == 404
    assert client.post(f"/t/manufacturer/devices/{device.id}/proof", data={"proof": (io.BytesIO(PDF), "x.pdf")},
                       content_type="multipart/form-data").status_code == 404
    assert len(_device(tenant).proof_files) == 1


def test_P10_an_excluded_participant_is_not_asked_for_a_proof(app, client, programme):
    tenant = _installer(app, client, programme)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    device = _device(tenant)
    _as_staff(client, tenant)
    url = f"/t/manufacturer/installers/{device.installer_id}"
    assert client.post(url, data={"action": "exclude", "exclude-ground": "rules_breach", "exclude-note": "no proof"}
                       ).status_code == 302
    assert "Ask for the proof" not in client.get(url).get_data(as_text=True)
    client.post(f"{url}/devices/{device.id}/ask-proof")
    assert _device(tenant).proof_requested_on is None
