"""The transactional outbox: a notification row is written in the same transaction as the event (SPEC §9)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import Subject, not_pii, pii
from portal.tenancy.models import TenantScoped

# e-mail states: pending → sending → sent; a failed try goes back to pending with a later next_attempt_at;
# after MAIL_MAX_ATTEMPTS it is failed (shown to the operator). skipped: no e-mail for this notice.
MAIL_STATES = ("pending", "sending", "sent", "failed", "skipped")


class Notification(TenantScoped, db.Model):
    __tablename__ = "notifications"
    __subject__ = Subject("user_id", "users", "delete")
    __table_args__ = (Index("ix_notifications_due", "mail_state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                                info=not_pii())
    # a notice to someone without an account (a public privacy request's verification link)
    to_email: Mapped[str | None] = mapped_column(String(254), info=pii("contact", basis="legal_obligation",
                                                                       retention="short"))
    locale: Mapped[str | None] = mapped_column(String(5), info=not_pii())
    kind: Mapped[str] = mapped_column(String(60), info=not_pii())
    params: Mapped[dict] = mapped_column(JSON, default=dict, info=pii("content", basis="contract", retention="account"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    mail_state: Mapped[str] = mapped_column(String(10), default="pending", info=not_pii())
    attempts: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    last_error: Mapped[str | None] = mapped_column(
        Text, info=pii("technical", basis="legitimate_interest", retention="short"))
