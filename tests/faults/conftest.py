"""Fault-injection fixtures: real worker and command processes (``tests.faults.proc``) killed with SIGKILL at a
chosen point, then started again."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import signal
import sys
import time
import traceback
import uuid
from pathlib import Path

import pytest

from portal.core.clock import get_clock
from portal.extensions import db

PASSED = ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_DIR", "UPLOAD_DIR", "MAIL_URL", "MAIL_FROM", "BASE_URL",
          "TENANTS_DIR", "SECRET_KEY", "MAIL_MAX_ATTEMPTS", "SKIP_ENVIRONMENT", "TESTING", "RATELIMIT_ENABLED",
          "PORTAL_ENV", "WTF_CSRF_ENABLED")


class Process:
    def __init__(self, pid: int, log: Path, marker: Path | None):
        self.pid, self.log, self.marker = pid, log, marker
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"process {self.pid} still runs: {self.output()}")
            time.sleep(0.02)
        return self.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


class Processes:
    """Forks ``tests.faults.proc`` from the test process — its own session, its own app, engine and connections,
    the test's configuration and the test clock's current time — so each start costs no interpreter start-up."""

    def __init__(self, app, tmp: Path):
        self.app = app
        self.tmp = tmp
        self.running: list[Process] = []

    def start(self, *argv: str, pause: dict | None = None, **config) -> Process:
        from tests.faults import proc

        db.session.rollback()  # the test holds no transaction the process could wait for, or see stale
        passed = {k: self.app.config[k] for k in PASSED if k in self.app.config}
        passed["CLOCK"] = get_clock().now().isoformat()
        passed.update(config)
        name = uuid.uuid4().hex
        marker = self.tmp / f"paused-{name}" if pause else None
        log = self.tmp / f"process-{name}.log"
        sys.stdout.flush(), sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 1
            try:
                os.setsid()
                fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(fd, 1), os.dup2(fd, 2)
                sys.stdout = os.fdopen(1, "w", buffering=1)
                sys.stderr = os.fdopen(2, "w", buffering=1)
                logging.root.handlers = [logging.StreamHandler(sys.stderr)]  # not pytest's capture
                # a fresh context: none of the test's app context, session or connections in the child
                code = contextvars.Context().run(proc.main, list(argv), passed, pause,
                                                 str(marker) if marker else None)
            except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into pytest
                traceback.print_exc()
            finally:
                os._exit(code)
        process = Process(pid, log, marker)
        self.running.append(process)
        return process

    def run(self, *argv: str, timeout: float = 90, **config) -> str:
        """Run to the end (a worker in burst mode drains the queues); its output."""
        process = self.start(*argv, **config)
        code = process.wait(timeout)
        db.session.rollback()  # from now on the test reads what the process committed
        assert code == 0, process.output()
        return process.output()

    def kill_when_paused(self, *argv: str, pause: dict, timeout: float = 60, **config) -> None:
        """Start, wait until it stops at ``pause``, then SIGKILL it — the process, its group and the paused
        work-horse (RQ gives each horse a process group of its own) — as the OOM killer or a power cut would."""
        process = self.start(*argv, pause=pause, **config)
        deadline = time.monotonic() + timeout
        while not process.marker.exists():
            if process.poll() is not None:
                raise AssertionError(f"ended before the pause point: {process.output()}")
            if time.monotonic() > deadline:
                self._kill(process)
                raise AssertionError(f"never reached the pause point: {process.output()}")
            time.sleep(0.02)
        paused = int(process.marker.read_text())
        if paused != process.pid:
            os.kill(paused, signal.SIGKILL)
        self._kill(process)
        self._gone(paused)
        db.session.rollback()

    @staticmethod
    def _gone(pid: int) -> None:
        for _ in range(250):  # a killed horse, orphaned, is reaped by init
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)

    @staticmethod
    def _kill(process: Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def close(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self._kill(process)


@pytest.fixture
def processes(app, tmp_path):
    procs = Processes(app, tmp_path)
    yield procs
    procs.close()
