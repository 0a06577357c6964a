"""CSRF, with the protection on as in production: every state-changing route outside the API refuses a POST without
the token (400, nothing changed), whoever is logged in; the API is exempt because only a bearer token opens it."""

from __future__ import annotations

import re

import pytest

from portal.accounts.models import PARTICIPANT
from tests import factories
from tests.api.conftest import Api, make_token
from tests.security import world as w
from tests.security.test_isolation import FORM

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _token(client, path: str) -> str:
    return _TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def _login(app, path: str, email: str, password: str):
    client = app.test_client()
    response = client.post(path, data={"email": email, "password": password,
                                       "csrf_token": _token(client, path)})
    assert response.status_code == 302, (path, email, response.status_code)
    return client


def _clients(app, world: w.World) -> dict[str, object]:
    clients = {role: _login(app, f"/t/{world.a.slug}/login", email, factories.PASSWORD)
               for role, email in world.a.emails.items()}
    clients["operator"] = _login(app, "/operator/login", w.OPERATOR_EMAIL, w.OPERATOR_PASSWORD)
    clients["anonymous"] = app.test_client()
    return clients


def _post_rules(app) -> list:
    return sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods and not r.rule.startswith("/api/")),
                  key=lambda r: r.rule)


def _paths(rule, world: w.World) -> list[str]:
    """The rule filled with A's own objects, so that the POST would act if it were let through."""
    if rule.rule.startswith("/t/<slug>/"):
        return [w.fill(rule, world.a.slug, values) for values in w.combinations(rule, world.a_values, world.a_tokens)]
    extra = {"code": "en", "queue_name": "default", "job_id": "x", "tenant_id": world.a.id, "breach_id": 1}
    return [w.fill(rule, "", extra)]


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


@pytest.mark.parametrize("kind", ["distributor", "manufacturer"])
def test_every_post_route_outside_the_api_refuses_a_form_without_csrf_token_and_changes_nothing(csrf_app, tmp_path,
                                                                                               kind):
    app = csrf_app
    world = w.build(app, kind, tmp_path)
    w.operator()
    clients = _clients(app, world)
    form = {**FORM, "code": world.a_values["code"][0], "name": "probe", "scope": "leads:read",
            "customer_nip": "5252248481", "email": "x@example.com", "kind": "access", "on": "2026-03-02",
            "nature": "probe", "tenant_id": str(world.a.id), "questionnaire": "probe", "text": "probe"}
    before = w.snapshot(None, app.config["UPLOAD_DIR"])
    wrong, count = [], 0
    for rule in _post_rules(app):
        for path in _paths(rule, world):
            for who, client in clients.items():
                if path.startswith("/operator") != (who == "operator") and who != "anonymous":
                    continue
                for headers in ({}, {"HX-Request": "true"}):
                    count += 1
                    response = client.post(path, data=form, headers=headers)
                    if response.status_code != 400:
                        wrong.append(f"{who} POST {path} {headers} → {response.status_code}")
    changed = w.diff(before, w.snapshot(None, app.config["UPLOAD_DIR"]))
    assert count > 200, count
    assert not wrong and not changed, "\n".join(["answers other than 400:", *wrong, "changed:", *changed])


def test_the_refusal_is_the_csrf_check_a_valid_token_lets_the_same_form_through(csrf_app, tmp_path):
    """The control: the same logged-in POSTs carrying the session's token are not refused as expired forms."""
    app = csrf_app
    world = w.build(app, "manufacturer", tmp_path)
    participant = _login(app, f"/t/{world.a.slug}/login", world.a.emails[PARTICIPANT], factories.PASSWORD)
    token = _token(participant, f"/t/{world.a.slug}/my-complaints")
    response = participant.post(f"/t/{world.a.slug}/my-complaints", data={"kind": "programme", "text": "probe"},
                                headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert participant.post(f"/t/{world.a.slug}/my-complaints",
                            data={"kind": "programme", "text": "probe", "csrf_token": "forged"}).status_code == 400


def test_a_csrf_token_of_another_session_is_refused(csrf_app, tmp_path):
    app = csrf_app
    world = w.build(app, "manufacturer", tmp_path)
    attacker = _login(app, f"/t/{world.a.slug}/login", world.p2_email, factories.PASSWORD)
    victim = _login(app, f"/t/{world.a.slug}/login", world.a.emails[PARTICIPANT], factories.PASSWORD)
    stolen = _token(attacker, f"/t/{world.a.slug}/my-complaints")
    response = victim.post(f"/t/{world.a.slug}/my-complaints", data={"kind": "programme", "text": "forged"},
                           headers={"X-CSRFToken": stolen})
    assert response.status_code == 400


def test_the_api_is_exempt_from_csrf_and_answers_a_bearer_token(csrf_app, tmp_path):
    app = csrf_app
    world = w.build(app, "distributor", tmp_path)
    from portal.tenancy import service as tenants

    api = Api(app.test_client(), make_token(tenants.by_slug(world.a.slug), ["customers:write"]))
    response = api.post("/customers/facts", {"customer_nip": "5252248481", "flag": "registered_with_vendor"})
    assert response.status_code in (200, 201), response.get_data()
