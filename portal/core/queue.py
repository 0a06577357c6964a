"""The job queues (RQ on Redis). Jobs are enqueued by dotted name with ids only: portal never imports worker."""

from __future__ import annotations

import redis
from flask import current_app
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

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


# a job in one of these states will run (again) without help
WAITING = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


def enqueue_once(func: str, *args: int | str, queue_name: str, job_id: str) -> bool:
    """What a sweeper calls: enqueue ``func`` as ``job_id`` unless that job is already waiting or running (a job
    Redis lost, or one that finished or failed, is enqueued again). Returns whether it enqueued."""
    try:
        if Job.fetch(job_id, connection=connection()).get_status() in WAITING:
            return False
    except NoSuchJobError:
        pass
    enqueue(func, *args, queue_name=queue_name, job_id=job_id)
    return True
