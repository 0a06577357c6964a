"""E-03: a participant who has not accepted the current terms or information clause uses no programme page until
it does — in a lead-reward programme as much as in an installer programme."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.privacy.models import Consent
from portal.programmes import documents
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _preset(app, slug: str):
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / slug)])
    assert result.exit_code == 0, result.output
    return tenants.by_slug(slug)


@pytest.mark.parametrize(("slug", "pages"), [
    ("distributor", ("/partner/join", "/leads", "/leads/new", "/statements")),
    ("saas-vendor", ("/partner/join", "/leads", "/leads/new")),
    ("manufacturer", ("/installer/join", "/points", "/rewards", "/devices/new")),
])
def test_E03_new_terms_block_programme_pages_until_accepted(app, client, clock, slug, pages):
    tenant = _preset(app, slug)
    user = factories.user(tenant)
    with use_tenant(tenant.id):
        version = documents.publish(tenant.id, "terms", {"pl": "Regulamin, wersja 2", "en": "Terms, version 2"},
                                    clock=clock)
    db.session.commit()
    assert factories.login(client, tenant, user.email).status_code == 302
    for page in pages:
        response = client.get(f"/t/{slug}{page}")
        assert response.status_code == 302, page
        assert response.location.endswith(f"/t/{slug}/accept"), page
    accept = client.get(f"/t/{slug}/accept").get_data(as_text=True)
    assert "version 2" in accept or "wersja 2" in accept
    assert client.post(f"/t/{slug}/accept", data={"accept": "y"}).status_code == 302
    assert client.get(f"/t/{slug}{pages[0]}").status_code == 200
    with use_tenant(tenant.id):
        given = db.session.scalars(select(Consent).where(Consent.user_id == user.id, Consent.kind == "terms",
                                                         Consent.version == version)).one()
        assert given.text_sha256 == documents.sha256("Terms, version 2" if user.locale == "en"
                                                     else "Regulamin, wersja 2")


def test_E03_privacy_rights_stay_open_before_accepting(app, client, clock):
    """A participant can still reach its own data and privacy requests (GDPR rights do not wait for the terms)."""
    tenant = _preset(app, "distributor")
    user = factories.user(tenant)
    with use_tenant(tenant.id):
        documents.publish(tenant.id, "privacy", {"pl": "Klauzula 2", "en": "Clause 2"}, clock=clock)
    db.session.commit()
    factories.login(client, tenant, user.email)
    assert client.get("/t/distributor/my-data").status_code == 200
