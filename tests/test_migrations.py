"""The schema comes from Alembic migrations, on SQLite and PostgreSQL alike, and matches the models."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import database_url
from portal.extensions import db
from tests.conftest import WORK, _config


def _migrate_and_compare(url: str, redis_url: str) -> None:
    app = create_app(_config(redis_url, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), db.metadata)
        assert diff == [], diff
        assert "users" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "users" not in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_migrations_build_an_empty_sqlite_database(redis_url):
    _migrate_and_compare(f"sqlite:///{WORK / f'migrations-{uuid.uuid4().hex}.db'}", redis_url)


def test_migrations_build_an_empty_postgresql_database(redis_url):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith(("postgres", "postgresql")):
        pytest.skip("TEST_DATABASE_URL is not PostgreSQL (the embedded-default run)")
    admin_url = make_url(database_url(base))
    name = f"portal_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _migrate_and_compare(admin_url.set(database=name).render_as_string(hide_password=False), redis_url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
