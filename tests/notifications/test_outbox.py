"""Notifications through the transactional outbox (SPEC §9): a real worker, a real Redis, a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from rq import SimpleWorker
from sqlalchemy import select

from portal.core import queue
from portal.core.clock import utc
from portal.extensions import db
from portal.notifications import service as notifications
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def run_worker() -> None:
    """A real RQ worker (in this process, so it shares the test's clock) drains the mail queue."""
    SimpleWorker([queue.queue("mail")], connection=queue.connection()).work(burst=True)


def state(tenant, notification_id: int) -> Notification:
    db.session.rollback()  # end this session's read transaction: see what the worker committed
    with use_tenant(tenant.id):
        return db.session.get(Notification, notification_id)


def test_worker_mails_a_committed_notification_over_smtp(app, tenant_a, smtp):
    smtp.start()
    app.config["MAIL_URL"] = smtp.url
    user = factories.user(tenant_a, email="ola@example.com", first_name="Ola")
    row_id = factories.notification(user).id
    run_worker()
    assert len(smtp.inbox.messages) == 1
    envelope = smtp.inbox.messages[0]
    assert envelope.rcpt_tos == ["ola@example.com"]
    assert "Ola" in envelope.content.decode()
    row = state(tenant_a, row_id)
    assert row.mail_state == "sent" and row.attempts == 1


def test_a_mail_is_dated_when_its_notice_was_written(app, tenant_a, smtp, clock):
    """RFC 5322 requires the Date field; it is the notice's own time (a replayed day's, and the same on a retry)."""
    from email.utils import parsedate_to_datetime

    smtp.start()
    app.config["MAIL_URL"] = smtp.url
    row_id = factories.notification(factories.user(tenant_a, email="ola@example.com")).id
    written = state(tenant_a, row_id).created_at
    clock.advance(minutes=30)
    run_worker()
    mail = message_from_bytes(smtp.inbox.messages[0].content, policy=default)
    assert parsedate_to_datetime(mail["Date"]).timestamp() == int(utc(written).timestamp())


def test_smtp_down_then_up_mail_is_retried_and_delivered_exactly_once(app, tenant_a, smtp, clock):
    app.config["MAIL_URL"] = smtp.url  # nobody listens yet
    user = factories.user(tenant_a)
    row_id = factories.notification(user).id
    run_worker()
    row = state(tenant_a, row_id)
    assert row.mail_state == "pending" and row.attempts == 1 and row.last_error
    # the sweeper does not resend before the back-off has passed
    assert notifications.sweep(clock=clock) == 0
    smtp.start()
    clock.advance(minutes=2)
    assert notifications.sweep(clock=clock) == 1
    run_worker()
    # a duplicate job for the same notice (e.g. the sweeper racing the first enqueue) sends nothing more
    queue.enqueue(notifications.SEND_JOB, row_id, queue_name="mail")
    clock.advance(minutes=30)
    notifications.sweep(clock=clock)
    run_worker()
    assert len(smtp.inbox.messages) == 1
    assert state(tenant_a, row_id).mail_state == "sent"


def test_notification_of_a_rolled_back_transaction_is_never_sent(app, tenant_a, smtp, clock):
    smtp.start()
    app.config["MAIL_URL"] = smtp.url
    user = factories.user(tenant_a)
    with use_tenant(tenant_a.id):
        notifications.notify(user, "account_registered", clock=clock)
        db.session.rollback()
    run_worker()
    assert notifications.sweep(clock=clock) == 0
    run_worker()
    assert smtp.inbox.messages == []
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(Notification)).all() == []


def test_sweeper_re_enqueues_what_redis_lost(app, tenant_a, smtp, clock):
    smtp.start()
    app.config["MAIL_URL"] = smtp.url
    user = factories.user(tenant_a)
    factories.notification(user)
    queue.connection().flushdb()  # Redis restarted empty: the queued job is gone
    run_worker()
    assert smtp.inbox.messages == []
    assert notifications.sweep(clock=clock) == 1
    run_worker()
    assert len(smtp.inbox.messages) == 1


def test_mail_that_keeps_failing_ends_failed_for_the_operator(app, tenant_a, smtp, clock):
    app.config["MAIL_URL"] = smtp.url
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    user = factories.user(tenant_a)
    row_id = factories.notification(user).id
    run_worker()
    clock.advance(hours=1)
    notifications.sweep(clock=clock)
    run_worker()
    assert state(tenant_a, row_id).mail_state == "failed"
    assert notifications.failed_count() == 1


def test_mail_is_rendered_in_the_recipients_language(app, tenant_a, smtp):
    smtp.start()
    app.config["MAIL_URL"] = smtp.url
    pl = factories.user(tenant_a, locale="pl")
    en = factories.user(tenant_a, locale="en")
    factories.notification(pl)
    factories.notification(en)
    run_worker()
    mails = {e.rcpt_tos[0]: message_from_bytes(e.content, policy=default) for e in smtp.inbox.messages}
    assert mails[pl.email]["Subject"].startswith("Witamy")
    assert mails[en.email]["Subject"].startswith("Welcome")


def test_job_arguments_are_ids_only(app, tenant_a):
    user = factories.user(tenant_a)
    factories.notification(user)
    jobs = queue.queue("mail").get_jobs()
    assert jobs and all(all(isinstance(a, int) for a in job.args) for job in jobs)
    for job in jobs:
        assert user.email not in repr(job.args) + repr(job.kwargs)


def test_worker_process_sends_mail_from_the_outbox(app, tenant_a, smtp):
    """`python -m worker --burst` as its own process, configured from the environment like production."""
    smtp.start()
    user = factories.user(tenant_a)
    row_id = factories.notification(user).id
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
               MAIL_URL=smtp.url, PORTAL_INSTANCE=app.config["INSTANCE_DIR"], SECRET_KEY="worker-test")
    done = subprocess.run([sys.executable, "-m", "worker", "--burst"], cwd=ROOT, env=env, check=True, timeout=60,
                          capture_output=True, text=True)
    row = state(tenant_a, row_id)
    assert row.mail_state == "sent", (row.mail_state, row.attempts, row.last_error, done.stderr[-2000:])
    assert len(smtp.inbox.messages) == 1


def test_in_app_notices_list_the_users_notifications(client, tenant_a):
    user = factories.user(tenant_a)
    factories.notification(user)
    factories.login(client, tenant_a, user.email)
    client.post("/lang/en", data={"next": "/t/alpha/notices"})
    html = client.get("/t/alpha/notices").get_data(as_text=True)
    assert "Your account was created." in html


def test_a_notice_is_enqueued_when_the_whole_transaction_commits_not_at_a_savepoint(app, tenant_a, clock):
    """An import checks each row in a savepoint: a row's notice waits for the file's commit, and a row whose
    savepoint is rolled back, or a file that is refused, leaves no job behind (FORMATS: nothing written)."""
    user = factories.user(tenant_a)
    mail = queue.queue("mail")
    mail.empty()
    with use_tenant(tenant_a.id):
        kept = db.session.begin_nested()
        first = notifications.notify(user, "account_registered", clock=clock)
        kept.commit()
        dropped = db.session.begin_nested()
        notifications.notify(user, "account_registered", clock=clock)
        dropped.rollback()
        assert mail.get_job_ids() == []  # nothing before the commit
        first_id = first.id
        db.session.commit()
    assert mail.get_job_ids() == [notifications.job_id(first_id)]
    with use_tenant(tenant_a.id):
        savepoint = db.session.begin_nested()
        notifications.notify(user, "account_registered", clock=clock)
        savepoint.commit()
        db.session.rollback()  # the file was refused
    assert mail.get_job_ids() == [notifications.job_id(first_id)]
