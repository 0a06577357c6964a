"""Lead-reward programmes (SPEC §5, §7): partners, leads, customer facts, sales, settlements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.extensions import db
from portal.privacy.datamap import Subject, not_pii, pii
from portal.tenancy.models import TenantScoped

MONEY = Numeric(14, 2)
PENDING, QUALIFIED, REJECTED = "pending", "qualified", "rejected"


class Partner(TenantScoped, db.Model):
    """A reseller company taking part (L-01); its contact person may hold a participant account."""

    __tablename__ = "partners"
    __subject__ = Subject("user_id", "users", "mask")
    __table_args__ = (UniqueConstraint("tenant_id", "nip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True,
                                                info=not_pii())
    nip: Mapped[str] = mapped_column(String(10), info=pii("tax", basis="contract", retention="account",
                                                          subject_key=True))
    name: Mapped[str] = mapped_column(String(200), info=pii("identity", basis="contract", retention="account"))
    address: Mapped[str] = mapped_column(String(300), info=pii("contact", basis="contract", retention="account",
                                                               subject_key=True))
    contact_first_name: Mapped[str] = mapped_column(
        String(100), info=pii("identity", basis="contract", retention="account", subject_key=True))
    contact_last_name: Mapped[str] = mapped_column(
        String(100), info=pii("identity", basis="contract", retention="account", subject_key=True))
    contact_phone: Mapped[str] = mapped_column(
        String(30), info=pii("contact", basis="contract", retention="account", subject_key=True))
    contact_email: Mapped[str] = mapped_column(
        String(254), info=pii("contact", basis="contract", retention="account", subject_key=True))
    flags: Mapped[list] = mapped_column(JSON, default=list, info=not_pii())
    excluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    exclusion_reason: Mapped[str | None] = mapped_column(
        Text, info=pii("content", basis="contract", retention="account"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    # G-07 / G-08 for a partner without an account (imported): its contact person restricted the processing, or
    # withdrew the consent to passing leads to the vendor; a partner with an account keeps both on the account
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())


class Lead(TenantScoped, db.Model):
    """A sales opportunity a partner registered for a named end customer (L-02)."""

    __tablename__ = "leads"
    __subject__ = Subject("partner_id", "partners", "mask")
    __table_args__ = (
        UniqueConstraint("tenant_id", "ref"),
        Index("ix_leads_queue", "tenant_id", "status", "due_on", "id"),
        Index("ix_leads_partner", "tenant_id", "partner_id", "submitted_on", "id"),
        Index("ix_leads_customer", "tenant_id", "customer_nip"),
        # L-04 under concurrency: one open lead per customer, whatever two submissions at the same instant saw.
        # A rejected lead frees the customer; a lead whose partner was erased still holds it (its customer columns
        # are the customer's, not the partner's: G-05 leaves them).
        Index("uq_leads_open_customer", "tenant_id", "customer_nip", unique=True,
              postgresql_where=text("status <> 'rejected' AND customer_nip <> ''"),
              sqlite_where=text("status <> 'rejected' AND customer_nip <> ''")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    ref: Mapped[str] = mapped_column(String(40), info=not_pii())
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), info=not_pii())
    # the end customer (a sole trader's name and NIP are personal data): not the partner's, so kept when the partner is
    # erased (L-04 still knows the customer was registered) and left out of the partner's access bundle
    customer_nip: Mapped[str] = mapped_column(String(10), info=pii("tax", basis="contract", retention="account",
                                                                   third_party=True))
    customer_name: Mapped[str] = mapped_column(String(200), info=pii("identity", basis="contract", retention="account",
                                                                     third_party=True))
    customer_address: Mapped[str] = mapped_column(
        String(300), info=pii("contact", basis="contract", retention="account", third_party=True))
    # §7: the person to talk to at the referred company (asked when the programme's definition lists it); not the
    # partner's contact, so never a key to find the partner's data by
    customer_contact_first_name: Mapped[str] = mapped_column(
        String(100), default="", info=pii("identity", basis="contract", retention="account", third_party=True))
    customer_contact_last_name: Mapped[str] = mapped_column(
        String(100), default="", info=pii("identity", basis="contract", retention="account", third_party=True))
    customer_contact_phone: Mapped[str] = mapped_column(
        String(30), default="", info=pii("contact", basis="contract", retention="account", third_party=True))
    customer_contact_email: Mapped[str] = mapped_column(
        String(254), default="", info=pii("contact", basis="contract", retention="account", third_party=True))
    family: Mapped[str] = mapped_column(String(30), info=not_pii())
    plan: Mapped[str] = mapped_column(String(100), info=not_pii())
    billing: Mapped[str] = mapped_column(String(20), info=not_pii())
    licences: Mapped[int] = mapped_column(Integer, info=not_pii())
    pcs: Mapped[int] = mapped_column(Integer, info=not_pii())
    term_months: Mapped[int | None] = mapped_column(Integer, info=not_pii())  # §7 expected contract term
    contact_first_name: Mapped[str] = mapped_column(
        String(100), default="", info=pii("identity", basis="contract", retention="account", subject_key=True))
    contact_last_name: Mapped[str] = mapped_column(
        String(100), default="", info=pii("identity", basis="contract", retention="account", subject_key=True))
    contact_phone: Mapped[str] = mapped_column(
        String(30), default="", info=pii("contact", basis="contract", retention="account", subject_key=True))
    contact_email: Mapped[str] = mapped_column(
        String(254), default="", info=pii("contact", basis="contract", retention="account", subject_key=True))
    submitted_on: Mapped[date] = mapped_column(Date, info=not_pii())
    due_on: Mapped[date] = mapped_column(Date, info=not_pii())
    carried_over: Mapped[bool] = mapped_column(default=False, info=not_pii())
    status: Mapped[str] = mapped_column(String(10), default=PENDING, info=not_pii())
    decided_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    decision_reason: Mapped[str | None] = mapped_column(Text, info=pii("content", basis="contract",
                                                                       retention="account"))
    decided_by: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    programme_version_id: Mapped[int | None] = mapped_column(ForeignKey("programme_versions.id"), info=not_pii())
    vendor_consent_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info=pii("behavioural", basis="consent", retention="account"))
    reminded_on: Mapped[date | None] = mapped_column(Date, info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())


class CustomerFact(TenantScoped, db.Model):
    """What the organiser knows from the vendor about an end customer (L-04, L-05)."""

    __tablename__ = "customer_facts"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_nip", "flag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    customer_nip: Mapped[str] = mapped_column(String(10), info=pii("tax", basis="contract", retention="account"))
    flag: Mapped[str] = mapped_column(String(40), info=not_pii())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())


class Sale(TenantScoped, db.Model):
    """One line of the vendor's sales report, matched to a lead by its reference (L-10)."""

    __tablename__ = "sales"
    __table_args__ = (
        UniqueConstraint("tenant_id", "ref", "transaction_date", "family", "billing"),
        Index("ix_sales_date", "tenant_id", "transaction_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    ref: Mapped[str] = mapped_column(String(40), info=not_pii())
    transaction_date: Mapped[date] = mapped_column(Date, info=not_pii())
    family: Mapped[str] = mapped_column(String(30), info=not_pii())
    billing: Mapped[str] = mapped_column(String(20), info=not_pii())
    licences: Mapped[int] = mapped_column(Integer, info=not_pii())
    value: Mapped[Decimal] = mapped_column(MONEY, info=not_pii())
    months_active: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())
    new_tenant: Mapped[bool] = mapped_column(default=True, info=not_pii())
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())


class Settlement(TenantScoped, db.Model):
    """One run of a settlement period: a draft until approved, then frozen (L-19)."""

    __tablename__ = "settlements"
    __table_args__ = (UniqueConstraint("tenant_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    period: Mapped[int] = mapped_column(Integer, info=not_pii())
    as_of: Mapped[date] = mapped_column(Date, info=not_pii())
    status: Mapped[str] = mapped_column(String(10), default="draft", info=not_pii())
    runs: Mapped[int] = mapped_column(Integer, default=0, info=not_pii())
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, info=not_pii())
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), info=not_pii())
    approved_by: Mapped[int | None] = mapped_column(Integer, info=not_pii())
    # L-16: the organiser's decision of a top-partner tie — "all" or the id of the partner awarded, then ":" and the
    # ids of the tied partners it decided ("all:3,8"); None: undecided
    tie_award: Mapped[str | None] = mapped_column(String(200), info=not_pii())


class SettlementLine(TenantScoped, db.Model):
    """One explained amount of a settlement: kept 5 years after the tax year (G-05 legal retention)."""

    __tablename__ = "settlement_lines"
    __subject__ = Subject("partner_id", "partners", "mask")
    __table_args__ = (Index("ix_settlement_lines_run", "tenant_id", "settlement_id", "partner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=not_pii())
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id", ondelete="CASCADE"), info=not_pii())
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), info=not_pii())
    partner_nip: Mapped[str] = mapped_column(String(10), info=pii("tax", basis="legal_obligation",
                                                                  retention="tax_5y"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), info=not_pii())
    ref: Mapped[str] = mapped_column(String(40), default="", info=not_pii())
    line: Mapped[str] = mapped_column(String(20), info=not_pii())
    rule: Mapped[str] = mapped_column(String(10), info=not_pii())
    rule_code: Mapped[str] = mapped_column(String(60), default="", info=not_pii())
    base: Mapped[Decimal] = mapped_column(MONEY, info=not_pii())
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), info=not_pii())
    amount: Mapped[Decimal] = mapped_column(MONEY, info=not_pii())
    status: Mapped[str] = mapped_column(String(10), info=not_pii())
    reason: Mapped[str] = mapped_column(Text, default="", info=not_pii())
    transaction_date: Mapped[date | None] = mapped_column(Date, info=not_pii())
    programme_version_id: Mapped[int | None] = mapped_column(ForeignKey("programme_versions.id"), info=not_pii())
