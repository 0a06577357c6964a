"""Writing the audit log (G-11): ids only, in the caller's transaction."""

from __future__ import annotations

from portal.extensions import db
from portal.privacy.models import AuditEntry


def record(actor: object | None, action: str, object_type: str, object_id: int | None) -> AuditEntry:
    """Append one entry. ``actor`` is a User, an Operator, an API token (``api.tokens.TokenActor``: the entry
    names the token, which names its creator) or None (the system, e.g. a scheduled job)."""
    if actor is None:
        kind, actor_id = "system", None
    elif getattr(actor, "token_id", None) is not None:
        kind, actor_id = "api_token", actor.token_id
    else:
        kind, actor_id = ("operator" if getattr(actor, "role", "") == "operator" else "user"), actor.id
    entry = AuditEntry(actor_kind=kind, actor_id=actor_id, action=action, object_type=object_type,
                       object_id=object_id)
    db.session.add(entry)
    return entry


def history(object_type: str, object_id: int) -> list[AuditEntry]:
    from sqlalchemy import select

    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                            AuditEntry.object_id == object_id)
                                   .order_by(AuditEntry.at, AuditEntry.id)))


def search(*, action: str | None = None, object_type: str | None = None, before: int | None = None,
           limit: int = 200) -> list[AuditEntry]:
    """G-11: the DPO's view of the audit log, newest first, filtered by bound parameters only; ``before`` (an
    entry's id) continues after that entry, so every entry can be reached page by page."""
    from sqlalchemy import and_, or_, select

    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if before is not None:
        last = db.session.get(AuditEntry, before)
        if last is None:
            return []
        query = query.where(or_(AuditEntry.at < last.at, and_(AuditEntry.at == last.at, AuditEntry.id < last.id)))
    return list(db.session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
