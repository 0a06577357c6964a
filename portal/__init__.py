"""Programme Portal: the application factory."""

from __future__ import annotations

import logging
from pathlib import Path

import redis
from flask import Flask, g, request, session

from portal import config as settings
from portal.core import embedded_redis
from portal.core.clock import Clock, FileClock
from portal.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")


def _limiter_uri(redis_url: str) -> str:
    return "redis+unix://" + redis_url.removeprefix("unix://") if redis_url.startswith("unix://") else redis_url


def _select_locale() -> str:
    """A visitor's choice, else their account's language, else the organiser's; outside a request (commands,
    jobs) the platform default, English, so operators' output reads the same everywhere."""
    from flask import current_app, has_request_context
    from flask_login import current_user

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in ("pl", "en"):
        return chosen
    if getattr(current_user, "is_authenticated", False) and getattr(current_user, "locale", None) in ("pl", "en"):
        return current_user.locale
    tenant = g.get("tenant")
    if tenant is not None:
        return tenant.locale
    return request.accept_languages.best_match(["pl", "en"]) or "pl"


def _select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.timezone if tenant is not None else "Europe/Warsaw"


def create_app(test_config: dict | None = None) -> Flask:
    root = Path(__file__).resolve().parent.parent
    app = Flask(__name__, instance_path=str(root / "instance"), instance_relative_config=True,
                template_folder=str(root / "templates"), static_folder=str(root / "static"))
    app.config.update(settings.DEFAULTS)
    if test_config is None or not test_config.get("SKIP_ENVIRONMENT"):
        app.config.update(settings.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.extensions["clock"] = app.config.get("CLOCK") or (
        FileClock(app.config["CLOCK_FILE"]) if app.config.get("CLOCK_FILE") else Clock())

    redis_url = app.config.get("REDIS_URL") or embedded_redis.ensure(Path(app.config["INSTANCE_DIR"]))
    app.config["REDIS_URL"] = redis_url
    app.extensions["redis"] = redis.Redis.from_url(redis_url)
    app.config.setdefault("RATELIMIT_STORAGE_URI", _limiter_uri(redis_url))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "portal-limits")
    # §11: Redis unreachable is no reason to fail every request — the limits fall back to the process's memory
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from portal import models  # noqa: F401 - every model registered before the guard and the data map run
    from portal.core import sqlite  # noqa: F401 - transactional SQLite for the embedded default
    from portal.tenancy import guard  # noqa: F401 - installs the tenant guard
    from portal.web import install

    install(app)
    logging.getLogger("rq").setLevel(logging.WARNING)
    return app
