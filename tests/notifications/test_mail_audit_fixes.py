"""SPEC §9 mail audit: each mail is in its reader's language, says what really happens, and can be answered where it
says it can."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import as_of
from portal.extensions import db
from portal.notifications import service as notifications
from portal.notifications.models import Notification
from portal.privacy import requests
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.notifications.test_every_event import business_day_before, leads_world  # noqa: F401 - the fixture


def _notes(tenant, kind: str) -> list[Notification]:
    with use_tenant(tenant.id):
        return list(db.session.scalars(select(Notification).where(Notification.kind == kind)
                                       .order_by(Notification.id)))


def _text(app, tenant, row: Notification, user=None) -> tuple[str, str]:
    with app.test_request_context(), use_tenant(tenant.id):
        return notifications._render(row, user, tenant)


@pytest.fixture()
def polish_org(app):
    return factories.tenant("distributor", kind="distributor", locale="pl")


# ------------------------------------------------------------------ G-02: the requester's language


def test_G02_S9_a_public_request_filed_in_english_is_verified_and_answered_in_english(app, client, polish_org):
    assert client.post("/lang/en", data={"next": "/t/distributor/privacy/request"}).status_code == 302
    response = client.post("/t/distributor/privacy/request", data={"kind": "access", "email": "zoe@example.com"})
    assert response.status_code == 200
    with use_tenant(polish_org.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
    assert row.locale == "en"
    (verify,) = _notes(polish_org, "request_verify")
    subject, _ = _text(app, polish_org, verify)
    assert subject.startswith("Confirm request")
    assert client.get(f"/t/distributor/privacy/verify/{row.reference}/{verify.params['token']}").status_code == 200
    (received,) = _notes(polish_org, "request_received")
    assert received.locale == "en"
    assert "Potwierdź" not in _text(app, polish_org, received)[0]


def test_G02_S9_a_public_request_filed_in_polish_stays_polish(app, client, tenant_a):
    client.post("/lang/pl")
    client.post("/t/alpha/privacy/request", data={"kind": "access", "email": "ola@example.com"})
    (verify,) = _notes(tenant_a, "request_verify")
    assert verify.locale == "pl" and _text(app, tenant_a, verify)[0].startswith("Potwierdź")


def test_G02_S9_the_answer_to_an_erased_account_is_in_the_account_holders_language(app, polish_org, clock):
    user = factories.user(polish_org, email="ann@example.com", locale="en")
    with use_tenant(polish_org.id):
        row, _ = requests.file("erasure", channel="dpo", clock=clock, user=user, verified=True, note="letter")
        assert row.locale == "en"
        user.erased_at = clock.now()
        requests.close(row, "erased", clock=clock)
        db.session.commit()
    (answer,) = [n for n in _notes(polish_org, "request_completed") if n.to_email == "ann@example.com"]
    assert answer.locale == "en" and "Wniosek" not in _text(app, polish_org, answer)[0]


def test_G02_S9_a_request_the_dpo_enters_for_someone_unknown_is_in_the_organisers_language(app, polish_org, clock):
    with use_tenant(polish_org.id):
        row, _ = requests.file("access", channel="dpo", clock=clock, email="nobody@example.com", verified=True,
                               note="letter")
    assert row.locale == "pl"


def test_G02_S9_the_dpo_chooses_the_answers_language_for_someone_without_an_account(app, client, polish_org):
    from portal.accounts.models import DPO

    factories.login(client, polish_org, factories.user(polish_org, DPO, email="iod@distributor.example").email)
    answer = client.post("/t/distributor/dpo/requests", data={"kind": "access", "email": "zoe@example.com",
                                                              "locale": "en", "note": "letter with ID copy"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    with use_tenant(polish_org.id):
        assert db.session.scalars(select(DataSubjectRequest)).one().locale == "en"


def test_G10_the_request_language_is_classified_in_the_data_map(app):
    info = DataSubjectRequest.__table__.c.locale.info
    assert info, "subject_requests.locale has no data-map entry"


# ------------------------------------------------------------------ §9: plain-text mails are not HTML-escaped


def test_S9_a_tenant_mail_override_is_plain_text_not_html_escaped(app, polish_org, tmp_path):
    folder = tmp_path / polish_org.slug / "mail"
    folder.mkdir(parents=True)
    (folder / "request_completed.pl.txt").write_text("Subject: Odpowiedź {{ params.reference }}\n\n"
                                                      "{{ params.outcome }}\n", encoding="utf-8")
    app.config["TENANTS_DIR"] = str(tmp_path)
    row = Notification(tenant_id=polish_org.id, to_email="x@example.com", locale="pl", kind="request_completed",
                       params={"reference": "DSR-1", "outcome": "Zoë & <Jan>"})
    subject, body = _text(app, polish_org, row)
    assert subject == "Odpowiedź DSR-1" and "Zoë & <Jan>" in body and "&amp;" not in body


def test_S9_the_products_mail_templates_are_not_html_escaped_either(app, polish_org):
    row = Notification(tenant_id=polish_org.id, to_email="x@example.com", locale="en", kind="request_completed",
                       params={"reference": "DSR-1", "outcome": "Zoë & <Jan>"})
    _, body = _text(app, polish_org, row)
    assert "Zoë & <Jan>" in body and "&lt;" not in body


# ------------------------------------------------------------------ C-04: the contract-ended mail tells the truth


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_C04_S9_contract_end_mail_does_not_promise_a_certificate_nobody_is_left_to_receive(app, polish_org, locale):
    row = Notification(tenant_id=polish_org.id, to_email="x@example.com", locale=locale, kind="contract_ended",
                       params={"ended_on": "2026-04-01", "export_until": "2026-05-01", "delete_by": "2026-05-31"})
    _, body = _text(app, polish_org, row)
    assert "you then receive a deletion certificate" not in body
    assert "otrzymają wtedy Państwo zaświadczenie" not in body
    assert ("on request" in body) if locale == "en" else ("na żądanie" in body)


# ------------------------------------------------------------------ G-07: "reply to this message" can be answered


def test_G07_S9_privacy_mails_can_be_answered_and_the_reply_goes_to_the_dpo(app, polish_org, clock, tmp_path):
    user = factories.user(polish_org, email="ola@example.com", locale="pl")
    app.config["MAIL_URL"] = f"file://{tmp_path}"
    with use_tenant(polish_org.id):
        lifted = notifications.notify(user, "restriction_lifted", clock=clock, on="2026-03-02")
        credited = notifications.notify(user, "points_credited", clock=clock, points=10)
        db.session.commit()
        ids = (lifted.id, credited.id)
        for notification_id in ids:
            assert notifications.deliver(notification_id, clock=clock) == "sent"
    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in sorted(tmp_path.glob("*.eml"))]
    by_id = {m["Message-ID"]: m for m in mails}
    with use_tenant(polish_org.id):
        rows = [db.session.get(Notification, i) for i in ids]
    lifted_mail, credited_mail = (by_id[notifications.message_id(r)] for r in rows)
    assert lifted_mail["Reply-To"] == polish_org.dpo_email
    assert credited_mail["Reply-To"] is None  # a reply about points is not the DPO's business
    body = lifted_mail.get_content()
    assert "odpowiedz na tę wiadomość" in body and polish_org.dpo_email in body


def test_G07_S9_without_a_dpo_address_the_mail_does_not_ask_for_a_reply(app, polish_org):
    polish_org.dpo_email = ""
    for locale in ("pl", "en"):
        row = Notification(tenant_id=polish_org.id, to_email="x@example.com", locale=locale,
                           kind="restriction_lifted", params={"on": "2026-03-02"})
        _, body = _text(app, polish_org, row)
        assert "reply to this message" not in body and "odpowiedz na tę wiadomość" not in body
    db.session.rollback()


# ------------------------------------------------------------------ C-05: what the 72-hour date counts from


def test_C05_S9_the_breach_notice_says_the_authority_date_counts_from_this_notice(app, polish_org, clock):
    from portal.operator import breaches

    discovered = clock.now() - timedelta(hours=20)
    breaches.record({"nature": "n", "contact": "c", "consequences": "x", "measures": "m", "people": 3,
                     "records": 9, "discovered_at": discovered}, [polish_org.id], clock=clock)
    db.session.commit()
    (notice,) = _notes(polish_org, "breach_notice")
    assert notice.params["notified_at"] and notice.params["authority_due_at"]
    for locale in ("pl", "en"):
        row = Notification(tenant_id=polish_org.id, to_email="x@example.com", locale=locale, kind="breach_notice",
                           params=notice.params)
        _, body = _text(app, polish_org, row)
        assert "od stwierdzenia naruszenia, tj. do" not in body
        assert notice.params["notified_at"] in body and notice.params["authority_due_at"] in body
    pl = _text(app, polish_org, Notification(tenant_id=polish_org.id, to_email="x@example.com", locale="pl",
                                             kind="breach_notice", params=notice.params))[1]
    assert "od otrzymania" in pl


# ------------------------------------------------------------------ P-22: what expires within 30 days


def test_P22_S9_the_expiry_notice_states_everything_expiring_within_30_days_per_date(app, tmp_path, clock):
    from portal.loyalty.service import orders
    from tests.loyalty.conftest import Programme
    from tests.loyalty.test_programme_commands import _add_reward

    programme = Programme(app, tmp_path)
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")  # 120 points, expiring 2026-02-01
    programme.device("ala@example.com", "SN-2", "2024-02-01")
    programme.device("ala@example.com", "SN-3", "2024-02-20")  # expiring 2026-02-20
    _add_reward("R-A", 100, "50.00", kind="tools")
    _add_reward("R-B", 100, "50.00", kind="tools")
    from portal.loyalty.service import members
    from portal.loyalty.service.programme import rules_on
    from portal.tenancy.models import Tenant

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        installer = members.by_email("ala@example.com")
        rules = rules_on(date(2024, 3, 1))
        order = orders.place(installer, orders.reward_by_code("R-A"), on=date(2024, 3, 1), rules=rules, clock=clock)
        db.session.commit()
    programme.jobs("2026-01-05")  # warns of 140 points expiring 2026-02-01
    with use_tenant(tenant.id):
        order = db.session.merge(order)
        orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=rules, clock=clock)
        orders.answer_substitute(order, accept=False, on=date(2024, 3, 5), rules=rules, clock=clock)
        db.session.commit()  # 100 points come back, expiring as they would have: 2026-02-01
    programme.jobs("2026-01-25")
    statement = programme.statement("ala@example.com", "2026-01-25")
    notes = _notes(tenant, "points_expiring")
    assert len(notes) == 2
    latest = notes[-1].params
    assert latest["points"] == statement["expiring_30_days"] == 360
    assert latest["on"] == "2026-02-01"
    assert latest["by_date"] == [["2026-02-01", 240], ["2026-02-20", 120]]
    for locale in ("pl", "en"):
        row = Notification(tenant_id=tenant.id, to_email="x@example.com", locale=locale, kind="points_expiring",
                           params=latest)
        _, body = _text(app, tenant, row)
        assert "360" in body and "240" in body and "120" in body and "2026-02-20" in body, body


def test_P22_S9_an_old_expiry_notice_without_dates_still_renders(app, polish_org):
    for locale in ("pl", "en"):
        row = Notification(tenant_id=polish_org.id, to_email="x@example.com", locale=locale, kind="points_expiring",
                           params={"points": 50, "on": "2026-02-01"})
        _, body = _text(app, polish_org, row)
        assert "50" in body and "2026-02-01" in body


# ------------------------------------------------------------------ L-07: overdue and falling due, said apart


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_L07_S9_the_review_reminder_says_how_many_are_overdue_and_how_many_fall_due(app, polish_org, locale):
    row = Notification(tenant_id=polish_org.id, to_email="x@example.com", locale=locale, kind="review_deadline",
                       params={"due": 2, "overdue": 2, "today": 0, "soon": 0, "by": "2018-08-10"})
    _, body = _text(app, polish_org, row)
    assert "must be decided by" not in body and "najpóźniej do" not in body
    if locale == "en":
        assert "overdue: 2" in body
        assert "due by 2018-08-10: 0" in body
    else:
        assert "po terminie: 2" in body and "z terminem do 2018-08-10: 0" in body


def test_L07_S9_remind_overdue_sends_the_count_falling_due(app, leads_world):  # noqa: F811
    from portal.leads.models import Lead
    from portal.leads.service import review

    with use_tenant(leads_world.tenant.id):
        leads_world.submit()
        db.session.commit()
        due_on = db.session.scalars(select(Lead.due_on)).one()
        day_before = business_day_before(due_on)
        review.remind_overdue(clock=as_of(day_before))
        db.session.commit()
        (row,) = db.session.scalars(select(Notification).where(Notification.kind == "review_deadline",
                                                               Notification.user_id == leads_world.staff.id))
    assert (row.params["due"], row.params["overdue"], row.params["today"], row.params["soon"]) == (1, 0, 0, 1)


def test_P22_S9_the_in_app_notices_state_every_expiry_date_and_the_reviews_due_truthfully(app, client, tenant_a):
    """The notice on the page says what the mail says: each date's points within 30 days, and how many reviews are
    overdue, due today and due by the look-ahead day (not "a decision by" that day)."""
    from portal.accounts.models import PARTICIPANT, STAFF

    person = factories.user(tenant_a, PARTICIPANT, email="ala@alpha.example", locale="en")
    factories.notification(person, "points_expiring", points=360, on="2026-12-20",
                           by_date=[["2026-12-20", 240], ["2026-12-28", 120]])
    staff = factories.user(tenant_a, STAFF, email="st@alpha.example", locale="en")
    factories.notification(staff, "review_deadline", due=3, overdue=2, today=0, soon=1, by="2018-08-10")
    factories.login(client, tenant_a, person.email)
    mine = client.get("/t/alpha/notices").get_data(as_text=True)
    assert "360 points expire within 30 days, from 2026-12-20:" in mine and "120 on 2026-12-28" in mine
    client.post("/t/alpha/logout")
    factories.login(client, tenant_a, staff.email)
    theirs = client.get("/t/alpha/notices").get_data(as_text=True)
    assert "3 leads wait for a decision: 2 overdue, 0 due today, 1 due by 2018-08-10." in theirs


def test_G07_a_notice_queued_before_a_restriction_is_not_mailed_after_it(app, polish_org, clock, tmp_path):
    """G-07: once the processing is restricted nothing more goes out about the programme — a mail still queued when
    the restriction took effect included; the answer to the subject's own request still does."""
    user = factories.user(polish_org, email="ola@example.com", locale="pl")
    app.config["MAIL_URL"] = f"file://{tmp_path}"
    with use_tenant(polish_org.id):
        credited = notifications.notify(user, "points_credited", clock=clock, points=10)
        db.session.commit()
        db.session.get(type(user), user.id).restricted_at = clock.now()
        answer = notifications.notify(user, "request_completed", clock=clock, own_request=True, reference="DSR-1",
                                      outcome="restricted")
        db.session.commit()
        assert notifications.deliver(credited.id, clock=clock) == "skipped"
        assert notifications.deliver(answer.id, clock=clock) == "sent"
    assert len(list(tmp_path.glob("*.eml"))) == 1


@pytest.mark.parametrize(("locale", "said"), [("pl", "po 3 nieudanych próbach"), ("en", "after 3 failed delivery")])
def test_P25_the_forfeit_mail_counts_the_attempts_the_programme_allows(app, polish_org, locale, said):
    row = Notification(tenant_id=polish_org.id, kind="order_forfeited", locale=locale, params={"order": 7, "of": 3})
    _subject, body = _text(app, polish_org, row)
    assert said in body and "dwóch" not in body and "two" not in body
