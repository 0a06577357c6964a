"""An idle worker waits for the next job on one blocking read as long as RQ asks, without connection errors: a new
job is picked up at once instead of after a back-off (the README's `make run` log stays quiet)."""

from __future__ import annotations

import time

from worker.__main__ import make_worker


def test_idle_worker_blocks_longer_than_the_client_default_timeout_without_error(app):
    app.extensions["redis"].ping()  # the app's pooled connection exists first, as recovery and cron make it
    worker = make_worker(app)
    started = time.monotonic()
    assert worker.connection.blpop(["portal-test:no-such-queue"], 7) is None  # redis-py's default would fail at 5 s
    assert time.monotonic() - started >= 6.5
    assert worker.connection.connection_pool.connection_kwargs["socket_timeout"] > worker.dequeue_timeout
