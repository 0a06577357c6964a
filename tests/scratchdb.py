"""A throwaway PostgreSQL database beside a given one (tests, migrations check, benchmarks)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.config import database_url


def create(base: str, prefix: str) -> tuple[str, str, str]:
    """(url of the new database, its name, the admin url to drop it with)."""
    admin_url = make_url(database_url(base))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return (admin_url.set(database=name).render_as_string(hide_password=False), name,
            admin_url.render_as_string(hide_password=False))


def drop(name: str, admin: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@contextmanager
def scratch(base: str, prefix: str) -> Iterator[str]:
    url, name, admin = create(base, prefix)
    try:
        yield url
    finally:
        drop(name, admin)
