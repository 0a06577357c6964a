"""Jobs a dead worker was running, handed back when a worker starts on the same host.

A worker killed mid-job (SIGKILL, the OOM killer, a container restart) leaves its job "started" in Redis. RQ
notices only when that execution's heartbeat expires (about 90 s) *and* a worker next cleans its registries (every
10 min), then retries it after the back-off. A worker starting on the same host knows better: a worker of this
host whose process is gone is dead, so its jobs go straight back to the front of their queue. Every job is
idempotent (``worker.jobs``), so running the interrupted one again finishes the work without doing any of it twice.

A job that keeps killing its worker (it runs out of memory, say) is handed back ``MAX_CRASHES`` times, then left to
RQ, which moves it to the failed registry the operator sees.
"""

from __future__ import annotations

import logging
import os
import socket

from redis import Redis
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.utils import as_text, parse_composite_key

log = logging.getLogger("worker.recovery")
MAX_CRASHES = 3


def _gone(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():  # our pid, but not us: a worker of a restarted container that had the same pid
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False


def dead_workers(connection: Redis) -> list[Worker]:
    """Registered workers of this host whose process no longer runs."""
    host = socket.gethostname()
    return [w for w in Worker.all(connection=connection) if w.hostname == host and _gone(w.pid)]


def recover(connection: Redis) -> list[str]:
    """Give the jobs of this host's dead workers back to their queues; returns the ids handed back."""
    handed_back = []
    for worker in dead_workers(connection):
        for entry in connection.smembers(worker.executions_key):
            composite = as_text(entry)
            job_id, _execution_id = parse_composite_key(composite)
            try:
                job = Job.fetch(job_id, connection=connection)
            except NoSuchJobError:
                continue
            registry = StartedJobRegistry(job.origin, connection=connection)
            if job.get_status() != JobStatus.STARTED:
                connection.zrem(registry.key, composite)
                continue
            crashes = int(job.meta.get("crashes", 0)) + 1
            if crashes > MAX_CRASHES:  # RQ's own cleanup moves it to the failed registry
                connection.zadd(registry.key, {composite: 0}, xx=True)
                registry.cleanup()
                log.warning("job %s killed its worker %s times; left to the failed registry", job_id, crashes - 1)
                continue
            job.meta["crashes"] = crashes
            job.save_meta()
            connection.zrem(registry.key, composite)
            Queue(job.origin, connection=connection).enqueue_job(job, at_front=True)
            handed_back.append(job_id)
            log.warning("job %s of dead worker %s handed back to queue %s", job_id, worker.name, job.origin)
        worker.register_death()
    return handed_back
