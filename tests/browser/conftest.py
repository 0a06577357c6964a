"""Browser fixtures: the real app as its own process (``flask run``) on a temporary instance, and Debian's
Chromium driven through Playwright's sync API.

The server never touches the main test database: it always gets a fresh SQLite file in its own temporary
instance, migrated and seeded with the demo organisers exactly as a user would (``flask db upgrade``,
``flask demo seed``). Redis is ``TEST_REDIS_URL`` when set, else the embedded server the app starts itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STARTUP_SECONDS = 60
# Inherited settings that would point the server somewhere else than its own temporary instance.
_SCRUB = ("DATABASE_URL", "REDIS_URL", "MAIL_URL", "UPLOAD_DIR", "TENANTS_DIR", "SECRET_KEY", "PORTAL_ENV",
          "COOKIE_SECURE", "BASE_URL", "FLASK_APP", "FLASK_DEBUG", "FLASK_RUN_PORT", "FLASK_RUN_HOST")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own loopback URL
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


class LiveServer:
    def __init__(self, url: str, instance: Path, log: Path):
        self.url = url
        self.instance = instance
        self.log = log

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log, lines)


@pytest.fixture(scope="session")
def live_server():
    """The app as a user runs it: migrate, seed the demo, ``flask run`` on a free port; stopped at the end."""
    tmp = Path(tempfile.mkdtemp(prefix="portal-browser-"))
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # Never the main test database (TEST_DATABASE_URL): the other tests wipe it, and we must not wipe theirs.
    env.update({
        "PORTAL_INSTANCE": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'browser.db'}",
        "MAIL_URL": f"file://{tmp / 'mail'}",
        "RATELIMIT_ENABLED": "0",
        "BASE_URL": url,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    })
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        # a database number of its own: the server's queued jobs never meet the other tests' workers
        env["REDIS_URL"] = re.sub(r"/\d+$", "", redis_url) + "/14"
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    log = tmp / "server.log"
    proc = None
    try:
        for step in (["db", "upgrade"], ["demo", "seed"]):
            done = subprocess.run([*flask, *step], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=120, check=False)
            if done.returncode != 0:
                pytest.fail(f"`flask {' '.join(step)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        with log.open("w") as out:
            proc = subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
                                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if proc.poll() is not None:
                pytest.fail(f"the server exited ({proc.returncode}) before answering /healthz:\n{_tail(log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer {url}/healthz in {STARTUP_SECONDS}s:\n{_tail(log)}")
            time.sleep(0.1)
        yield LiveServer(url, tmp, log)
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if not redis_url:
            # The app started its embedded Redis (detached, pid unknown to us): stop it through its socket.
            try:
                import redis

                redis.Redis.from_url(f"unix://{tmp / 'redis.sock'}", socket_connect_timeout=1).shutdown(nosave=True)
            except Exception:  # noqa: S110 - not running (or already gone) is fine
                pass
        if os.environ.get("KEEP_BROWSER_INSTANCE") != "1":
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; every browser test is skipped when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, with the server as base URL."""
    context = browser.new_context(base_url=live_server.url, locale="pl-PL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    # Script errors and CSP violations; not the "Failed to load resource: 422" that every form error logs.
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.console_errors = errors
    try:
        yield page
    finally:
        with contextlib.suppress(Exception):
            context.close()


@pytest.fixture
def shot():
    """Save a full-page screenshot under tests/artifacts/browser/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
