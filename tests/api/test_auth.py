"""Per-tenant API tokens with scopes (SPEC §10): who may call what, and for which organiser."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from portal.api import tokens
from portal.api.models import ApiToken
from portal.core.bulk import ValidationFailed
from portal.extensions import db
from portal.privacy.models import AuditEntry
from portal.tenancy.guard import across_tenants, use_tenant
from tests.api.conftest import Api, make_token, partner_body, problem


def test_missing_token_is_401_problem(client, distributor):
    response = Api(client, None).get("/participants")
    assert response.status_code == 401
    assert problem(response)["type"].endswith("/unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(client, distributor):
    for token in ("ppk_not-a-real-token", "something-else", "ppk_" + "x" * 300):
        assert problem(Api(client, token).get("/participants"))["status"] == 401


def test_revoked_token_is_401(client, distributor, clock):
    plaintext = make_token(distributor)
    api = Api(client, plaintext)
    assert api.get("/participants").status_code == 200
    with use_tenant(distributor.id):
        row = db.session.scalars(select(ApiToken)).one()
        tokens.revoke_token(row.id, clock=clock)
    db.session.commit()
    response = api.get("/participants")
    assert response.status_code == 401 and "revoked" in problem(response)["detail"]


def test_missing_scope_is_403(client, distributor):
    api = Api(client, make_token(distributor, ["leads:read"]))
    assert api.get("/leads").status_code == 200
    response = api.post("/participants", partner_body(1))
    body = problem(response)
    assert response.status_code == 403 and body["required_scope"] == "participants:write"
    assert api.get("/participants").status_code == 403


def test_token_of_deleted_tenant_is_401(client, distributor):
    api = Api(client, make_token(distributor))
    distributor.status = "deleted"
    db.session.commit()
    assert api.get("/leads").status_code == 401


def test_C04_read_only_tenant_token_can_read_but_not_write(client, distributor):
    api = Api(client, make_token(distributor))
    distributor.status = "read_only"
    db.session.commit()
    assert api.get("/participants").status_code == 200
    response = api.post("/participants", partner_body(1))
    assert response.status_code == 403 and problem(response)["rule"] == "C-04"


def test_only_the_sha256_of_a_token_is_stored(app, distributor):
    plaintext = make_token(distributor)
    with use_tenant(distributor.id):
        row = db.session.scalars(select(ApiToken)).one()
    assert row.token_sha256 == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in repr([getattr(row, c.key) for c in ApiToken.__table__.columns])


def test_token_creation_refuses_unknown_scopes_and_empty_names(app, distributor):
    with use_tenant(distributor.id):
        try:
            tokens.create_token(distributor.id, " ", ["leads:read", "everything"])
        except ValidationFailed as error:
            fields = {f for f, _, _ in error.problems}
        else:
            raise AssertionError("accepted")
    assert fields == {"name", "scopes"}


def test_token_creation_and_revocation_are_audited(app, distributor, clock):
    make_token(distributor)
    with use_tenant(distributor.id):
        row = db.session.scalars(select(ApiToken)).one()
        tokens.revoke_token(row.id, clock=clock)
        first = row.revoked_at
        clock.advance(hours=1)
        tokens.revoke_token(row.id, clock=clock)
        assert row.revoked_at == first
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"api_token.created", "api_token.revoked"} <= actions


def test_tokens_lists_only_the_current_tenants_tokens(app, distributor, tenant_a):
    make_token(distributor, name="distributor ERP")
    make_token(tenant_a, name="alpha CRM")
    with use_tenant(tenant_a.id):
        assert [t.name for t in tokens.tokens()] == ["alpha CRM"]
    with across_tenants("test: both tokens exist"):
        assert len(db.session.scalars(select(ApiToken)).all()) == 2


def test_last_use_of_a_token_is_recorded(client, distributor, clock):
    api = Api(client, make_token(distributor))
    api.get("/leads")
    with use_tenant(distributor.id):
        row = db.session.scalars(select(ApiToken)).one()
        assert row.last_used_at is not None


def test_bearer_scheme_is_case_insensitive(client, distributor):
    plaintext = make_token(distributor)
    response = client.get("/api/v1/leads", headers={"Authorization": f"bearer {plaintext}"})
    assert response.status_code == 200


def test_admin_creates_a_token_on_the_page_that_the_api_accepts_then_revokes_it(app, client, tenant_a):
    import re

    from portal.accounts.models import ADMIN
    from tests import factories

    admin = factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    factories.login(client, tenant_a, admin.email)
    page = client.post("/t/alpha/api-tokens", data={"name": "ERP", "scope": ["leads:read"]}).get_data(as_text=True)
    token = re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)
    api = app.test_client()
    assert api.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from portal.api.models import ApiToken
    from portal.extensions import db
    from portal.tenancy.guard import use_tenant

    with use_tenant(tenant_a.id):
        token_id = db.session.scalars(db.select(ApiToken.id)).one()
    client.post("/t/alpha/api-tokens", data={"revoke": str(token_id)})
    assert api.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_revoking_a_token_that_does_not_exist_says_so_whatever_the_number(app, client, tenant_a):
    from portal.accounts.models import ADMIN
    from tests import factories

    factories.login(client, tenant_a, factories.user(tenant_a, ADMIN, email="admin@alpha.example").email)
    for value in ("99999999999999999999", "9" * 5000, "-1", "x", "12345"):
        answer = client.post("/t/alpha/api-tokens", data={"revoke": value})
        assert answer.status_code == 422, value[:8]
        assert "No such" in answer.get_data(as_text=True)  # the admin reads English (the factory's locale)


def test_S2_G01_the_privacy_scopes_are_the_dpos_and_the_others_the_admins(app, distributor):
    """An admin's token cannot read or carry out data-subject requests the admin may not touch on the pages; the DPO
    makes the privacy integration's token, and only that."""
    from portal.accounts.models import ADMIN, DPO
    from tests import factories

    admin = factories.user(distributor, ADMIN, email="admin2@distributor.example")
    dpo = factories.user(distributor, DPO, email="dpo2@distributor.example")
    with use_tenant(distributor.id):
        for actor, scopes in ((admin, ["leads:read", "privacy:read"]), (dpo, ["privacy:read", "leads:read"])):
            try:
                tokens.create_token(distributor.id, "mixed", scopes, actor=actor)
            except ValidationFailed as error:
                assert {f for f, _, _ in error.problems} == {"scopes"}
            else:
                raise AssertionError(f"{actor.role} got {scopes}")
        assert tokens.create_token(distributor.id, "dsr", ["privacy:read", "privacy:write"], actor=dpo)[0].id
        assert tokens.create_token(distributor.id, "erp", ["leads:read"], actor=admin)[0].id


def test_S2_a_token_dies_with_its_creators_account_or_role(app, client, distributor, clock):
    from portal.accounts import service as accounts
    from portal.accounts.models import ADMIN, STAFF
    from tests import factories

    first = factories.user(distributor, ADMIN, email="first@distributor.example")
    second = factories.user(distributor, ADMIN, email="second@distributor.example")
    factories.user(distributor, ADMIN, email="third@distributor.example")  # the tenant keeps an admin
    with use_tenant(distributor.id):
        _row, by_first = tokens.create_token(distributor.id, "erp", ["participants:read"], actor=first)
        _row, by_second = tokens.create_token(distributor.id, "crm", ["participants:read"], actor=second)
        db.session.commit()
    assert Api(client, by_first).get("/participants").status_code == 200
    with use_tenant(distributor.id):
        accounts.deactivate_account(db.session.get(type(first), first.id), actor=second, clock=clock)
        accounts.change_role(db.session.get(type(second), second.id), STAFF, actor=None)
        db.session.commit()
    assert Api(client, by_first).get("/participants").status_code == 401
    assert Api(client, by_second).get("/participants").status_code == 401


def test_S2_the_dpo_makes_the_privacy_token_on_the_page_and_sees_only_its_scopes(app, client, distributor):
    from portal.accounts.models import DPO
    from tests import factories

    dpo = factories.user(distributor, DPO, email="dpo3@distributor.example", locale="en")
    factories.login(client, distributor, dpo.email)
    page = client.get("/t/distributor/api-tokens").get_data(as_text=True)
    assert 'value="privacy:read"' in page and 'value="leads:read"' not in page
    made = client.post("/t/distributor/api-tokens", data={"name": "DSR desk", "scope": ["privacy:read"]})
    assert made.status_code == 200 and "ppk_" in made.get_data(as_text=True)


def test_L02_a_reference_with_a_slash_is_refused_so_every_lead_stays_addressable(app, client, distributor):
    """A lead's reference is part of its address (/leads/<ref>); one that could never be read or decided is
    refused at the field, and a reference given with spaces around it is found as stored."""
    from tests.api.conftest import lead_body

    api = Api(client, make_token(distributor))
    partner = api.post("/participants", partner_body(1)).get_json()
    refused = api.post("/leads", lead_body("FV/2018/9", partner["id"], 1))
    assert refused.status_code == 422 and problem(refused)["errors"][0]["field"] == "ref"
    made = api.post("/leads", lead_body(" L-7 ", partner["id"], 2))
    assert made.status_code == 201, made.get_data(as_text=True)
    assert api.get("/leads/L-7").status_code == 200


def test_S2_each_role_lists_and_revokes_its_own_kind_of_token_only(app, client, distributor):
    """SPEC §2: the privacy integration is the DPO's and every other the admin's — as for making a token, so for
    seeing and revoking it: the DPO cannot cut the admin's ERP off, nor the admin the DPO's request handling."""
    from portal.accounts.models import ADMIN, DPO
    from tests import factories

    admin = factories.user(distributor, ADMIN, email="admin2@distributor.example", locale="en")
    dpo = factories.user(distributor, DPO, email="dpo2@distributor.example", locale="en")
    with use_tenant(distributor.id):
        erp = tokens.create_token(distributor.id, "ERP-admin", ["leads:read"], actor=admin)[0].id
        dsr = tokens.create_token(distributor.id, "DSR-dpo", ["privacy:read"], actor=dpo)[0].id
        db.session.commit()
    for user, other in ((dpo, erp), (admin, dsr)):
        factories.login(client, distributor, user.email)
        page = client.get("/t/distributor/api-tokens").get_data(as_text=True)
        assert ("ERP-admin" in page) == (user is admin) and ("DSR-dpo" in page) == (user is dpo)
        refused = client.post("/t/distributor/api-tokens", data={"revoke": str(other)})
        assert refused.status_code == 422 and "No such" in refused.get_data(as_text=True)
        db.session.rollback()
        with use_tenant(distributor.id):
            assert db.session.get(ApiToken, other).revoked_at is None
        client.post("/t/distributor/logout")
    for user, own in ((dpo, dsr), (admin, erp)):
        factories.login(client, distributor, user.email)
        assert client.post("/t/distributor/api-tokens", data={"revoke": str(own)}).status_code == 200
        db.session.rollback()
        with use_tenant(distributor.id):
            assert db.session.get(ApiToken, own).revoked_at is not None
        client.post("/t/distributor/logout")
