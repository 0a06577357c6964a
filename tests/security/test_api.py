"""API v1: a token is its tenant's and nobody else's — another tenant's ids are 404 on every operation that names
an object, a revoked token is 401, a session cookie is not a credential, and each scope opens only its operations."""

from __future__ import annotations

import re

import pytest

from portal.api.openapi import REGISTRY
from portal.api.tokens import SCOPES
from portal.tenancy import service as tenants
from tests.api.conftest import Api, make_token, problem
from tests.security import world as w

_PARAM = re.compile(r"<(?:[^:<>]+:)?(\w+)>")
# world.b_values' names for the API's path parameters
API_PARAM = {"installer_id": "installer_id", "complaint_id": "complaint_id", "order_id": "order_id",
             "participant_id": "partner_id", "ref": "lead_ref", "reference": "reference", "period": "period"}
# a period number names a period of the token's own programme: running it makes the tenant's own settlement (or
# is refused when there is no such period), so it is not an object of B's
CREATES = {"run_settlement"}


def _bodies(values: dict[str, list]) -> dict[str, dict]:
    """A body each POST would accept if its object were there (so the 404 comes from the lookup, not the schema)."""
    return {
        "decide_complaint": {"upheld": True, "answer": "probe"},
        "file_complaint": {"kind": "programme", "text": "probe"},
        "register_device": {"serial": "SN-PROBE", "model_code": "TV-KOND-24C", "production_code": "FD612",
                            "installed_on": "2024-01-20", "registered_on": "2024-02-01"},
        "place_order": {"reward": values["code"][0]},
        "decide_lead": {"decision": "rejected", "reason": "probe"},
        "order_delivered": {"confirmed": True},
        "withhold_order": {"reason": "probe"},
        "offer_substitute": {"code": values["code"][0]},
        "answer_substitute": {"accept": True},
        "cancel_order": {"reason": "probe"},
        "run_settlement": {"as_of": "2018-10-01"},
        "revoke_points": {"points": 1, "reason": "probe"},
        "change_title": {"change": "grant", "title": "leader"},
        "extend_request": {"months": 1, "reason": "probe"},
        "close_request": {"outcome": "probe"},
    }


def _operations_with_parameters():
    return [op for op in REGISTRY if _PARAM.search(op.rule)]


def _path(op, values: dict[str, list]) -> str:
    return _PARAM.sub(lambda m: str(values[API_PARAM[m.group(1)]][0]), op.rule)


def _call(api: Api, op, values: dict[str, list]):
    path = _path(op, values)
    if op.method == "GET":
        return path, api.get(path)
    return path, api.post(path, _bodies(values).get(op.endpoint, {}))


@pytest.mark.parametrize("kind", ["distributor", "manufacturer"])
def test_a_token_on_another_tenants_ids_gets_404_on_every_operation_and_changes_nothing(app, client, tmp_path,
                                                                                        kind):
    world = w.build(app, kind, tmp_path)
    api = Api(client, make_token(tenants.by_slug(world.a.slug)))
    before = w.snapshot(world.b.id)
    failures = []
    for op in _operations_with_parameters():
        path, response = _call(api, op, world.b_values)
        shows = w.VICTIM in response.get_data(as_text=True)
        allowed = {404, 422} if op.endpoint in CREATES else {404}
        if response.status_code not in allowed or shows:
            failures.append(f"{op.method} /api/v1{path} → {response.status_code} {response.get_data()[:200]!r}")
        else:
            problem(response)
    assert not failures, "\n".join(failures)
    assert w.diff(before, w.snapshot(world.b.id)) == []


def test_the_same_operations_find_the_tenants_own_objects(app, client, tmp_path):
    """The control: with A's own ids every operation gets past the lookup (in the preset of its programme)."""
    answers: dict[str, set[int]] = {}
    for kind in ("distributor", "manufacturer"):
        world = w.build(app, kind, tmp_path / kind)
        api = Api(client, make_token(tenants.by_slug(world.a.slug)))
        for op in _operations_with_parameters():
            _path_, response = _call(api, op, world.a_values)
            answers.setdefault(f"{op.method} {op.rule}", set()).add(response.status_code)
    never = sorted(name for name, statuses in answers.items() if statuses == {404})
    assert not never, never


def test_list_operations_show_only_the_tokens_tenant(app, client, tmp_path):
    leaks = []
    for kind in ("distributor", "manufacturer"):
        world = w.build(app, kind, tmp_path / kind)
        api = Api(client, make_token(tenants.by_slug(world.a.slug)))
        for path in ("/participants", "/leads", "/leads?status=rejected", "/leads?status=qualified",
                     f"/leads?partner_id={world.b_values['partner_id'][0]}", "/installers", "/complaints"):
            response = api.get(path)
            if w.VICTIM in response.get_data(as_text=True):
                leaks.append(f"{kind} GET {path} shows B's data")
            if "partner_id" in path and response.status_code == 200 and response.get_json()["items"]:
                leaks.append(f"{kind} GET {path} lists {response.get_json()['items']}")
    assert not leaks, leaks


def test_a_revoked_token_is_401_from_the_next_request(app, client, tmp_path):
    from sqlalchemy import select

    from portal.api.models import ApiToken
    from portal.tenancy.guard import use_tenant

    world = w.build(app, "distributor", tmp_path)
    plaintext = make_token(tenants.by_slug(world.a.slug), ["leads:read"], name="to-revoke")
    api = Api(client, plaintext)
    assert api.get("/leads").status_code == 200
    with use_tenant(world.a.id):
        token_id = w.db.session.scalars(select(ApiToken.id).where(ApiToken.name == "to-revoke")).one()
    admin = w.logged_in(app, world.a.slug, world.a.emails["admin"])
    assert admin.post(f"/t/{world.a.slug}/api-tokens", data={"revoke": token_id}).status_code == 200
    for request in (lambda: api.get("/leads"), lambda: api.post("/leads/R1/decision", {"decision": "qualified"})):
        response = request()
        assert response.status_code == 401 and problem(response)["status"] == 401


def test_a_logged_in_session_cookie_is_no_credential_for_the_api(app, tmp_path):
    """Why the API may be exempt from CSRF: only the bearer token authenticates there."""
    world = w.build(app, "distributor", tmp_path)
    admin = w.logged_in(app, world.a.slug, world.a.emails["admin"])
    assert admin.get("/api/v1/leads").status_code == 401
    assert admin.post("/api/v1/customers/facts", json={"customer_nip": "5252248481",
                                                       "flag": "registered_with_vendor"}).status_code == 401


def test_each_scope_opens_its_operations_and_no_other(app, client):
    """For each scope, a token holding only it: its own operations get past the scope check (not 401/403), every
    other operation is 403 naming the scope it needs."""
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(w.ROOT / "tenants" / "distributor")])
    assert result.exit_code == 0, result.output
    tenant = tenants.by_slug("distributor")
    wrong = []
    values = {"installer_id": [1], "complaint_id": [1], "order_id": [1], "partner_id": [1], "lead_ref": ["R1"],
              "reference": ["DSR-2026-00001"], "period": [1], "code": ["X"]}
    guarded = [op for op in REGISTRY if op.scope is not None]
    assert {op.scope for op in guarded} == set(SCOPES)  # every scope guards something
    for scope in SCOPES:
        api = Api(client, make_token(tenant, [scope], name=scope))
        for op in guarded:
            _path_, response = _call(api, op, values)
            if op.scope == scope and response.status_code in (401, 403):
                wrong.append(f"{scope}: {op.method} {op.rule} refused {response.status_code}")
            if op.scope != scope and (response.status_code != 403
                                      or problem(response).get("required_scope") != op.scope):
                wrong.append(f"{scope}: {op.method} {op.rule} → {response.status_code}, needs {op.scope}")
    assert not wrong, "\n".join(wrong)


def test_the_openapi_document_is_the_only_operation_without_a_token(app, client):
    public = [op for op in REGISTRY if op.scope is None]
    assert [op.rule for op in public] == ["/openapi.json"]
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_an_idempotency_key_of_another_tenant_replays_nothing_of_it(app, client, tmp_path):
    world = w.build(app, "distributor", tmp_path)
    a_api = Api(client, make_token(tenants.by_slug(world.a.slug)))
    b_api = Api(client, make_token(tenants.by_slug(world.b.slug)))
    body = {"customer_nip": "5252248481", "flag": "registered_with_vendor"}
    first = b_api.post("/customers/facts", body, key="shared-key-1")
    assert first.status_code in (200, 201), first.get_json()
    again = a_api.post("/customers/facts", body, key="shared-key-1")
    assert again.status_code in (200, 201) and "Idempotent-Replayed" not in again.headers
