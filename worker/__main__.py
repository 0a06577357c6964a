"""``python -m worker``: one RQ worker on every queue, with RQ's scheduler (retries, delayed jobs) and cron.

The worker runs each job in its own process (RQ's SimpleWorker) rather than forking a work-horse per job: a fork
of the app costs tens of milliseconds of CPU, which under load made a mail take longer to start than to send
(about 4 mails a second) and took that CPU from the web processes. Every job opens and closes its own app context
and database session (``worker.jobs``), so nothing of one job is left for the next; a job that kills the process
is handed back at the next start (``worker.recovery``), as a killed work-horse's job was.

The worker runs at a lower CPU priority than the web (``WORKER_NICE``, default 10): on a small machine that serves
both, a request in flight gets the CPU before a notice waiting to be mailed. The worker still gets every cycle the
web leaves idle, so the mail queue drains as soon as the burst is over; 0 keeps the priority it was started with."""

from __future__ import annotations

import argparse
import logging
import os
import threading

import redis
from flask import Flask
from rq import SimpleWorker
from rq.cron import CronScheduler

from portal import create_app
from portal.core.queue import QUEUES
from worker import jobs, recovery, schedule


class ThreadCron(CronScheduler):
    """RQ's cron scheduler run in a thread beside the worker (signals are the worker's to handle)."""

    def _install_signal_handlers(self) -> None:
        pass


def run(app: Flask, *, burst: bool = False) -> None:
    """Work every queue with ``app``: first hand back what a dead worker of this host was running, then work."""
    jobs.use_app(app)
    connection = app.extensions["redis"]
    recovery.recover(connection)
    if not burst:
        cron = ThreadCron(connection=connection)
        schedule.register(cron)
        threading.Thread(target=cron.start, daemon=True, name="rq-cron").start()
    make_worker(app).work(with_scheduler=True, burst=burst)


def make_worker(app: Flask) -> SimpleWorker:
    """The worker on a Redis client of its own, so RQ sizes the socket timeout for its blocking dequeue before any of
    the client's connections exists: redis-py 8 gives every connection a 5-second timeout, and a pooled connection
    opened before the worker (the recovery's, the cron's) kept it, so an idle worker's BLPOP failed every few seconds
    with "Timeout reading from socket" and backed off for up to a minute before it saw a new job."""
    return SimpleWorker(list(QUEUES), connection=redis.Redis.from_url(app.config["REDIS_URL"]))


def lower_priority(environ: dict[str, str] | None = None) -> int:
    """Step back for the web (``WORKER_NICE``: how much nicer than now, 0 to 19); returns the niceness in force."""
    raw = (environ if environ is not None else os.environ).get("WORKER_NICE", "10")
    try:
        step = int(raw)
    except ValueError:
        raise SystemExit(f"WORKER_NICE must be a whole number from 0 to 19, not {raw!r}") from None
    if not 0 <= step <= 19:
        raise SystemExit(f"WORKER_NICE must be a whole number from 0 to 19, not {raw!r}")
    return os.nice(step)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="run the queued jobs, then exit (no cron)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    lower_priority()
    run(create_app(), burst=args.burst)


if __name__ == "__main__":
    main()
