"""Issue #7 (3): the SMTP server down for an hour of replayed time, then up — every mail goes out afterwards, once.
The sweeper runs every replayed minute as the worker's cron would; the real worker runs whenever it has work."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from portal.core import queue
from portal.extensions import db
from portal.notifications import service as notifications
from portal.notifications.models import Notification
from portal.tenancy.guard import across_tenants
from tests import factories


def _rows() -> list[Notification]:
    db.session.rollback()
    with across_tenants("test reads the outbox"):
        return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_smtp_down_for_an_hour_then_every_mail_goes_out_once(app, tenant_a, smtp, clock, processes):
    users = [factories.user(tenant_a, email=f"waiting{i}@example.com") for i in range(3)]
    for user in users:
        factories.notification(user)  # queued while nobody listens on the SMTP port
    tries = Counter()

    def minute(at: int) -> None:
        if at == 30:  # one more written half-way through the outage
            users.append(factories.user(tenant_a, email="late@example.com"))
            factories.notification(users[-1])
        notifications.sweep(clock=clock)
        if queue.queue("mail").count:
            tries[at] = queue.queue("mail").count
            processes.run("worker", MAIL_URL=smtp.url)

    for at in range(60):  # the hour of the outage
        minute(at)
        clock.advance(minutes=1)
    assert smtp.inbox.messages == []
    rows = _rows()
    assert {r.mail_state for r in rows} == {"pending"} and notifications.failed_count() == 0
    # tried with back-off, not hammered: 1, 5, 15, 30 minutes between the tries of the first three
    assert [r.attempts for r in rows] == [5, 5, 5, 4] and sorted(tries) == [0, 1, 6, 21, 30, 31, 36, 51]

    smtp.start()
    for at in range(60, 112):  # back up: within the longest back-off reached (1 h) every mail is out ...
        minute(at)
        clock.advance(minutes=1)
    assert sorted(e.rcpt_tos[0] for e in smtp.inbox.messages) == sorted(u.email for u in users)
    assert {r.mail_state for r in _rows()} == {"sent"}
    clock.advance(hours=8)  # ... and none goes out again
    minute(112 + 8 * 60)
    assert len(smtp.inbox.messages) == len(users) and notifications.failed_count() == 0
