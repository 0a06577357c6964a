"""Data-subject requests over the API (G-01 … G-05): filed with a reference, processed, the access bundle
downloaded for 7 days; the answers never carry the requester's personal data."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy.models import AuditEntry, DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.api.conftest import Api, make_token, problem, rules_of

EMAIL = "ola@example.com"


def _file(api, kind: str = "access", email: str = EMAIL, **extra) -> dict:
    response = api.post("/privacy/requests", {"kind": kind, "email": email, "verified": True, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_G01_api_request_gets_a_reference(api, distributor):
    factories.user(distributor, PARTICIPANT, email=EMAIL)
    response = api.post("/privacy/requests", {"kind": "access", "email": EMAIL, "name": "Ola Nowak",
                                              "details": "Everything, please", "verified": True,
                                              "note": "signed letter checked by the DPO"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["reference"].startswith("DSR-2026-")
    assert (body["kind"], body["channel"], body["status"], body["verification"]) == \
        ("access", "dpo", "open", "verified")
    assert (body["received_on"], body["due_on"], body["deadline"], body["extended_to"]) == \
        ("2026-03-02", "2026-04-02", "2026-04-02", None)  # G-03: one month
    text = response.get_data(as_text=True)
    assert EMAIL not in text and "Ola Nowak" not in text and "signed letter" not in text
    read = api.get(f"/privacy/requests/{body['reference']}")
    assert read.status_code == 200 and read.get_json() == body
    with use_tenant(distributor.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
        assert (row.requester_email, row.verification_note) == (EMAIL, "signed letter checked by the DPO")


def test_G01_api_request_needs_a_known_kind_and_an_email(api, distributor):
    response = api.post("/privacy/requests", {"kind": "forget-me", "email": EMAIL})
    assert response.status_code == 422 and rules_of(response) == {"G-01"}
    assert rules_of(api.post("/privacy/requests", {"kind": "access"})) == {"G-01"}
    assert problem(api.post("/privacy/requests", {"kind": "access", "email": EMAIL, "verified": "yes"}))[
        "errors"][0]["field"] == "verified"


def test_G02_api_public_request_is_sent_a_verification_link_and_waits_for_it(api, distributor):
    response = api.post("/privacy/requests", {"kind": "erasure", "email": "someone@example.com"})
    body = response.get_json()
    assert response.status_code == 201 and (body["channel"], body["verification"]) == ("public", "pending")
    with use_tenant(distributor.id):
        note = db.session.scalars(select(Notification).where(Notification.kind == "request_verify")).one()
        assert note.to_email == "someone@example.com"
    assert "token" not in response.get_data(as_text=True)
    refused = api.post(f"/privacy/requests/{body['reference']}/process")
    assert refused.status_code == 422 and problem(refused)["rule"] == "G-02"
    assert api.get(f"/privacy/requests/{body['reference']}").get_json()["status"] == "open"


def test_G04_api_access_bundle_is_streamed_then_gone_after_7_days(api, distributor, clock):
    user = factories.user(distributor, PARTICIPANT, email=EMAIL, first_name="Ola")
    reference = _file(api)["reference"]
    assert problem(api.get(f"/privacy/requests/{reference}/bundle"))["status"] == 409  # not processed yet
    processed = api.post(f"/privacy/requests/{reference}/process")
    assert processed.status_code == 200
    assert (processed.get_json()["status"], processed.get_json()["outcome"]) == \
        ("done", "bundle ready until 2026-03-09")
    response = api.get(f"/privacy/requests/{reference}/bundle")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f"{reference}.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {"data.json", "summary.html", "csv/users.csv"} <= set(archive.namelist())
    assert json.loads(archive.read("data.json"))["users"][0]["email"] == EMAIL
    response.close()
    with use_tenant(distributor.id):
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bundle.downloaded")).all()
    clock.advance(days=8)  # the link works through the 7th day after the build, in the organiser's time zone
    gone = api.get(f"/privacy/requests/{reference}/bundle")
    assert gone.status_code == 410 and problem(gone)["rule"] == "G-04"
    assert user.id


def test_only_access_and_portability_requests_have_a_bundle(api, distributor):
    factories.user(distributor, PARTICIPANT, email=EMAIL)
    reference = _file(api, "objection")["reference"]
    done = api.post(f"/privacy/requests/{reference}/process").get_json()
    assert done["status"] == "done" and "objection" in done["outcome"]
    assert problem(api.get(f"/privacy/requests/{reference}/bundle"))["status"] == 404
    nobody = _file(api, "access", "nobody@example.com")["reference"]
    assert api.post(f"/privacy/requests/{nobody}/process").get_json()["outcome"].startswith("no account")
    assert problem(api.get(f"/privacy/requests/{nobody}/bundle"))["status"] == 404


def test_G05_api_erasure_request_erases_the_account(api, distributor):
    user = factories.user(distributor, PARTICIPANT, email=EMAIL, first_name="Qqola", last_name="Qqnowak")
    reference = _file(api, "erasure")["reference"]
    body = api.post(f"/privacy/requests/{reference}/process", key="erase-1").get_json()
    assert body["status"] == "done" and body["outcome"].startswith("erased")
    again = api.post(f"/privacy/requests/{reference}/process", key="erase-1")
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == body
    with use_tenant(distributor.id):
        assert db.session.get(User, user.id).email.startswith("erased-")


def test_api_request_of_tenant_b_is_404_for_tenant_a(api, api_for, tenant_a, distributor):
    reference = _file(api)["reference"]
    other = api_for(tenant_a)
    for path in ("", "/bundle"):
        assert problem(other.get(f"/privacy/requests/{reference}{path}"))["status"] == 404
    assert problem(other.post(f"/privacy/requests/{reference}/process"))["status"] == 404
    assert api.get(f"/privacy/requests/{reference}").get_json()["status"] == "open"


def test_privacy_scopes(client, api, distributor):
    reference = _file(api)["reference"]
    reader = Api(client, make_token(distributor, ["privacy:read"]))
    assert reader.get(f"/privacy/requests/{reference}").status_code == 200
    assert problem(reader.post(f"/privacy/requests/{reference}/process"))["required_scope"] == "privacy:write"
    assert problem(reader.post("/privacy/requests", {"kind": "access", "email": EMAIL}))["required_scope"] == \
        "privacy:write"
    writer = Api(client, make_token(distributor, ["privacy:write"]))
    assert problem(writer.get(f"/privacy/requests/{reference}/bundle"))["required_scope"] == "privacy:read"


def test_G03_api_request_received_earlier_is_due_a_month_from_receipt_never_from_the_future(api, distributor):
    body = _file(api, received_on="2026-02-20")
    assert (body["received_on"], body["due_on"]) == ("2026-02-20", "2026-03-20")
    late = api.post("/privacy/requests", {"kind": "access", "email": EMAIL, "verified": True,
                                          "received_on": "2026-03-03"})
    assert late.status_code == 422 and problem(late)["errors"][0]["field"] == "received_on"
    assert problem(api.post("/privacy/requests", {"kind": "access", "email": EMAIL, "verified": True,
                                                  "received_on": "20 Feb"}))["errors"][0]["field"] == "received_on"
