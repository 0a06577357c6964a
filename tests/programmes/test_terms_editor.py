"""E-03 from the organiser's pages: the admin publishes a new version of the terms (regulamin) or the information
clause in each language; every participant is asked to accept it at its next visit, and an unchanged text is not a
new version."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from portal.accounts.models import ADMIN, STAFF
from portal.extensions import db
from portal.privacy.models import AuditEntry
from portal.programmes import documents
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/t/saas-vendor/programme/documents"


def _tenant(app):
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")])
    assert result.exit_code == 0, result.output
    return tenants.by_slug("saas-vendor")


def test_E03_the_admin_publishes_new_terms_from_the_page_and_participants_accept_them_at_next_visit(app, client):
    tenant = _tenant(app)
    participant = factories.user(tenant, locale="pl")
    admin = factories.user(tenant, ADMIN, email="admin@saas.test.example", locale="en")
    factories.login(client, tenant, admin.email)
    page = client.get(PAGE).get_data(as_text=True)
    with use_tenant(tenant.id):
        current = documents.current("terms", "pl")
    assert current.version == 1 and current.body.splitlines()[0] in page  # the text in force, to start from
    new_text = current.body + "\n\n§ 99. Nowe postanowienie o nagrodach.\n"
    answer = client.post(PAGE, data={"kind": "terms", "text_pl": new_text, "text_en": "Terms v2 in English."})
    assert answer.status_code == 302
    assert "version 2" in client.get(PAGE).get_data(as_text=True)
    with use_tenant(tenant.id):
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "document.published")).one()
    client.post(f"/t/{tenant.slug}/logout")

    factories.login(client, tenant, participant.email)
    assert client.get("/t/saas-vendor/leads").location.endswith("/t/saas-vendor/accept")
    assert "Nowe postanowienie o nagrodach" in client.get("/t/saas-vendor/accept").get_data(as_text=True)


def test_E03_an_unchanged_or_empty_text_publishes_nothing_and_says_why(app, client):
    tenant = _tenant(app)
    admin = factories.user(tenant, ADMIN, email="admin@saas.test.example", locale="en")
    factories.login(client, tenant, admin.email)
    with use_tenant(tenant.id):
        current = {loc: documents.current("privacy", loc).body for loc in ("pl", "en")}
    as_a_browser_sends = {loc: text.replace("\n", "\r\n") for loc, text in current.items()}
    same = client.post(PAGE, data={"kind": "privacy", "text_pl": as_a_browser_sends["pl"],
                                   "text_en": as_a_browser_sends["en"]})
    assert same.status_code == 422 and "the same as version 1" in same.get_data(as_text=True)
    empty = client.post(PAGE, data={"kind": "privacy", "text_pl": "  ", "text_en": "x"})
    assert empty.status_code == 422 and "Write the text in Polish" in empty.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert documents.current_version("privacy") == 1


def test_E03_only_the_admin_publishes_terms(app, client):
    tenant = _tenant(app)
    staff = factories.user(tenant, STAFF, email="staff@saas.test.example")
    factories.login(client, tenant, staff.email)
    assert client.post(PAGE, data={"kind": "terms", "text_pl": "x", "text_en": "y"}).status_code == 403
