"""The operator's view of the platform: tenants with their counts, and the jobs that failed."""

from __future__ import annotations

from dataclasses import dataclass

from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core import queue
from portal.extensions import db
from portal.tenancy.guard import across_tenants
from portal.tenancy.models import Tenant


@dataclass
class TenantRow:
    tenant: Tenant
    participants: int
    staff: int
    contract: object = None
    fee: object = None


def tenant_overview() -> list[TenantRow]:
    """Counts only: the operator never reads participants' personal data."""
    with across_tenants("operator console counts accounts per tenant"):
        counts = dict(db.session.execute(
            select(User.tenant_id, func.count()).where(User.role == "participant").group_by(User.tenant_id)).all())
        staff = dict(db.session.execute(
            select(User.tenant_id, func.count()).where(User.role != "participant").group_by(User.tenant_id)).all())
    from portal.core.clock import get_clock
    from portal.operator import contracts

    rows = []
    today = get_clock().today()
    for t in db.session.scalars(select(Tenant).where(Tenant.status != "deleted").order_by(Tenant.name)):
        contract = contracts.of_tenant(t.id)
        fee = contracts.monthly_fee(contract, today.replace(day=1), counts.get(t.id, 0)) if contract else None
        rows.append(TenantRow(t, counts.get(t.id, 0), staff.get(t.id, 0), contract, fee))
    return rows


@dataclass
class FailedJob:
    queue: str
    id: str
    func: str
    failed_at: object
    error: str


def failed_jobs() -> list[FailedJob]:
    rows = []
    for name in queue.QUEUES:
        registry = FailedJobRegistry(name, connection=queue.connection())
        for job in Job.fetch_many(registry.get_job_ids(), connection=queue.connection()):
            if job is None:
                continue
            error = (job.latest_result().exc_string if job.latest_result() else "") or ""
            rows.append(FailedJob(name, job.id, job.func_name, job.ended_at, error.strip().splitlines()[-1:] and
                                  error.strip().splitlines()[-1]))
    return rows


def retry_job(queue_name: str, job_id: str) -> bool:
    if queue_name not in queue.QUEUES:
        return False
    registry = FailedJobRegistry(queue_name, connection=queue.connection())
    if job_id not in registry.get_job_ids():
        return False
    registry.requeue(job_id)
    return True
