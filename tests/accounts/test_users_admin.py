"""SPEC §2: the organiser admin manages the users of the tenant — its admin, staff and DPO accounts — on the Users
page, and the operator gives a new tenant its first admin with ``flask users add``."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.accounts import service
from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF, User
from portal.core.errors import DomainError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy.labels import AUDIT_ACTIONS
from portal.privacy.models import AuditEntry
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.tenancy.test_read_only_by_date import ended_contract

NEW_STAFF = {"first_name": "Ewa", "last_name": "Lis", "email": "Ewa.Lis@Alpha.example", "role": STAFF,
             "locale": "en"}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin(tenant_a):
    return factories.user(tenant_a, ADMIN, email="admin@alpha.example", first_name="Ada", last_name="Admin")


@pytest.fixture
def signed_in(client, tenant_a, admin):
    assert factories.login(client, tenant_a, admin.email).status_code == 302
    return client


def _user(tenant, email: str) -> User:
    with use_tenant(tenant.id):
        db.session.expire_all()
        return db.session.scalars(select(User).where(User.email == email)).one()


def _link_token(tenant, user: User) -> str:
    with use_tenant(tenant.id):
        row = db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                            Notification.kind == "account_invited")).one()
    return row.params["token"]


def _actions(tenant, user: User) -> list[str]:
    with use_tenant(tenant.id):
        return [e.action for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "user", AuditEntry.object_id == user.id).order_by(AuditEntry.id))]


def test_S2_admin_adds_a_staff_member_who_sets_a_password_and_logs_in(app, client, signed_in, tenant_a, admin):
    from rq import SimpleWorker

    from portal.core import queue

    page = signed_in.get("/t/alpha/users")
    assert page.status_code == 200 and "admin@alpha.example" in page.get_data(as_text=True)
    added = signed_in.post("/t/alpha/users", data=NEW_STAFF)
    assert added.status_code == 302 and added.location.endswith("/t/alpha/users")
    listed = signed_in.get("/t/alpha/users").get_data(as_text=True)
    assert "ewa.lis@alpha.example" in listed and "Ewa Lis" in listed
    user = _user(tenant_a, "ewa.lis@alpha.example")
    assert user.role == STAFF and user.password_hash is None and user.locale == "en"

    # the one-time link reaches the new person by mail
    token = _link_token(tenant_a, user)
    SimpleWorker([queue.queue("mail")], connection=queue.connection()).work(burst=True)
    mails = [message_from_bytes(p.read_bytes(), policy=default)
             for p in Path(app.config["MAIL_URL"].removeprefix("file://")).glob("*.eml")]
    assert any(m["To"] == "ewa.lis@alpha.example" and f"/t/alpha/password/reset/{token}" in m.get_content()
               and "has created an account for you" in m.get_content() and "did not ask" not in m.get_content()
               for m in mails)  # an invitation, not a reset someone else asked for

    signed_in.post("/t/alpha/logout")
    assert factories.login(client, tenant_a, user.email, "anything-at-all").status_code == 422  # no password yet
    assert client.post(f"/t/alpha/password/reset/{token}",
                       data={"password": "ewa-new-password", "confirm": "ewa-new-password"}).status_code == 302
    assert factories.login(client, tenant_a, user.email, "ewa-new-password").status_code == 302
    assert client.get("/t/alpha/staff").status_code == 200
    assert client.get("/t/alpha/users").status_code == 403  # staff do not manage users
    assert _actions(tenant_a, user)[0] == "account.created"


def test_S2_the_users_page_lists_organiser_accounts_only(signed_in, tenant_a):
    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.user(tenant_a, PARTICIPANT, email="partner@alpha.example")
    page = signed_in.get("/t/alpha/users").get_data(as_text=True)
    assert "dpo@alpha.example" in page
    assert "partner@alpha.example" not in page  # participants have their own pages


@pytest.mark.parametrize("role", [STAFF, DPO, PARTICIPANT])
def test_S2_only_the_admin_opens_the_users_page(client, tenant_a, role):
    user = factories.user(tenant_a, role)
    factories.login(client, tenant_a, user.email)
    assert client.get("/t/alpha/users").status_code == 403
    assert client.post("/t/alpha/users", data=NEW_STAFF).status_code == 403


def test_S2_a_duplicate_email_is_a_message_next_to_the_field(signed_in, tenant_a):
    factories.user(tenant_a, STAFF, email="ewa.lis@alpha.example")
    answer = signed_in.post("/t/alpha/users", data=NEW_STAFF)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert re.search(r'id="email-error"[^>]*>\s*<p class="error">An account with this e-mail already exists', page)
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(User).where(User.email == "ewa.lis@alpha.example")).one().role == STAFF


def test_S2_a_form_error_over_htmx_returns_the_form_alone(signed_in):
    answer = signed_in.post("/t/alpha/users", data=dict(NEW_STAFF, first_name="", email="not-an-address"),
                            headers=HTMX)
    assert answer.status_code == 422
    body = answer.get_data(as_text=True)
    assert "<html" not in body and "Enter the first name." in body and "Check the e-mail address." in body


def test_S2_a_participants_account_cannot_be_turned_into_staff(signed_in, tenant_a):
    partner = factories.user(tenant_a, PARTICIPANT, email="partner@alpha.example")
    answer = signed_in.post("/t/alpha/users", data=dict(NEW_STAFF, email="Partner@alpha.example"))
    assert answer.status_code == 422
    assert "belongs to a participant" in answer.get_data(as_text=True)
    assert signed_in.post(f"/t/alpha/users/{partner.id}/role", data={"role": STAFF}).status_code == 404
    assert signed_in.post(f"/t/alpha/users/{partner.id}/deactivate").status_code == 404
    assert _user(tenant_a, "partner@alpha.example").role == PARTICIPANT


def test_S2_admin_changes_a_users_role(client, signed_in, tenant_a):
    staff = factories.user(tenant_a, STAFF, email="staff@alpha.example")
    answer = signed_in.post(f"/t/alpha/users/{staff.id}/role", data={"role": DPO})
    assert answer.status_code == 302 and answer.location.endswith("/t/alpha/users")
    assert _user(tenant_a, "staff@alpha.example").role == DPO
    assert _actions(tenant_a, staff) == ["account.role_changed"]
    signed_in.post("/t/alpha/logout")
    factories.login(client, tenant_a, staff.email)
    assert client.get("/t/alpha/dpo").status_code == 200 and client.get("/t/alpha/staff").status_code == 403


def test_S2_a_role_change_over_htmx_swaps_the_row(signed_in, tenant_a):
    staff = factories.user(tenant_a, STAFF, email="staff@alpha.example")
    answer = signed_in.post(f"/t/alpha/users/{staff.id}/role", data={"role": ADMIN}, headers=HTMX)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and body.lstrip().startswith(f'<tr id="user-{staff.id}"')
    assert _user(tenant_a, "staff@alpha.example").role == ADMIN
    refused = signed_in.post(f"/t/alpha/users/{staff.id}/role", data={"role": PARTICIPANT}, headers=HTMX)
    assert refused.status_code == 422 and "Choose administrator, staff or data-protection officer." \
        in refused.get_data(as_text=True)
    assert _user(tenant_a, "staff@alpha.example").role == ADMIN


def test_S2_a_deactivated_user_is_logged_out_at_once(make_app, tenant_a, signed_in):
    staff = factories.user(tenant_a, STAFF, email="staff@alpha.example")
    other = signed_in.application.test_client()
    factories.login(other, tenant_a, staff.email)
    assert other.get("/t/alpha/staff").status_code == 200

    assert signed_in.post(f"/t/alpha/users/{staff.id}/deactivate").status_code == 302
    assert "login" in other.get("/t/alpha/staff").location  # the open session is over
    assert factories.login(other, tenant_a, staff.email).status_code == 422  # and no new one starts
    assert "Deactivated" in signed_in.get("/t/alpha/users").get_data(as_text=True)

    assert signed_in.post(f"/t/alpha/users/{staff.id}/reactivate").status_code == 302
    assert factories.login(other, tenant_a, staff.email).status_code == 302
    assert _actions(tenant_a, staff) == ["account.login", "account.deactivated", "account.reactivated", "account.login"]


def test_S2_a_deactivated_users_set_password_link_no_longer_works(client, signed_in, tenant_a):
    signed_in.post("/t/alpha/users", data=NEW_STAFF)
    user = _user(tenant_a, "ewa.lis@alpha.example")
    token = _link_token(tenant_a, user)
    signed_in.post(f"/t/alpha/users/{user.id}/deactivate")
    assert client.get(f"/t/alpha/password/reset/{token}").status_code == 404


def test_S2_an_admin_cannot_deactivate_or_demote_themselves(signed_in, tenant_a, admin):
    refused = signed_in.post(f"/t/alpha/users/{admin.id}/deactivate")
    assert refused.status_code == 422
    assert "You cannot deactivate your own account" in refused.get_data(as_text=True)
    demoted = signed_in.post(f"/t/alpha/users/{admin.id}/role", data={"role": STAFF}, headers=HTMX)
    assert demoted.status_code == 422
    assert "You cannot give up the administrator role yourself" in demoted.get_data(as_text=True)
    me = _user(tenant_a, admin.email)
    assert me.role == ADMIN and me.is_active_account
    assert signed_in.get("/t/alpha/users").status_code == 200  # still signed in, still the admin


def test_S2_the_last_admin_cannot_be_removed(app, tenant_a, admin):
    second = factories.user(tenant_a, ADMIN, email="second@alpha.example")
    with use_tenant(tenant_a.id):
        service.deactivate_account(service.organiser_account(second.id), actor=admin, clock=app.extensions["clock"])
        db.session.commit()
        only = service.organiser_account(admin.id)
        for change in (lambda: service.deactivate_account(only, actor=None, clock=app.extensions["clock"]),
                       lambda: service.change_role(only, STAFF, actor=None)):
            with pytest.raises(DomainError, match="at least one active administrator"):
                change()
        db.session.rollback()
    me = _user(tenant_a, admin.email)
    assert me.role == ADMIN and me.is_active_account


def test_S2_another_tenants_account_is_not_found(client, tenant_a, tenant_b):
    theirs = factories.user(tenant_b, STAFF, email="staff@beta.example")
    mine = factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    factories.login(client, tenant_a, mine.email)
    assert client.post(f"/t/alpha/users/{theirs.id}/deactivate").status_code == 404
    assert _user(tenant_b, "staff@beta.example").is_active_account


def test_S2_G11_every_change_is_in_the_audit_log_with_a_label(signed_in, tenant_a, admin):
    signed_in.post("/t/alpha/users", data=NEW_STAFF)
    user = _user(tenant_a, "ewa.lis@alpha.example")
    signed_in.post(f"/t/alpha/users/{user.id}/role", data={"role": DPO})
    signed_in.post(f"/t/alpha/users/{user.id}/deactivate")
    signed_in.post(f"/t/alpha/users/{user.id}/reactivate")
    actions = _actions(tenant_a, user)
    assert actions == ["account.created", "account.role_changed", "account.deactivated", "account.reactivated"]
    assert all(action in AUDIT_ACTIONS for action in actions)
    with use_tenant(tenant_a.id):
        actors = set(db.session.scalars(select(AuditEntry.actor_id).where(AuditEntry.object_id == user.id,
                                                                          AuditEntry.object_type == "user")))
    assert actors == {admin.id}


def test_C04_a_read_only_tenant_refuses_user_changes(app, client, tenant_a, clock):
    from datetime import timedelta

    ended_contract(app, tenant_a, clock, in_days=1)
    admin = factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    staff = factories.user(tenant_a, STAFF, email="staff@alpha.example")
    clock.at = clock.at + timedelta(days=2)
    factories.login(client, tenant_a, admin.email)
    assert client.get("/t/alpha/users").status_code == 200  # reading goes on
    assert client.post("/t/alpha/users", data=NEW_STAFF).status_code == 423
    assert client.post(f"/t/alpha/users/{staff.id}/deactivate").status_code == 423
    assert _user(tenant_a, "staff@alpha.example").is_active_account


def test_S2_the_admin_finds_the_users_page_in_the_navigation(signed_in):
    assert 'href="/t/alpha/users"' in signed_in.get("/t/alpha/admin").get_data(as_text=True)


# ------------------------------------------------------------------ the operator's command

def _add(app, *args: str):
    return app.test_cli_runner().invoke(args=["users", "add", *args])


FIRST_ADMIN = ("--email", "Boss@Alpha.example", "--role", "admin", "--first-name", "Bo", "--last-name", "Ss")


def test_S2_users_add_gives_a_new_tenant_its_first_admin(app, client, tenant_a):
    result = _add(app, "alpha", *FIRST_ADMIN, "--locale", "en")
    assert result.exit_code == 0, result.output
    link = re.search(r"http://portal\.test/t/alpha/password/reset/\S+", result.output).group(0)
    token = link.rsplit("/", 1)[1]
    boss = _user(tenant_a, "boss@alpha.example")
    assert boss.role == ADMIN and boss.locale == "en" and boss.password_hash is None
    assert _actions(tenant_a, boss) == ["account.created"]
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(Notification)).all() == []  # printed, not mailed
    assert client.post(f"/t/alpha/password/reset/{token}",
                       data={"password": "boss-password-1", "confirm": "boss-password-1"}).status_code == 302
    assert factories.login(client, tenant_a, "boss@alpha.example", "boss-password-1").status_code == 302
    assert client.get("/t/alpha/users").status_code == 200


def test_S2_users_add_with_mail_sends_the_link_instead_of_printing_it(app, tenant_a):
    result = _add(app, "alpha", *FIRST_ADMIN, "--mail")
    assert result.exit_code == 0, result.output
    boss = _user(tenant_a, "boss@alpha.example")
    token = _link_token(tenant_a, boss)
    assert token not in result.output and "boss@alpha.example" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (("nowhere", *FIRST_ADMIN), "no tenant 'nowhere'"),
    (("alpha", "--email", "boss@alpha.example", "--role", "participant", "--first-name", "B", "--last-name", "S"),
     "Choose administrator, staff or data-protection officer."),
    (("alpha", "--email", "not-an-address", "--role", "staff", "--first-name", "B", "--last-name", "S"),
     "Check the e-mail address."),
    (("alpha", *FIRST_ADMIN, "--locale", "de"), "Choose Polish or English."),
    (("alpha", "--email", "boss@alpha.example", "--role", "staff", "--first-name", " ", "--last-name", "S"),
     "Enter the first name."),
])
def test_S2_users_add_refuses_bad_input_with_exit_1(app, tenant_a, args, message):
    result = _add(app, *args)
    assert result.exit_code == 1 and message in result.output
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(User)).all() == []


def test_S2_users_add_refuses_a_duplicate(app, tenant_a):
    factories.user(tenant_a, PARTICIPANT, email="boss@alpha.example")
    result = _add(app, "alpha", *FIRST_ADMIN)
    assert result.exit_code == 1 and "belongs to a participant" in result.output
    assert _user(tenant_a, "boss@alpha.example").role == PARTICIPANT


def test_C04_users_add_refuses_a_read_only_tenant(app, tenant_a, clock):
    from datetime import timedelta

    ended_contract(app, tenant_a, clock, in_days=0)
    clock.at = clock.at + timedelta(days=1)
    result = _add(app, "alpha", *FIRST_ADMIN)
    assert result.exit_code == 1 and "C-04" in result.output
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(User)).all() == []
