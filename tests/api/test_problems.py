"""Every error under /api/v1 is an RFC 9457 problem (SPEC §10, §11: never a 500 on bad input); the HTML error
pages of the rest of the application are unchanged."""

from __future__ import annotations

import json

import pytest

from portal.api.openapi import REGISTRY, openapi_path
from portal.leads.service import partners
from tests.api.conftest import (
    Api,
    add_reward,
    installer_with_points,
    lead_body,
    make_token,
    partner_body,
    problem,
    rules_of,
)


def test_problem_json_on_malformed_json(api):
    response = api.post("/participants", data='{"nip": "1234",')
    body = problem(response)
    assert response.status_code == 400 and body["type"].endswith("/malformed-json")
    assert "line 1" in body["detail"]


@pytest.mark.parametrize("raw", ['{"licences": NaN}', '{"licences": Infinity}', "\xff\xfe", "[" * 100_000,
                                 '{"plan": "\\ud800"}', '{"\\udfff": 1}'])
def test_json_that_python_would_accept_or_choke_on_is_400(api, raw):
    assert problem(api.post("/leads", data=raw.encode("latin-1")))["status"] == 400


def test_body_of_another_media_type_is_415(api):
    response = api.post("/participants", data="nip=1", content_type="application/x-www-form-urlencoded")
    assert problem(response)["status"] == 415


def test_schema_problems_name_every_field(api):
    response = api.post("/leads", {"partner_id": "one", "licences": "many", "customer_name": "x" * 201,
                                   "colour": "red"})
    body = problem(response)
    assert response.status_code == 422 and body["type"].endswith("/validation")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"partner_id", "licences", "customer_name", "colour"}
    assert all({"field", "message", "rule"} == set(e) for e in body["errors"])


def test_values_too_large_for_the_database_are_422_not_500(api):
    response = api.post("/leads", lead_body("BIG", 1, 1, licences=10**12, pcs=5, plan="p" * 101))
    assert response.status_code == 422
    assert {e["field"] for e in problem(response)["errors"]} == {"licences", "plan"}
    huge_id = api.get("/participants/99999999999999999999")
    assert problem(huge_id)["status"] == 404


def test_body_that_is_not_an_object_is_422(api):
    assert problem(api.post("/participants", [1, 2]))["status"] == 422
    assert problem(api.post("/sales", "text"))["status"] == 422


def test_unknown_api_path_is_404_problem(api):
    for path in ("/nothing-here", "/leads/x/y/z"):
        assert problem(api.get(path))["status"] == 404
    assert problem(api.client.get("/api/v1"))["status"] == 404
    assert problem(api.get("/leads/F%001"))["status"] == 404
    # a NUL where an id goes matches no route: the API's 404 is problem+json too, not the HTML error page
    for path in ("/participants/%00", "/participants/%00/leads", "/nothing%00"):
        assert problem(api.get(path))["status"] == 404, path


def test_wrong_method_is_405_problem_with_allow(api):
    response = api.client.delete("/api/v1/leads", headers={"Authorization": f"Bearer {api.token}"})
    assert problem(response)["status"] == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_non_api_errors_keep_the_html_pages(client, distributor):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_unexpected_error_is_500_problem_and_nothing_is_saved(api, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(partners, "get", broken)
    response = api.get("/participants/1")
    body = problem(response)
    assert response.status_code == 500 and "boom" not in body["detail"]


def test_domain_errors_map_to_their_status(api):
    assert problem(api.get("/settlements/1"))["status"] == 404  # NotFound: period not settled yet
    assert problem(api.post("/settlements/9/run", {"as_of": "2018-10-05"}))["status"] == 404
    response = api.post("/leads/NOPE/decision", {"decision": "qualified"})
    assert problem(response)["status"] == 404


def test_L08_rule_of_a_refusal_is_named_in_the_problem(api):
    partner = api.post("/participants", partner_body(1)).get_json()
    response = api.post("/leads", lead_body("LATE", partner["id"], 1, submitted_on="2018-12-28"))
    assert response.status_code == 422 and "L-08" in rules_of(response)


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "limit=%C2%B2", "cursor=-1",
                                   "cursor=2018-08-01_%C2%B2", "cursor=2018-02-30_1", "status=lost"])
def test_bad_query_parameters_are_400_problems(api, query):
    response = api.get(f"/leads?{query}")
    assert problem(response)["status"] == 400 and problem(response)["errors"]


def test_csrf_does_not_apply_to_api_routes(make_app, distributor):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from portal.tenancy import service as tenants

        tenant = tenants.by_slug("distributor")
        api = Api(app.test_client(), make_token(tenant))
        assert api.post("/participants", partner_body(1)).status_code == 201


def test_rate_limit_is_429_problem(make_app, distributor):
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    with app.app_context():
        from portal.tenancy import service as tenants

        api = Api(app.test_client(), make_token(tenants.by_slug("distributor")))
        statuses = [api.get("/leads").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = api.get("/leads")
        assert problem(response)["status"] == 429 and response.headers["Retry-After"]


NASTY = (None, -1, 10**30, 1.5e308, "", "x" * 5000, "2018-02-30", [], {}, True, "ą\u0000\ud7ff")


def test_no_body_field_value_gives_a_500(api):
    """SPEC §11: every POST, every declared field, every awkward JSON value → a 2xx or a 4xx problem."""
    partner = api.post("/participants", partner_body(1)).get_json()
    api.post("/leads", lead_body("F1", partner["id"], 1))
    for op in REGISTRY:
        if op.method != "POST":
            continue
        path = openapi_path(op.rule).replace("{ref}", "F1").replace("{period}", "1")
        schema = op.request.get("else", op.request)
        for field in schema.get("properties", {}):
            for value in NASTY:
                for body in ({field: value}, {"rows": [{field: value}]}):
                    response = api.post(path, body)
                    assert response.status_code < 500, (path, field, value, response.get_json())


LOYALTY_AND_PRIVACY = ("/installers", "/orders", "/complaints", "/privacy")


def test_no_loyalty_or_privacy_body_value_gives_a_500(mapi, manufacturer):
    """SPEC §11 for the installer-programme and privacy POSTs, with real ids in their paths."""
    add_reward(manufacturer, "R-A", 100)
    installer = installer_with_points(mapi, devices=1)
    order = mapi.post(f"/installers/{installer['id']}/orders", {"reward": "R-A", "on": "2024-03-01"}).get_json()
    complaint = mapi.post(f"/installers/{installer['id']}/complaints", {"kind": "programme", "text": "x"}).get_json()
    reference = mapi.post("/privacy/requests", {"kind": "access", "email": "a@example.com", "verified": True}
                          ).get_json()["reference"]
    ids = {"{installer_id}": installer["id"], "{order_id}": order["id"], "{complaint_id}": complaint["id"],
           "{reference}": reference}
    checked = 0
    for op in REGISTRY:
        if op.method != "POST" or not op.rule.startswith(LOYALTY_AND_PRIVACY):
            continue
        path = openapi_path(op.rule)
        for name, value in ids.items():
            path = path.replace(name, str(value))
        for field in op.request.get("properties", {}):
            for value in (*NASTY, "9999-12-31", "0001-01-01", 2**31):
                response = mapi.post(path, {field: value})
                assert response.status_code < 500, (path, field, value, response.get_json())
                checked += 1
    assert checked > 300


def test_S11_the_api_answers_when_the_throttles_store_is_down(make_app, distributor):
    """The rate limits live in Redis; Redis unreachable is no reason to fail every call — the limits fall back to
    the process's own memory until it is back."""
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute",
                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        from portal.tenancy import service as tenants

        api = Api(app.test_client(), make_token(tenants.by_slug("distributor")))
        statuses = [api.get("/leads").status_code for _ in range(4)]
        assert statuses[:3] == [200, 200, 200] and statuses[3] in (200, 429)


def test_S11_a_member_given_twice_is_refused_not_read_as_the_last(api):
    partner = api.post("/participants", partner_body(1)).get_json()
    body = json.dumps(lead_body("DUP1", partner["id"], 1))[:-1] + ', "ref": "DUP2"}'
    response = api.post("/leads", data=body)
    assert response.status_code == 400 and '"ref"' in problem(response)["detail"]
    assert api.get("/leads/DUP2").status_code == 404 and api.get("/leads/DUP1").status_code == 404


def test_L02_a_partner_id_and_nip_naming_two_partners_are_refused(api):
    first = api.post("/participants", partner_body(1)).get_json()
    second = api.post("/participants", partner_body(2)).get_json()
    response = api.post("/leads", lead_body("TWO1", first["id"], 1, partner_nip=second["nip"]))
    assert response.status_code == 422 and problem(response)["errors"][0]["field"] == "partner_nip"
    same = api.post("/leads", lead_body("ONE1", first["id"], 1, partner_nip=first["nip"]))
    assert same.status_code == 201
