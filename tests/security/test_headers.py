"""Security headers on every GET route that takes no parameter, for every kind of visitor: a CSP whose script-src
allows no inline script, nosniff, no framing; HTML is never stored by a browser or proxy cache."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, make_token
from tests.security import world as w


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = [x.lower() for x in words[1:]]
    return out


def header_problems(response) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        problems.append("no Content-Security-Policy")
    else:
        directives = _directives(csp)
        scripts = directives.get("script-src", directives.get("default-src"))
        if scripts is None:
            problems.append("CSP without script-src or default-src")
        elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(scripts):
            problems.append(f"CSP script-src {scripts}")
        if directives.get("frame-ancestors") != ["'none'"]:
            problems.append(f"CSP frame-ancestors {directives.get('frame-ancestors')}")
    if response.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append(f"X-Content-Type-Options {response.headers.get('X-Content-Type-Options')!r}")
    if response.headers.get("X-Frame-Options", "").upper() != "DENY":
        problems.append(f"X-Frame-Options {response.headers.get('X-Frame-Options')!r}")
    if response.mimetype == "text/html" and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"HTML with Cache-Control {response.headers.get('Cache-Control')!r}")
    return problems


def _parameterless_get_rules(app) -> list:
    return sorted((r for r in app.url_map.iter_rules()
                   if "GET" in r.methods and not (set(r.arguments) - {"slug"})), key=lambda r: r.rule)


@pytest.mark.parametrize("kind", ["distributor", "manufacturer"])
def test_every_parameterless_get_route_sends_the_security_headers_to_every_visitor(app, tmp_path, kind):
    world = w.build(app, kind, tmp_path)
    w.operator()
    from portal.tenancy import service as tenants

    visitors = {role: w.logged_in(app, world.a.slug, email) for role, email in world.a.emails.items()}
    visitors["operator"] = w.operator_client(app)
    visitors["anonymous"] = app.test_client()
    token = make_token(tenants.by_slug(world.a.slug))
    wrong, seen = [], set()
    for rule in _parameterless_get_rules(app):
        path = w.fill(rule, world.a.slug, {})
        for who, client in visitors.items():
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
            for extra in ({}, {"HX-Request": "true"}):
                response = client.get(path, headers={**headers, **extra})
                seen.add((rule.rule, response.status_code))
                wrong += [f"{who} GET {path} {extra} → {response.status_code}: {p}" for p in header_problems(response)]
    assert len({r for r, s in seen if s == 200}) > 30, seen
    assert not wrong, "\n".join(wrong)


def test_error_pages_send_the_security_headers_too(app, client):
    for path in ("/t/nobody/", "/no/such/page", "/api/v1/nothing", "/operator/tenants/999/fees"):
        response = client.get(path)
        assert response.status_code in (302, 401, 404), path
        assert not header_problems(response), (path, header_problems(response))
    response = client.post("/healthz")  # 405
    assert response.status_code == 405 and not header_problems(response)


def _download_problems(response) -> list[str]:
    cache = response.headers.get("Cache-Control", "")
    return [] if "no-store" in cache else [f"{response.mimetype} with Cache-Control {cache!r}"]


def test_personal_data_downloads_are_not_stored_by_caches(app, client, tmp_path):
    from portal.tenancy import service as tenants

    wrong = []
    for kind in ("distributor", "manufacturer"):
        world = w.build(app, kind, tmp_path / kind)
        admin = w.logged_in(app, world.a.slug, world.a.emails["admin"])
        participant = w.logged_in(app, world.a.slug, world.a.emails["participant"])
        slug, period = world.a.slug, world.a_values["period"][0]
        dpo = w.logged_in(app, world.a.slug, world.a.emails["dpo"])
        bundle = world.a_tokens["privacy.bundle"][0]
        downloads = [(admin, f"/t/{slug}/export"), (dpo, f"/t/{slug}/privacy/bundle/{bundle}")]
        if kind == "manufacturer":
            downloads += [(admin, f"/t/{slug}/pit8c.csv?year=2024")]
        else:
            downloads += [(admin, f"/t/{slug}/settlements/{period}/statement.csv"),
                          (participant, f"/t/{slug}/statements/{period}.csv"),
                          (participant, f"/t/{slug}/statements/{period}.pdf")]
        for who, path in downloads:
            response = who.get(path)
            assert response.status_code == 200, path
            wrong += [f"GET {path}: {p}" for p in _download_problems(response)]
        if kind == "distributor":
            api = Api(client, make_token(tenants.by_slug(slug)))
            response = api.get(f"/settlements/{period}?format=csv")
            assert response.status_code == 200
            wrong += [f"GET /api/v1/settlements/{period}?format=csv: {p}" for p in _download_problems(response)]
    assert not wrong, "\n".join(wrong)
