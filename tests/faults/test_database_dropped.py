"""Issue #7 (3): the database connection lost in the middle of a request that writes many rows (a settlement run:
the draft's lines deleted, the new ones written) — the user gets a clear error page (problem+json on the API), not
a stack trace; nothing of the half-done write remains; the next request works.

PostgreSQL: the request's own server process is ended (``pg_terminate_backend`` from another connection), as a
database restart or fail-over does. SQLite is a file, with no connection to drop: its counterpart is the database
locked by another writer for longer than the busy timeout, mid-request."""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from portal.accounts.models import STAFF
from portal.extensions import db
from tests import factories
from tests.api.conftest import Api, make_token
from tests.faults.campaign import settleable, statement

RUN = {"as_of": "2018-10-06"}


@contextmanager
def connection_lost(at: str, *, after: bool = False):
    """While inside: the first SQL statement of the web request matching ``at`` (before it runs, or just after)
    finds the database gone."""
    pattern = re.compile(at, re.IGNORECASE)
    state = {"done": False}
    engine = db.engine
    hook = "after_cursor_execute" if after else "before_cursor_execute"

    def fault(conn, cursor, statement, *_):
        if state["done"] or not pattern.search(statement):
            return
        state["done"] = True
        if conn.dialect.name == "postgresql":
            pid = conn.connection.dbapi_connection.info.backend_pid
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                for _ in range(200):  # until the server process is really gone
                    if not other.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": pid}).first():
                        break
                    time.sleep(0.02)
        else:
            conn.exec_driver_sql("PRAGMA busy_timeout=200")  # don't wait the 10 s the product waits
            state["blocker"] = blocker = engine.raw_connection()
            blocker.cursor().execute("BEGIN IMMEDIATE")  # another writer holds the database

    event.listen(engine, hook, fault)
    try:
        yield state
    finally:
        event.remove(engine, hook, fault)
        if "blocker" in state:
            state["blocker"].rollback()
            state["blocker"].close()
    assert state["done"], f"no statement matched {at!r}"


@pytest.fixture
def drafted(app, client, tmp_path):
    """The distributor's campaign with period 1 settled once (a draft); a staff member logged in."""
    tenant = settleable(app, tmp_path)
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com", locale="en")
    factories.login(client, tenant, staff.email)
    assert client.post("/t/distributor/settlements/1/run", data={"as_of": "2018-10-05"}).status_code == 302
    runs, lines = statement(tenant)
    assert runs == 1 and lines
    return tenant, lines


# the draft's old lines deleted, then the new ones written (COPY on PostgreSQL), then the run audited
POINTS = {"deleting the draft's lines": ("^DELETE FROM settlement_lines", False),
          "writing the new lines": ("^DELETE FROM settlement_lines", True),
          "after the new lines": ("^INSERT INTO audit_entries", False)}


SQLITE = not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
ONLY_POSTGRESQL = pytest.mark.skipif(SQLITE, reason="SQLite: once the request has written, it holds the write "
                                     "lock; no other writer can cut in")


@pytest.mark.parametrize("point", [pytest.param(p, marks=() if i == 0 else ONLY_POSTGRESQL)
                                   for i, p in enumerate(POINTS)])
def test_database_lost_mid_settlement_page_shows_an_error_page_and_keeps_the_draft(app, client, drafted, point):
    tenant, lines = drafted
    at, after = POINTS[point]
    with connection_lost(at, after=after):
        response = client.post("/t/distributor/settlements/1/run", data=RUN)
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers.get("Retry-After")
    assert "Nothing was saved" in page and "Traceback" not in page and "psycopg" not in page
    assert statement(tenant) == (1, lines)  # the draft as it was: no line lost, none added
    again = client.post("/t/distributor/settlements/1/run", data=RUN)  # the database is back: it works
    assert again.status_code == 302
    assert statement(tenant)[0] == 2


def test_database_lost_mid_settlement_api_call_answers_problem_json(app, client, drafted):
    tenant, lines = drafted
    api = Api(client, make_token(tenant))
    with connection_lost("^DELETE FROM settlement_lines", after=db.engine.dialect.name == "postgresql"):
        response = api.post("/settlements/1/run", RUN, key="run-1")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.json["status"] == 503 and "nothing was saved" in response.json["detail"].lower()
    assert response.headers.get("Retry-After")
    assert statement(tenant) == (1, lines)
    retried = api.post("/settlements/1/run", RUN, key="run-1")  # the same key, retried: done now, once
    assert retried.status_code == 200
    assert statement(tenant)[0] == 2


def test_database_out_of_reach_page_and_api_still_answer_clearly(app, make_app):
    """Nothing answers on the database's address at all: the page that says so must not need the database."""
    from tests.conftest import free_port

    token = make_token(factories.tenant("alpha"))  # a real token: the API has to look it up
    down = make_app(SQLALCHEMY_DATABASE_URI=f"postgresql://portal@127.0.0.1:{free_port()}/gone")
    client = down.test_client()
    page = client.get("/t/alpha/login", headers={"Accept-Language": "en"})
    assert page.status_code == 503 and "Nothing was saved" in page.get_data(as_text=True)
    api = client.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
