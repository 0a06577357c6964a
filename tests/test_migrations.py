"""The schema comes from Alembic migrations, on SQLite and PostgreSQL alike, and matches the models."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.extensions import db
from portal.privacy.residues import include_object
from tests import scratchdb
from tests.conftest import WORK, _config


def _migrate_and_compare(url: str, redis_url: str) -> None:
    app = create_app(_config(redis_url, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"render_as_batch": True, "include_object": include_object}), db.metadata)
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
    with scratchdb.scratch(base, "portal_migrations") as url:
        _migrate_and_compare(url, redis_url)


def test_the_latest_migration_steps_down_and_up_on_a_sqlite_database_holding_partners_and_leads(redis_url):
    """A step down must not re-create a table other tables point at while it holds rows (SQLite's foreign keys)."""
    from sqlalchemy import text

    from portal.tenancy.guard import across_tenants
    from tests import factories

    app = create_app(_config(redis_url, SQLALCHEMY_DATABASE_URI=f"sqlite:///{WORK / f'steps-{uuid.uuid4().hex}.db'}"))
    with app.app_context():
        upgrade()
        factories.subject_everywhere(factories.tenant("alpha", kind="distributor"), "zzsteps")
        db.session.commit()
        downgrade(revision="-1")
        upgrade()
        with across_tenants("the test counts what the steps kept"):
            assert db.session.execute(text("SELECT count(*) FROM partners")).scalar() == 1
            assert db.session.execute(text("SELECT count(*) FROM leads")).scalar() >= 1
        db.session.remove()
        db.engine.dispose()
