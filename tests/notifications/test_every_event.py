"""SPEC §9: every event the specification lists writes its notice to the outbox, through the service that makes the
event happen, in the same transaction, in Polish and English; a restricted subject (G-07) gets none."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.accounts.models import DPO, PARTICIPANT, STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.notifications import service as notifications
from portal.notifications.models import Notification
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.leads.conftest import Campaign, nip
from tests.loyalty.conftest import Programme
from tests.loyalty.test_programme_commands import _add_reward

ROOT = Path(__file__).resolve().parents[2]
MAIL = ROOT / "templates" / "mail"


def _rows(user, kind: str) -> list[Notification]:
    with use_tenant(user.tenant_id):
        return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                                  Notification.kind == kind)))


def _in_both_languages(app, row: Notification) -> None:
    """The notice's mail renders in Polish and in English, each in its own words."""
    tenant = SimpleNamespace(slug="no-such-tenant", name="Organiser")
    texts = {}
    with app.test_request_context():
        for locale in ("pl", "en"):
            copy = SimpleNamespace(kind=row.kind, params=row.params, locale=locale)
            subject, body = notifications._render(copy, SimpleNamespace(locale=locale, first_name="Jan"), tenant)
            assert subject and body.strip(), (row.kind, locale)
            texts[locale] = subject + body
    assert texts["pl"] != texts["en"], row.kind


def _one(app, user, kind: str) -> Notification:
    rows = _rows(user, kind)
    assert len(rows) == 1, (kind, [r.kind for r in rows])
    _in_both_languages(app, rows[0])
    return rows[0]


# ------------------------------------------------------------------ lead-reward programme (§5)

LEAD = {"customer_name": "Klient Sp. z o.o.", "customer_address": "ul. Polna 1, Kraków", "customer_nip": nip(101),
        "family": "O365", "plan": "E3", "billing": "annual", "licences": "20", "pcs": "25"}


@pytest.fixture
def leads_world(app, tmp_path):
    Campaign(app, tmp_path)
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    tenant = tenants.by_slug("distributor")
    from portal.leads.service import partners, submission
    from portal.leads.service.programme import rules_on

    user = factories.user(tenant, PARTICIPANT, email="p1@partner.example.com")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    with use_tenant(tenant.id):
        rules = rules_on(date(2018, 8, 10))
        partner = partners.join({"nip": nip(1), "name": "Partner 1", "address": "ul. Długa 5, Warszawa",
                                 "contact_first_name": "Ewa", "contact_last_name": "Lis",
                                 "contact_phone": "+48 600 100 200", "contact_email": "ewa1@partner.example.com"},
                                rules, tenant_id=tenant.id, user_id=user.id)
        db.session.commit()
    return SimpleNamespace(tenant=tenant, user=user, staff=staff, partner=partner, rules=rules,
                           submit=lambda data=LEAD: submission.submit(partner, dict(data), rules,
                                                                      submitted_on=date(2018, 8, 10),
                                                                      clock=app.extensions["clock"],
                                                                      vendor_consent=True))


def test_S9_submission_received_is_in_the_outbox_with_the_review_deadline(app, leads_world):
    with use_tenant(leads_world.tenant.id):
        lead = leads_world.submit()
        db.session.commit()
    row = _one(app, leads_world.user, "lead_received")
    assert row.params["ref"] == lead.ref and row.params["due_on"] == "2018-08-20"


@pytest.mark.parametrize(("decision", "reason"), [("qualified", ""), ("rejected", "Klient już zgłoszony")])
def test_S9_L07_lead_decision_is_in_the_outbox_with_its_reason(app, leads_world, decision, reason):
    from portal.leads.service import review

    with use_tenant(leads_world.tenant.id):
        lead = leads_world.submit()
        review.decide(lead, decision, decided_on=date(2018, 8, 10), reason=reason, clock=app.extensions["clock"])
        db.session.commit()
    row = _one(app, leads_world.user, f"lead_{decision}")
    assert row.params["reason"] == reason


def test_S9_L07_staff_hear_of_a_review_deadline_once_a_day(app, leads_world):
    from portal.leads.service import review

    with use_tenant(leads_world.tenant.id):
        leads_world.submit()
        db.session.commit()
        clock = as_of(date(2018, 8, 21))
        review.remind_overdue(clock=clock)
        review.remind_overdue(clock=clock)
        db.session.commit()
    row = _one(app, leads_world.staff, "review_deadline")
    assert row.params["overdue"] == 1
    assert not _rows(leads_world.user, "review_deadline")


def business_day_before(day):
    """The weekday before ``day`` (the review reminder's day)."""
    before = day - timedelta(days=1)
    while before.weekday() >= 5:
        before -= timedelta(days=1)
    return before


def test_S9_L07_staff_hear_of_a_deadline_the_business_day_before_it_and_on_it(app, leads_world):
    from portal.leads.models import Lead
    from portal.leads.service import review

    with use_tenant(leads_world.tenant.id):
        leads_world.submit()
        db.session.commit()
        due_on = db.session.scalars(select(Lead.due_on)).one()
        day_before = business_day_before(due_on)
        review.remind_overdue(clock=as_of(day_before - timedelta(days=1)))  # not near yet: nothing
        assert not _rows(leads_world.staff, "review_deadline")
        review.remind_overdue(clock=as_of(day_before))
        review.remind_overdue(clock=as_of(due_on))
        db.session.commit()
    rows = sorted(_rows(leads_world.staff, "review_deadline"), key=lambda r: r.id)
    assert [(r.params["due"], r.params["today"], r.params["overdue"], r.params["by"]) for r in rows] == [
        (1, 0, 0, due_on.isoformat()), (1, 1, 0, rows[1].params["by"])]
    _in_both_languages(app, rows[0])


# ------------------------------------------------------------------ installer programme (§6)

@pytest.fixture
def loyalty_world(app, tmp_path, clock):
    programme = Programme(app, tmp_path)
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")  # 120 points
    _add_reward("R-A", 100, "50.00", kind="tools")
    _add_reward("R-B", 100, "50.00", kind="tools")
    from portal.accounts.models import User
    from portal.loyalty.service import members
    from portal.loyalty.service.programme import rules_on

    tenant = tenants.by_slug("manufacturer")
    with use_tenant(tenant.id):
        installer = members.by_email("ala@example.com")
        user = db.session.get(User, installer.user_id)
        yield SimpleNamespace(tenant=tenant, installer=installer, user=user, rules=rules_on(date(2024, 3, 1)),
                              clock=clock, programme=programme)


def test_S9_points_credited_for_a_registered_device(app, loyalty_world):
    row = _one(app, loyalty_world.user, "points_credited")
    assert row.params["points"] == 120 and row.params["serial"] == "SN-1"


def test_S9_P22_points_expiring_within_30_days_are_announced_once(app, loyalty_world):
    from portal.loyalty.service import daily

    clock = as_of(date(2026, 1, 2))  # the lot of 2024-02-01 expires on 2026-02-01
    daily.warn_expiring(clock=clock)
    daily.warn_expiring(clock=clock)
    db.session.commit()
    row = _one(app, loyalty_world.user, "points_expiring")
    assert row.params["points"] == 120


def test_S9_P22_a_missed_day_still_warns_of_points_expiring_within_30_days_once(app, loyalty_world):
    from portal.loyalty.service import daily

    assert daily.warn_expiring(clock=as_of(date(2025, 12, 31))) == 0  # 32 days ahead: not yet
    assert daily.warn_expiring(clock=as_of(date(2026, 1, 15))) == 1  # the job did not run on 2 January
    assert daily.warn_expiring(clock=as_of(date(2026, 1, 16))) == 0
    assert daily.warn_expiring(clock=as_of(date(2026, 1, 30))) == 0
    db.session.commit()
    row = _one(app, loyalty_world.user, "points_expiring")
    assert row.params["points"] == 120 and row.params["on"] == "2026-02-01"


def test_S9_P03_status_changed(app, loyalty_world):
    from portal.loyalty.service import members

    w = loyalty_world
    members.record_evidence(w.installer, "sales_activity", on=date(2024, 3, 1))
    members.record_evidence(w.installer, "training", on=date(2024, 3, 1))
    assert members.evaluate_status(w.installer, as_of=date(2024, 3, 2), rules=w.rules, clock=w.clock) == "authorised"
    db.session.commit()
    assert _one(app, w.user, "status_changed").params == {"status": "authorised", "previous": "installer"}


def test_S9_P20_P25_every_step_of_an_order_is_in_the_outbox(app, loyalty_world):
    from portal.loyalty.service import orders

    w = loyalty_world
    order = orders.place(w.installer, orders.reward_by_code("R-A"), on=date(2024, 3, 1), rules=w.rules, clock=w.clock)
    db.session.commit()
    placed = _one(app, w.user, "order_placed").params
    assert placed["points"] == orders.reward_by_code("R-A").points and placed["order"] == order.id
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=w.rules, clock=w.clock)
    db.session.commit()
    _one(app, w.user, "order_unavailable")
    orders.answer_substitute(order, accept=True, on=date(2024, 3, 3), rules=w.rules, clock=w.clock)
    orders.ship(order, on=date(2024, 3, 4), clock=w.clock)
    db.session.commit()
    _one(app, w.user, "order_shipped")
    orders.delivery_failed(order, on=date(2024, 3, 6), rules=w.rules, clock=w.clock)
    db.session.commit()
    assert _one(app, w.user, "order_delivery_failed").params["attempt"] == 1  # of the participant's 2 (P-25)
    orders.ship(order, on=date(2024, 3, 7), clock=w.clock)
    orders.delivery_failed(order, on=date(2024, 3, 9), rules=w.rules, clock=w.clock)
    db.session.commit()
    assert order.state == "forfeited"
    _one(app, w.user, "order_forfeited")


def test_S9_P23_a_refused_substitute_cancels_the_order_and_says_so(app, loyalty_world):
    from portal.loyalty.service import orders

    w = loyalty_world
    order = orders.place(w.installer, orders.reward_by_code("R-A"), on=date(2024, 3, 1), rules=w.rules, clock=w.clock)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=w.rules, clock=w.clock)
    orders.answer_substitute(order, accept=False, on=date(2024, 3, 3), rules=w.rules, clock=w.clock)
    db.session.commit()
    _one(app, w.user, "order_cancelled")


def test_S9_P42_complaint_decided(app, loyalty_world):
    from portal.loyalty.service import complaints

    w = loyalty_world
    complaint = complaints.file(w.installer, kind="programme", text="rules unclear", on=date(2024, 3, 2),
                                rules=w.rules)
    complaints.decide(complaint, upheld=False, answer="rules are clear", on=date(2024, 3, 10), rules=w.rules,
                      clock=w.clock)
    db.session.commit()
    assert _one(app, w.user, "complaint_decided").params["decided_on"] == "2024-03-10"


def test_S9_P40_programme_end_announced_with_its_date(app, loyalty_world):
    from portal.loyalty.service.programme import announce_end

    w = loyalty_world
    announce_end(date(2024, 3, 1), date(2024, 6, 1), tenant_id=w.tenant.id, rules=w.rules, clock=w.clock)
    db.session.commit()
    assert _one(app, w.user, "programme_ending").params["ends_on"] == "2024-06-01"


def test_S9_E02_programme_change_announced_with_its_effective_date(app, loyalty_world):
    from portal.programmes import changes
    from portal.programmes import service as programmes

    w = loyalty_world
    text = (ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8")
    text = text.replace("points = 120\n", "points = 130\n", 1)
    changes.publish(w.tenant.id, text, effective_from=date(2024, 3, 8), clock=as_of(date(2024, 3, 1)))  # P-04: 7 days
    db.session.commit()
    assert programmes.latest_version().version == 2
    row = _one(app, w.user, "programme_changed")
    assert row.params["effective_from"] == "2024-03-08"
    # P-04 (seed §4.3): the participants are told what changes, not only that something does
    assert row.params["points"] == [["TV-KOND-24C", 120, 130]]
    with app.test_request_context():
        for locale, words in (("en", "TV-KOND-24C: 120 → 130 points"), ("pl", "TV-KOND-24C: 120 → 130 pkt")):
            body = "\n".join(notifications._render(row, SimpleNamespace(locale=locale, first_name="Jan"),
                                                    SimpleNamespace(slug="manufacturer", name="Termovia")))
            assert words in body, body


# ------------------------------------------------------------------ privacy (§8) and platform (§3)

@pytest.fixture
def privacy_world(app, tenant_a, clock):
    user = factories.user(tenant_a, PARTICIPANT)
    dpo = factories.user(tenant_a, DPO)
    return SimpleNamespace(tenant=tenant_a, user=user, dpo=dpo, clock=clock)


def test_S9_G01_request_received_is_acknowledged_to_the_requester(app, privacy_world):
    from portal.privacy import requests

    w = privacy_world
    with use_tenant(w.tenant.id):
        row, _token = requests.file("access", channel="account", clock=w.clock, user=w.user)
        db.session.commit()
    notice = _one(app, w.user, "request_received")
    assert notice.params["reference"] == row.reference and notice.params["due"] == row.due_on.isoformat()


def test_S9_G01_the_dpo_hears_of_a_request_filed_by_the_subject_but_not_of_one_it_entered(app, privacy_world):
    from portal.privacy import requests

    w = privacy_world
    with use_tenant(w.tenant.id):
        row, _token = requests.file("erasure", channel="account", clock=w.clock, user=w.user)
        requests.file("access", channel="dpo", clock=w.clock, email=w.user.email, verified=True, note="letter",
                      actor=w.dpo)
        db.session.commit()
    notice = _one(app, w.dpo, "request_filed")
    assert notice.params["reference"] == row.reference and notice.params["request"] == "erasure"


def test_S9_G01_a_request_the_dpo_enters_is_acknowledged_to_the_requester(app, privacy_world):
    from portal.privacy import requests

    w = privacy_world
    with use_tenant(w.tenant.id):
        requests.file("rectification", channel="dpo", clock=w.clock, email=w.user.email, verified=True,
                      note="letter", actor=w.dpo)
        db.session.commit()
    _one(app, w.user, "request_received")


def test_S9_G02_a_public_request_is_acknowledged_once_its_link_confirms_the_requester(app, privacy_world):
    from portal.privacy import requests

    w = privacy_world
    with use_tenant(w.tenant.id):
        row, token = requests.file("access", channel="public", clock=w.clock, email=w.user.email)
        db.session.commit()
        assert not _rows(w.user, "request_received")
        assert requests.verify(row, token, clock=w.clock)
        assert not requests.verify(row, token, clock=w.clock)  # a second click is used up and tells nobody again
        db.session.commit()
    _one(app, w.user, "request_received")


def test_S9_G03_request_extended_and_completed(app, privacy_world):
    from portal.privacy import requests

    w = privacy_world
    with use_tenant(w.tenant.id):
        row, _token = requests.file("rectification", channel="account", clock=w.clock, user=w.user)
        requests.extend(row, 1, "many records", actor=w.dpo, clock=w.clock)
        requests.close(row, "corrected", clock=w.clock, actor=w.dpo)
        db.session.commit()
    assert _one(app, w.user, "request_extended").params["reason"] == "many records"
    assert _one(app, w.user, "request_completed").params["outcome"] == "corrected"


def test_S9_C05_breach_reaches_the_tenants_dpo(app, privacy_world):
    from portal.operator import breaches

    w = privacy_world
    breaches.record({"nature": "lost laptop", "categories": "contact", "people": 3, "records": 10,
                     "contact": "dpo@platform.example", "consequences": "phishing", "measures": "passwords reset"},
                    [w.tenant.id], clock=w.clock)
    db.session.commit()
    _one(app, w.dpo, "breach_notice")


def test_S9_C04_contract_end_tells_the_export_window(app, privacy_world):
    from portal.accounts.models import ADMIN
    from portal.operator import contracts

    w = privacy_world
    admin = factories.user(w.tenant, ADMIN)
    contract = contracts.create(w.tenant.id, starts_on=date(2024, 1, 1), term_months=12)
    contracts.end(contract, on=w.clock.today(), ground="mutual")
    db.session.commit()
    for user in (admin, w.dpo):
        row = _one(app, user, "contract_ended")
        assert row.params["export_until"] and row.params["delete_by"]


# ------------------------------------------------------------------ G-07, once, same transaction

def test_S9_G07_a_restricted_participant_gets_no_notice(app, loyalty_world):
    from portal.loyalty.service import orders

    w = loyalty_world
    before = len(_rows(w.user, "order_placed"))
    w.user.restricted_at = datetime(2024, 3, 1, 9, 0)
    db.session.commit()
    orders.place(w.installer, orders.reward_by_code("R-A"), on=date(2024, 3, 1), rules=w.rules, clock=w.clock)
    db.session.commit()
    assert len(_rows(w.user, "order_placed")) == before == 0


def test_S9_a_rolled_back_event_leaves_no_notice(app, loyalty_world):
    from portal.loyalty.service import orders

    w = loyalty_world
    orders.place(w.installer, orders.reward_by_code("R-A"), on=date(2024, 3, 1), rules=w.rules, clock=w.clock)
    db.session.rollback()
    with use_tenant(w.tenant.id):
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "order_placed")) == 0


def test_S9_every_mail_template_has_a_polish_and_an_english_text():
    kinds = {p.name.split(".")[0] for p in MAIL.glob("*.txt")}
    for kind in kinds:
        assert (MAIL / f"{kind}.pl.txt").exists() and (MAIL / f"{kind}.en.txt").exists(), kind
