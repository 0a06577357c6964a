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
    notice_by: object = None


def tenant_overview() -> list[TenantRow]:
    """Counts only: the operator never reads participants' personal data. Usage is the participants stored today
    (C-02: accounts, and partners or installers without one; erased accounts are no contacts any more); the fee is
    the monthly fee in force today at this month's count of the fee statement, so it never drops below the highest
    tier reached (C-02, OWU V.4)."""
    with across_tenants("operator console counts accounts per tenant"):
        staff = dict(db.session.execute(
            select(User.tenant_id, func.count()).where(User.role != "participant").group_by(User.tenant_id)).all())
    from portal.core.clock import get_clock
    from portal.operator import contracts, fees, register

    rows = []
    today = get_clock().today()
    for t in db.session.scalars(select(Tenant).where(Tenant.status != "deleted").order_by(Tenant.name)):
        spans = register.stored_participants(t.id)
        stored = register.stored_on(spans, today)
        contract = contracts.of_tenant(t.id)
        fee = None
        if contract is not None:
            lines = register.fee_statement(t.id, until=today, spans=spans)
            # the whole month's fee in force today, not this month's bill (a first month or an anniversary month is
            # billed by its days), at the tier this month reached
            fee = fees.fee_in_force(contract, today, lines[-1].contacts) if lines \
                else fees.monthly_fee(contract, today.replace(day=1), stored)
        rows.append(TenantRow(t, stored, staff.get(t.id, 0), contract, fee,
                              contracts.notice_deadline(contract) if contract else None))
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
