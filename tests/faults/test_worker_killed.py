"""Issue #7 (3): the worker SIGKILLed in the middle of a job, then started again — the job finishes once, nothing
lost, nothing doubled. Real worker processes (``worker.__main__.run`` in burst mode), real Redis, real SMTP, the
real database; the kill lands at a chosen statement or mail (``tests.faults.proc``)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from email import message_from_bytes
from email.policy import default

from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import select, update

from portal.core import queue
from portal.extensions import db
from portal.notifications import service as notifications
from portal.notifications.models import Notification
from portal.tenancy.guard import across_tenants
from tests import factories


def _mail_states() -> Counter:
    db.session.rollback()
    with across_tenants("test reads the outbox"):
        return Counter(db.session.scalars(select(Notification.mail_state)))


def _nothing_stuck_in_redis() -> None:
    for name in queue.QUEUES:
        assert StartedJobRegistry(name, connection=queue.connection()).get_job_ids() == []
        assert FailedJobRegistry(name, connection=queue.connection()).get_job_ids() == []


def _batch(tenant, n: int) -> list[str]:
    users = [factories.user(tenant, email=f"batch{i}@example.com") for i in range(n)]
    for user in users:
        factories.notification(user)  # committed: its send job is on the mail queue
    return [u.email for u in users]


def test_worker_killed_between_claiming_and_sending_a_mail_of_a_batch(app, tenant_a, smtp, clock, processes):
    smtp.start()
    emails = _batch(tenant_a, 6)
    processes.kill_when_paused("worker", pause={"mail": 4, "when": "before"}, MAIL_URL=smtp.url)
    assert len(smtp.inbox.messages) == 3
    assert _mail_states() == {"sent": 3, "sending": 1, "pending": 2}
    processes.run("worker", MAIL_URL=smtp.url)  # restarted: the rest of the batch goes out
    assert len(smtp.inbox.messages) == 5
    # the interrupted mail's claim goes stale; the sweeper hands it back and it is mailed — once
    clock.advance(minutes=notifications.STALE_CLAIM.total_seconds() / 60 + 1)
    assert notifications.sweep(clock=clock) == 1
    processes.run("worker", MAIL_URL=smtp.url)
    assert sorted(e.rcpt_tos[0] for e in smtp.inbox.messages) == sorted(emails)
    assert _mail_states() == {"sent": 6}
    _nothing_stuck_in_redis()
    clock.advance(hours=2)  # nothing is left to send, however long one waits
    assert notifications.sweep(clock=clock) == 0


def test_worker_killed_after_smtp_accepted_a_mail_before_recording_it(app, tenant_a, smtp, clock, processes):
    """The one window no outbox can close (SMTP has no transactions): the mail went out, the worker died before
    writing it down. It is sent again after the stale claim, with the same Message-ID, so the recipient's mail
    system can tell it is the same message; every other mail of the batch goes out once."""
    smtp.start()
    emails = _batch(tenant_a, 4)
    processes.kill_when_paused("worker", pause={"mail": 2, "when": "after"}, MAIL_URL=smtp.url)
    assert len(smtp.inbox.messages) == 2
    processes.run("worker", MAIL_URL=smtp.url)
    clock.advance(minutes=notifications.STALE_CLAIM.total_seconds() / 60 + 1)
    notifications.sweep(clock=clock)
    processes.run("worker", MAIL_URL=smtp.url)
    received = Counter(e.rcpt_tos[0] for e in smtp.inbox.messages)
    assert set(received) == set(emails) and sorted(received.values()) == [1, 1, 1, 2]
    ids = Counter(message_from_bytes(e.content, policy=default)["Message-ID"] for e in smtp.inbox.messages)
    assert len(ids) == 4  # the repeat carries the first copy's Message-ID
    assert _mail_states() == {"sent": 4}
    _nothing_stuck_in_redis()


def _forget_earlier_mail() -> None:
    """The notices the factories wrote are not part of the test: off the queue and out of the outbox."""
    queue.queue("mail").empty()
    with across_tenants("test clears the outbox"):
        db.session.execute(update(Notification).values(mail_state="skipped"))
    db.session.commit()


def _snapshot(tenant_id: int) -> dict[str, list]:
    """Every row of every tenant-owned table of one tenant, as stored."""
    from portal.operator import offboarding

    db.session.rollback()
    with db.engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(t.select().where(t.c.tenant_id == tenant_id)).all()), key=repr)
                for t in offboarding.tenant_tables()}


def test_worker_killed_in_the_middle_of_an_erasure(app, tenant_a, smtp, clock, processes):
    from portal.accounts.models import User
    from portal.privacy import requests
    from portal.privacy.models import AuditEntry, DataSubjectRequest, ErasureLog
    from portal.tenancy.guard import use_tenant

    smtp.start()
    subject = factories.subject_everywhere(tenant_a, "zzkilled")
    with use_tenant(tenant_a.id):
        row, _ = requests.file("erasure", channel="account", clock=clock, user=db.session.get(User, subject.id))
        db.session.commit()
        request_id = row.id
    _forget_earlier_mail()
    queue.enqueue("worker.jobs.process_request", request_id, queue_name="privacy", job_id=f"request-{request_id}")
    before = _snapshot(tenant_a.id)
    # killed at the erasure's third write: nothing of it may show, the subject's data is all still there
    processes.kill_when_paused("worker", pause={"sql": r"^\s*(UPDATE|DELETE|INSERT)", "nth": 3}, MAIL_URL=smtp.url)
    assert _snapshot(tenant_a.id) == before
    processes.run("worker", MAIL_URL=smtp.url)  # restarted: the request is carried out, once
    with use_tenant(tenant_a.id):
        assert db.session.get(DataSubjectRequest, request_id).status == "done"
        assert db.session.get(User, subject.id).erased_at is not None
        assert len(db.session.scalars(select(ErasureLog).where(ErasureLog.request_id == request_id)).all()) == 1
        closed = select(AuditEntry).where(AuditEntry.action == "request.closed", AuditEntry.object_id == request_id)
        assert len(db.session.scalars(closed).all()) == 1
        told = select(Notification).where(Notification.kind == "request_completed")
        assert len(db.session.scalars(told).all()) == 1
    assert [e.rcpt_tos for e in smtp.inbox.messages] == [["zzkilled@example.com"]]  # the answer, mailed once
    _nothing_stuck_in_redis()
    processes.run("worker", MAIL_URL=smtp.url)  # and again: nothing more happens
    assert len(smtp.inbox.messages) == 1


def test_worker_killed_in_the_middle_of_a_contract_end_deletion(app, tenant_a, tenant_b, clock, processes):
    from portal.core.clock import as_of
    from portal.operator import offboarding
    from portal.operator.models import DeletionCertificate

    for n in range(3):
        factories.audit_entry(factories.subject_everywhere(tenant_a, f"aakilled{n}"))
    factories.subject_everywhere(tenant_b, "bbkept")
    _forget_earlier_mail()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-03-02"]).exit_code == 0
    to_delete = {name: len(rows) for name, rows in _snapshot(tenant_a.id).items() if rows}
    kept = {name: len(rows) for name, rows in _snapshot(tenant_b.id).items()}
    clock.at = as_of(date(2026, 3, 16)).now()  # day 14 after the end: the deletion is due
    queue.enqueue("worker.jobs.run_daily_jobs")
    # killed at the sixth batch: some tables are deleted and counted on the certificate, the rest not yet
    processes.kill_when_paused("worker", pause={"sql": r"^DELETE FROM \w+ WHERE \w+\.id IN \(SELECT", "nth": 6})
    certificate = db.session.scalars(select(DeletionCertificate)).one()
    assert certificate.finished_at is None and 0 < len(certificate.counts) < len(to_delete)
    assert 0 < offboarding.remaining_rows(tenant_a.id) < sum(to_delete.values())
    processes.run("worker")  # restarted: the interrupted daily run is done again and finishes the deletion
    certificate = db.session.scalars(select(DeletionCertificate)).one()
    assert certificate.finished_at is not None and certificate.digest
    assert certificate.counts == to_delete  # every row counted once: none lost, none twice
    assert offboarding.remaining_rows(tenant_a.id) == 0
    assert {name: len(rows) for name, rows in _snapshot(tenant_b.id).items()} == kept  # the other tenant: all there
    _nothing_stuck_in_redis()
    queue.enqueue("worker.jobs.run_daily_jobs")  # the next run changes nothing
    processes.run("worker")
    assert db.session.scalars(select(DeletionCertificate)).one().digest == certificate.digest


def test_settlement_killed_mid_run_leaves_the_last_draft_and_finishes_when_run_again(app, tmp_path, processes):
    """The settlement runs in one transaction (the statement's lines by COPY on PostgreSQL): a process killed
    after the lines are written but before the commit leaves no settlement, then the last draft intact."""
    from tests.faults.campaign import audited_runs, settleable, statement

    tenant = settleable(app, tmp_path)
    command = ("flask", "settlement", "run", "distributor", "--period", "1", "--as-of", "2018-10-05",
               "--out", str(tmp_path / "statement.csv"))
    after_the_lines = {"sql": r"^INSERT INTO audit_entries", "nth": 1}
    processes.kill_when_paused(*command, pause=after_the_lines)
    assert statement(tenant) == (None, [])  # the first run, killed: no half settlement
    processes.run(*command)
    runs, lines = statement(tenant)
    assert runs == 1 and len(lines) >= 30 and len(set(lines)) == len(lines)
    processes.kill_when_paused(*command, pause=after_the_lines)  # a re-run, killed: the draft stays as it was
    assert statement(tenant) == (1, lines)
    processes.run(*command)
    assert statement(tenant) == (2, lines)  # the same data gives the same lines, each once
    assert audited_runs(tenant) == 2
