"""SQLite as a real transactional database for the embedded default.

pysqlite only opens a transaction before DML, so a SAVEPOINT issued first (as every bulk import's per-row
savepoint is) would be released straight into the database. SQLAlchemy's documented remedy: turn off the
driver's own transaction handling and emit BEGIN ourselves. Foreign keys on, WAL so the worker and the web
server can work side by side, and a busy timeout instead of instant "database is locked" errors.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _configure(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection) -> None:
    """Processes sharing the file (``make run``: web and worker) begin IMMEDIATE (their engines say so, see
    ``config.from_environment``): with a deferred BEGIN a transaction that read before another process committed
    cannot write at all (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not wait out)."""
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get("sqlite_begin_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
