"""Programme definitions and the terms / information-clause texts, both versioned (SPEC §4, E-03)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import not_pii
from portal.tenancy.models import TenantScoped

DOCUMENT_KINDS = ("terms", "privacy")


class ProgrammeVersion(TenantScoped, db.Model):
    """One version of a programme definition; the one in force on a day is the latest ``effective_from`` ≤ day."""

    __tablename__ = "programme_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    code: Mapped[str] = mapped_column(String(60), info=not_pii())
    version: Mapped[int] = mapped_column(Integer, info=not_pii())
    effective_from: Mapped[date] = mapped_column(Date, info=not_pii())
    definition: Mapped[dict] = mapped_column(JSON, info=not_pii())
    sha256: Mapped[str] = mapped_column(String(64), info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())


class DocumentVersion(TenantScoped, db.Model):
    """A published text a participant accepts: the terms (regulamin) or the information clause, per language."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "version", "locale"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    kind: Mapped[str] = mapped_column(String(12), info=not_pii())
    version: Mapped[int] = mapped_column(Integer, info=not_pii())
    locale: Mapped[str] = mapped_column(String(5), info=not_pii())
    body: Mapped[str] = mapped_column(Text, info=not_pii())
    sha256: Mapped[str] = mapped_column(String(64), info=not_pii())
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
