"""P-03: the status rests on two of four criteria the organiser partly records (sales, training, promotional
activity) — so the participant's page shows staff which criteria are on record and since when, lets them withdraw
one, and a criterion already on record is not recorded twice."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.loyalty.models import Installer, StatusEvidence
from portal.tenancy.guard import use_tenant
from tests.loyalty.test_labels_pl import _as_staff, _installer_with_points, _text


def _evidence(tenant) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(StatusEvidence)
                                 .where(StatusEvidence.revoked_on.is_(None)))


def test_P03_staff_see_the_criteria_on_record_withdraw_one_and_record_none_twice(app, client, programme):
    tenant = _installer_with_points(app, client, programme, locale="en")
    _as_staff(client, tenant)
    client.post("/lang/en")
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
    page = f"/t/manufacturer/installers/{installer.id}"
    assert client.post(f"{page}/evidence", data={"criterion": "training"}).status_code == 302
    again = client.post(f"{page}/evidence", data={"criterion": "training"}, follow_redirects=True)
    assert "already on record" in again.get_data(as_text=True)
    assert _evidence(tenant) == 1
    html = client.get(page).get_data(as_text=True)
    text = _text(html)
    assert re.search(r"Authorised Installer” training.{0,120}2024-02-01", text), text  # its own name, the day
    withdraw = re.search(r'<form[^>]*action="(' + page + r'/revoke)"[^>]*>(.*?)</form>', html, re.S)
    assert withdraw and 'value="training"' in withdraw.group(2)
    assert client.post(withdraw.group(1), data={"criterion": "training", "back": "participant"}).status_code == 302
    assert _evidence(tenant) == 0
    nothing = client.post(f"{page}/revoke", data={"criterion": "training"}, follow_redirects=True)
    assert "not on record" in nothing.get_data(as_text=True)
