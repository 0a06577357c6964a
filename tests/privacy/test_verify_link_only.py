"""G-02: only the one-time link mailed to the requester confirms a public request. A request the DPO filed or
verified is carried out by the DPO; a stranger who guesses its (sequential) reference and sends any token must not
set it going — above all not an erasure."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.privacy.test_requests import _run_worker


def test_G02_a_made_up_link_does_not_start_the_dpos_erasure(app, client, tenant_a):
    user = factories.user(tenant_a, email="ala@example.com")
    result = app.test_cli_runner().invoke(args=["privacy", "request", "alpha", "--kind", "erasure", "--email",
                                                "ala@example.com"])
    reference = result.output.strip()
    assert result.exit_code == 0 and reference.startswith("DSR-")
    response = client.get(f"/t/alpha/privacy/verify/{reference}/x")
    assert response.status_code == 400 and "This link does not work" in response.get_data(as_text=True)
    _run_worker()
    db.session.rollback()
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
        assert (row.status, row.verification) == ("open", "verified")
        assert db.session.get(type(user), user.id).email == "ala@example.com"  # not erased


def test_G02_the_link_works_once(app, client, tenant_a):
    client.post("/t/alpha/privacy/request", data={"kind": "access", "email": "contact@example.com"})
    from portal.notifications.models import Notification

    with use_tenant(tenant_a.id):
        token = db.session.scalars(select(Notification)).one().params["token"]
        reference = db.session.scalars(select(DataSubjectRequest)).one().reference
    assert client.get(f"/t/alpha/privacy/verify/{reference}/{token}").status_code == 200
    again = client.get(f"/t/alpha/privacy/verify/{reference}/{token}")  # a second click, or a mail scanner's first
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "already confirmed" in html and "File the request again" not in html
    assert client.get(f"/t/alpha/privacy/verify/{reference}/other").status_code == 400


def test_G02_a_second_click_sets_nothing_going_again(app, client, tenant_a, monkeypatch):
    from portal.privacy import views

    queued = []
    monkeypatch.setattr(views, "_enqueue", lambda row: queued.append(row.id))
    client.post("/t/alpha/privacy/request", data={"kind": "erasure", "email": "contact@example.com"})
    from portal.notifications.models import Notification

    with use_tenant(tenant_a.id):
        token = db.session.scalars(select(Notification)).one().params["token"]
        reference = db.session.scalars(select(DataSubjectRequest)).one().reference
    for _ in range(3):
        assert client.get(f"/t/alpha/privacy/verify/{reference}/{token}").status_code == 200
    assert len(queued) == 1


def test_G04_the_bundle_leaves_out_the_link_hash_of_a_request_still_waiting_for_its_link(app, client, tenant_a):
    """The access bundle never holds a secret (password hash, token hashes) — also not in the subject's own
    data-subject requests, one of which may still wait for its one-time link."""
    from portal.privacy import export

    user = factories.user(tenant_a, email="ala@example.com")
    client.post("/t/alpha/privacy/request", data={"kind": "erasure", "email": "ala@example.com"})
    with use_tenant(tenant_a.id):
        pending = db.session.scalars(select(DataSubjectRequest)).one()
        assert pending.verify_sha256
        rows = export.gather(user.id)[DataSubjectRequest.__tablename__]
    assert [row["reference"] for row in rows] == [pending.reference]
    assert not {"verify_sha256", "tenant_id"} & set(rows[0])
