"""CSRF, throttling, session handling and security headers."""

from __future__ import annotations

import re

from portal.accounts.models import ADMIN
from tests import factories


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_form_without_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        tenant = factories.tenant("alpha")
        user = factories.user(tenant)
        response = app.test_client().post("/t/alpha/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)


def test_form_with_csrf_token_and_htmx_header_token_pass(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        tenant = factories.tenant("alpha")
        user = factories.user(tenant)
        client = app.test_client()
        token = _csrf(client.get("/t/alpha/login").get_data(as_text=True))
        ok = client.post("/t/alpha/login", data={"email": user.email, "password": factories.PASSWORD},
                         headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"].endswith("/t/alpha/dashboard")


def test_logout_requires_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        factories.tenant("alpha")
    assert app.test_client().post("/t/alpha/logout").status_code == 400


def test_login_is_throttled_per_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT="3 per minute")
    with app.app_context():
        tenant = factories.tenant("alpha")
        user = factories.user(tenant)
        client = app.test_client()
        statuses = [factories.login(client, tenant, user.email, "wrong-guess").status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        # the right password is throttled too while the window lasts
        assert factories.login(client, tenant, user.email).status_code == 429


def test_password_reset_requests_are_throttled(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RESET_LIMIT="2 per minute")
    with app.app_context():
        factories.tenant("alpha")
    client = app.test_client()
    codes = [client.post("/t/alpha/password/reset", data={"email": "x@example.com"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_login_starts_a_fresh_session(client, tenant_a):
    user = factories.user(tenant_a)
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    factories.login(client, tenant_a, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_ends_the_session(client, tenant_a):
    user = factories.user(tenant_a, ADMIN)
    factories.login(client, tenant_a, user.email)
    assert client.get("/t/alpha/admin").status_code == 200
    client.post("/t/alpha/logout")
    assert client.get("/t/alpha/admin").status_code == 302


def test_security_headers_on_pages_and_errors(client, tenant_a):
    for path in ("/", "/t/alpha/", "/t/alpha/login", "/t/nobody/"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client, tenant_a):
    for path in ("/", "/t/alpha/", "/t/alpha/login", "/t/alpha/register"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path
        assert re.search(r"<[^>]*\son[a-z]+\s*=", html) is None, path  # no inline event handlers either


def test_session_cookie_is_httponly_and_samesite(client, tenant_a):
    user = factories.user(tenant_a)
    response = factories.login(client, tenant_a, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        tenant = factories.tenant("alpha")
        user = factories.user(tenant)
        response = factories.login(app.test_client(), tenant, user.email)
    assert "Secure" in response.headers["Set-Cookie"]


def test_open_redirect_after_login_is_refused(client, tenant_a):
    user = factories.user(tenant_a)
    response = client.post("/t/alpha/login?next=https://evil.example/", data={"email": user.email,
                                                                              "password": factories.PASSWORD})
    assert response.location.endswith("/t/alpha/dashboard")


def test_htmx_form_error_returns_only_the_fragment(client, tenant_a):
    response = client.post("/t/alpha/login", data={"email": "", "password": ""}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html and 'id="login-form"' in html
    assert "Enter your e-mail." in html
    assert "HX-Request" in response.headers["Vary"]


def test_G05_the_login_throttle_keeps_no_e_mail_address_in_clear(app, tenant_a):
    """The throttle counts per tenant and address without writing the address into Redis (where an erasure cannot
    reach it): the key holds a digest, the same for the same address however it is typed."""
    from flask import g

    from portal.accounts.views import _login_key

    keys = []
    for typed in ("Ola.Nowak@Example.com", " ola.nowak@example.com ", "someone@example.com"):
        with app.test_request_context("/t/alpha/login", method="POST", data={"email": typed}):
            g.tenant = tenant_a
            keys.append(_login_key())
    assert keys[0] == keys[1] != keys[2]
    assert not any("ola" in key or "example" in key for key in keys)
