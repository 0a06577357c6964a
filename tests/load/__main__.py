"""`python -m tests.load` (`make load`): the full-size bounded load test against PostgreSQL, with its budget.

Runs in a scratch database beside LOAD_DATABASE_URL (else TEST_DATABASE_URL, else the local `test` database) and
on LOAD_REDIS_URL (else TEST_REDIS_URL, else redis://127.0.0.1:6379/7, which it empties). Exit status 1 when a
request failed or a lead was lost or doubled; the budget is printed (measured figures are noisy on a shared box).
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load")
    parser.add_argument("--requests", type=int, default=int(os.environ.get("LOAD_REQUESTS", "9000")),
                        help="requests in the measured phase (default 9000: 30 s at 300/s)")
    parser.add_argument("--rate", type=float, default=float(os.environ.get("LOAD_RATE", "300")),
                        help="requests per second to send (open loop); 0: as fast as the client threads go")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LOAD_THREADS", "48")),
                        help="client threads (connections)")
    parser.add_argument("--web-workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--web-threads", type=int, default=None, help="gunicorn threads per worker")
    parser.add_argument("--drain", type=float, default=60.0,
                        help="seconds to wait afterwards for the worker to mail the leads' notices (reported)")
    args = parser.parse_args(argv)
    base = os.environ.get("LOAD_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or \
        "postgresql://postgres@127.0.0.1:5432/test"
    redis_url = os.environ.get("LOAD_REDIS_URL") or os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/7"
    from tests.load.scenario import Size, execute

    report = execute(base, redis_url, Size(args.requests, args.rate or None, args.threads),
                     web_workers=args.web_workers, web_threads=args.web_threads, drain_seconds=args.drain)
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
