"""C-04 with C-03: an expired term is served through its last day, so the tenant turns read-only the day after;
a termination takes effect on its day. The operator's summary and the organiser's notice and mail say the day
the pages actually turn read-only. C-01: a term the daily job has not renewed yet (a replayed day) is still
renewed before an end or a notice is checked against it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.operator import contracts
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.operator.test_contract_end_page import _operator, signed  # noqa: F401 - the fixture


def test_C04_summary_of_an_expiry_says_read_only_from_the_day_after_the_term(app, client, tenant_a, signed):  # noqa: F811
    _operator(client)
    html = client.post(f"/operator/tenants/{tenant_a.id}/end/summary",
                       data={"ground": "expiry", "on": "2026-12-31"}, headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert "From 2027-01-01 the organiser's pages are read-only" in html
    termination = client.post(f"/operator/tenants/{tenant_a.id}/end/summary",
                              data={"ground": "law_breach", "on": "2026-03-10"},
                              headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "From 2026-03-10 the organiser's pages are read-only" in termination


def test_C04_notice_of_non_renewal_tells_the_organiser_the_first_read_only_day(app, tenant_a, signed):  # noqa: F811
    factories.user(tenant_a, "admin", email="admin@alpha.example")
    runner = app.test_cli_runner()
    done = runner.invoke(args=["contracts", "notice", "alpha", "--on", "2026-03-02"])
    assert done.exit_code == 0, done.output
    with use_tenant(tenant_a.id):
        told = db.session.scalars(select(Notification).where(Notification.kind == "contract_ended")).first()
    assert told.params["ended_on"] == "2026-12-31" and told.params["read_only_from"] == "2027-01-01"


def test_C01_C03_an_expiry_on_a_renewed_terms_end_is_taken_before_the_daily_job_renewed_it(app, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2025, 1, 1), term_months=12)  # ended 2025-12-31, renews
    db.session.commit()
    runner = app.test_cli_runner()
    done = runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-12-31", "--ground", "expiry"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    contract = contracts.of_tenant(tenant_a.id)
    assert (contract.ended_on, contract.end_ground, contract.current_end) == (
        date(2026, 12, 31), "expiry", date(2026, 12, 31))


def _new_york(tenant_a):
    from portal.tenancy.models import Tenant

    db.session.get(Tenant, tenant_a.id).timezone = "America/New_York"
    db.session.commit()


def _daily_at(app, moment):
    from portal.core.clock import FixedClock
    from worker import jobs

    app.extensions["clock"] = FixedClock(moment)
    jobs.run_daily_jobs()
    db.session.rollback()


def test_C04_E04_an_organiser_west_of_warsaw_keeps_its_last_export_day_until_its_own_midnight(app, tenant_a):
    """Ended on 2026-03-02, exported until 2026-03-09 — in the organiser's zone (E-04). The platform's daily run at
    02:30 in Warsaw on 10 March is 21:30 on 9 March in New York: the export day is not over, nothing is deleted; the
    run after New York's midnight deletes."""
    from datetime import UTC, datetime

    from portal.operator import offboarding
    from portal.tenancy.models import Tenant

    _new_york(tenant_a)
    contract = contracts.create(tenant_a.id, starts_on=date(2025, 3, 1), term_months=12)
    contracts.end(contract, on=date(2026, 3, 2), ground="mutual")
    db.session.commit()
    assert contract.export_until == date(2026, 3, 9)
    _daily_at(app, datetime(2026, 3, 10, 1, 30, tzinfo=UTC))
    assert db.session.get(Tenant, tenant_a.id).status == "read_only"
    _daily_at(app, datetime(2026, 3, 11, 1, 30, tzinfo=UTC))
    assert db.session.get(Tenant, tenant_a.id).status == "deleted" and offboarding.remaining_rows(tenant_a.id) == 0


def test_C04_E04_an_organiser_west_of_warsaw_is_served_through_the_last_day_of_its_term(app, tenant_a):
    """The term ends on 2026-02-28 (notice given). 02:30 in Warsaw on 1 March is still 28 February in New York: the
    daily run leaves the tenant writable; the next day's run turns it read-only."""
    from datetime import UTC, datetime

    from portal.tenancy.models import Tenant

    _new_york(tenant_a)
    contract = contracts.create(tenant_a.id, starts_on=date(2025, 3, 1), term_months=12)
    contracts.give_notice(contract, date(2026, 1, 5))
    db.session.commit()
    _daily_at(app, datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
    assert db.session.get(Tenant, tenant_a.id).status == "active"
    _daily_at(app, datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    assert db.session.get(Tenant, tenant_a.id).status == "read_only"
    assert contracts.of_tenant(tenant_a.id).ended_on == date(2026, 2, 28)
