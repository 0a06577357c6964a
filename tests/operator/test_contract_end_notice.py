"""C-04: when the contract ends — terminated, or a term left to expire — the organiser's admins and its DPO are told
the end date, until when they can export, and by when everything is deleted; nobody else, no other organiser."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF
from portal.extensions import db
from portal.notifications.models import Notification
from portal.operator import contracts
from portal.tenancy.guard import use_tenant
from tests import factories


def _told(tenant) -> dict[str, dict]:
    from portal.accounts.models import User

    db.session.rollback()
    with use_tenant(tenant.id):
        rows = db.session.execute(select(User.email, Notification.params).join(Notification,
                                  Notification.user_id == User.id).where(Notification.kind == "contract_ended"))
        return {email: params for email, params in rows}


def _people(tenant, prefix: str) -> None:
    for role in (ADMIN, DPO, STAFF, PARTICIPANT):
        factories.user(tenant, role, email=f"{prefix}-{role}@example.com")


def test_C04_termination_tells_the_admins_and_the_dpo_the_export_and_deletion_dates(app, tenant_a, tenant_b, clock):
    _people(tenant_a, "a")
    _people(tenant_b, "b")
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    today = clock.today()
    contracts.end(contract, on=today, ground="payment_delay_over_30_days")
    db.session.commit()
    told = _told(tenant_a)
    assert set(told) == {"a-admin@example.com", "a-dpo@example.com"}
    assert {(p["ended_on"], p["export_until"], p["delete_by"]) for p in told.values()} == {
        (contract.ended_on.isoformat(), contract.export_until.isoformat(), contract.delete_by.isoformat())}
    assert _told(tenant_b) == {}


def test_C04_a_term_left_to_expire_is_told_too(app, tenant_a, clock):
    _people(tenant_a, "a")
    contracts.create(tenant_a.id, starts_on=date(2025, 1, 1), term_months=12, auto_renew=False)
    contracts.renew_due(as_of=date(2026, 1, 1))
    db.session.commit()
    told = _told(tenant_a)
    assert set(told) == {"a-admin@example.com", "a-dpo@example.com"}
    assert {p["ended_on"] for p in told.values()} == {"2025-12-31"}


def test_C01_C04_written_notice_tells_the_organiser_at_once_of_the_end_and_the_export_window_once(app, tenant_a,
                                                                                                 clock):
    _people(tenant_a, "a")
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    contracts.give_notice(contract, date(2026, 11, 20))
    db.session.commit()
    told = _told(tenant_a)  # weeks before the end, not after it
    assert set(told) == {"a-admin@example.com", "a-dpo@example.com"}
    assert {(p["ended_on"], p["export_until"], p["delete_by"]) for p in told.values()} == {
        ("2026-12-31", "2027-01-07", "2027-01-14")}
    contracts.renew_due(as_of=date(2027, 1, 1))  # the term closes as announced: nothing new to tell
    db.session.commit()
    with use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "contract_ended")) == 2
    db.session.refresh(contract)
    assert (contract.ended_on, contract.export_until) == (date(2026, 12, 31), date(2027, 1, 7))


def test_C01_a_notice_given_again_is_refused_and_the_organiser_is_told_once(app, tenant_a, clock):
    """A second notice of non-renewal (the command run twice, a letter and an e-mail) changes nothing: it is refused
    with the day of the first, and the contract-ending notice is not sent again."""
    from portal.core.errors import DomainError

    _people(tenant_a, "a")
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    contracts.give_notice(contract, date(2026, 11, 15))
    db.session.commit()
    for day in (date(2026, 11, 15), date(2026, 11, 20)):
        try:
            contracts.give_notice(contract, day)
        except DomainError as error:
            assert "2026-11-15" in error.message and error.rule == "C-01"
        else:
            raise AssertionError(f"a second notice on {day} was taken")
        db.session.rollback()
    with use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "contract_ended")) == 2
