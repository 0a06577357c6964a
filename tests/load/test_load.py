"""The bounded load test at CI size (issue #7 item 5): the real app under gunicorn with an RQ worker, on
PostgreSQL and Redis, takes a few hundred API submissions, retries and balance reads and participants' page views
while the organiser runs a settlement and downloads the export. Asserted: no error answer, every lead stored
exactly once (a retry with the same Idempotency-Key replays it), one notice per lead mailed by the worker, the
settlement and the export finished. No timing is asserted here: `make load` runs the full size against the budget."""

from __future__ import annotations

import os

import pytest

from tests.load.scenario import Size, execute

BASE = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not BASE.startswith(("postgresql://", "postgres://")),
    reason="the load test runs gunicorn and a worker in a scratch PostgreSQL database of its own "
           "(tests/scratchdb.py) and reads its backends' CPU; its budget is PostgreSQL's (TEST_DATABASE_URL)")


def test_participants_and_organiser_at_once_lose_nothing_and_get_no_error(redis_url):
    report = execute(BASE, redis_url, Size(requests=240, rate=None, threads=8, warmup=20), drain_seconds=150,
                     require_drain=True)
    print(report.text())
    assert report.ok, report.text()
    counts = report.counts
    assert counts["leads_answered"] == counts["leads_stored"] > 80
    assert counts["retries"] > 0 and counts["replayed"] == counts["retries"]
    assert counts["notices_sent"] == counts["leads_stored"]
    assert [task.status for task in report.side] == [200, 200]
