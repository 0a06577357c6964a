"""The embedded default (``make run``: gunicorn threads and an RQ worker on one SQLite file) must not refuse a
page's write because the worker has just written: found by the browser journeys, where a login or a registration
answered 503 "database is locked" while the worker was sending a notice.

A request's transaction reads first (the account, the form's checks) and writes afterwards. With a deferred
``BEGIN``, a worker commit in between leaves the request's read snapshot stale and SQLite refuses the upgrade at
once (SQLITE_BUSY_SNAPSHOT): the busy timeout never gets a chance. Processes configured from the environment
(web, worker, commands) therefore begin IMMEDIATE: the worker waits for the request's commit instead."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

import portal.core.sqlite  # noqa: F401 - the product's SQLite settings (WAL, busy timeout, explicit BEGIN)
from portal import config


def _engine_as_make_run_builds_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "concurrency-test")
    monkeypatch.delenv("PORTAL_INSTANCE", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    options = config.from_environment(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    return create_engine(f"sqlite:///{tmp_path / 'embedded.db'}", **options)


def test_a_page_writes_after_the_worker_committed_during_its_request(tmp_path, monkeypatch):
    engine = _engine_as_make_run_builds_it(tmp_path, monkeypatch)
    with engine.begin() as setup:
        setup.exec_driver_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, who TEXT NOT NULL)")
    worker_errors: list[Exception] = []

    def worker_job() -> None:
        try:
            with engine.begin() as worker:
                worker.exec_driver_sql("INSERT INTO events (who) VALUES ('worker')")
        except OperationalError as exc:  # pragma: no cover - reported below
            worker_errors.append(exc)

    with engine.connect() as page:
        page.begin()
        page.exec_driver_sql("SELECT count(*) FROM events").all()   # the request reads first …
        job = threading.Thread(target=worker_job)
        job.start()
        job.join(timeout=1.0)                                         # … the worker writes meanwhile …
        page.exec_driver_sql("INSERT INTO events (who) VALUES ('page')")   # … then the request writes
        page.commit()
    job.join(timeout=15)
    assert not worker_errors
    with engine.connect() as check:
        assert sorted(r[0] for r in check.exec_driver_sql("SELECT who FROM events")) == ["page", "worker"]
    engine.dispose()
