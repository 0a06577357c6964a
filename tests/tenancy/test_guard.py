"""The tenant guard and per-tenant routing (ARCHITECTURE: Tenancy; SPEC §11 tenant isolation)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from portal.accounts.models import ADMIN, User
from portal.extensions import db
from portal.tenancy.guard import TenantNotSet, across_tenants, use_tenant
from tests import factories


def test_unfiltered_query_returns_only_the_current_tenants_rows(tenant_a, tenant_b):
    a_id = factories.user(tenant_a, email="same@example.com").id
    factories.user(tenant_b, email="same@example.com")
    tenant_id = tenant_a.id
    db.session.expunge_all()
    with use_tenant(tenant_id):
        rows = db.session.scalars(select(User)).all()  # deliberately no tenant filter
    assert [r.id for r in rows] == [a_id]


def test_lookup_by_id_of_another_tenants_row_finds_nothing(tenant_a, tenant_b):
    other_id, tenant_id = factories.user(tenant_b).id, tenant_a.id
    db.session.expunge_all()
    with use_tenant(tenant_id):
        assert db.session.get(User, other_id) is None


def test_bulk_update_cannot_reach_another_tenant(tenant_a, tenant_b):
    factories.user(tenant_a, first_name="Ala")
    b_id, a_tid, b_tid = factories.user(tenant_b, first_name="Ola").id, tenant_a.id, tenant_b.id
    with use_tenant(a_tid):
        db.session.execute(update(User).values(first_name="Changed").execution_options(synchronize_session=False))
        db.session.commit()
    db.session.expunge_all()
    with use_tenant(b_tid):
        assert db.session.get(User, b_id).first_name == "Ola"


def test_query_without_a_tenant_fails_closed(tenant_a):
    factories.user(tenant_a)
    with pytest.raises(TenantNotSet):
        db.session.scalars(select(User)).all()


def test_counts_and_joins_that_name_no_entity_are_limited_to_the_tenant_too(tenant_a, tenant_b):
    """``select(func.count()).select_from(User)`` reads the users table without naming User as an entity: it is
    guarded like any other query (a per-tenant reference number once counted every organiser's requests)."""
    factories.user(tenant_a)
    factories.user(tenant_b)
    factories.user(tenant_b)
    count = select(func.count()).select_from(User)
    with use_tenant(tenant_a.id):
        assert db.session.scalar(count) == 1
    with use_tenant(tenant_b.id):
        assert db.session.scalar(count) == 2
        assert db.session.scalar(select(func.count(User.id))) == 2
    with pytest.raises(TenantNotSet):
        db.session.scalar(count)


def test_platform_code_crosses_tenants_only_by_name(tenant_a, tenant_b):
    factories.user(tenant_a)
    factories.user(tenant_b)
    with across_tenants("test counts every account"):
        assert len(db.session.scalars(select(User)).all()) == 2


def test_same_email_at_two_organisers_is_two_accounts(tenant_a, tenant_b):
    a = factories.user(tenant_a, email="jan@example.com")
    b = factories.user(tenant_b, email="jan@example.com")
    assert a.id != b.id


def test_unknown_tenant_answers_404(client, tenant_a):
    for path in ("/t/nobody/", "/t/nobody/login", "/t/nobody/dashboard", "/t/nobody/terms"):
        assert client.get(path).status_code == 404


def test_deleted_tenant_answers_404(client, tenant_a):
    tenant_a.status = "deleted"
    db.session.commit()
    assert client.get("/t/alpha/").status_code == 404


def test_session_of_tenant_a_is_anonymous_at_tenant_b(client, tenant_a, tenant_b):
    admin = factories.user(tenant_a, ADMIN)
    assert factories.login(client, tenant_a, admin.email).status_code == 302
    assert client.get("/t/alpha/admin").status_code == 200
    response = client.get("/t/beta/admin")
    assert response.status_code == 302 and "/t/beta/login" in response.location


def test_tenant_pages_answer_for_each_route_of_the_url_map(app, client, tenant_a):
    """Every GET route under /t/<slug>/ answers 404 for an unknown tenant, never 200 or 500."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/t/<slug>") and "GET" in r.methods]
    assert rules
    for rule in rules:
        path = rule.rule.replace("<slug>", "nobody")
        path = path.replace("<token>", "x")
        assert client.get(path).status_code == 404, path
