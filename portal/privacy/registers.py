"""Registers for the DPO: records of processing (art. 30) from the data map, and the breach register (G-12)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from portal.extensions import db
from portal.privacy.datamap import BASES, CATEGORIES, RETENTIONS, personal_columns
from portal.privacy.models import BreachRecord


def records_of_processing() -> list[dict]:
    """One group per category of data: which tables and columns hold it, on which basis, kept how long (C-08)."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for table, entries in personal_columns(db.metadata).items():
        for e in entries:
            groups[(e.category, e.basis, e.retention)].append(f"{table}.{e.column}")
    return [{"category": c, "category_text": CATEGORIES[c], "basis": BASES[b], "retention": RETENTIONS[r],
             "columns": sorted(cols)} for (c, b, r), cols in sorted(groups.items())]


def breaches() -> list[BreachRecord]:
    return list(db.session.scalars(select(BreachRecord).order_by(BreachRecord.discovered_at.desc())))
