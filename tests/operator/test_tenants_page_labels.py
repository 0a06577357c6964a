"""The operator's tenants page names each organiser's kind and status in the reader's language (C-01 … C-04: the
operator follows each contract's state), never the stored codes (``saas_vendor``, ``read_only``)."""

from __future__ import annotations

import re

from portal.accounts.models import Operator
from portal.accounts.passwords import hash_password
from portal.extensions import db
from tests import factories

EMAIL, PASSWORD = "op@platform.example", "operator-pass-1"


def _operator(client, lang: str) -> None:
    db.session.add(Operator(email=EMAIL, name="Op", password_hash=hash_password(PASSWORD)))
    db.session.commit()
    assert client.post("/operator/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    client.post(f"/lang/{lang}")  # after the login, which starts a new session


def _kinds_and_statuses(html: str) -> dict[str, tuple[str, str]]:
    """Organiser name → (kind cell, status cell) of the tenants table."""
    rows = re.findall(r"<tr><td>(Org \w+) <small[^>]*>[^<]*</small></td><td>(.*?)</td><td>(.*?)</td>", html)
    return {name: (kind, status) for name, kind, status in rows}


def _tenants(app):
    factories.tenant("alpha", kind="distributor")
    factories.tenant("beta", kind="manufacturer")
    closing = factories.tenant("gamma", kind="saas_vendor")
    closing.status = "read_only"  # C-04: the contract ended, export window open
    db.session.commit()


def test_C04_tenants_page_in_polish_shows_kinds_and_statuses_in_words(app, client):
    _tenants(app)
    _operator(client, "pl")
    html = client.get("/operator/").get_data(as_text=True)
    assert _kinds_and_statuses(html) == {
        "Org alpha": ("dystrybutor", "aktywny"),
        "Org beta": ("producent", "aktywny"),
        "Org gamma": ("dostawca SaaS", "tylko do odczytu (umowa zakończona)"),
    }
    for code in ("saas_vendor", "read_only", ">distributor<", ">manufacturer<", ">active<"):
        assert code not in html, code


def test_C04_tenants_page_in_english_shows_the_same_in_english(app, client):
    _tenants(app)
    _operator(client, "en")
    html = client.get("/operator/").get_data(as_text=True)
    assert _kinds_and_statuses(html) == {
        "Org alpha": ("distributor", "active"),
        "Org beta": ("manufacturer", "active"),
        "Org gamma": ("SaaS vendor", "read-only (contract ended)"),
    }


def test_every_tenant_kind_and_status_has_a_label():
    from portal.operator.labels import TENANT_KINDS, TENANT_STATUSES
    from portal.tenancy.models import KINDS, STATUSES

    assert set(TENANT_KINDS) == set(KINDS) and set(TENANT_STATUSES) == set(STATUSES)


def test_the_language_chosen_before_the_operators_login_outlives_it(app, client):
    """A fresh session at login (no fixation) keeps the visitor's language, as the organisers' login does."""
    _tenants(app)
    db.session.add(Operator(email=EMAIL, name="Op", password_hash=hash_password(PASSWORD)))
    db.session.commit()
    client.post("/lang/en")
    assert client.post("/operator/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    html = client.get("/operator/").get_data(as_text=True)
    assert 'lang="en"' in html and "Log out" in html
    client.post("/operator/logout")
    assert 'lang="en"' in client.get("/operator/login").get_data(as_text=True)
