"""`flask jobs run [SLUG] --as-of DATE` and the contract end (C-04, FORMATS.md "Scheduled work"): a run for one
tenant applies that tenant's contract steps too, the contract steps come before the programme's jobs, and a deleted
tenant's days replayed again change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accounts.models import ADMIN
from portal.extensions import db
from portal.notifications.models import Notification
from portal.operator import contracts
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories


@pytest.fixture
def ending(app, tenant_a, tenant_b):
    """Alpha and beta signed 2026-01-01 for 12 months; both gave notice (the term ends 2026-12-31, read-only from
    2027-01-01, export until 2027-01-07). Alpha has an overdue pending lead and an admin to remind."""
    for tenant in (tenant_a, tenant_b):
        contracts.create(tenant.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    factories.subject_everywhere(tenant_a, "ddcanary")  # its lead is pending, due 2018-08-17
    factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    runner = app.test_cli_runner()
    for slug in ("alpha", "beta"):
        done = runner.invoke(args=["contracts", "notice", slug, "--on", "2026-03-02"])
        assert done.exit_code == 0, done.output
    return runner


def _status(tenant) -> str:
    db.session.expire_all()
    return db.session.get(Tenant, tenant.id).status


def _reminders(tenant) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "review_deadline"))


def test_C04_a_tenants_jobs_run_applies_its_contract_end_and_runs_no_reminder_on_the_first_read_only_day(
        app, tenant_a, tenant_b, ending):
    """C-04: `jobs run SLUG --as-of` the day after the term's end turns that tenant (only) read-only, and its lead
    review reminders do not fire on that first read-only day."""
    done = ending.invoke(args=["jobs", "run", "alpha", "--as-of", "2026-12-31"])  # the term's last day: served
    assert done.exit_code == 0, done.output
    assert _status(tenant_a) == "active" and _reminders(tenant_a) == 1
    done = ending.invoke(args=["jobs", "run", "alpha", "--as-of", "2027-01-01"])
    assert done.exit_code == 0, done.output
    assert "contract_ends tenant=" in done.output
    assert _status(tenant_a) == "read_only"
    assert _reminders(tenant_a) == 1  # none on the first read-only day
    assert "lead_review_reminders" not in done.output
    assert _status(tenant_b) == "active"  # another tenant's contract is left to its own (or the platform's) run
    again = ending.invoke(args=["jobs", "run", "alpha", "--as-of", "2027-01-01"])
    assert again.exit_code == 0 and all(line.endswith("changed=0") for line in again.output.splitlines()), \
        again.output


def test_C04_the_platform_run_ends_contracts_before_the_tenants_jobs(app, tenant_a, tenant_b, ending):
    """C-04: without SLUG, the contract ends come first: no reminder on a tenant's first read-only day."""
    done = ending.invoke(args=["jobs", "run", "--as-of", "2027-01-01"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0].startswith("contract_ends platform")
    assert _status(tenant_a) == "read_only" and _status(tenant_b) == "read_only"
    assert _reminders(tenant_a) == 0


def test_C01_a_tenants_jobs_run_renews_its_term_without_notice(app, tenant_a):
    """C-01 through `jobs run SLUG`: a term over without notice renews for the same term."""
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    done = app.test_cli_runner().invoke(args=["jobs", "run", "alpha", "--as-of", "2027-01-01"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert contracts.of_tenant(tenant_a.id).current_end == date(2027, 12, 31)
    assert _status(tenant_a) == "active"


def test_C04_a_tenants_jobs_run_after_the_export_window_deletes_it_then_change_nothing(app, tenant_a, tenant_b,
                                                                                          ending):
    """C-04: after the export window `jobs run SLUG` deletes the tenant (the platform's step, for that tenant);
    FORMATS.md ("running it twice for the same day changes nothing the second time"): that day or a later one run
    again says the tenant was deleted and succeeds, changing nothing."""
    from portal.operator import offboarding

    done = ending.invoke(args=["jobs", "run", "alpha", "--as-of", "2027-01-08"])
    assert done.exit_code == 0, done.output
    assert _status(tenant_a) == "deleted" and offboarding.remaining_rows(tenant_a.id) == 0
    assert _status(tenant_b) == "active"
    for day in ("2027-01-08", "2027-01-09"):
        gone = ending.invoke(args=["jobs", "run", "alpha", "--as-of", day])
        assert gone.exit_code == 0 and "'alpha' was deleted on 2027-01-08" in gone.output, gone.output
        assert "changed=" not in gone.output
    assert ending.invoke(args=["points", "statement", "alpha", "x@example.com", "--as-of", "2027-01-09"]).exit_code == 1
