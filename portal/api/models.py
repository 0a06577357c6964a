"""API tables (SPEC §10): per-tenant API tokens with scopes, and the replay cache of ``Idempotency-Key`` POSTs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import not_pii
from portal.tenancy.models import TenantScoped


class ApiToken(TenantScoped, db.Model):
    """A tenant's API credential: only the SHA-256 of the random token is stored; the token is shown once.

    A token belongs to the organiser, not to a person, so it holds no personal data; ``created_by`` is the id of the
    organiser admin who created it (ids are not personal values, as in the audit log, G-11).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    name: Mapped[str] = mapped_column(String(100), info=not_pii())
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, info=not_pii())
    scopes: Mapped[list] = mapped_column(JSON, default=list, info=not_pii())
    created_by: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())


class IdempotencyKey(TenantScoped, db.Model):
    """A successful POST's outcome, replayed when the client retries with the same ``Idempotency-Key``.

    The response is stored as its status and ``response_ref`` — the ids of what it described (``{"id": 7}``,
    ``{"ids": [...]}``, ``{"period": 1}``) — never as the body: a body would copy partners' personal data into a
    cache that erasure (G-05) cannot reach. A replay renders those objects again. Kept for a day.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_id", "key"),
        Index("ix_idempotency_keys_age", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), info=not_pii())
    key: Mapped[str] = mapped_column(String(200), info=not_pii())
    method: Mapped[str] = mapped_column(String(10), info=not_pii())
    path: Mapped[str] = mapped_column(String(500), info=not_pii())
    request_sha256: Mapped[str] = mapped_column(String(64), info=not_pii())
    response_status: Mapped[int] = mapped_column(Integer, info=not_pii())
    response_ref: Mapped[dict] = mapped_column(JSON, default=dict, info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
