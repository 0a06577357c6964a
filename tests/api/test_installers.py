"""Installers, their devices and points over the API (P-01 … P-07, P-21, P-22, P-40), checked against the
commands of FORMATS.md on the manufacturer preset."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.loyalty.models import Device, Installer, PointsEntry
from portal.tenancy.guard import use_tenant
from tests.api.conftest import (
    Api,
    device_body,
    installer_body,
    installer_with_points,
    make_token,
    nip,
    problem,
    rules_of,
)


def _count(tenant, model) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(model))


def test_P01_api_installer_is_registered_and_read_back(mapi):
    response = mapi.post("/installers", installer_body(1, status="authorised"))
    assert response.status_code == 201
    created = response.get_json()
    assert (created["email"], created["nip"], created["status"], created["approval"]) == \
        ("installer1@example.com", nip(1), "authorised", "approved")
    assert created["registered_on"] == "2024-01-10" and created["business"] is True
    assert mapi.get(f"/installers/{created['id']}").get_json() == created


def test_P01_P02_api_installer_with_bad_data_is_422_with_rules(mapi, manufacturer):
    response = mapi.post("/installers", installer_body(1, nip="1234567890", status="guru", email="nobody"))
    errors = {e["field"]: e["rule"] for e in problem(response)["errors"]}
    assert response.status_code == 422
    assert errors == {"nip": "P-01", "status": "P-02", "email": "P-01"}
    missing = mapi.post("/installers", {"email": "a@example.com"})
    assert {e["field"]: e["rule"] for e in problem(missing)["errors"]} == {
        "business": "P-01", "status": "P-02", "first_name": "P-01", "last_name": "P-01"}  # as the form asks them
    assert _count(manufacturer, Installer) == 0


def test_P01_an_individual_needs_no_nip_and_the_same_email_joins_once(mapi):
    individual = mapi.post("/installers", installer_body(1, business=False, nip=""))
    assert individual.status_code == 201 and individual.get_json()["nip"] == ""
    again = mapi.post("/installers", installer_body(1))
    assert again.status_code == 422 and rules_of(again) == {"P-01"}


def test_installer_registered_on_defaults_to_today(mapi):
    body = installer_body(1)
    del body["registered_on"], body["activated_on"]
    created = mapi.post("/installers", body).get_json()
    assert created["registered_on"] == "2026-03-02" and created["activated_on"] is None


def test_P40_joining_through_the_api_is_closed_once_the_end_is_announced(app, mapi):
    result = app.test_cli_runner().invoke(args=["programme", "announce-end", "manufacturer", "--on", "2026-03-01",
                                                "--ends-on", "2026-07-01"])
    assert result.exit_code == 0, result.output
    response = mapi.post("/installers", installer_body(1, registered_on="2026-03-02"))
    assert response.status_code == 422 and problem(response)["rule"] == "P-40"


def test_installers_pages_walk_every_installer_once(mapi):
    ids = [mapi.post("/installers", installer_body(n)).get_json()["id"] for n in range(1, 6)]
    seen, cursor, pages = [], None, 0
    while True:
        body = mapi.get("/installers?limit=2" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == ids


def test_api_installer_of_tenant_b_is_404_for_tenant_a(mapi, api_for, tenant_a):
    installer = installer_with_points(mapi, devices=1)
    other = api_for(tenant_a)
    for path in ("", "/devices", "/points?as_of=2024-03-01", "/ledger", "/orders"):
        assert problem(other.get(f"/installers/{installer['id']}{path}"))["status"] == 404, path
    assert problem(other.post(f"/installers/{installer['id']}/devices", device_body("SN-X")))["status"] == 404
    assert other.get("/installers").get_json() == {"items": [], "next_cursor": None}


def test_a_tenant_without_an_installer_programme_cannot_register_installers(api_for, tenant_a):
    response = api_for(tenant_a).post("/installers", installer_body(1))
    assert response.status_code == 422 and "no installer programme" in problem(response)["detail"]


def test_loyalty_scopes_are_enforced(client, mapi, manufacturer):
    installer = mapi.post("/installers", installer_body(1)).get_json()
    reader = Api(client, make_token(manufacturer, ["installers:read"]))
    assert reader.get(f"/installers/{installer['id']}").status_code == 200
    for path, scope in (("/devices", "devices:read"), ("/points", "points:read"), ("/ledger", "points:read"),
                        ("/orders", "orders:read")):
        assert problem(reader.get(f"/installers/{installer['id']}{path}"))["required_scope"] == scope
    refused = reader.post(f"/installers/{installer['id']}/devices", device_body("SN-1"))
    assert refused.status_code == 403 and problem(refused)["required_scope"] == "devices:write"
    assert problem(reader.post("/installers", installer_body(2)))["required_scope"] == "installers:write"


def test_P05_api_device_registration_earns_points(mapi, manufacturer):
    installer = mapi.post("/installers", installer_body(1)).get_json()
    response = mapi.post(f"/installers/{installer['id']}/devices", device_body("SN-1"))
    assert response.status_code == 201
    device = response.get_json()
    assert (device["serial"], device["points"], device["registered_on"]) == ("SN-1", 120, "2024-02-01")
    statement = mapi.get(f"/installers/{installer['id']}/points?as_of=2024-02-05").get_json()
    assert statement["balance"] == 120
    assert statement["lots"] == [{"earned_on": "2024-02-01", "expires_on": "2026-02-01", "points": 120,
                                  "remaining": 120}]
    (entry,) = mapi.get(f"/installers/{installer['id']}/ledger").get_json()["items"]
    assert (entry["kind"], entry["points"], entry["source"], entry["source_id"]) == ("earn", 120, "device",
                                                                                     device["id"])
    assert mapi.get(f"/installers/{installer['id']}/devices").get_json()["items"] == [device]


def test_P05_the_same_serial_earns_once(mapi, manufacturer):
    installer = mapi.post("/installers", installer_body(1)).get_json()
    assert mapi.post(f"/installers/{installer['id']}/devices", device_body("SN-1")).status_code == 201
    again = mapi.post(f"/installers/{installer['id']}/devices", device_body("SN-1", "2024-02-02"))
    assert again.status_code == 422
    assert {(e["field"], e["rule"]) for e in problem(again)["errors"]} == {("serial", "P-05")}
    assert _count(manufacturer, Device) == 1 and _count(manufacturer, PointsEntry) == 1


def test_P04_P05_device_checks_name_each_field_and_rule(mapi, manufacturer):
    installer = mapi.post("/installers", installer_body(1)).get_json()
    response = mapi.post(f"/installers/{installer['id']}/devices",
                         device_body("", model_code="TV-NOPE", production_code="FD5", installed_on="2024-03-01"))
    errors = {(e["field"], e["rule"]) for e in problem(response)["errors"]}
    assert errors == {("serial", "P-05"), ("model_code", "P-04"), ("production_code", "P-05"),
                      ("installed_on", "P-05")}
    assert _count(manufacturer, Device) == 0


def test_P05_device_idempotency_key_registers_once(mapi, manufacturer):
    installer = mapi.post("/installers", installer_body(1)).get_json()
    first = mapi.post(f"/installers/{installer['id']}/devices", device_body("SN-1"), key="dev-1")
    again = mapi.post(f"/installers/{installer['id']}/devices", device_body("SN-1"), key="dev-1")
    assert first.status_code == again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true" and _count(manufacturer, PointsEntry) == 1


def test_P22_statement_via_api_matches_the_cli_and_points_expire_after_two_years(app, mapi):
    installer = installer_with_points(mapi, devices=2)
    path = f"/installers/{installer['id']}/points"
    today = mapi.get(path).get_json()
    assert today["as_of"] == "2026-03-02" and today["balance"] == 0  # expired on 2026-02-01
    api_statement = mapi.get(f"{path}?as_of=2026-01-15").get_json()
    result = app.test_cli_runner().invoke(args=["points", "statement", "manufacturer", "installer1@example.com",
                                                "--as-of", "2026-01-15", "--json"])
    assert result.exit_code == 0, result.output
    assert api_statement == {"installer_id": installer["id"], "as_of": "2026-01-15", **json.loads(result.output)}
    assert api_statement["balance"] == 240 and api_statement["expiring_30_days"] == 240
    assert mapi.get(f"{path}?as_of=2026-02-01").get_json()["balance"] == 0


def test_points_as_of_must_be_a_date(mapi):
    installer = mapi.post("/installers", installer_body(1)).get_json()
    for value in ("yesterday", "2024-02-30", "9999-12-31", "2024-2-1"):
        response = mapi.get(f"/installers/{installer['id']}/points?as_of={value}")
        assert problem(response)["status"] == 400 and problem(response)["errors"][0]["field"] == "as_of"


def test_ledger_pages_walk_every_entry_once(mapi):
    installer = installer_with_points(mapi, devices=5)
    seen, cursor = [], None
    while True:
        body = mapi.get(f"/installers/{installer['id']}/ledger?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        page = body.get_json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 == len(set(seen)) and seen == sorted(seen)


def test_G07_the_api_shows_a_restricted_installer_and_partner_as_restricted(mapi, manufacturer, api, distributor):
    """G-07: "the UI shows the flag" — the organiser's system reading a participant over API v1 sees it too."""
    from portal.accounts.models import User
    from portal.leads.models import Partner
    from tests.api.conftest import partner_body

    created = mapi.post("/installers", installer_body(7)).get_json()
    assert mapi.get(f"/installers/{created['id']}").get_json()["restricted_at"] is None
    partner = api.post("/participants", partner_body(7)).get_json()
    with use_tenant(manufacturer.id):
        user_id = db.session.get(Installer, created["id"]).user_id
        db.session.get(User, user_id).restricted_at = datetime(2024, 3, 1, tzinfo=UTC)
        db.session.commit()
    with use_tenant(distributor.id):
        db.session.get(Partner, partner["id"]).restricted_at = datetime(2018, 9, 1, tzinfo=UTC)
        db.session.commit()
    assert mapi.get(f"/installers/{created['id']}").get_json()["restricted_at"].startswith("2024-03-01")
    assert api.get(f"/participants/{partner['id']}").get_json()["restricted_at"].startswith("2018-09-01")
