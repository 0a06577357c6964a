"""The consent ledger (G-08) and the audit log (G-11)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import not_pii, pii
from portal.tenancy.models import TenantScoped

CONSENT_KINDS = ("terms", "privacy", "vendor_transfer", "marketing")
CHANNELS = ("web", "api", "import", "dpo")


class Consent(TenantScoped, db.Model):
    """One consent given by a person: what (kind, version, text hash), when, how; withdrawal ends it at once."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, info=not_pii())
    kind: Mapped[str] = mapped_column(String(20), info=not_pii())
    version: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    text_sha256: Mapped[str] = mapped_column(String(64), info=not_pii())
    channel: Mapped[str] = mapped_column(String(10), info=not_pii())
    given_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=now, info=pii("behavioural", basis="legal_obligation", retention="account"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info=pii("behavioural", basis="legal_obligation", retention="account"))


class AuditEntry(TenantScoped, db.Model):
    """Append-only: who did what to which object — ids only, never personal values (G-11)."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True, info=not_pii())
    actor_kind: Mapped[str] = mapped_column(String(12), info=not_pii())  # user | operator | system
    actor_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    action: Mapped[str] = mapped_column(String(60), info=not_pii())
    object_type: Mapped[str] = mapped_column(String(40), info=not_pii())
    object_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper, connection, target) -> None:  # noqa: ARG001 - SQLAlchemy event signature
    raise RuntimeError("the audit log is append-only")
