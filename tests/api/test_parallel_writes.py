"""SPEC §11 on PostgreSQL: the same change sent several times at once (a double click, a retried call, two staff
members) happens once. Each service reads the row it changes under a row lock, as committed: the first call does the
change and tells the participant; the others see it done and are refused (or answered as before), nothing doubled."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.leads.models import SettlementLine
from portal.loyalty.models import Device, PointsEntry
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from tests.api.conftest import Api, installer_with_points, lead_body, partner_body
from tests.api.test_sales_and_settlements import standard_campaign

pytestmark = pytest.mark.usefixtures("postgresql_only")


@pytest.fixture
def postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them itself")


def _at_once(app, api: Api, calls: list) -> list[int]:
    """Each (path, body) posted from its own client, all started together; the status codes, sorted."""
    start, answers = threading.Barrier(len(calls)), []

    def post(n: int, path: str, body: dict) -> None:
        client = Api(app.test_client(), api.token)
        start.wait()
        answers.append(client.post(path, body, key=f"parallel-{n}").status_code)

    threads = [threading.Thread(target=post, args=(n, *call)) for n, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(answers)


def _count(tenant, query) -> int:
    with use_tenant(tenant.id):
        db.session.rollback()
        return db.session.scalar(query)


def _notices(tenant, kind: str) -> int:
    return _count(tenant, select(func.count()).select_from(Notification).where(Notification.kind == kind))


def _balance(mapi, installer, day="2024-03-01") -> int:
    return mapi.get(f"/installers/{installer['id']}/points?as_of={day}").get_json()["balance"]


def test_P09_parallel_revocations_never_take_more_than_the_balance(app, mapi, manufacturer):
    installer = installer_with_points(mapi)  # 360 points
    path = f"/installers/{installer['id']}/points/revocations"
    body = {"points": 300, "reason": "credited by mistake", "on": "2024-03-01"}
    assert _at_once(app, mapi, [(path, body)] * 4) == [201, 422, 422, 422]
    assert _balance(mapi, installer) == 60


def test_P09_a_devices_points_revoked_at_once_are_taken_once(app, mapi, manufacturer):
    installer = installer_with_points(mapi)
    device = _count(manufacturer, select(func.min(Device.id)))
    path = f"/installers/{installer['id']}/points/revocations"
    _at_once(app, mapi, [(path, {"device_id": device, "reason": "never installed", "on": "2024-03-01"})] * 4)
    assert _balance(mapi, installer) == 240
    assert _count(manufacturer, select(func.sum(PointsEntry.points)).where(PointsEntry.kind == "revoke")) == -120


def test_P42_a_complaint_decided_at_once_is_decided_once(app, mapi, manufacturer):
    installer = installer_with_points(mapi)
    complaint = mapi.post(f"/installers/{installer['id']}/complaints",
                          {"kind": "programme", "text": "slow answers", "on": "2024-02-20"}).get_json()
    path = f"/complaints/{complaint['id']}/decision"
    calls = [(path, {"upheld": bool(n % 2), "answer": f"answer {n}", "on": "2024-03-01"}) for n in range(4)]
    assert _at_once(app, mapi, calls) == [200, 422, 422, 422]
    assert _notices(manufacturer, "complaint_decided") == 1


def test_P02_a_title_granted_at_once_is_granted_once(app, mapi, manufacturer):
    installer = installer_with_points(mapi)
    path = f"/installers/{installer['id']}/titles"
    calls = [(path, {"change": "grant", "title": "authorisation", "on": "2024-03-01"})] * 4
    assert _at_once(app, mapi, calls) == [200, 422, 422, 422]
    assert _notices(manufacturer, "status_changed") == 1


def test_L07_a_lead_decided_at_once_gets_one_decision(app, api, distributor):
    partner = api.post("/participants", partner_body(1)).get_json()["id"]
    assert api.post("/leads", lead_body("D1", partner, 9)).status_code == 201
    qualify = {"decision": "qualified", "decided_on": "2018-08-13"}
    reject = {"decision": "rejected", "decided_on": "2018-08-13", "reason": "not eligible"}
    answers = _at_once(app, api, [("/leads/D1/decision", qualify if n % 2 else reject) for n in range(4)])
    assert answers.count(422) >= 2  # the other decision; the same one again is answered as made
    assert _notices(distributor, "lead_qualified") + _notices(distributor, "lead_rejected") == 1


def test_L19_a_draft_re_run_at_once_keeps_one_set_of_lines(app, api, distributor):
    standard_campaign(api)
    assert api.post("/settlements/1/run", {"as_of": "2018-10-05"}).status_code == 200
    lines = _count(distributor, select(func.count()).select_from(SettlementLine))
    _at_once(app, api, [("/settlements/1/run", {"as_of": "2018-10-05"})] * 4)
    assert _count(distributor, select(func.count()).select_from(SettlementLine)) == lines


def test_L19_a_settlement_approved_at_once_is_approved_once_and_not_re_run_after(app, api, distributor):
    standard_campaign(api)
    assert api.post("/settlements/1/run", {"as_of": "2018-10-05"}).status_code == 200
    lines = _count(distributor, select(func.count()).select_from(SettlementLine))
    calls = [("/settlements/1/approve", {})] * 2 + [("/settlements/1/run", {"as_of": "2018-10-06"})] * 2
    answers = _at_once(app, api, calls)
    assert answers.count(409) >= 1 and _count(distributor, select(func.count()).select_from(SettlementLine)) == lines
    approved = _notices(distributor, "settlement_approved")
    assert api.post("/settlements/1/approve", {}).status_code == 409
    assert _notices(distributor, "settlement_approved") == approved
    assert api.post("/settlements/1/run", {"as_of": "2018-10-07"}).status_code == 409  # frozen, whichever came first


@pytest.mark.parametrize(("step", "bodies"), [
    ("process", [{}] * 4),
    ("closure", [{"outcome": f"answer {n}", "rejected": bool(n % 2)} for n in range(4)]),
    ("extension", [{"months": 1 + n % 2, "reason": f"complex {n}"} for n in range(4)]),
])
def test_G03_a_request_answered_at_once_is_answered_once(app, api, distributor, step, bodies):
    from portal.accounts.models import PARTICIPANT
    from tests import factories

    factories.user(distributor, PARTICIPANT, email="ola@example.com", first_name="Ola")
    kind = "access" if step == "process" else "rectification"
    reference = api.post("/privacy/requests", {"kind": kind, "email": "ola@example.com",
                                                "verified": True}).get_json()["reference"]
    _at_once(app, api, [(f"/privacy/requests/{reference}/{step}", body) for body in bodies])
    told = "request_extended" if step == "extension" else "request_completed"
    assert _notices(distributor, told) == 1
