"""`make bench`: every performance budget, each printed as a ratio measured in one run, with its budget.

Runs against PostgreSQL (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local `test` database) in a database
of its own that it creates and drops. `--scale` shrinks the sizes (CI uses a small scale; 1.0 = the issues' sizes).
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1.0")))
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    args = parser.parse_args(argv)
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or \
        "postgresql://postgres@127.0.0.1:5432/test"
    from tests.bench import budgets
    from tests.scratchdb import scratch

    with scratch(base, "portal_bench") as url:
        results = budgets.run_all(url, scale=args.scale, only=[o for o in args.only.split(",") if o])
    failed = [r for r in results if not r.within]
    print(f"\n{len(results) - len(failed)} within budget, {len(failed)} over budget (scale {args.scale})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
