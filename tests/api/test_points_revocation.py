"""The organiser's corrections over the API: revoking points (P-09) and granting or withdrawing a title (P-02,
P-03), with Idempotency-Key replays and 422 problems naming the field and the rule."""

from __future__ import annotations

from tests.api.conftest import installer_with_points, make_token, problem, rules_of


def test_P09_api_revokes_points_with_the_reason_on_the_ledger_once_per_key(mapi):
    installer = installer_with_points(mapi)  # 360 points
    path = f"/installers/{installer['id']}/points/revocations"
    body = {"points": 100, "reason": "bonus credited twice", "on": "2024-02-10"}
    first = mapi.post(path, body, key="rev-1")
    assert first.status_code == 201, first.get_json()
    answer = first.get_json()
    assert answer["revoked"] == 100 and answer["balance"] == 260
    assert sum(e["points"] for e in answer["entries"]) == -100
    assert {e["note"] for e in answer["entries"]} == {"bonus credited twice"}
    again = mapi.post(path, body, key="rev-1")
    assert again.status_code == 201 and again.get_json() == answer  # replayed, not revoked twice
    statement = mapi.get(f"/installers/{installer['id']}/points?as_of=2024-02-11").get_json()
    assert statement["balance"] == 260


def test_P09_api_revokes_what_is_left_of_a_devices_points(mapi):
    installer = installer_with_points(mapi)
    device = mapi.get(f"/installers/{installer['id']}/devices").get_json()["items"][0]
    response = mapi.post(f"/installers/{installer['id']}/points/revocations",
                         {"device_id": device["id"], "reason": "never installed", "on": "2024-02-10"})
    assert response.status_code == 201 and response.get_json()["revoked"] == 120


def test_P09_api_revocation_refusals_name_the_field(mapi):
    installer = installer_with_points(mapi, devices=1)
    path = f"/installers/{installer['id']}/points/revocations"
    no_reason = mapi.post(path, {"points": 10, "reason": " "})
    assert no_reason.status_code == 422 and rules_of(no_reason) == {"P-09"}
    both = mapi.post(path, {"points": 10, "device_id": 1, "reason": "x"})
    assert both.status_code == 422 and {e["field"] for e in problem(both)["errors"]} == {"points", "device_id"}
    too_many = mapi.post(path, {"points": 121, "reason": "x", "on": "2024-02-10"})
    assert too_many.status_code == 422 and {e["field"] for e in problem(too_many)["errors"]} == {"points"}
    foreign_device = mapi.post(path, {"device_id": 999999, "reason": "x"})
    assert foreign_device.status_code == 422 and {e["field"] for e in problem(foreign_device)["errors"]} == \
        {"device_id"}
    assert mapi.post("/installers/999999/points/revocations", {"points": 1, "reason": "x"}).status_code == 404


def test_P09_revoking_needs_the_points_write_scope(client, mapi, manufacturer):
    from tests.api.conftest import Api

    installer = installer_with_points(mapi, devices=1)
    reader = Api(client, make_token(manufacturer, ["points:read"], name="reader"))
    refused = reader.post(f"/installers/{installer['id']}/points/revocations", {"points": 1, "reason": "x"})
    assert refused.status_code == 403


def test_P02_P03_api_grants_and_withdraws_a_title(mapi):
    installer = installer_with_points(mapi, devices=1)
    path = f"/installers/{installer['id']}/titles"
    granted = mapi.post(path, {"change": "grant", "title": "leader"}, key="t-1")
    assert granted.status_code == 200 and granted.get_json()["status"] == "premium"
    withdrawn = mapi.post(path, {"change": "withdraw", "title": "authorisation"}, key="t-2")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "installer"
    refused = mapi.post(path, {"change": "withdraw", "title": "leader"})
    assert refused.status_code == 422 and rules_of(refused) == {"P-03"}
    assert {e["field"] for e in refused.get_json()["errors"]} == {"title"}  # the body's property, not a page's
