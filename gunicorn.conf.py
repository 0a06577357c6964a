"""gunicorn's settings for Programme Portal (`make run`, the load test, and a base for production).

BIND, WEB_WORKERS and WEB_THREADS come from the environment; ACCESS_LOG=- prints the access log."""

import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
accesslog = os.environ.get("ACCESS_LOG") or None
