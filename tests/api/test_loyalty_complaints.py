"""Complaints over the API: about points within 30 days of their accrual (P-08), about the programme, decided
once by the commission (P-42)."""

from __future__ import annotations

from tests.api.conftest import Api, installer_with_points, make_token, problem, rules_of


def _entry(api, installer) -> int:
    (entry,) = api.get(f"/installers/{installer['id']}/ledger").get_json()["items"]
    return entry["id"]


def test_P08_api_points_complaint_within_30_days_of_the_accrual(mapi):
    installer = installer_with_points(mapi, devices=1)
    path = f"/installers/{installer['id']}/complaints"
    entry_id = _entry(mapi, installer)
    filed = mapi.post(path, {"kind": "points", "text": "Too few points", "entry_id": entry_id, "on": "2024-02-20"})
    assert filed.status_code == 201
    assert (filed.get_json()["entry_id"], filed.get_json()["decide_by"]) == (entry_id, "2024-03-05")
    late = mapi.post(path, {"kind": "points", "text": "Too few points", "entry_id": entry_id, "on": "2024-03-05"})
    assert late.status_code == 422 and [(e["field"], e["rule"]) for e in problem(late)["errors"]] == \
        [("entry_id", "P-08")]
    without_entry = mapi.post(path, {"kind": "points", "text": "Where are my points?", "on": "2024-02-20"})
    assert rules_of(without_entry) == {"P-08"}


def test_P08_a_complaint_cannot_name_another_installers_entry(mapi):
    first = installer_with_points(mapi, 1, devices=1)
    second = installer_with_points(mapi, 2, devices=1)
    response = mapi.post(f"/installers/{second['id']}/complaints",
                         {"kind": "points", "text": "x", "entry_id": _entry(mapi, first), "on": "2024-02-20"})
    assert response.status_code == 422 and rules_of(response) == {"P-08"}


def test_P42_api_complaint_is_decided_once_and_leaves_the_open_queue(mapi):
    installer = installer_with_points(mapi, devices=1)
    path = f"/installers/{installer['id']}/complaints"
    bad = mapi.post(path, {"kind": "service", "text": ""})
    assert {(e["field"], e["rule"]) for e in problem(bad)["errors"]} == {("kind", "P-42")}
    complaint = mapi.post(path, {"kind": "programme", "text": "The catalogue is too small"}).get_json()
    assert (complaint["filed_on"], complaint["decide_by"]) == ("2026-03-02", "2026-03-16")
    assert [c["id"] for c in mapi.get("/complaints?open=true").get_json()["items"]] == [complaint["id"]]
    no_answer = mapi.post(f"/complaints/{complaint['id']}/decision", {"upheld": False, "answer": " "})
    assert no_answer.status_code == 422 and rules_of(no_answer) == {"P-42"}
    decided = mapi.post(f"/complaints/{complaint['id']}/decision", {"upheld": True, "answer": "We add rewards."})
    body = decided.get_json()
    assert (body["decision"], body["decided_on"], body["notified_on"], body["notify_by"]) == \
        ("upheld", "2026-03-02", "2026-03-02", "2026-03-09")
    again = mapi.post(f"/complaints/{complaint['id']}/decision", {"upheld": False, "answer": "No."})
    assert again.status_code == 422 and problem(again)["rule"] == "P-42"
    assert mapi.get("/complaints?open=true").get_json()["items"] == []
    assert mapi.get("/complaints").get_json()["items"] == [body]


def test_complaints_pages_follow_the_decision_deadline(mapi):
    installer = installer_with_points(mapi, devices=1)
    path = f"/installers/{installer['id']}/complaints"
    for day in ("2026-03-01", "2026-02-20", "2026-02-25", "2026-02-20"):
        assert mapi.post(path, {"kind": "programme", "text": f"filed {day}", "on": day}).status_code == 201
    seen, cursor = [], None
    while True:
        page = mapi.get("/complaints?open=true&limit=3" + (f"&cursor={cursor}" if cursor else "")).get_json()
        seen += [(c["decide_by"], c["id"]) for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 4 and seen == sorted(seen)
    assert problem(mapi.get("/complaints?open=maybe"))["status"] == 400
    assert problem(mapi.get("/complaints?cursor=17"))["status"] == 400


def test_api_complaint_of_tenant_b_is_404_for_tenant_a(mapi, api_for, tenant_a):
    installer = installer_with_points(mapi, devices=1)
    complaint = mapi.post(f"/installers/{installer['id']}/complaints", {"kind": "programme", "text": "x"}).get_json()
    other = api_for(tenant_a)
    assert problem(other.post(f"/complaints/{complaint['id']}/decision", {"upheld": True, "answer": "y"}))["status"] \
        == 404
    assert problem(other.post(f"/installers/{installer['id']}/complaints", {"kind": "programme", "text": "x"}))[
        "status"] == 404
    assert other.get("/complaints").get_json() == {"items": [], "next_cursor": None}


def test_complaint_scopes(client, mapi, manufacturer):
    installer = installer_with_points(mapi, devices=1)
    reader = Api(client, make_token(manufacturer, ["complaints:read"]))
    assert reader.get("/complaints").status_code == 200
    refused = reader.post(f"/installers/{installer['id']}/complaints", {"kind": "programme", "text": "x"})
    assert problem(refused)["required_scope"] == "complaints:write"


def test_P42_a_decision_recorded_late_says_the_participant_was_told_on_the_day_the_notice_went_out(mapi):
    """The commission decided on 2024-03-10; the decision is recorded today (2026-03-02, the test clock): the notice
    is written today, so the participant was told today — past the 7 days, which the record must show, not claim
    they were told on the decision day."""
    installer = installer_with_points(mapi, devices=1)
    complaint = mapi.post(f"/installers/{installer['id']}/complaints",
                          {"kind": "programme", "text": "Slow courier", "on": "2024-03-01"}).get_json()
    body = mapi.post(f"/complaints/{complaint['id']}/decision",
                     {"upheld": False, "answer": "The courier keeps its dates.", "on": "2024-03-10"}).get_json()
    assert (body["decided_on"], body["notify_by"], body["notified_on"]) == ("2024-03-10", "2024-03-17", "2026-03-02")


def test_P08_an_upheld_points_complaint_credits_the_missing_points_over_the_api(mapi):
    """As the commission's page does: the points found missing are credited with the decision, dated its day."""
    installer = installer_with_points(mapi, devices=1)  # 120 points
    path = f"/installers/{installer['id']}/complaints"
    filed = mapi.post(path, {"kind": "points", "text": "Too few points", "entry_id": _entry(mapi, installer),
                             "on": "2024-02-20"}).get_json()
    decided = mapi.post(f"/complaints/{filed['id']}/decision",
                        {"upheld": True, "answer": "We add 50 points.", "points": 50, "on": "2024-02-25"})
    assert decided.status_code == 200, decided.get_json()
    balance = mapi.get(f"/installers/{installer['id']}/points?as_of=2024-02-26").get_json()["balance"]
    assert balance == 170


def test_P08_points_are_credited_only_with_an_upheld_points_complaint_over_the_api(mapi):
    installer = installer_with_points(mapi, devices=1)
    path = f"/installers/{installer['id']}/complaints"
    filed = mapi.post(path, {"kind": "programme", "text": "Slow answers", "on": "2024-02-20"}).get_json()
    refused = mapi.post(f"/complaints/{filed['id']}/decision",
                        {"upheld": True, "answer": "Sorry.", "points": 50, "on": "2024-02-25"})
    assert refused.status_code == 422 and {(e["field"], e["rule"]) for e in problem(refused)["errors"]} == \
        {("points", "P-08")}
    assert [c["id"] for c in mapi.get("/complaints?open=true").get_json()["items"]] == [filed["id"]]  # still open
