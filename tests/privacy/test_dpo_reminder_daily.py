"""G-03: the DPO is reminded of requests due within 3 days once on each of the organiser's days — a run replayed at
noon and the worker's run at 02:30 the next morning are two days, two reminders; two runs on one day, one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.core.clock import FixedClock
from portal.extensions import db
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.loyalty.conftest import Programme


@pytest.fixture
def programme(app, tmp_path) -> Programme:
    return Programme(app, tmp_path)


def _reminders(tenant) -> int:
    with use_tenant(tenant.id):
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "requests_due"))


def _world(programme, zone: str) -> Tenant:
    programme.join("ala@example.com", registered_on="2026-01-10")
    added = programme.run("users", "add", "manufacturer", "--email", "dpo@manufacturer.example.com", "--role", "dpo",
                          "--first-name", "Dora", "--last-name", "Pilna")
    assert added.exit_code == 0, added.output
    filed = programme.run("privacy", "request", "manufacturer", "--kind", "access", "--email", "ala@example.com")
    assert filed.exit_code == 0, filed.output  # received 2026-03-02: due 2026-04-02
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    tenant.timezone = zone
    db.session.commit()
    return tenant


def test_G03_a_replayed_day_and_the_next_mornings_run_remind_twice(programme, app):
    from worker import schedule

    tenant = _world(programme, "Europe/Warsaw")
    assert programme.run("jobs", "run", "manufacturer", "--as-of", "2026-03-30").exit_code == 0
    assert _reminders(tenant) == 1
    clock = FixedClock(datetime(2026, 3, 31, 0, 30, tzinfo=UTC))  # 02:30 in Warsaw, the worker's daily run
    app.extensions["clock"] = clock
    schedule.run_daily(tenant_ids=None, clock=clock)
    assert _reminders(tenant) == 2
    schedule.run_daily(tenant_ids=None, clock=FixedClock(datetime(2026, 3, 31, 10, 0, tzinfo=UTC)))
    assert _reminders(tenant) == 2  # the same day again


def test_G03_an_organiser_in_new_york_is_reminded_on_each_of_its_days(programme):
    tenant = _world(programme, "America/New_York")
    assert programme.run("jobs", "run", "manufacturer", "--as-of", "2026-03-30").exit_code == 0
    assert programme.run("jobs", "run", "--as-of", "2026-03-31").exit_code == 0
    assert _reminders(tenant) == 2
