"""`make run` (scripts/run.py) owns the embedded Redis it starts: however it is stopped — Ctrl-C at a terminal, or
SIGTERM from a supervisor, `timeout`, `docker stop` or `kill` — it stops that server by pid before it exits, so no
orphaned redis-server keeps the instance's socket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.core import embedded_redis

ROOT = Path(__file__).resolve().parents[2]


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signals", [[signal.SIGTERM], [signal.SIGINT], [signal.SIGTERM, signal.SIGTERM],
                                     [signal.SIGINT, signal.SIGINT]],
                         ids=["SIGTERM", "SIGINT", "SIGTERM twice", "Ctrl-C twice"])
def test_run_stops_its_embedded_redis_on_a_stop_signal(tmp_path, signals):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEST_", "PYTEST", "REDIS_URL", "DATABASE_URL"))}
    env.update(PORTAL_INSTANCE=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
               MAIL_URL=f"file://{tmp_path / 'mail'}", BIND="127.0.0.1:0", PYTHONDONTWRITEBYTECODE="1")
    url = embedded_redis.socket_url(tmp_path)
    proc = subprocess.Popen([sys.executable, "scripts/run.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        assert _wait(lambda: embedded_redis._answers(url), 30), "the embedded Redis never answered"
        for stop_signal in signals:  # a second one (an impatient user, a supervisor) must not cut the clean-up short
            proc.send_signal(stop_signal)
            time.sleep(0.3)
        proc.wait(timeout=15)
        assert not _wait(lambda: embedded_redis._answers(url), 2), (
            "the embedded Redis still answers after `make run` stopped")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        # a server the run failed to stop: found by its socket's owner and stopped, so the test leaves nothing
        subprocess.run(["pkill", "-f", f"unixsocket:{tmp_path / 'redis.sock'}"], check=False)
