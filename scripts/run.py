"""`make run`: migrate, seed the demo when the database is empty, then run Redis (embedded unless REDIS_URL is
set), one RQ worker and the web server on http://127.0.0.1:5000. Ctrl-C stops all of them, and so does SIGTERM (a
supervisor, `timeout`, `docker stop`): either way the embedded Redis this script started is stopped by its pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.core import embedded_redis  # noqa: E402 - after the path is set

STOP_SECONDS = 6  # for web and worker to finish what they are doing; Redis then gets up to 2.5 s more


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt  # the same way out as Ctrl-C: the `finally` below stops the children and Redis


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    env = dict(os.environ)
    instance = Path(env.get("PORTAL_INSTANCE", ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    redis_pid = None
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    children: list[subprocess.Popen] = []
    try:
        if not env.get("REDIS_URL"):
            env["REDIS_URL"], redis_pid = embedded_redis.start(instance)
            print(f"run: embedded Redis on {env['REDIS_URL']}", flush=True)
        bind = env.setdefault("BIND", "127.0.0.1:5000")
        env.setdefault("BASE_URL", f"http://{bind}")  # the mails' links reach the server where BIND puts it
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        subprocess.run([*flask, "demo", "seed", "--if-empty"], cwd=ROOT, env=env, check=True)
        children.append(subprocess.Popen([sys.executable, "-m", "worker"], cwd=ROOT, env=env))
        env.setdefault("ACCESS_LOG", "-")
        children.append(subprocess.Popen(  # workers and threads: gunicorn.conf.py (WEB_WORKERS, WEB_THREADS)
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT, env=env))
        print(f"run: Programme Portal on http://{bind} (Ctrl-C stops web, worker and Redis)", flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0  # stopped as asked
    except subprocess.CalledProcessError as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 1
    finally:
        # a second Ctrl-C or SIGTERM must not cut the clean-up short, and the whole of it stays within the usual
        # 10 s a supervisor (docker stop, supervisord) waits before SIGKILL — which would miss Redis, in its own session
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_SECONDS
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        finally:
            embedded_redis.stop(redis_pid)

if __name__ == "__main__":
    sys.exit(main())
