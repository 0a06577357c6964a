"""Job entry points: ids in, nothing personal; open an app context, set the tenant, call a service, commit.

Each is idempotent, so a retry after a crash finishes the work without doing any of it twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context

_APP: Flask | None = None


def use_app(app: Flask) -> None:
    """The worker process builds its app once and runs every job with it."""
    global _APP
    _APP = app


@contextmanager
def app_context() -> Iterator[Flask]:
    if has_app_context():  # an in-process worker inside a test or a command: reuse its app
        yield current_app._get_current_object()
        return
    global _APP
    if _APP is None:
        from portal import create_app

        _APP = create_app()
    with _APP.app_context():
        yield _APP


def send_notification(notification_id: int) -> str:
    from portal.core.clock import get_clock
    from portal.notifications import service
    from portal.tenancy.guard import use_tenant

    with app_context():
        tenant_id = service.tenant_of(notification_id)
        if tenant_id is None:
            return "missing"
        with use_tenant(tenant_id):
            return service.deliver(notification_id, clock=get_clock())


def sweep_outbox() -> int:
    from portal.core.clock import get_clock
    from portal.notifications import service

    with app_context():
        return service.sweep(clock=get_clock())


PROCESS_JOB = "worker.jobs.process_request"
LINK_VERIFIED = "verified by the one-time e-mail link"  # portal.privacy.requests.verify's note


def request_job_id(request_id: int) -> str:
    return f"request-{request_id}"


def sweep_requests() -> int:
    """Enqueue every data-subject request waiting for the worker whose job Redis no longer has (it restarted
    empty, or was down when the request was filed). Returns how many it enqueued.

    Waiting for the worker are the open, verified requests the pages hand to it (privacy.views): those filed
    from the account, and public ones verified by their link — not rectifications, not those the DPO verified
    or filed (the DPO carries them out), not those left open after an erasure's residue scan (``outcome``)."""
    from sqlalchemy import and_, or_, select

    from portal.core import queue
    from portal.extensions import db
    from portal.privacy.models import DataSubjectRequest as Request
    from portal.tenancy.guard import across_tenants

    with app_context():
        with across_tenants("the request sweeper serves every tenant"):
            ids = list(db.session.scalars(select(Request.id).where(
                Request.status == "open", Request.verification == "verified", Request.outcome.is_(None),
                Request.kind != "rectification",
                or_(Request.channel == "account",
                    and_(Request.channel == "public", Request.verification_note == LINK_VERIFIED)))
                .order_by(Request.id)))
        db.session.rollback()
        return sum(queue.enqueue_once(PROCESS_JOB, request_id, queue_name="privacy",
                                      job_id=request_job_id(request_id)) for request_id in ids)


def run_daily_jobs() -> list[str]:
    from portal.core.clock import get_clock
    from worker import schedule

    with app_context():
        return schedule.run_daily(tenant_ids=None, clock=get_clock())


def process_request(request_id: int) -> str:
    """A data-subject request (G-04, G-05 …): idempotent — a finished request is not done again."""
    from portal.core.clock import get_clock
    from portal.extensions import db
    from portal.privacy import requests
    from portal.privacy.models import DataSubjectRequest
    from portal.tenancy.guard import across_tenants, use_tenant
    from portal.tenancy.models import Tenant

    with app_context():
        with across_tenants("a job learns which tenant its request belongs to"):
            # locked until this job commits: a second job for the same request (the sweeper's, a retry's) waits,
            # then finds it done — a request is never carried out twice at once
            row = db.session.get(DataSubjectRequest, request_id, with_for_update=True)
        if row is None:
            return "missing"
        with use_tenant(row.tenant_id):
            tenant = db.session.get(Tenant, row.tenant_id)
            outcome = requests.process(row, clock=get_clock(), tenant_name=tenant.name)
            db.session.commit()
        return outcome
