"""The residue scan after an erasure (G-05): every row of the tenant still holding one of the subject's identifiers.

Strong identifiers (e-mail, phone, NIP, PESEL) are looked for in every text and JSON column that the data map says
may hold personal data, in every tenant table; a full name only in free-text columns. Columns classified as not
personal (codes, hashes, generated explanations) are held to that classification by the canary test of the
erasure (tests/privacy/test_erasure.py), which reads every column of every table; leaving them out of the
production scan keeps the index small, so writes of settlement lines, ledger entries and leads stay cheap.

The scan runs in two steps so that it costs the same in a tenant of a thousand or of a hundred thousand
participants:

1. *Candidates*: per table, one query over a single expression that joins all its text columns
   (``residue_expression``); on PostgreSQL a trigram index on that expression (``ensure_indexes``, created by the
   migrations) answers ``ILIKE '%identifier%'`` without reading the table.
2. *Check*: the few candidate rows are read and each column is tested exactly — legally retained columns
   excepted, names only in free text — so a namesake in a name column or a match across two columns is not a
   residue.

Without the index (SQLite, or a database whose index is missing) the same query reads the table: slower, same answer.
"""

from __future__ import annotations

import logging

from sqlalchemy import JSON, Connection, String, Table, Text, inspect, literal_column, or_, select, text

from portal.extensions import db
from portal.privacy.datamap import personal_columns

log = logging.getLogger(__name__)
SKIPPED_TABLES = ("erasure_logs", "subject_requests")  # the request's own record is reduced later (G-05)


def scanned_tables(metadata) -> list[Table]:
    return [t for t in metadata.sorted_tables if "tenant_id" in t.columns and t.name not in SKIPPED_TABLES
            and text_columns(t)]


def text_columns(table: Table, present: set[str] | None = None) -> list:
    """The table's text and JSON columns that the data map says may hold personal data (free text included)."""
    personal = {name for name, column in table.columns.items() if _personal(column)}
    return [c for c in table.columns if isinstance(c.type, String | Text | JSON) and c.name in personal
            and (present is None or c.name in present)]


def _personal(column) -> bool:
    entry = column.info.get("datamap")
    return bool(entry and entry.personal and entry.category != "credentials")


def residue_expression(table: Table, present: set[str] | None = None) -> str:
    """The SQL of one text joining the table's text columns (the same text in the index and in the query)."""
    parts = [f'coalesce(CAST("{c.name}" AS TEXT), \'\')' for c in text_columns(table, present)]
    return " || ' ' || ".join(parts)


def index_name(table: Table) -> str:
    return f"ix_{table.name}_residue"[:63]


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic autogenerate: leave the residue indexes out (they follow the data map, see ``ensure_indexes``)."""
    return not (type_ == "index" and reflected and compare_to is None and (name or "").endswith("_residue"))


def drop_indexes(connection: Connection, metadata) -> None:
    if connection.dialect.name == "postgresql":
        for table in scanned_tables(metadata):
            connection.execute(text(f'DROP INDEX IF EXISTS "{index_name(table)}"'))


def ensure_indexes(connection: Connection, metadata) -> None:
    """PostgreSQL: one trigram index per tenant table on its residue expression, (re)built when the table's text
    columns changed. Migrations that add or remove text columns of tenant tables call this again."""
    if connection.dialect.name != "postgresql":
        return
    try:
        with connection.begin_nested():
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception as error:  # noqa: BLE001 - the scan stays correct without it, only slower
        log.warning("pg_trgm is not available (%s); the residue scan will read whole tables", error)
        return
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    for table in scanned_tables(metadata):
        if table.name not in existing:
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        expression = residue_expression(table, present)
        if not expression:
            continue
        wanted = f"{table.name}:{expression}"
        name = index_name(table)
        current = connection.scalar(text("SELECT obj_description(to_regclass(:n), 'pg_class')"), {"n": name})
        if current == wanted:
            continue
        connection.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE INDEX "{name}" ON "{table.name}" USING gin (({expression}) gin_trgm_ops)'))
        connection.execute(text(f"COMMENT ON INDEX \"{name}\" IS {_quote(wanted)}"))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _escape(key: str) -> str:
    return key.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _probe(key: str) -> str:
    """The part of an identifier the index is asked for: an e-mail without its domain (``example.com`` is in
    every other row and would make the index read them all); the exact check afterwards uses the whole key."""
    local, at, _ = key.partition("@")
    return f"{local}@" if at and len(local) >= 3 else key


def count(keys, retained: list[dict], tenant_id: int) -> int:
    """Rows of the tenant still holding one of the subject's identifiers outside legally retained columns."""
    return len(locate(keys, retained, tenant_id))


def locate(keys, retained: list[dict], tenant_id: int) -> list[dict]:
    """Where the residues are: ``{"table", "id", "columns"}`` per row — the record and fields the DPO opens, never
    the value found (G-05)."""
    if not keys.strong and not keys.names:
        return []
    skip = {(r["table"], c) for r in retained for c in r["columns"]}
    free_text = {(e.table, e.column) for entries in personal_columns(db.metadata).values() for e in entries
                 if e.category == "content"}
    strong = [k.casefold() for k in keys.strong]
    names = [k.casefold() for k in keys.names]
    found: list[dict] = []
    for table in scanned_tables(db.metadata):
        columns = text_columns(table)
        searched = {c.name: strong + (names if (table.name, c.name) in free_text else []) for c in columns
                    if (table.name, c.name) not in skip}
        wanted = sorted({k for ks in searched.values() for k in ks})
        if not wanted:
            continue
        expression = literal_column(f"({residue_expression(table)})", Text)
        candidates = db.session.execute(
            select(table.c.id.label("__id"),
                   *(literal_column(f'CAST("{c.name}" AS TEXT)', Text).label(c.name) for c in columns))
            .select_from(table)
            .where(table.c.tenant_id == tenant_id,
                   or_(*(expression.ilike(f"%{_escape(_probe(k))}%", escape="/") for k in wanted)))
            .order_by(table.c.id))
        for row in candidates:
            values = row._mapping
            hit = [name for name, ks in searched.items() if any(k in (values[name] or "").casefold() for k in ks)]
            if hit:
                found.append({"table": table.name, "id": values["__id"], "columns": hit})
    return found
