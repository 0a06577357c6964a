"""Sessions: login starts a fresh session (no fixation), logout ends access, and a session is only good where it
was opened — an operator is anonymous on tenant pages, a tenant's people are anonymous at /operator and at any
other tenant."""

from __future__ import annotations

import pytest

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF
from tests import factories
from tests.security import world as w

PAGES = {ADMIN: "admin", STAFF: "staff", DPO: "dpo", PARTICIPANT: "participant"}


def _cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


@pytest.fixture
def world(app, tmp_path):
    built = w.build(app, "distributor", tmp_path)
    w.operator()
    return built


@pytest.mark.parametrize("role", list(PAGES))
def test_login_drops_whatever_the_session_held_before(app, world, role):
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
        session["_user_id"] = "u:0:0"
        session["_fresh"] = True
    planted = _cookie(client)
    response = client.post(f"/t/{world.a.slug}/login", data={"email": world.a.emails[role],
                                                             "password": factories.PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != "u:0:0"
    assert _cookie(client) != planted


def test_operator_login_drops_whatever_the_session_held_before(app, world):
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    response = client.post("/operator/login", data={"email": w.OPERATOR_EMAIL, "password": w.OPERATOR_PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize("role", list(PAGES))
def test_logout_ends_access_to_the_roles_pages(app, world, role):
    client = w.logged_in(app, world.a.slug, world.a.emails[role])
    page = f"/t/{world.a.slug}/{PAGES[role]}"
    assert client.get(page).status_code == 200
    assert client.post(f"/t/{world.a.slug}/logout").status_code == 302
    response = client.get(page)
    assert response.status_code == 302 and f"/t/{world.a.slug}/login" in response.location
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_operator_logout_ends_access_to_the_console(app, world):
    client = w.operator_client(app)
    assert client.get("/operator/").status_code == 200
    client.post("/operator/logout")
    response = client.get("/operator/")
    assert response.status_code == 302 and "/operator/login" in response.location


def test_a_session_cookie_captured_before_logout_is_dead_after_logout(app, world):
    client = w.logged_in(app, world.a.slug, world.a.emails[ADMIN])
    captured = _cookie(client)
    assert client.post(f"/t/{world.a.slug}/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", captured)
    response = replay.get(f"/t/{world.a.slug}/admin")
    assert response.status_code == 302, "the old cookie still opens the admin dashboard"


def test_an_operators_session_cookie_captured_before_logout_is_dead_after_logout(app, world):
    client = w.operator_client(app)
    captured = _cookie(client)
    assert client.post("/operator/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", captured)
    response = replay.get("/operator/")
    assert response.status_code == 302 and "/operator/login" in response.location


def test_logging_out_ends_the_accounts_sessions_on_every_device(app, world):
    """Logout is "log out everywhere": the session id carries the account's epoch, which logout raises."""
    phone = w.logged_in(app, world.a.slug, world.a.emails[ADMIN])
    laptop = w.logged_in(app, world.a.slug, world.a.emails[ADMIN])
    assert laptop.post(f"/t/{world.a.slug}/logout").status_code == 302
    assert phone.get(f"/t/{world.a.slug}/admin").status_code == 302
    again = w.logged_in(app, world.a.slug, world.a.emails[ADMIN])
    assert again.get(f"/t/{world.a.slug}/admin").status_code == 200


def test_a_password_reset_ends_the_accounts_other_sessions(app, world):
    from sqlalchemy import select

    from portal.notifications.models import Notification
    from portal.tenancy.guard import use_tenant

    email = world.a.emails[PARTICIPANT]
    attacker = w.logged_in(app, world.a.slug, email)
    owner = app.test_client()
    assert owner.post(f"/t/{world.a.slug}/password/reset", data={"email": email}).status_code == 302
    with use_tenant(world.a.id):
        token = next(n.params["token"] for n in w.db.session.scalars(select(Notification))
                     if n.kind == "password_reset")
    response = owner.post(f"/t/{world.a.slug}/password/reset/{token}", data={"password": "An0ther-long-passw0rd!",
                                                                          "confirm": "An0ther-long-passw0rd!"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert attacker.get(f"/t/{world.a.slug}/participant").status_code == 302


@pytest.mark.parametrize("path", ["/", "/admin", "/staff", "/dpo", "/participant", "/dashboard", "/profile",
                                  "/notices", "/review", "/dpo/requests"])
def test_an_operators_session_is_anonymous_on_tenant_pages(app, world, path):
    operator = w.operator_client(app)
    response = operator.get(f"/t/{world.a.slug}{path}")
    if path == "/":
        assert response.status_code == 200 and "operator" not in response.get_data(as_text=True).lower()
    else:
        assert response.status_code == 302 and f"/t/{world.a.slug}/login" in response.location, response.status_code
    assert operator.post(f"/t/{world.a.slug}/api-tokens", data={"name": "x", "scope": "leads:read"}).status_code == 302


@pytest.mark.parametrize("role", list(PAGES))
@pytest.mark.parametrize("path", ["/operator/", "/operator/jobs", "/operator/breaches", "/operator/certificates"])
def test_a_tenant_session_is_anonymous_at_the_operator_console(app, world, role, path):
    client = w.logged_in(app, world.a.slug, world.a.emails[role])
    response = client.get(path)
    assert response.status_code == 302 and "/operator/login" in response.location
    assert client.post("/operator/breaches", data={"nature": "x"}).status_code == 302


@pytest.mark.parametrize("role", list(PAGES))
def test_a_tenant_session_is_anonymous_at_another_tenant(app, world, role):
    client = w.logged_in(app, world.a.slug, world.a.emails[role])
    response = client.get(f"/t/{world.b.slug}/{PAGES[role]}")
    assert response.status_code == 302 and f"/t/{world.b.slug}/login" in response.location


def test_session_cookie_flags(app, world):
    client = app.test_client()
    response = client.post(f"/t/{world.a.slug}/login", data={"email": world.a.emails[ADMIN],
                                                             "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from portal.config import from_environment

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    settings = from_environment(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]


def test_an_erased_participants_open_session_ends_with_the_erasure(app, world):
    import re

    participant = w.logged_in(app, world.a.slug, world.a.emails[PARTICIPANT])
    assert participant.get(f"/t/{world.a.slug}/participant").status_code == 200
    dpo = w.logged_in(app, world.a.slug, world.a.emails[DPO])
    filed = dpo.post(f"/t/{world.a.slug}/dpo/requests", data={"kind": "erasure", "email": world.a.emails[PARTICIPANT],
                                                              "note": "identity checked"})
    assert filed.status_code == 302, filed.get_data(as_text=True)
    reference = re.search(r"DSR-\d{4}-\d{5}", filed.location).group(0)
    assert dpo.post(f"/t/{world.a.slug}/dpo/requests/{reference}", data={"action": "process"}).status_code == 302
    from portal.accounts.models import User
    from portal.tenancy.guard import use_tenant

    with use_tenant(world.a.id):
        from sqlalchemy import select

        erased = w.db.session.scalars(select(User).where(User.erased_at.is_not(None))).one()
        assert not erased.is_active_account  # the erasure happened and disabled the account
    still_open = []
    for page in ("participant", "profile", "notices", "my-data", "leads", "accept"):
        response = participant.get(f"/t/{world.a.slug}/{page}")
        if not (response.status_code == 302 and f"/t/{world.a.slug}/login" in response.location):
            still_open.append(f"GET /t/{world.a.slug}/{page} → {response.status_code} {response.location or ''}")
    assert not still_open, "\n".join(still_open)
