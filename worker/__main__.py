"""``python -m worker``: one RQ worker on every queue, with RQ's scheduler (retries, delayed jobs) and cron.

The worker runs each job in its own process (RQ's SimpleWorker) rather than forking a work-horse per job: a fork
of the app costs tens of milliseconds of CPU, which under load made a mail take longer to start than to send
(about 4 mails a second) and took that CPU from the web processes. Every job opens and closes its own app context
and database session (``worker.jobs``), so nothing of one job is left for the next; a job that kills the process
is handed back at the next start (``worker.recovery``), as a killed work-horse's job was."""

from __future__ import annotations

import argparse
import logging
import threading

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
    SimpleWorker(list(QUEUES), connection=connection).work(with_scheduler=True, burst=burst)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="run the queued jobs, then exit (no cron)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    run(create_app(), burst=args.burst)


if __name__ == "__main__":
    main()
