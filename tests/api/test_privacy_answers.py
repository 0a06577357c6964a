"""G-03 and the DPO's answer over the API: a request filed through the API can be extended (once, by one or two
months, with the reason the requester is told, within the first month) and closed with the answer — a
rectification or a request the DPO answers by hand no longer stays open for want of an endpoint."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT
from portal.extensions import db
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.api.conftest import problem
from tests.api.test_privacy_requests import EMAIL, _file


def test_G03_api_extends_a_request_once_with_its_reason(api, distributor):
    factories.user(distributor, PARTICIPANT, email=EMAIL)
    ref = _file(api)["reference"]
    answer = api.post(f"/privacy/requests/{ref}/extension", {"months": 2, "reason": "many systems to search"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["extended_to"] == "2026-06-02" and answer.get_json()["deadline"] == "2026-06-02"
    with use_tenant(distributor.id):
        assert db.session.scalars(select(Notification).where(Notification.kind == "request_extended")).one()
    again = api.post(f"/privacy/requests/{ref}/extension", {"months": 1, "reason": "more"})
    assert again.status_code == 422 and problem(again)["errors"][0]["field"] == "months"


def test_G03_api_refuses_an_extension_without_a_reason_or_of_three_months(api, distributor):
    ref = _file(api)["reference"]
    assert api.post(f"/privacy/requests/{ref}/extension", {"months": 3, "reason": "x"}).status_code == 422
    blank = api.post(f"/privacy/requests/{ref}/extension", {"months": 1, "reason": "  "})
    assert blank.status_code == 422 and problem(blank)["errors"][0]["field"] == "reason"


def test_G06_api_closes_a_rectification_with_the_answer(api, distributor):
    factories.user(distributor, PARTICIPANT, email=EMAIL)
    ref = _file(api, "rectification", details="my surname is Nowak-Kowalska")["reference"]
    assert api.post(f"/privacy/requests/{ref}/process", {}).get_json()["status"] == "open"
    closed = api.post(f"/privacy/requests/{ref}/closure", {"outcome": "corrected: last_name"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "done"
    again = api.post(f"/privacy/requests/{ref}/closure", {"outcome": "again"})
    assert again.status_code == 422


def test_G01_api_rejects_a_request_with_the_reason(api, distributor):
    ref = _file(api, "erasure", email="nobody@example.com")["reference"]
    blank = api.post(f"/privacy/requests/{ref}/closure", {"outcome": " "})
    assert blank.status_code == 422 and problem(blank)["errors"][0]["field"] == "outcome"
    closed = api.post(f"/privacy/requests/{ref}/closure", {"outcome": "identity could not be confirmed",
                                                           "rejected": True})
    assert closed.status_code == 200 and closed.get_json()["status"] == "rejected"
