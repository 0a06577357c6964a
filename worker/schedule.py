"""Every periodic job, in one place: registered with RQ's cron by the worker, and run once for a chosen day by
``flask jobs run [SLUG] --as-of DATE``. Daily jobs are idempotent: running a day twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.core.clock import Clock, as_of

ACTIVE = object()  # a read-only tenant's day replayed from before its first read-only day: every job runs


@dataclass(frozen=True)
class DailyJob:
    name: str
    run: Callable[..., int]  # (clock=...) -> how many things it changed
    per_tenant: bool
    # C-04: a tenant whose contract ended is read-only — its programme stops (no reminders, expiries, statuses);
    # only the privacy housekeeping still runs for it until the deletion
    while_read_only: bool = True
    # C-04: what fell due on the last active day or before (a lapsed substitute's points, an expiry) is still done
    # on a read-only day, dated as it fell due — the worker may have been down over the contract's end
    catch_up: bool = False


def _daily_jobs() -> list[DailyJob]:
    from portal.accounts import housekeeping
    from portal.api import idempotency
    from portal.leads.service import review, settlement
    from portal.loyalty.service import daily as loyalty
    from portal.privacy import erasure, export, requests

    return [
        DailyJob("purge_used_reset_links", housekeeping.purge_reset_tokens, per_tenant=True),
        DailyJob("lead_review_reminders", review.remind_overdue, per_tenant=True, while_read_only=False),
        DailyJob("settlements_due", settlement.settle_due, per_tenant=True, while_read_only=False),
        # the jobs that write points (exclusions forfeit them and cancel orders, a lapsed substitute restores them
        # as a refund lot, P-23/P-41) run before the expiry and its warning, so one run of a day does the whole
        # day: a refund lot already past its expiry is expired, one expiring soon warned of, in the same run
        DailyJob("exclusion_checks", loyalty.exclusions, per_tenant=True, while_read_only=False),
        DailyJob("unanswered_substitutes", loyalty.lapse_substitutes, per_tenant=True, while_read_only=False,
                 catch_up=True),
        DailyJob("status_evaluation", loyalty.statuses, per_tenant=True, while_read_only=False),
        DailyJob("points_expiry", loyalty.expire_points, per_tenant=True, while_read_only=False, catch_up=True),
        DailyJob("points_expiring_notice", loyalty.warn_expiring, per_tenant=True, while_read_only=False),
        DailyJob("expire_unverified_requests", requests.expire_unverified, per_tenant=True),
        DailyJob("privacy_request_reminders", requests.remind_overdue, per_tenant=True),
        DailyJob("reduce_closed_requests", requests.reduce_closed, per_tenant=True),
        DailyJob("purge_expired_bundles", export.purge_expired, per_tenant=True),
        DailyJob("purge_orphan_bundle_files", export.purge_orphans, per_tenant=False),
        DailyJob("purge_retained_records", erasure.purge_retained, per_tenant=True),
        DailyJob("purge_idempotency_keys", idempotency.purge_expired, per_tenant=True),
    ]


def _contract_ends(*, clock: Clock) -> int:
    from portal.operator.offboarding import apply_contract_ends

    return apply_contract_ends(as_of=clock.today(), clock=clock)


def _tenant_contract_ends(tenant_id: int, *, clock: Clock) -> int:
    """C-04 for one tenant (``flask jobs run SLUG``): the platform's contract steps, limited to its contracts."""
    from portal.operator.offboarding import apply_contract_ends

    return apply_contract_ends(as_of=clock.today(), clock=clock, tenant_id=tenant_id)


def run_daily(*, tenant_ids: list[int] | None, clock: Clock) -> list[str]:
    """Run each daily job for the given tenants (None: every tenant, plus the platform's own jobs).

    The contract-end steps (C-04) come first — the platform's for every tenant, or those of the given tenants — so
    a tenant's first read-only day already runs none of its programme's jobs (but the catch-up of its last active
    day), and a deleted one none at all."""
    from portal.extensions import db
    from portal.tenancy import service as tenants
    from portal.tenancy.guard import use_tenant

    report = []
    if tenant_ids is None:
        changed = _contract_ends(clock=clock)
        db.session.commit()
        report.append(f"contract_ends platform changed={changed}")
    else:
        for tenant_id in tenant_ids:
            changed = _tenant_contract_ends(tenant_id, clock=clock)
            db.session.commit()
            report.append(f"contract_ends tenant={tenant_id} changed={changed}")
    listed = tenants.listed()  # after the contract steps: without the tenants they deleted
    open_ids = {t.id for t in listed}
    ids = [i for i in tenant_ids if i in open_ids] if tenant_ids is not None else [t.id for t in listed]
    last_active = {t.id: _last_active_day(t, clock) for t in listed if t.status == "read_only"}
    for job in _daily_jobs():
        if job.per_tenant:
            for tenant_id in ids:
                job_clock, label = clock, ""
                day = last_active.get(tenant_id, ACTIVE)
                if day is not ACTIVE and not job.while_read_only:
                    if day is None or not job.catch_up:
                        continue
                    job_clock, label = as_of(day, _zone(listed, tenant_id)), f" as_of={day}"
                with use_tenant(tenant_id):
                    changed = job.run(clock=job_clock)
                    db.session.commit()
                report.append(f"{job.name} tenant={tenant_id}{label} changed={changed}")
        elif tenant_ids is None:
            changed = job.run(clock=clock)
            db.session.commit()
            report.append(f"{job.name} platform changed={changed}")
    return report


def _last_active_day(tenant, clock: Clock):
    """C-04: a read-only tenant's programme runs no more. A day replayed from before its first read-only day is
    still an active day (``ACTIVE``: every job runs); on a read-only day the catch-up jobs run as of the last active
    day, which this returns (``DailyJob.catch_up``). A tenant made read-only with no ended contract has no such day
    (None): none of its programme's jobs runs."""
    from datetime import timedelta

    from portal.operator import contracts

    contract = contracts.of_tenant(tenant.id)
    since = contracts.read_only_from(contract) if contract is not None else None
    if since is None:
        return None
    today = clock.today(tenant.timezone or "Europe/Warsaw")
    return ACTIVE if today < since else since - timedelta(days=1)


def _zone(listed, tenant_id: int) -> str:
    return next((t.timezone for t in listed if t.id == tenant_id), None) or "Europe/Warsaw"


def register(cron) -> None:
    """Hook every periodic job into RQ's cron scheduler (times are the worker's local time)."""
    from worker import jobs

    cron.register(jobs.sweep_outbox, queue_name="mail", interval=60)
    cron.register(jobs.sweep_requests, queue_name="privacy", interval=300)
    cron.register(jobs.run_daily_jobs, queue_name="default", cron="30 2 * * *")
