"""The organiser's page of one participant: balance, lots, devices and ledger, and the actions P-09 (revoke points)
and P-32 (exclude) with their messages next to the fields."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.extensions import db
from portal.loyalty.models import Installer, PointsEntry
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.loyalty.test_pages import _installer


def _organiser(app, client, programme):
    tenant = _installer(app, client, programme)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")  # 120 points
    programme.device("ala@installer.example", "SN-2", "2024-02-01")  # 120 points
    client.post("/t/manufacturer/logout")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
    return tenant, installer.id


def test_P09_organiser_sees_the_participant_and_revokes_points_with_a_reason(app, client, programme):
    tenant, installer_id = _organiser(app, client, programme)
    url = f"/t/manufacturer/installers/{installer_id}"
    assert url in client.get("/t/manufacturer/installers").get_data(as_text=True)  # the list links to the page
    page = client.get(url).get_data(as_text=True)
    assert "240" in page and "SN-1" in page and "SN-2" in page

    refused = client.post(url, data={"action": "revoke_points", "points-points": "50", "points-reason": ""})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="points-reason-error"' in body and "Podaj powód" in body  # next to the reason field
    refused = client.post(url, data={"action": "revoke_points", "points-points": "999",
                                     "points-reason": "premia naliczona podwójnie"})
    assert refused.status_code == 422 and 'id="points-points-error"' in refused.get_data(as_text=True)

    done = client.post(url, data={"action": "revoke_points", "points-points": "50",
                                  "points-reason": "premia naliczona podwójnie"})
    assert done.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "190" in page and "premia naliczona podwójnie" in page  # the balance and the ledger line with its reason

    with use_tenant(tenant.id):
        device_id = db.session.scalars(select(PointsEntry.source_id).where(PointsEntry.source == "device")).first()
    assert client.post(url, data={"action": "revoke_device", "device-device": str(device_id),
                                  "device-reason": "urządzenie nie zostało zamontowane"}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        revoked = db.session.scalars(select(PointsEntry).where(PointsEntry.kind == "revoke")).all()
    assert sum(e.points for e in revoked) < -50


def test_P32_organiser_excludes_with_a_ground_from_the_page(app, client, programme):
    tenant, installer_id = _organiser(app, client, programme)
    url = f"/t/manufacturer/installers/{installer_id}"
    refused = client.post(url, data={"action": "exclude", "exclude-ground": ""})
    assert refused.status_code == 422 and 'id="exclude-ground-error"' in refused.get_data(as_text=True)
    assert client.post(url, data={"action": "exclude", "exclude-ground": "rules_breach",
                                  "exclude-note": "zgłoszenia fikcyjnych montaży"}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        installer = db.session.get(Installer, installer_id)
        assert installer.excluded_on is not None and installer.exclusion_ground == "rules_breach"
    assert "0" in client.get(url).get_data(as_text=True)


def test_participant_page_of_another_organiser_is_404(app, client, programme):
    tenant, installer_id = _organiser(app, client, programme)
    assert client.get(f"/t/manufacturer/installers/{installer_id + 1000}").status_code == 404
    assert client.post(f"/t/manufacturer/installers/{installer_id}", data={"action": "nonsense"}).status_code == 400
