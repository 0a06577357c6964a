"""Tenants (organisers) and the mixin every tenant-owned table uses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import not_pii, pii

KINDS = ("distributor", "manufacturer", "saas_vendor")
STATUSES = ("active", "read_only", "deleted")


class Tenant(db.Model):
    """An organiser: a separate data controller with its own accounts, programmes and data."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    slug: Mapped[str] = mapped_column(String(40), unique=True, info=not_pii())
    name: Mapped[str] = mapped_column(String(200), info=not_pii())
    kind: Mapped[str] = mapped_column(String(20), info=not_pii())
    legal_name: Mapped[str] = mapped_column(String(200), info=not_pii())
    nip: Mapped[str] = mapped_column(String(10), info=not_pii())
    address: Mapped[str] = mapped_column(String(300), info=not_pii())
    dpo_name: Mapped[str] = mapped_column(
        String(200), info=pii("identity", basis="legal_obligation", retention="contract"))
    dpo_email: Mapped[str] = mapped_column(
        String(254), info=pii("contact", basis="legal_obligation", retention="contract"))
    locale: Mapped[str] = mapped_column(String(5), default="pl", info=not_pii())
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Warsaw", info=not_pii())
    currency: Mapped[str] = mapped_column(String(3), default="PLN", info=not_pii())
    status: Mapped[str] = mapped_column(String(12), default="active", info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())

    @property
    def is_open(self) -> bool:
        return self.status in ("active", "read_only")

    @property
    def refers(self) -> bool:
        """SPEC §7: the SaaS vendor's agencies refer prospects, so its pages and mails say "referral", not "lead"."""
        return self.kind == "saas_vendor"


class TenantScoped:
    """Mixin for tenant-owned tables: ``tenant_id`` first, indexed, filled from the current tenant on insert."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy's declared_attr convention
        return mapped_column(ForeignKey("tenants.id"), index=True, nullable=False, info=not_pii())

    def __init__(self, **kwargs):
        if "tenant_id" not in kwargs and "tenant" not in kwargs:
            from portal.tenancy.guard import current_tenant_id

            tid = current_tenant_id()
            if tid is None:
                raise RuntimeError(f"{type(self).__name__} created with no current tenant")
            kwargs["tenant_id"] = tid
        super().__init__(**kwargs)
