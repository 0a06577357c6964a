"""Platform records (SPEC §3): contracts with tenants, deletion certificates, breaches, sub-processors.

These are the processor's own records: they hold no participant's personal data and outlive a tenant's data.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import not_pii
from portal.privacy.models import BreachContent
from portal.tenancy.models import TenantScoped


class Contract(db.Model):
    """C-01: start, fixed term, auto-renewal unless notice 30 days before the end; C-03 termination."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True, info=not_pii())
    starts_on: Mapped[date] = mapped_column(Date, info=not_pii())
    term_months: Mapped[int] = mapped_column(Integer, info=not_pii())
    current_end: Mapped[date] = mapped_column(Date, info=not_pii())
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True, info=not_pii())
    notice_given_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    pricing: Mapped[dict] = mapped_column(JSON, default=dict, info=not_pii())
    ended_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    end_ground: Mapped[str | None] = mapped_column(String(40), info=not_pii())
    customer_fault: Mapped[bool] = mapped_column(Boolean, default=False, info=not_pii())
    export_until: Mapped[date | None] = mapped_column(Date, info=not_pii())
    delete_by: Mapped[date | None] = mapped_column(Date, info=not_pii())
    max_tier_reached: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())


class DeletionCertificate(db.Model):
    """C-04: what was deleted when the contract ended — counts per table, when, by which job, a digest."""

    __tablename__ = "deletion_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    tenant_id: Mapped[int] = mapped_column(Integer, index=True, info=not_pii())
    tenant_slug: Mapped[str] = mapped_column(String(40), info=not_pii())
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    job_id: Mapped[str] = mapped_column(String(80), default="", info=not_pii())
    counts: Mapped[dict] = mapped_column(JSON, default=dict, info=not_pii())
    files: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())
    redis_keys: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())
    digest: Mapped[str | None] = mapped_column(String(64), info=not_pii())


class PlatformBreach(BreachContent, db.Model):
    """C-05: a breach the operator records; each affected tenant's DPO is told within 24 hours of discovery."""

    __tablename__ = "platform_breaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    tenant_ids: Mapped[list] = mapped_column(JSON, default=list, info=not_pii())
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())


class SubProcessor(db.Model):
    """C-07: the platform's sub-processors; a new one is announced to every DPO 7 days ahead."""

    __tablename__ = "sub_processors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    name: Mapped[str] = mapped_column(String(200), info=not_pii())
    purpose: Mapped[str] = mapped_column(Text, info=not_pii())
    location: Mapped[str] = mapped_column(String(100), info=not_pii())
    outside_eea: Mapped[bool] = mapped_column(Boolean, default=False, info=not_pii())
    announced_on: Mapped[date] = mapped_column(Date, info=not_pii())
    # the moment, against an organiser's joining the same day (C-07); none on rows announced before it was kept
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    effective_from: Mapped[date] = mapped_column(Date, info=not_pii())


class SubprocessorAnswer(TenantScoped, db.Model):
    """C-07, DPA §4.7–4.8: an organiser's answer to a sub-processor announced after it joined — its consent, without
    which none of its data is entrusted to that sub-processor, or its objection. The latest answer stands."""

    __tablename__ = "subprocessor_answers"
    __table_args__ = (UniqueConstraint("tenant_id", "subprocessor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    subprocessor_id: Mapped[int] = mapped_column(ForeignKey("sub_processors.id"), info=not_pii())
    answer: Mapped[str] = mapped_column(String(10), info=not_pii())  # consent | objection
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    answered_by: Mapped[int | None] = mapped_column(Integer, info=not_pii())  # the DPO's account id


class AuditRequest(db.Model):
    """C-06: a tenant's processing audit — at most once per calendar year, answered within 30 days of receipt; after it
    the organiser may ask for an inspection (DPA §5.3). Also a written request for information about the processing
    (``form="information"``), answered within 14 days (DPA §4.2)."""

    __tablename__ = "audit_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True, info=not_pii())
    requested_on: Mapped[date] = mapped_column(Date, info=not_pii())
    questionnaire: Mapped[str] = mapped_column(Text, info=not_pii())
    answer_due: Mapped[date] = mapped_column(Date, info=not_pii())
    answered_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    answer: Mapped[str | None] = mapped_column(Text, info=not_pii())
    # DPA §5.3: after the questionnaire the organiser may ask for an audit in another form (an inspection), which
    # starts on an agreed day no sooner than 10 business days after the request was received
    form: Mapped[str] = mapped_column(String(20), default="questionnaire", server_default="questionnaire",
                                      info=not_pii())
    starts_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
