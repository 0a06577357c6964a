"""Accounts and roles: registration with consents (P-01, E-03, G-08), login, reset, the role matrix."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF, PasswordResetToken, User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy.models import AuditEntry, Consent
from portal.programmes import documents
from portal.tenancy.guard import use_tenant
from tests import factories

REGISTRATION = {"first_name": "Anna", "last_name": "Nowak", "email": "Anna@Example.com", "phone": "+48 600 100 200",
                "company_name": "", "nip": "", "password": "long-enough-pw", "confirm": "long-enough-pw",
                "accept_terms": "y", "accept_privacy": "y"}


def test_P01_G08_registration_records_consents_with_version_hash(client, tenant_a):
    response = client.post("/t/alpha/register", data=REGISTRATION)
    assert response.status_code == 302 and response.location.endswith("/t/alpha/dashboard")
    with use_tenant(tenant_a.id):
        user = db.session.scalars(select(User).where(User.email == "anna@example.com")).one()
        given = {c.kind: c for c in db.session.scalars(select(Consent).where(Consent.user_id == user.id))}
        terms = documents.current("terms", "en")  # the text the registrant was shown
    assert set(given) == {"terms", "privacy"}
    assert given["terms"].version == terms.version and given["terms"].text_sha256 == terms.sha256
    assert given["terms"].channel == "web" and given["terms"].withdrawn_at is None


def test_P01_registration_without_consent_is_refused_next_to_the_field(client, tenant_a):
    data = dict(REGISTRATION, accept_privacy="")
    response = client.post("/t/alpha/register", data=data)
    assert response.status_code == 422
    assert "Registration without this consent is not valid." in response.get_data(as_text=True)
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(User)).all() == []


def test_L01_registration_with_a_wrong_nip_says_so(client, tenant_a):
    response = client.post("/t/alpha/register", data=dict(REGISTRATION, nip="1234567890"))
    assert response.status_code == 422
    assert "This NIP is not valid" in response.get_data(as_text=True)


def test_L01_registration_takes_a_nip_written_with_prefix_and_dashes(client, tenant_a):
    response = client.post("/t/alpha/register", data=dict(REGISTRATION, nip="PL 526-000-12-46"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(User.nip)).all() == ["5260001246"]


def test_registration_with_a_taken_email_is_refused_without_a_500(client, tenant_a):
    factories.user(tenant_a, email="anna@example.com")
    response = client.post("/t/alpha/register", data=REGISTRATION)
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_E03_new_terms_version_is_shown_for_acceptance_at_next_login(client, tenant_a, clock):
    user = factories.user(tenant_a)
    with use_tenant(tenant_a.id):
        documents.publish(tenant_a.id, "terms", {"pl": "nowy regulamin", "en": "new terms"}, clock=clock)
    db.session.commit()
    factories.login(client, tenant_a, user.email)
    response = client.get("/t/alpha/participant")
    assert response.status_code == 302 and response.location.endswith("/t/alpha/accept")
    assert "new terms" in client.get("/t/alpha/accept").get_data(as_text=True)  # in the reader's language
    assert client.post("/t/alpha/accept", data={"accept": "y"}).status_code == 302
    assert client.get("/t/alpha/participant").status_code == 200
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(Consent).where(Consent.kind == "terms", Consent.version == 2)).one()


def test_login_with_wrong_password_says_so_without_naming_which(client, tenant_a):
    user = factories.user(tenant_a)
    response = factories.login(client, tenant_a, user.email, "wrong-password")
    assert response.status_code == 422
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_login_is_audited_with_ids_only(client, tenant_a):
    user = factories.user(tenant_a)
    factories.login(client, tenant_a, user.email)
    with use_tenant(tenant_a.id):
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.login")).one()
    assert entry.actor_id == user.id and entry.object_id == user.id


def test_password_hashes_are_argon2(tenant_a):
    user = factories.user(tenant_a)
    assert user.password_hash.startswith("$argon2id$")


DASHBOARDS = {"participant": {PARTICIPANT}, "staff": {ADMIN, STAFF}, "admin": {ADMIN}, "dpo": {DPO}}


@pytest.mark.parametrize("role", [ADMIN, STAFF, DPO, PARTICIPANT])
def test_role_matrix_each_role_on_each_dashboard(client, tenant_a, role):
    user = factories.user(tenant_a, role)
    factories.login(client, tenant_a, user.email)
    for page, allowed in DASHBOARDS.items():
        status = client.get(f"/t/alpha/{page}").status_code
        assert status == (200 if role in allowed else 403), (role, page, status)


def test_anonymous_visitor_is_sent_to_login(client, tenant_a):
    response = client.get("/t/alpha/admin")
    assert response.status_code == 302 and "/t/alpha/login" in response.location


def _reset_token(tenant) -> str:
    with use_tenant(tenant.id):
        row = db.session.scalars(select(Notification).where(Notification.kind == "password_reset")).one()
    return row.params["token"]


def test_password_reset_link_works_once(client, tenant_a):
    user = factories.user(tenant_a)
    response = client.post("/t/alpha/password/reset", data={"email": user.email})
    assert response.status_code == 302
    token = _reset_token(tenant_a)
    with use_tenant(tenant_a.id):
        stored = db.session.scalars(select(PasswordResetToken)).one()
    assert stored.token_sha256 != token  # only the digest is stored
    assert client.post(f"/t/alpha/password/reset/{token}",
                       data={"password": "brand-new-pass", "confirm": "brand-new-pass"}).status_code == 302
    assert factories.login(client, tenant_a, user.email, "brand-new-pass").status_code == 302
    again = client.post(f"/t/alpha/password/reset/{token}",
                        data={"password": "another-pass-1", "confirm": "another-pass-1"})
    assert again.status_code == 404
    assert factories.login(client, tenant_a, user.email, "another-pass-1").status_code == 422


def test_password_reset_link_expires(client, tenant_a, clock):
    user = factories.user(tenant_a)
    client.post("/t/alpha/password/reset", data={"email": user.email})
    token = _reset_token(tenant_a)
    clock.advance(hours=3)
    assert client.get(f"/t/alpha/password/reset/{token}").status_code == 404


def test_password_reset_for_unknown_email_looks_the_same(client, tenant_a):
    response = client.post("/t/alpha/password/reset", data={"email": "nobody@example.com"})
    assert response.status_code == 302
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(Notification)).all() == []


def test_password_reset_email_carries_the_link(client, tenant_a, app):
    from rq import SimpleWorker

    from portal.core import queue

    user = factories.user(tenant_a)
    client.post("/t/alpha/password/reset", data={"email": user.email})
    token = _reset_token(tenant_a)
    SimpleWorker([queue.queue("mail")], connection=queue.connection()).work(burst=True)
    mail_dir = app.config["MAIL_URL"].removeprefix("file://")
    from pathlib import Path

    bodies = [message_from_bytes(p.read_bytes(), policy=default).get_content() for p in Path(mail_dir).glob("*.eml")]
    assert any(f"/t/alpha/password/reset/{token}" in b for b in bodies)
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(Notification).where(Notification.kind == "password_reset")).one()
        db.session.refresh(row)
    assert row.mail_state == "sent" and "token" not in row.params  # the secret is gone once mailed
    assert re.search(r"[0-9a-f]{64}", row.params.get("token", "")) is None


def test_G06_switching_the_language_when_signed_in_sets_the_language_of_the_mails_too(client, tenant_a):
    user = factories.user(tenant_a, email="lang@example.com", locale="pl")
    client.post("/lang/en")  # before signing in: only this visit's pages
    factories.login(client, tenant_a, user.email)
    client.post("/lang/en", data={"next": "/t/alpha/dashboard"})
    with use_tenant(tenant_a.id):
        db.session.expire_all()
        assert db.session.get(User, user.id).locale == "en"  # what the outbox writes the mails in
    client.post("/t/alpha/logout")
    client.post("/lang/pl")  # signed out: the account keeps its language
    with use_tenant(tenant_a.id):
        db.session.expire_all()
        assert db.session.get(User, user.id).locale == "en"


def test_G08_registration_offers_the_programmes_optional_marketing_consent_unticked(client, tenant_a):
    text = "Chcę dostawać wiadomości o kolejnych kampaniach programu."
    assert 'name="marketing"' not in client.get("/t/alpha/register").get_data(as_text=True)  # none asked for
    factories.programme_version(tenant_a, {"programme": {"code": "reg"}, "consents": [
        {"code": "marketing", "kind": "marketing", "required": False, "scope": "registration",
         "text_pl": text, "text_en": "I want news of the next campaigns."}]})
    page = client.get("/t/alpha/register").get_data(as_text=True)
    assert text in page or "I want news of the next campaigns." in page  # the programme's own words
    assert 'name="marketing"' in page and 'name="marketing" checked' not in page
    client.post("/t/alpha/register", data={**REGISTRATION, "email": "no@example.com"})
    client.post("/t/alpha/logout")
    client.post("/t/alpha/register", data={**REGISTRATION, "email": "yes@example.com", "marketing": "y"})
    with use_tenant(tenant_a.id):
        given = {u.email: [c.kind for c in db.session.scalars(select(Consent).where(Consent.user_id == u.id))]
                 for u in db.session.scalars(select(User).where(User.email.in_(["no@example.com",
                                                                                "yes@example.com"])))}
    assert "marketing" not in given["no@example.com"] and "marketing" in given["yes@example.com"]


def test_admin_dashboard_counts_people_who_still_take_part(client, tenant_a):
    """An erased account is no longer a participant: the admin's count agrees with the operator's (C-02)."""
    from datetime import UTC, datetime

    from portal.extensions import db

    factories.user(tenant_a, PARTICIPANT, email="a@alpha.example")
    gone = factories.user(tenant_a, PARTICIPANT, email="b@alpha.example")
    gone.erased_at = datetime(2026, 3, 1, tzinfo=UTC)
    db.session.commit()
    factories.login(client, tenant_a, factories.user(tenant_a, ADMIN, email="adm@alpha.example").email)
    html = client.get("/t/alpha/admin").get_data(as_text=True)
    import re

    participants = re.search(r"<td>(?:Participants|Uczestnicy)</td><td>(\d+)</td>", html).group(1)
    assert participants == "1"


@pytest.mark.parametrize("slug, shown, not_shown", [
    ("saas-vendor", ["Akceptuję regulamin programu „Kontaktio Partner”",
                     "Zapoznałem(-am) się z informacją o przetwarzaniu danych osobowych."],
     ["wyrażam zgodę na przetwarzanie moich danych w celu udziału w programie"]),
    ("manufacturer", ["Akceptuję regulamin programu „Klub Instalatora Termovia”",
                      "Wyrażam zgodę na przetwarzanie moich danych osobowych przez Termovia Sp. z o.o."], []),
])
def test_E03_G08_P01_the_sign_up_checkboxes_say_what_the_programme_words(app, client, slug, shown, not_shown):
    """The registrant ticks the programme's own statements ([[consents]] of its definition): acknowledging the
    information clause is not a consent where the programme asks for none, and where it does (P-01, the
    manufacturer) its text is shown — not the platform's generic wording."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert app.test_cli_runner().invoke(args=["tenants", "create", str(root / "tenants" / slug)]).exit_code == 0
    page = client.get(f"/t/{slug}/register").get_data(as_text=True)
    for text in shown:
        assert text in page, text
    for text in not_shown:
        assert text not in page, text
