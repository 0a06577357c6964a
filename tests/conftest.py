"""Test fixtures: an app per test from create_app(test config), the real database (PostgreSQL when
TEST_DATABASE_URL is set, else SQLite), a real Redis (TEST_REDIS_URL, else the embedded server), real SMTP."""

from __future__ import annotations

import contextvars
import os
import shutil
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import inspect, text

from portal import create_app
from portal.core import embedded_redis
from portal.core.clock import FixedClock
from portal.extensions import db
from tests import factories, scratchdb

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="portal-tests-"))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


_RUN_DATABASE: dict[str, str] = {}


def _database_url() -> str:
    """SQLite in a temp dir, or — with TEST_DATABASE_URL on PostgreSQL — a fresh database of this run's own,
    created beside the given one and dropped at the end, so parallel runs never meet."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{WORK / 'test.db'}"
    if "url" not in _RUN_DATABASE:
        url, name, admin = scratchdb.create(base, "test_run")
        _RUN_DATABASE.update(url=url, name=name, admin=admin)
    return _RUN_DATABASE["url"]


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001 - pytest's hook signature
    if "name" in _RUN_DATABASE:
        scratchdb.drop(_RUN_DATABASE["name"], _RUN_DATABASE["admin"])


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    url, pid = embedded_redis.start(WORK / "redis")
    yield url
    embedded_redis.stop(pid)


@pytest.fixture(scope="session")
def _schema(redis_url):
    """The schema is built by the migrations (the same path production takes), once per run."""
    from flask_migrate import upgrade

    app = create_app(_config(redis_url))
    with app.app_context():
        with db.engine.begin() as conn:  # a fresh database, but be sure: nothing of an earlier run survives
            for name in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE' if conn.dialect.name == "postgresql"
                                  else f'DROP TABLE IF EXISTS "{name}"'))
        upgrade()
    yield


def _config(redis_url: str, **overrides) -> dict:
    config = {
        "SKIP_ENVIRONMENT": True,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "REDIS_URL": redis_url,
        "INSTANCE_DIR": str(WORK / "instance"),
        "UPLOAD_DIR": str(WORK / "uploads"),
        "MAIL_URL": f"file://{WORK / 'mail'}",
        "MAIL_FROM": "Portal <no-reply@portal.test>",
        "BASE_URL": "http://portal.test",
        "TENANTS_DIR": str(ROOT / "tenants"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "PORTAL_ENV": "development",
        "MAIL_MAX_ATTEMPTS": 8,
    }
    config.update(overrides)
    return config


def _wipe(app) -> None:
    with app.app_context():
        db.session.remove()
        existing = set(inspect(db.engine).get_table_names())
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name in existing]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - table names from our metadata
    redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()
    shutil.rmtree(app.config["UPLOAD_DIR"], ignore_errors=True)  # ids start again: so must the tenants' folders


@pytest.fixture
def make_app(_schema, redis_url):
    """Build an app with extra config (e.g. CSRF or throttling on); every table is emptied afterwards."""
    apps = []

    def build(**overrides):
        overrides.setdefault("CLOCK", FixedClock(START))
        app = create_app(_config(redis_url, **overrides))
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield build
    if apps:
        _wipe(apps[0])
    for built in apps:  # each app's pooled connections closed now, not whenever it is collected (PostgreSQL has 100)
        with built.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def clock(app) -> FixedClock:
    return app.extensions["clock"]


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, with its own app context, ``g`` and database session — as in
    production — even while the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context() and db.session().in_transaction():
            db.session.rollback()  # the test, like any observer, now reads what the request committed
        return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tenant_a(app):
    return factories.tenant("alpha", kind="distributor")


@pytest.fixture
def tenant_b(app):
    return factories.tenant("beta", kind="manufacturer")


class _Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd) that a test can stop and start."""

    def __init__(self):
        self.port = free_port()
        self.inbox = _Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        for _ in range(50):  # ready when it accepts a connection
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None
            time.sleep(0.05)


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()
