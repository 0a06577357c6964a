"""Installer loyalty programmes (SPEC §6): installers, devices, the points ledger, rewards and orders, complaints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import Subject, not_pii, pii
from portal.tenancy.models import TenantScoped

MONEY = Numeric(14, 2)


class Installer(TenantScoped, db.Model):
    """A participant's programme membership: status, activation, exclusion and the data a reward needs."""

    __tablename__ = "installers"
    __subject__ = Subject("user_id", "users", "mask")
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=not_pii())
    business: Mapped[bool] = mapped_column(Boolean, default=True, info=not_pii())
    employee: Mapped[bool] = mapped_column(Boolean, default=False, info=not_pii())
    # P-01: the joining declarations the organiser decides an applicant on (None: joined before they were kept)
    declared_heating: Mapped[bool | None] = mapped_column(Boolean, info=not_pii())
    declared_adult: Mapped[bool | None] = mapped_column(Boolean, info=not_pii())
    status: Mapped[str] = mapped_column(String(20), default="installer", info=not_pii())
    status_reason: Mapped[str] = mapped_column(Text, default="", info=not_pii())
    approval: Mapped[str] = mapped_column(String(10), default="approved", info=not_pii())  # approved|pending|refused
    registered_on: Mapped[date] = mapped_column(Date, info=not_pii())
    approved_on: Mapped[date | None] = mapped_column(Date, info=not_pii())  # the organiser's approval (P-01)
    activated_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    excluded_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    exclusion_ground: Mapped[str | None] = mapped_column(String(20), info=not_pii())
    exclusion_note: Mapped[str | None] = mapped_column(Text, info=pii("content", basis="contract", retention="account"))
    left_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    tax_id: Mapped[str | None] = mapped_column(String(11), info=pii("tax", basis="legal_obligation", retention="tax_5y",
                                                                    subject_key=True))
    home_address: Mapped[str | None] = mapped_column(String(300), info=pii("contact", basis="legal_obligation",
                                                                           retention="tax_5y", subject_key=True))
    birth_date: Mapped[date | None] = mapped_column(Date, info=pii("tax", basis="legal_obligation", retention="tax_5y"))
    # P-29: the name for the PIT-8C form, kept with the tax data (the account's own name is erased on leaving)
    tax_first_name: Mapped[str | None] = mapped_column(String(100), info=pii("identity", basis="legal_obligation",
                                                                             retention="tax_5y"))
    tax_last_name: Mapped[str | None] = mapped_column(String(100), info=pii("identity", basis="legal_obligation",
                                                                            retention="tax_5y"))
    delivery_address: Mapped[str | None] = mapped_column(String(300), info=pii("contact", basis="contract",
                                                                               retention="account", subject_key=True))
    employer_acceptance_file: Mapped[str | None] = mapped_column(String(80), info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())


class StatusEvidence(TenantScoped, db.Model):
    """An organiser's record of a status criterion (P-03): training, sales or promotional activity."""

    __tablename__ = "status_evidence"
    __subject__ = Subject("installer_id", "installers", "delete")

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    installer_id: Mapped[int] = mapped_column(ForeignKey("installers.id", ondelete="CASCADE"), index=True,
                                              info=not_pii())
    criterion: Mapped[str] = mapped_column(String(30), info=not_pii())
    recorded_on: Mapped[date] = mapped_column(Date, info=not_pii())
    revoked_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    note: Mapped[str] = mapped_column(Text, default="", info=pii("content", basis="contract", retention="account"))


class InstallerStatus(TenantScoped, db.Model):
    """P-02/P-03: the status a participant held from a day on — at joining, raised by the criteria, a title granted or
    withdrawn, ``excluded`` from an exclusion (P-32) until a re-join — so that a past day's statement gives that day's
    status (FORMATS: ``points statement --as-of``)."""

    __tablename__ = "installer_statuses"
    __subject__ = Subject("installer_id", "installers", "delete")
    __table_args__ = (Index("ix_installer_statuses_installer", "tenant_id", "installer_id", "from_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    installer_id: Mapped[int] = mapped_column(ForeignKey("installers.id", ondelete="CASCADE"), info=not_pii())
    status: Mapped[str] = mapped_column(String(20), info=not_pii())
    from_on: Mapped[date] = mapped_column(Date, info=not_pii())


class Device(TenantScoped, db.Model):
    """An installed device a participant registered (P-05); one serial number earns once."""

    __tablename__ = "devices"
    __subject__ = Subject("installer_id", "installers", "mask")
    __table_args__ = (UniqueConstraint("tenant_id", "serial"), Index("ix_devices_installer", "tenant_id",
                                                                     "installer_id", "registered_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    installer_id: Mapped[int] = mapped_column(ForeignKey("installers.id", ondelete="CASCADE"), info=not_pii())
    serial: Mapped[str] = mapped_column(String(60), info=not_pii())
    model_code: Mapped[str] = mapped_column(String(40), info=not_pii())
    production_code: Mapped[str] = mapped_column(String(10), info=not_pii())
    installed_on: Mapped[date] = mapped_column(Date, info=not_pii())
    registered_on: Mapped[date] = mapped_column(Date, info=not_pii())
    points: Mapped[int] = mapped_column(Integer, info=not_pii())
    proof_files: Mapped[list] = mapped_column(JSON, default=list, info=not_pii())
    proof_requested_on: Mapped[date | None] = mapped_column(Date, nullable=True, info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())


class PointsEntry(TenantScoped, db.Model):
    """The append-only points ledger (P-07). An ``earn``/``opening``/``refund`` entry opens a lot; every other
    entry draws on one lot (``lot_id``). Balance and lots are derived from the entries."""

    __tablename__ = "points_entries"
    __subject__ = Subject("installer_id", "installers", "mask")
    __table_args__ = (
        Index("ix_points_lot", "tenant_id", "lot_id"),
        Index("ix_points_installer_on", "tenant_id", "installer_id", "on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    installer_id: Mapped[int] = mapped_column(ForeignKey("installers.id", ondelete="CASCADE"), info=not_pii())
    kind: Mapped[str] = mapped_column(String(10), info=not_pii())
    points: Mapped[int] = mapped_column(Integer, info=not_pii())
    lot_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    on: Mapped[date] = mapped_column(Date, info=not_pii())
    expires_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    after_end: Mapped[bool] = mapped_column(Boolean, default=False, info=not_pii())
    source: Mapped[str] = mapped_column(String(40), default="", info=not_pii())
    source_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    # the organiser's reason for a revocation (P-09) or an adjustment: staff-typed text about the participant
    note: Mapped[str] = mapped_column(Text, default="", info=pii("content", basis="contract", retention="account"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())


class Reward(TenantScoped, db.Model):
    """A catalogue reward (P-20)."""

    __tablename__ = "rewards"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    code: Mapped[str] = mapped_column(String(40), info=not_pii())
    kind: Mapped[str] = mapped_column(String(40), info=not_pii())
    name_pl: Mapped[str] = mapped_column(String(200), info=not_pii())
    name_en: Mapped[str] = mapped_column(String(200), info=not_pii())
    description: Mapped[str] = mapped_column(Text, default="", info=not_pii())
    points: Mapped[int] = mapped_column(Integer, info=not_pii())
    gross_value: Mapped[Decimal] = mapped_column(MONEY, info=not_pii())
    delivery_days: Mapped[int] = mapped_column(Integer, info=not_pii())
    stock: Mapped[int] = mapped_column(Integer, info=not_pii())
    active: Mapped[bool] = mapped_column(Boolean, default=True, info=not_pii())


class RewardOrder(TenantScoped, db.Model):
    """An order and its lifecycle (P-21 … P-30)."""

    __tablename__ = "reward_orders"
    __subject__ = Subject("installer_id", "installers", "mask")
    __table_args__ = (Index("ix_orders_installer", "tenant_id", "installer_id", "ordered_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    installer_id: Mapped[int] = mapped_column(ForeignKey("installers.id", ondelete="CASCADE"), info=not_pii())
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), info=not_pii())
    points: Mapped[int] = mapped_column(Integer, info=not_pii())
    gross_value: Mapped[Decimal] = mapped_column(MONEY, info=not_pii())
    state: Mapped[str] = mapped_column(String(20), default="placed", info=not_pii())
    ordered_on: Mapped[date] = mapped_column(Date, info=not_pii())
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("rewards.id"), info=not_pii())
    informed_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    restore_by: Mapped[date | None] = mapped_column(Date, info=not_pii())
    shipped_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    failed_deliveries: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())
    last_failed_on: Mapped[date | None] = mapped_column(Date, info=not_pii())  # P-25: the last failed delivery
    delivered_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    receipt_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, info=not_pii())
    closed_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    note: Mapped[str] = mapped_column(Text, default="", info=pii("content", basis="contract", retention="account"))


class Complaint(TenantScoped, db.Model):
    """A complaint about points (P-08) or about the programme (P-42), decided by the commission."""

    __tablename__ = "complaints"
    __subject__ = Subject("installer_id", "installers", "delete")

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    installer_id: Mapped[int] = mapped_column(ForeignKey("installers.id", ondelete="CASCADE"), index=True,
                                              info=not_pii())
    kind: Mapped[str] = mapped_column(String(10), info=not_pii())  # points | programme
    entry_id: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    text: Mapped[str] = mapped_column(Text, info=pii("content", basis="contract", retention="account"))
    filed_on: Mapped[date] = mapped_column(Date, info=not_pii())
    decide_by: Mapped[date] = mapped_column(Date, info=not_pii())
    decided_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    decision: Mapped[str | None] = mapped_column(String(10), info=not_pii())  # upheld | refused
    answer: Mapped[str | None] = mapped_column(Text, info=pii("content", basis="contract", retention="account"))
    notify_by: Mapped[date | None] = mapped_column(Date, info=not_pii())
    notified_on: Mapped[date | None] = mapped_column(Date, info=not_pii())


class ProgrammeEnd(TenantScoped, db.Model):
    """The announced end of a loyalty programme (P-40)."""

    __tablename__ = "programme_ends"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    announced_on: Mapped[date] = mapped_column(Date, info=not_pii())
    ends_on: Mapped[date] = mapped_column(Date, info=not_pii())


class PointsLot(TenantScoped, db.Model):
    """What is left of each lot now: kept by the ledger beside its entries (which stay the record), so a balance
    is read from a participant's few live lots, not summed over every entry (SPEC §11: pages stay flat)."""

    __tablename__ = "points_lots"
    __subject__ = Subject("installer_id", "installers", "mask")
    __table_args__ = (Index("ix_points_lots_live", "tenant_id", "installer_id", "remaining"),
                      Index("ix_points_lots_due", "tenant_id", "expires_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, info=not_pii())
    installer_id: Mapped[int] = mapped_column(ForeignKey("installers.id", ondelete="CASCADE"), info=not_pii())
    earned_on: Mapped[date] = mapped_column(Date, info=not_pii())
    expires_on: Mapped[date] = mapped_column(Date, info=not_pii())
    after_end: Mapped[bool] = mapped_column(Boolean, default=False, info=not_pii())
    points: Mapped[int] = mapped_column(Integer, info=not_pii())
    remaining: Mapped[int] = mapped_column(Integer, info=not_pii())
    source: Mapped[str] = mapped_column(String(40), default="", info=not_pii())
