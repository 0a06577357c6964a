"""Registers for the DPO: records of processing (art. 30) from the data map, and the breach register (G-12)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from portal.core.labels import label
from portal.extensions import db
from portal.privacy.datamap import BASES, CATEGORIES, RETENTIONS, personal_columns
from portal.privacy.models import BreachRecord


def records_of_processing() -> list[dict]:
    """One group per category of data: which tables and columns hold it, on which basis, kept how long (C-08)."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for table, entries in personal_columns(db.metadata).items():
        for e in entries:
            groups[(e.category, e.basis, e.retention)].append(f"{table}.{e.column}")
    return [{"category": c, "category_text": label(c, "data.category", CATEGORIES[c]),
             "basis": label(b, "data.basis", BASES[b]), "retention": label(r, "data.retention", RETENTIONS[r]),
             "columns": sorted(cols)} for (c, b, r), cols in sorted(groups.items())]


def breaches() -> list[BreachRecord]:
    return list(db.session.scalars(select(BreachRecord).order_by(BreachRecord.discovered_at.desc())))


def record_breach_steps(breach_id: int, *, authority_notified: bool, subjects_decision: str, subjects_notified: bool,
                        clock, actor=None) -> BreachRecord:
    """C-05/G-12: the DPO's art. 33 notice to the authority (72 hours) and the art. 34 decision on telling people."""
    from portal.core.errors import NotFound
    from portal.privacy import audit

    row = db.session.get(BreachRecord, breach_id)
    if row is None:
        raise NotFound("No such breach.")
    if authority_notified and row.authority_notified_at is None:
        row.authority_notified_at = clock.now()
    if subjects_decision.strip():
        row.subjects_decision = subjects_decision.strip()
    if subjects_notified and row.subjects_notified_at is None:
        row.subjects_notified_at = clock.now()
    audit.record(actor, "breach.updated", "breach_record", row.id)
    return row
