"""Writing many rows at once: PostgreSQL's COPY where the database has it, one multi-row INSERT otherwise.

Used where a job writes tens of thousands of derived rows in one transaction (a settlement's lines): COPY streams
them in one round trip, several times faster than even batched INSERTs. The rows go through the session's own
connection, so they belong to the caller's transaction and roll back with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table, insert

from portal.extensions import db


def insert_rows(table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table`` within the current transaction."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        names = ", ".join(f'"{c}"' for c in columns)
        with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if batch:
        connection.execute(insert(table), batch)
