"""Browser fixtures: the real app as a user runs it (``make run``'s ``scripts/run.py``: web, worker, Redis) on a
temporary instance, and Debian's Chromium driven through Playwright's sync API.

The server never touches the main test database: it always gets a fresh SQLite file in its own temporary
instance, migrated and seeded with the demo organisers exactly as ``make run`` does. Redis is ``TEST_REDIS_URL``'s
server (database 14, flushed first) when set, else the embedded server ``make run`` starts. One server for all
the browser tests (package scope); journeys replay dated campaigns by writing a day into its clock file
(``live_server.at``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date
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


def _settle(redis_url: str, seconds: float = 60.0) -> None:
    """Wait until the worker has sent what the demo seed queued (its notices), so the first journey does not
    write while the worker does: on SQLite that can still answer 503 "database is locked" (see the report)."""
    import redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from portal.core.queue import QUEUES

    connection = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        busy = sum(Queue(name, connection=connection).count + StartedJobRegistry(name, connection=connection).count
                   for name in QUEUES)
        if not busy:
            return
        time.sleep(0.3)


class LiveServer:
    def __init__(self, url: str, instance: Path, log: Path, clock_file: Path, env: dict):
        self.url = url
        self.instance = instance
        self.log = log
        self.clock_file = clock_file
        self.env = env

    def flask(self, *args: str) -> str:
        """An operator command (``flask --app wsgi …``) against the server's own database and Redis."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"flask {' '.join(args)} failed ({done.returncode}): {done.stderr}"
        return done.stdout

    def at(self, day: date | None) -> None:
        """Replay ``day`` on the server and its worker (noon, Warsaw); None: the real time again."""
        self.clock_file.write_text(day.isoformat() if day else "")

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log, lines)


@pytest.fixture(scope="package")
def live_server():
    """The app as a user runs it: ``make run``'s own script (``scripts/run.py``: migrate, seed the demo, one RQ
    worker with its cron, gunicorn) on a free port and a temporary instance; stopped at the end.

    ``PORTAL_CLOCK_FILE`` points the server and its worker at ``clock`` in the instance: a journey writes a day
    there to replay it (``server.at(day)``), as ``--as-of`` does for a command."""
    tmp = Path(tempfile.mkdtemp(prefix="portal-browser-"))
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    clock_file = tmp / "clock"
    clock_file.write_text("")
    # Never the main test database (TEST_DATABASE_URL): the other tests wipe it, and we must not wipe theirs.
    env.update({
        "PORTAL_INSTANCE": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'browser.db'}",
        "MAIL_URL": f"file://{tmp / 'mail'}",
        "RATELIMIT_ENABLED": "0",
        "BASE_URL": url,
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "PORTAL_CLOCK_FILE": str(clock_file),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    })
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        # a database number of its own: the server's queued jobs never meet the other tests' workers
        env["REDIS_URL"] = re.sub(r"/\d+$", "", redis_url) + "/14"
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # no job of an earlier run's (gone) database
    log = tmp / "server.log"
    proc = None
    try:
        with log.open("w") as out:
            proc = subprocess.Popen([sys.executable, "scripts/run.py"], cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if proc.poll() is not None:
                pytest.fail(f"`make run` exited ({proc.returncode}) before answering /healthz:\n{_tail(log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer {url}/healthz in {STARTUP_SECONDS}s:\n{_tail(log)}")
            time.sleep(0.2)
        _settle(env.get("REDIS_URL") or f"unix://{tmp / 'redis.sock'}")
        yield LiveServer(url, tmp, log, clock_file, env)
    finally:
        if proc is not None and proc.poll() is None:
            # Ctrl-C, as a user stops it: run.py stops gunicorn, the worker and its embedded Redis
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if os.environ.get("KEEP_BROWSER_INSTANCE") != "1":
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="package")
def browser():
    """Debian's Chromium through Playwright; every browser test is skipped when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # a loaded 2-core CI machine: HTMX answers and worker jobs may take longer than Playwright's 5 s default
    sync_api.expect.set_options(timeout=15_000)
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


# ---------------------------------------------------------------- journeys: logins, screenshots, accessibility

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
AXE_URL = "/static/__axe-core__.js"  # served by a route of the test, same origin: the page's CSP lets it run
BLOCKING_IMPACTS = ("serious", "critical")
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password (README)


def axe_violations(page) -> list[dict]:
    """Run axe-core (vendored, see vendor/README.md) on the page as it is now; the serious and critical ones."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL)
        page.wait_for_function("typeof window.axe === 'object'")
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in found if v["impact"] in BLOCKING_IMPACTS]


def _serve_axe(context) -> None:
    body = AXE.read_bytes()
    context.route(f"**{AXE_URL}", lambda route: route.fulfill(status=200, body=body,
                                                               content_type="text/javascript"))


class Journey:
    """One role's journey: numbered screenshots under tests/artifacts/browser/<name>/ and, on each of those key
    pages, axe-core's serious and critical violations gathered (the test fails on them at its end)."""

    def __init__(self, name: str):
        self.name = name
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.violations: list[str] = []

    def shot(self, page, label: str, *, axe: bool = True) -> Path:
        self.count += 1
        page.wait_for_load_state()
        path = self.folder / f"{self.count:02d}-{label}.png"
        # caret="initial": hiding it injects a <style> that the page's CSP (rightly) refuses and logs
        page.screenshot(path=str(path), full_page=True, caret="initial")
        if axe:
            for v in axe_violations(page):
                self.violations.append(f"{path.name} {page.url}: {v['impact']} {v['id']} ({v['help']}) at "
                                       f"{', '.join(v['nodes'])}")
        return path

    def assert_accessible(self) -> None:
        assert not self.violations, "axe-core found serious violations:\n" + "\n".join(self.violations)


@pytest.fixture
def journey(request, live_server):
    """A Journey named after the test; the server's clock back to the real time afterwards."""
    name = request.node.name.removeprefix("test_").replace("[", "-").rstrip("]")
    made = Journey(name)
    try:
        yield made
    finally:
        live_server.at(None)


_LOGINS: dict[tuple[str, str], list] = {}


@pytest.fixture
def open_as(browser, live_server):
    """``open_as(slug, who)`` → a page in a fresh context logged in as the demo account ``who`` (admin, staff,
    dpo, participant1…3, an e-mail, or ``operator`` with slug None); each login goes through the login form once
    per session, later ones reuse its cookies. ``who=None``: a visitor. Polish browser unless ``locale``."""
    contexts = []

    def open_page(slug: str | None, who: str | None, *, locale: str = "pl-PL", password: str = DEMO_PASSWORD):
        context = browser.new_context(base_url=live_server.url, locale=locale,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        _serve_axe(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: errors.append(f"console at {page.url}: {msg.text}")
                if msg.type == "error" and "Failed to load resource" not in msg.text else None)
        page.console_errors = errors
        if who is None:
            return page
        email = who if "@" in who else ("operator@portal.example" if who == "operator" else f"{who}@{slug}.example")
        key = (slug or "", email)
        if key in _LOGINS:
            context.add_cookies(_LOGINS[key])
            return page
        page.goto("/operator/login" if slug is None else f"/t/{slug}/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("main form button[type=submit]").first.click()
        try:
            page.wait_for_url(lambda url: "/login" not in url)
        except Exception:  # noqa: BLE001 - say what the page shows instead of a bare timeout
            pytest.fail(f"login as {email} stayed at {page.url}: {' '.join(page.locator('main').inner_text().split())}")
        _LOGINS[key] = context.cookies()
        return page

    yield open_page
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()
