"""Accounts as their users meet them: a language switch from any page lands somewhere (SPEC §11, never a 500); a
participant whose processing is restricted (G-07) still gets the password link it asked for; and once the contract
has ended (C-04) a forgotten password can still be reset, as login, the export and the privacy pages still work."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from portal.accounts.models import ADMIN, PARTICIPANT
from portal.extensions import db
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.accounts.test_accounts import _reset_token
from tests.tenancy.test_read_only_by_date import ended_contract


def test_S11_a_language_switch_whose_next_holds_a_line_break_goes_home(client):
    response = client.post("/lang/en", data={"next": "/\r\nSet-Cookie: a=b"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_G07_a_restricted_participant_gets_the_password_link_it_asked_for(client, tenant_a):
    user = factories.user(tenant_a, PARTICIPANT)
    with use_tenant(tenant_a.id):
        db.session.get(type(user), user.id).restricted_at = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.commit()
    assert client.post("/t/alpha/password/reset", data={"email": user.email}).status_code == 302
    assert _reset_token(tenant_a)


def test_C04_a_password_is_reset_after_the_contract_ended(app, client, tenant_a, clock):
    admin = factories.user(tenant_a, ADMIN)
    ended_contract(app, tenant_a, clock)
    assert client.post("/t/alpha/password/reset", data={"email": admin.email}).status_code == 302
    token = _reset_token(tenant_a)
    done = client.post(f"/t/alpha/password/reset/{token}",
                       data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert done.status_code == 302
    assert factories.login(client, tenant_a, admin.email, "brand-new-pass").status_code == 302
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(type(admin)).where(type(admin).id == admin.id)).one().password_hash
