"""Accounts: per tenant (the same e-mail at two organisers is two accounts), and platform operators apart."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import Subject, not_pii, pii
from portal.tenancy.models import TenantScoped

ADMIN, STAFF, DPO, PARTICIPANT = "admin", "staff", "dpo", "participant"
ROLES = (ADMIN, STAFF, DPO, PARTICIPANT)


class User(TenantScoped, db.Model):
    """A person's account at one organiser, with one role there."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    email: Mapped[str] = mapped_column(
        String(254), info=pii("contact", basis="contract", retention="account", subject_key=True))
    password_hash: Mapped[str | None] = mapped_column(
        String(200), info=pii("credentials", basis="contract", retention="account"))
    role: Mapped[str] = mapped_column(String(12), info=not_pii())
    first_name: Mapped[str] = mapped_column(
        String(100), default="", info=pii("identity", basis="contract", retention="account", subject_key=True))
    last_name: Mapped[str] = mapped_column(
        String(100), default="", info=pii("identity", basis="contract", retention="account", subject_key=True))
    phone: Mapped[str] = mapped_column(
        String(30), default="", info=pii("contact", basis="contract", retention="account", subject_key=True))
    company_name: Mapped[str] = mapped_column(
        String(200), default="", info=pii("identity", basis="contract", retention="account"))
    nip: Mapped[str] = mapped_column(
        String(10), default="", info=pii("tax", basis="contract", retention="account", subject_key=True))
    locale: Mapped[str] = mapped_column(String(5), default="pl", info=not_pii())
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True, info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())  # G-07
    marketing_objection_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())  # G-09
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())  # G-05
    last_login_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info=pii("behavioural", basis="legitimate_interest", retention="account"))
    # part of the session's id: raising it ends every session opened before (logout, password reset)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0", info=not_pii())

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"u:{self.tenant_id}:{self.id}:{self.session_epoch or 0}"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


class PasswordResetToken(TenantScoped, db.Model):
    """A one-time password reset link: only the token's SHA-256 is stored."""

    __tablename__ = "password_reset_tokens"
    __subject__ = Subject("user_id", "users", "delete")

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, info=not_pii())
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, info=not_pii())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info=not_pii())
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())


class Operator(db.Model):
    """A platform operator (the SaaS vendor's staff): sees tenants and contracts, not participants' data."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    email: Mapped[str] = mapped_column(
        String(254), unique=True, info=pii("contact", basis="contract", retention="account"))
    name: Mapped[str] = mapped_column(String(200), info=pii("identity", basis="contract", retention="account"))
    password_hash: Mapped[str] = mapped_column(
        String(200), info=pii("credentials", basis="contract", retention="account"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0", info=not_pii())

    is_active = True
    is_authenticated = True
    is_anonymous = False
    role = "operator"

    def get_id(self) -> str:
        return f"op:{self.id}:{self.session_epoch or 0}"

    @property
    def display_name(self) -> str:
        return self.name
