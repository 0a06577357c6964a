"""A killable process for the fault tests: the real worker (``worker.__main__.run``) or a real ``flask`` command,
built from the test's configuration, optionally stopping dead at one chosen point so the test can SIGKILL it there.
The tests fork it from themselves (``main``), which spares a new interpreter's start-up; by hand:

    python -m tests.faults.proc worker            # python -m worker --burst, with the test's app
    python -m tests.faults.proc flask ARGS...     # flask --app wsgi ARGS..., with the test's app

Environment: ``FAULT_APP`` (JSON: the app config, plus ``CLOCK``, an ISO time the clock stands at), and optionally
``FAULT_PAUSE`` (JSON) with ``FAULT_MARKER`` (a file path). The pause is test code, installed here and nowhere in
the product: ``{"sql": REGEX, "nth": N}`` stops before the N-th SQL statement matching REGEX; ``{"mail": N,
"when": "before"|"after"}`` stops before or after the N-th e-mail handed to the mailer. Hits are counted in Redis,
so they add up across processes (and across work-horses, should the worker fork one per job). Stopped, the process
writes its pid to FAULT_MARKER and sleeps until killed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from datetime import datetime
from pathlib import Path


def _stop_here(marker: str) -> None:
    Path(marker + ".tmp").write_text(str(os.getpid()))
    os.replace(marker + ".tmp", marker)  # the test sees the whole pid or nothing
    while True:
        time.sleep(60)


def _install_pause(app, pause: dict, marker: str) -> None:
    counter = app.extensions["redis"]
    key = f"faults:hits:{Path(marker).name}"

    def reached(nth: int) -> bool:
        return counter.incr(key) == nth

    if "sql" in pause:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        pattern = re.compile(pause["sql"], re.IGNORECASE)

        @event.listens_for(Engine, "before_cursor_execute")
        def _maybe_stop(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
            if pattern.search(statement) and reached(pause["nth"]):
                _stop_here(marker)

    if "mail" in pause:
        from portal.notifications import mailer

        real = mailer.send

        def send(message, url):
            hit = reached(pause["mail"])
            if hit and pause.get("when", "before") == "before":
                _stop_here(marker)
            real(message, url)
            if hit and pause.get("when") == "after":
                _stop_here(marker)

        mailer.send = send


def build_app(config: dict, pause: dict | None = None, marker: str | None = None):
    from portal import create_app
    from portal.core.clock import FixedClock

    config = dict(config)
    clock = config.pop("CLOCK", None)
    if clock:
        config["CLOCK"] = FixedClock(datetime.fromisoformat(clock))
    app = create_app(config)
    if pause:
        _install_pause(app, pause, marker)
    return app


def main(argv: list[str], config: dict, pause: dict | None = None, marker: str | None = None) -> int:
    app = build_app(config, pause, marker)
    if argv[0] == "worker":
        import logging

        from worker.__main__ import run

        logging.basicConfig(level=logging.WARNING, format="%(asctime)s worker %(levelname)s %(message)s")
        run(app, burst=True)
        return 0
    if argv[0] == "flask":
        with app.app_context():  # as ``flask`` gives its commands
            result = app.test_cli_runner().invoke(args=argv[1:])
        sys.stdout.write(result.output)
        if result.exception and not isinstance(result.exception, SystemExit):
            import traceback

            traceback.print_exception(result.exception)
        return result.exit_code
    raise SystemExit(f"unknown mode {argv[0]!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], json.loads(os.environ["FAULT_APP"]),
                  json.loads(os.environ.get("FAULT_PAUSE") or "null"), os.environ.get("FAULT_MARKER")))
