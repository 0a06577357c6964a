"""Writing the audit log (G-11): ids only, in the caller's transaction."""

from __future__ import annotations

from portal.extensions import db
from portal.privacy.models import AuditEntry


def record(actor: object | None, action: str, object_type: str, object_id: int | None) -> AuditEntry:
    """Append one entry. ``actor`` is a User, an Operator or None (the system, e.g. a scheduled job)."""
    if actor is None:
        kind, actor_id = "system", None
    else:
        kind, actor_id = ("operator" if getattr(actor, "role", "") == "operator" else "user"), actor.id
    entry = AuditEntry(actor_kind=kind, actor_id=actor_id, action=action, object_type=object_type,
                       object_id=object_id)
    db.session.add(entry)
    return entry
