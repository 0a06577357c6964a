"""P-42/P-08: the complaints commission sees whose complaint it decides, what it is about (the points entry a
points complaint names) and, in words, which are past their 14 days."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import PointsEntry
from portal.tenancy.guard import use_tenant
from tests.loyalty.test_labels_pl import _as_staff, _installer_with_points, _text


def test_P42_P08_the_commission_sees_the_participant_the_entry_and_what_is_overdue(app, client, programme):
    tenant = _installer_with_points(app, client, programme, locale="en")
    with use_tenant(tenant.id):
        entry = db.session.scalars(select(PointsEntry).where(PointsEntry.kind == "earn").order_by(PointsEntry.id)
                                   ).first()
    assert client.post("/t/manufacturer/my-complaints",
                       data={"kind": "points", "entry_id": str(entry.id), "text": "Too few points for SN-0."}
                       ).status_code == 302
    _as_staff(client, tenant)
    page = _text(client.get("/t/manufacturer/commission").get_data(as_text=True))  # the staff read Polish
    assert "Jan Kowalski" in page and "ala@installer.example" in page
    assert "2024-02-01: 120" in page  # the entry complained about ("wpis 2024-02-01: 120 pkt")
    assert "2024-02-15" in page and "po terminie" not in page  # filed 2024-02-01, decided within 14 days
    app.extensions["clock"] = as_of(date(2024, 2, 16))
    page = _text(client.get("/t/manufacturer/commission").get_data(as_text=True))
    assert "po terminie" in page


def test_P08_an_upheld_points_complaint_credits_the_points_the_commission_grants(app, client, programme):
    """Upholding "too few points" must be able to correct them: the commission states how many points it credits;
    they reach the account as an adjustment naming the complaint. A refused complaint credits nothing."""
    from portal.loyalty.models import Complaint
    from portal.loyalty.service import members

    tenant = _installer_with_points(app, client, programme, locale="en")
    with use_tenant(tenant.id):
        entry = db.session.scalars(select(PointsEntry).where(PointsEntry.kind == "earn")).first()
    for text in ("Too few points for SN-0.", "And for SN-1."):
        client.post("/t/manufacturer/my-complaints", data={"kind": "points", "entry_id": str(entry.id), "text": text})
    _as_staff(client, tenant)
    with use_tenant(tenant.id):
        first, second = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    refused = client.post(f"/t/manufacturer/commission/{second.id}",
                          data={"decision": "refused", "answer": "No.", "points": "20"}, follow_redirects=True)
    assert "Punkty dolicza się tylko" in refused.get_data(as_text=True)
    assert client.post(f"/t/manufacturer/commission/{first.id}",
                       data={"decision": "upheld", "answer": "We add 20 points.", "points": "20"}).status_code == 302
    with use_tenant(tenant.id):
        db.session.expire_all()
        adjust = db.session.scalars(select(PointsEntry).where(PointsEntry.kind == "adjust")).one()
        assert (adjust.points, adjust.source, adjust.source_id) == (20, "complaint", first.id)
        installer = members.by_email("ala@installer.example")
        assert programme.statement("ala@installer.example", "2024-02-02")["balance"] == 380
        assert db.session.get(Complaint, second.id).decided_on is None  # the refused-with-points one was refused
        del installer
