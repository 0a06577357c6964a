"""Terms (regulamin) and information clause: versioned texts a participant accepts by version and hash (E-03)."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from portal.core.clock import Clock
from portal.extensions import db
from portal.programmes.models import DOCUMENT_KINDS, DocumentVersion

__all__ = ["DOCUMENT_KINDS", "current", "publish", "sha256", "to_accept"]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current(kind: str, locale: str) -> DocumentVersion | None:
    """The latest published version of ``kind`` in ``locale`` (falling back to any language of that version)."""
    latest = db.session.scalar(select(func.max(DocumentVersion.version)).where(DocumentVersion.kind == kind))
    if latest is None:
        return None
    rows = db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.kind == kind, DocumentVersion.version == latest)).all()
    return next((r for r in rows if r.locale == locale), rows[0] if rows else None)


def current_version(kind: str) -> int | None:
    """The number of the latest published version of ``kind`` (None before the first)."""
    return db.session.scalar(select(func.max(DocumentVersion.version)).where(DocumentVersion.kind == kind))


def publish(tenant_id: int, kind: str, texts: dict[str, str], *, clock: Clock) -> int:
    """Publish a new version of ``kind`` with one text per language, unless it equals the current one."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind {kind}")
    latest = current_version(kind)
    if latest is not None:
        existing = {r.locale: r.sha256 for r in db.session.scalars(
            select(DocumentVersion).where(DocumentVersion.kind == kind, DocumentVersion.version == latest))}
        if existing == {loc: sha256(text) for loc, text in texts.items()}:
            return latest
    version = (latest or 0) + 1
    for locale, text in texts.items():
        db.session.add(DocumentVersion(tenant_id=tenant_id, kind=kind, version=version, locale=locale, body=text,
                                       sha256=sha256(text), published_at=clock.now()))
    db.session.flush()
    return version


def to_accept(user) -> list[DocumentVersion]:
    """Documents whose current version this participant has not accepted yet (shown at next login, E-03)."""
    from portal.privacy import consents

    missing = []
    for kind in DOCUMENT_KINDS:
        doc = current(kind, user.locale)
        if doc is None:
            continue
        given = consents.active(user.id, kind)
        if given is None or given.version != doc.version:
            missing.append(doc)
    return missing
