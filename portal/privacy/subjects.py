"""Finding everything that belongs to a data subject, from the data map's subject links (G-04, G-05).

Every table with personal data declares ``__subject__ = Subject(via, owner, erase)``: its rows belong to whoever
owns the ``owner`` row it points at; ``users`` is the root. A new table is covered by its declaration alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.privacy.datamap import Subject, personal_columns

ROOT = "users"
# Tables with personal data that are not a participant's: the platform's own and the tenant's identity.
NOT_SUBJECT_DATA = {"tenants", "operators", "customer_facts", "subject_requests"}


@dataclass
class Owned:
    model: type
    subject: Subject | None
    ids: list[int]


def models_by_table() -> dict[str, type]:
    return {m.class_.__tablename__: m.class_ for m in db.Model.registry.mappers}


def links() -> dict[str, Subject]:
    return {table: model.__subject__ for table, model in models_by_table().items() if hasattr(model, "__subject__")}


def unlinked_personal_tables() -> list[str]:
    """Tables holding personal data that no subject link reaches: the completeness test wants none."""
    linked = set(links()) | {ROOT} | NOT_SUBJECT_DATA
    return sorted(t for t in personal_columns(db.metadata) if t not in linked)


def owned_by(user_id: int) -> dict[str, Owned]:
    """Every row of every linked table that belongs to the user, table by table (the current tenant's)."""
    models = models_by_table()
    found: dict[str, Owned] = {ROOT: Owned(models[ROOT], None, [user_id])}
    pending = dict(links())
    while pending:
        progressed = False
        for table, subject in list(pending.items()):
            if subject.owner not in found:
                continue
            model = models[table]
            owner_ids = found[subject.owner].ids
            ids = list(db.session.scalars(select(model.id).where(getattr(model, subject.via).in_(owner_ids)))) \
                if owner_ids else []
            found[table] = Owned(model, subject, ids)
            del pending[table]
            progressed = True
        if not progressed:
            raise RuntimeError(f"subject links never reach users: {sorted(pending)}")
    return found


@dataclass
class Identifiers:
    """Strong identifiers (e-mail, phone, NIP, PESEL) are searched everywhere; a full name — shared by many
    people — only in free-text columns, where someone may have written about the subject."""

    strong: list[str]
    names: list[str]

    @classmethod
    def of(cls, strong: set[str], names: set[str]) -> Identifiers:
        """Those worth searching for: at least 5 characters (a shorter value matches too much), no value an earlier
        erasure already masked, and a name only when it is a full name (first and last)."""
        return cls(sorted(v for v in strong if len(v) >= 5 and not v.startswith(("erased-", "~"))),
                   sorted(n for n in names if " " in n and len(n) >= 5))


def identifiers(found: dict[str, Owned]) -> Identifiers:
    """The subject's identifying values, from every ``subject_key`` column of the rows found."""
    entries = personal_columns(db.metadata)
    strong: set[str] = set()
    names: set[str] = set()
    for table, owned in found.items():
        keys = [e for e in entries.get(table, []) if e.subject_key]
        if not keys or not owned.ids:
            continue
        model = owned.model
        for row in db.session.execute(select(*[getattr(model, e.column) for e in keys])
                                      .where(model.id.in_(owned.ids))):
            values = dict(zip([e.column for e in keys], row, strict=True))
            strong.update(str(values[e.column]) for e in keys if e.category != "identity" and values[e.column])
            full = " ".join(str(values[e.column]) for e in keys if e.category == "identity" and values[e.column])
            if full:
                names.add(full)
    return Identifiers.of(strong, names)
