"""Days an API caller gives for the organiser's corrections: a revocation is not dated in a day still to come (P-09),
a title change not before the participant joined nor before the status change it follows (P-02, P-03), and a
complaint about the programme not before the participant joined (P-42). Refused on ``on``, nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import device_body, installer_with_points, problem


def _fields(response) -> set[str]:
    return {e["field"] for e in problem(response)["errors"]}


def test_P09_a_revocation_dated_after_today_is_refused_and_the_balance_untouched(mapi, clock):
    today = clock.today()
    installer = installer_with_points(mapi, devices=0)
    device = device_body("SN-RECENT", registered_on=(today - timedelta(days=10)).isoformat())
    assert mapi.post(f"/installers/{installer['id']}/devices", device).status_code == 201  # 120 points
    path = f"/installers/{installer['id']}/points/revocations"
    tomorrow = (today + timedelta(days=1)).isoformat()
    refused = mapi.post(path, {"points": 120, "reason": "duplicate", "on": tomorrow})
    assert refused.status_code == 422 and _fields(refused) == {"on"}
    assert mapi.get(f"/installers/{installer['id']}/points?as_of={tomorrow}").get_json()["balance"] == 120


@pytest.mark.parametrize(("granted_on", "change", "title", "too_early", "since", "kept"), [
    (None, "grant", "leader", "2010-01-01", "2024-01-10", "installer"),  # before joining
    ("2024-06-01", "withdraw", "authorisation", "2024-05-01", "2024-06-01", "authorised"),  # before the grant
])
def test_P02_P03_a_title_change_dated_before_joining_or_the_last_change_is_refused(mapi, granted_on, change, title,
                                                                                   too_early, since, kept):
    installer = installer_with_points(mapi, devices=0)  # joined 2024-01-10
    path = f"/installers/{installer['id']}/titles"
    if granted_on:
        assert mapi.post(path, {"change": "grant", "title": title, "on": granted_on}).status_code == 200
    refused = mapi.post(path, {"change": change, "title": title, "on": too_early})
    assert refused.status_code == 422 and _fields(refused) == {"on"} and since in problem(refused)["detail"]
    assert mapi.get(f"/installers/{installer['id']}").get_json()["status"] == kept
    assert mapi.post(path, {"change": change, "title": title, "on": since}).status_code == 200


def test_P42_a_programme_complaint_filed_before_the_participant_joined_is_refused(mapi):
    installer = installer_with_points(mapi, devices=0)
    path = f"/installers/{installer['id']}/complaints"
    refused = mapi.post(path, {"kind": "programme", "text": "the rules are unclear", "on": "2001-01-01"})
    assert refused.status_code == 422 and _fields(refused) == {"on"}
    assert mapi.get("/complaints?open=true").get_json()["items"] == []
    accepted = mapi.post(path, {"kind": "programme", "text": "the rules are unclear", "on": "2024-01-10"})
    assert accepted.status_code == 201
