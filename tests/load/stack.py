"""The product as it runs (scripts/run.py, gunicorn.conf.py), started for one load run: a scratch database,
migrations, the demo and the load's own seed, an RQ worker (`python -m worker`, with its cron) and gunicorn on a
free loopback port. Everything is stopped by pid and the database dropped at the end."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(child) for child in task.read_text().split()]
    return found


@dataclass
class Stack:
    database_url: str  # an empty database of this run's own
    redis_url: str
    partners: int = 20
    installers: int = 20
    tokens: int = 4
    web_workers: int | None = None  # None: gunicorn.conf.py's default for this machine
    web_threads: int | None = None
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="portal-load-")))
    base_url: str = ""
    seeded: dict = field(default_factory=dict)
    children: list[subprocess.Popen] = field(default_factory=list)
    log_files: list = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BENCH_", "PYTEST"))}
        env.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, SECRET_KEY="load-test-secret",
                   PORTAL_INSTANCE=str(self.folder), MAIL_URL=f"file://{self.folder / 'mail'}",
                   UPLOAD_DIR=str(self.folder / "uploads"), BASE_URL="http://load.test", RATELIMIT_ENABLED="1",
                   PORTAL_ENV="development", PYTHONDONTWRITEBYTECODE="1")
        if self.web_workers:
            env["WEB_WORKERS"] = str(self.web_workers)
        if self.web_threads:
            env["WEB_THREADS"] = str(self.web_threads)
        return env

    def _flask(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env(),
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        self.log_files.append(log)
        child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        self.children.append(child)
        return child

    def start(self) -> Stack:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()  # this run's Redis db: no queued job of an earlier run
        self._flask("db", "upgrade")
        self._flask("demo", "seed", "--if-empty")
        done = subprocess.run([sys.executable, "-m", "tests.load.seed", str(self.partners), str(self.installers),
                               str(self.tokens)], cwd=ROOT, env=self.env(), capture_output=True, text=True,
                              timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{done.stderr}")
        self.seeded = json.loads(done.stdout.strip().splitlines()[-1])
        port = free_port()
        env = self.env() | {"BIND": f"127.0.0.1:{port}"}
        self._spawn("worker", [sys.executable, "-m", "worker"], env)
        self._spawn("web", [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                            "wsgi:app"], env)
        self.base_url = f"http://127.0.0.1:{port}"
        self._wait_ready()
        return self

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for child in self.children:
                if child.poll() is not None:
                    raise RuntimeError(f"{child.args} exited with {child.returncode}:\n{self.logs()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/v1/openapi.json", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {seconds} s:\n{self.logs()}")

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by the web processes, the worker, and this database's PostgreSQL backends (Linux
        /proc): on a shared machine, CPU per request says more than the wall-clock figures."""
        from sqlalchemy import create_engine, text

        from portal.config import database_url

        engine = create_engine(database_url(self.database_url))
        try:
            with engine.connect() as conn:
                backends = [row[0] for row in conn.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
        finally:
            engine.dispose()
        web, worker = self.children[1], self.children[0]
        return {"web": sum(_cpu(pid) for pid in _tree(web.pid)), "worker": sum(_cpu(pid) for pid in _tree(worker.pid)),
                "postgres": sum(_cpu(pid) for pid in backends)}

    def logs(self) -> str:
        out = []
        for name in ("web", "worker"):
            path = self.folder / f"{name}.log"
            if path.exists():
                out.append(f"--- {name}.log (last 60 lines)\n" + "\n".join(path.read_text().splitlines()[-60:]))
        return "\n".join(out)

    def stop(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)
        for log in self.log_files:
            log.close()

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
