"""The job queues (RQ on Redis). Jobs are enqueued by dotted name with ids only: portal never imports worker."""

from __future__ import annotations

import redis
from flask import current_app
from rq import Queue, Retry
from rq.job import Job

QUEUES = ("default", "mail", "privacy", "bulk")
# Back-off between tries of a failed job: 10 s, 1 min, 5 min, 30 min; then it stays in the failed registry.
BACKOFF = [10, 60, 300, 1800]


def connection() -> redis.Redis:
    return current_app.extensions["redis"]


def queue(name: str = "default") -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection())


def enqueue(func: str, *args: int | str, queue_name: str = "default", job_id: str | None = None) -> Job:
    """Put ``func`` (a dotted name under ``worker.jobs``) on a queue; arguments must be ids, never personal data."""
    for arg in args:
        if not isinstance(arg, int | str) or (isinstance(arg, str) and "@" in arg):
            raise ValueError("job arguments are ids only")
    return queue(queue_name).enqueue(
        func, *args, job_id=job_id, retry=Retry(max=len(BACKOFF), interval=BACKOFF),
        result_ttl=3600, failure_ttl=30 * 24 * 3600,
    )
