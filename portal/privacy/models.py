"""The consent ledger (G-08) and the audit log (G-11)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import Subject, not_pii, pii
from portal.tenancy.models import TenantScoped

CONSENT_KINDS = ("terms", "privacy", "vendor_transfer", "marketing")
CHANNELS = ("web", "api", "import", "dpo")


class Consent(TenantScoped, db.Model):
    """One consent given by a person: what (kind, version, text hash), when, how; withdrawal ends it at once."""

    __tablename__ = "consents"
    __subject__ = Subject("user_id", "users", "delete")

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
    actor_kind: Mapped[str] = mapped_column(String(12), info=not_pii())  # user | operator | api_token | system
    actor_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    action: Mapped[str] = mapped_column(String(60), info=not_pii())
    object_type: Mapped[str] = mapped_column(String(40), info=not_pii())
    object_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper, connection, target) -> None:  # noqa: ARG001 - SQLAlchemy event signature
    raise RuntimeError("the audit log is append-only")


REQUEST_KINDS = ("access", "portability", "erasure", "restriction", "rectification", "objection", "withdraw_consent")


class DataSubjectRequest(TenantScoped, db.Model):
    """A data-subject request (G-01 … G-03) from its intake to the answer."""

    __tablename__ = "subject_requests"
    __table_args__ = (UniqueConstraint("tenant_id", "reference"), Index("ix_requests_queue", "tenant_id", "status",
                                                                         "due_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    reference: Mapped[str] = mapped_column(String(24), info=not_pii())
    kind: Mapped[str] = mapped_column(String(20), info=not_pii())
    channel: Mapped[str] = mapped_column(String(12), info=not_pii())  # account | public | dpo
    user_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    requester_email: Mapped[str | None] = mapped_column(
        String(254), info=pii("contact", basis="legal_obligation", retention="request", subject_key=True))
    requester_name: Mapped[str | None] = mapped_column(
        String(200), info=pii("identity", basis="legal_obligation", retention="request"))
    # the requester's language: every mail about the request is in it (§9), also to an address without an account
    locale: Mapped[str | None] = mapped_column(String(5), info=not_pii())
    details: Mapped[str | None] = mapped_column(Text, info=pii("content", basis="legal_obligation",
                                                               retention="request"))
    received_on: Mapped[date] = mapped_column(Date, info=not_pii())
    due_on: Mapped[date] = mapped_column(Date, info=not_pii())
    extended_to: Mapped[date | None] = mapped_column(Date, info=not_pii())
    extension_reason: Mapped[str | None] = mapped_column(Text, info=not_pii())
    verification: Mapped[str] = mapped_column(String(10), default="pending", info=not_pii())
    verify_sha256: Mapped[str | None] = mapped_column(String(64), info=not_pii())
    verify_attempts: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())
    # G-02: the day the one-time link was mailed; its 7 days count from then, not from a backdated receipt
    link_sent_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    verification_note: Mapped[str | None] = mapped_column(Text, info=pii("content", basis="legal_obligation",
                                                                         retention="request"))
    status: Mapped[str] = mapped_column(String(12), default="open", info=not_pii())  # open|done|rejected|expired
    outcome: Mapped[str | None] = mapped_column(Text, info=pii("content", basis="legal_obligation",
                                                               retention="request"))
    residues: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    closed_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    reduced_on: Mapped[date | None] = mapped_column(Date, info=not_pii())


class ErasureLog(TenantScoped, db.Model):
    """What one erasure changed, per table (counts only): proof for the DPO and the replay list after a restore."""

    __tablename__ = "erasure_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    request_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    user_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())  # None: a contact person without an account
    counts: Mapped[dict] = mapped_column(JSON, default=dict, info=not_pii())
    retained: Mapped[list] = mapped_column(JSON, default=list, info=not_pii())
    residues: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())
    # where the residues are: table, row id and column names — never the values (shown to the DPO, G-05)
    residue_rows: Mapped[list | None] = mapped_column(JSON, default=list, info=not_pii())
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())


class ExportBundle(TenantScoped, db.Model):
    """An access/portability bundle (G-04): a zip on disk, a single-use link that expires after 7 days."""

    __tablename__ = "export_bundles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_requests.id", ondelete="CASCADE"), info=not_pii())
    filename: Mapped[str] = mapped_column(String(80), info=not_pii())
    token_sha256: Mapped[str] = mapped_column(String(64), info=not_pii())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info=not_pii())
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())


class BreachContent:
    """What the DPA requires a breach notice to say (DPA §4.11.2, GDPR art. 33(3)); no personal data."""

    discovered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info=not_pii())
    nature: Mapped[str] = mapped_column(Text, info=not_pii())
    categories: Mapped[str] = mapped_column(Text, default="", info=not_pii())
    # DPA §4.11.2: approximate numbers; None while not yet known (told later, never as 0)
    people: Mapped[int | None] = mapped_column(Integer, nullable=True, info=not_pii())
    records: Mapped[int | None] = mapped_column(Integer, nullable=True, info=not_pii())
    contact: Mapped[str] = mapped_column(Text, default="", info=not_pii())
    consequences: Mapped[str] = mapped_column(Text, default="", info=not_pii())
    measures: Mapped[str] = mapped_column(Text, default="", info=not_pii())


class BreachRecord(BreachContent, TenantScoped, db.Model):
    """The tenant's breach register (G-12, C-05): the 72-hour authority deadline and the data-subject notice."""

    __tablename__ = "breach_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    authority_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info=not_pii())
    authority_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    subjects_decision: Mapped[str | None] = mapped_column(Text, info=not_pii())
    subjects_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    platform_breach_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())
