"""One change of one row at a time (SPEC §11 on PostgreSQL, READ COMMITTED).

A service that checks a row's state and then changes it ("not decided yet", "still open", "enough points") reads
it through ``locked`` first: the row is locked until the transaction ends (``SELECT … FOR UPDATE``) and reloaded as
committed, so two requests sent at once (a double click, a retried call, two staff members) are served one after the
other, and the second sees what the first did. SQLite serialises writers itself and ignores the lock.
"""

from __future__ import annotations

from typing import TypeVar

from portal.extensions import db

Row = TypeVar("Row")


def locked(row: Row) -> Row:
    """``row`` locked for the rest of the transaction and reloaded from the database; returned for chaining."""
    db.session.flush()  # the caller's own pending changes are written, not discarded by the reload
    db.session.refresh(row, with_for_update=True)
    return row
