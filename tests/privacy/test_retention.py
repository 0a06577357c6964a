"""G-05: what the law makes the organiser keep after an erasure is kept only while the law asks — 5 years after the
end of the tax year the record documents — and only where there is such a record: a participant who never received
a reward has no PIT-8C to back, so nothing of theirs is kept for it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from portal.extensions import db
from portal.leads.models import Settlement
from portal.loyalty.models import Installer, RewardOrder
from portal.privacy import erasure
from portal.tenancy.guard import use_tenant
from tests import factories


def _erase(tenant, subject, clock) -> dict[str, dict]:
    with use_tenant(tenant.id):
        log = erasure.erase(subject.id, clock=clock)
        db.session.commit()
        return {r["table"]: r for r in log.retained}


def _deliver(tenant, subject, on: date) -> None:
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer).where(Installer.user_id == subject.id)).one()
        db.session.execute(update(RewardOrder).where(RewardOrder.installer_id == installer.id)
                           .values(state="delivered", delivered_on=on))
        db.session.commit()


def _installer(tenant, subject) -> Installer:
    db.session.rollback()
    with use_tenant(tenant.id):
        return db.session.scalars(select(Installer).where(Installer.user_id == subject.id)).one()


def test_G05_no_reward_received_means_no_tax_data_is_kept(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzret1")  # its one order was never delivered
    retained = _erase(tenant_a, subject, clock)
    assert "installers" not in retained
    installer = _installer(tenant_a, subject)
    assert "zzret1" not in (installer.home_address or "") and installer.birth_date is None


def test_G05_tax_data_is_kept_until_five_years_after_the_tax_year_of_the_last_reward(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzret2")
    _deliver(tenant_a, subject, date(2024, 1, 10))
    retained = _erase(tenant_a, subject, clock)  # erased in 2026: the 2024 reward decides, not the erasure year
    assert retained["installers"]["delete_on"] == "2029-12-31"
    assert set(retained["installers"]["columns"]) >= {"tax_id", "home_address", "birth_date"}
    assert "zzret2" in _installer(tenant_a, subject).home_address


def test_G05_a_settlement_whose_five_years_are_over_is_not_kept(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzret3")  # its settlement is of 2018: kept until 2023
    retained = _erase(tenant_a, subject, clock)
    assert "settlement_lines" not in retained


def test_G05_a_recent_settlement_is_kept_five_years_after_its_tax_year(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzret4")
    with use_tenant(tenant_a.id):
        db.session.execute(update(Settlement).values(as_of=date(2025, 10, 1)))
        db.session.commit()
    retained = _erase(tenant_a, subject, clock)
    assert retained["settlement_lines"]["delete_on"] == "2030-12-31"
