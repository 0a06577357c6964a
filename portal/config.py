"""Settings from the environment, with the embedded defaults (the only module that reads os.environ)."""

from __future__ import annotations

import json
import os
import secrets
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def database_url(url: str) -> str:
    """``postgresql://`` URLs (as PaaS and services-up print them) use the psycopg 3 driver we install."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def from_environment(instance_path: str) -> dict:
    """The configuration a process gets when nothing else is said: SQLite and an embedded Redis in instance/."""
    instance = Path(os.environ.get("PORTAL_INSTANCE", instance_path))
    production = os.environ.get("PORTAL_ENV", "development") == "production"
    return {
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL")
                                                or f"sqlite:///{instance / 'portal.db'}"),
        # None: start (or reuse) the embedded Redis server on instance/redis.sock
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "MAIL_URL": os.environ.get("MAIL_URL") or f"file://{instance / 'mail'}",
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Programme Portal <no-reply@portal.localhost>"),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "TENANTS_DIR": os.environ.get("TENANTS_DIR") or str(ROOT / "tenants"),
        "SESSION_COOKIE_SECURE": production or os.environ.get("COOKIE_SECURE") == "1",
        "REMEMBER_COOKIE_SECURE": production or os.environ.get("COOKIE_SECURE") == "1",
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        # C-07, DPA §6: sub-processors outside the EEA only when the operator configures it (standard clauses)
        "ALLOW_TRANSFERS_OUTSIDE_EEA": os.environ.get("ALLOW_TRANSFERS_OUTSIDE_EEA") == "1",
        "PORTAL_ENV": "production" if production else "development",
        # make run's web threads and its worker share one SQLite file: a transaction takes the write lock when it
        # begins, so a request that read before the worker committed still writes (waits, no "database is locked")
        "SQLALCHEMY_ENGINE_OPTIONS": {**DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"],
                                      "execution_options": {"sqlite_begin_immediate": True}},
        # a file naming the day a development server and its worker replay (browser tests); never in production
        "CLOCK_FILE": None if production else os.environ.get("PORTAL_CLOCK_FILE") or None,
    }


# Applied to every environment; tests override with create_app(test_config).
DEFAULTS = {
    # JSON columns keep Polish letters as they are (not \u escapes), so the residue scan finds a name in them
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "json_serializer": partial(json.dumps, ensure_ascii=False)},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_HEADERS": ["X-CSRFToken"],
    "BABEL_DEFAULT_LOCALE": "en",  # commands and jobs; pages follow the visitor, the account, the organiser
    "BABEL_DEFAULT_TIMEZONE": "Europe/Warsaw",
    "LANGUAGES": ("pl", "en"),
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    "LOGIN_LIMIT": "5 per minute",
    "RESET_LIMIT": "3 per 10 minutes",
    "PASSWORD_RESET_HOURS": 2,
    "MAIL_MAX_ATTEMPTS": 8,
    "API_RATE_LIMIT": "600 per minute",
}
