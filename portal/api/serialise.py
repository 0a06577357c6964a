"""Domain objects as the JSON of API v1 (shapes in ``schemas.py``): dates ISO, money as exact decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from portal.accounts.models import User
from portal.core.clock import utc
from portal.extensions import db
from portal.leads.models import CustomerFact, Lead, Partner, Sale, Settlement, SettlementLine
from portal.loyalty.models import Complaint, Device, Installer, PointsEntry, RewardOrder
from portal.privacy.models import DataSubjectRequest

CONTACT = ("contact_first_name", "contact_last_name", "contact_phone", "contact_email")
CUSTOMER_CONTACT = ("customer_contact_first_name", "customer_contact_last_name", "customer_contact_phone",
                    "customer_contact_email")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: datetime | None) -> str | None:
    return utc(value).isoformat() if value is not None else None


def _money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _rate(value: Decimal) -> str:
    """A fraction as the settlement CSV writes it: at least 2 decimals, no trailing zeros beyond (0.15, 0.02)."""
    text = format(Decimal(value).normalize(), "f")
    return f"{Decimal(value):.2f}" if len(text.partition(".")[2]) < 2 else text


def partner(p: Partner) -> dict:
    return {"id": p.id, "nip": p.nip, "name": p.name, "address": p.address, **{k: getattr(p, k) for k in CONTACT},
            "flags": list(p.flags or []), "excluded_at": _moment(p.excluded_at),
            "restricted_at": _moment(_restricted_since(p)), "created_at": _moment(p.created_at)}


def _restricted_since(p: Partner):
    """G-07: since when the partner's processing is restricted — its account's, or its own row's without one."""
    if p.user_id is None:
        return p.restricted_at
    account = db.session.get(User, p.user_id)
    return account.restricted_at if account is not None else None


def lead(row: Lead) -> dict:
    return {
        "id": row.id, "ref": row.ref, "partner_id": row.partner_id, "customer_nip": row.customer_nip,
        "customer_name": row.customer_name, "customer_address": row.customer_address, "family": row.family,
        "plan": row.plan, "billing": row.billing, "licences": row.licences, "pcs": row.pcs,
        "term_months": row.term_months, **{k: getattr(row, k) for k in CONTACT},
        **{k: getattr(row, k) for k in CUSTOMER_CONTACT},
        "submitted_on": _day(row.submitted_on), "due_on": _day(row.due_on), "carried_over": bool(row.carried_over),
        "status": row.status, "decided_on": _day(row.decided_on), "decision_reason": row.decision_reason,
        "vendor_consent_at": _moment(row.vendor_consent_at), "created_at": _moment(row.created_at),
    }


def fact(row: CustomerFact) -> dict:
    return {"id": row.id, "customer_nip": row.customer_nip, "flag": row.flag, "created_at": _moment(row.created_at)}


def sale(row: Sale) -> dict:
    return {"id": row.id, "ref": row.ref, "transaction_date": _day(row.transaction_date), "family": row.family,
            "billing": row.billing, "licences": row.licences, "value": _money(row.value),
            "months_active": row.months_active, "new_tenant": bool(row.new_tenant)}


def settlement_line(ln: SettlementLine) -> dict:
    return {"partner_id": ln.partner_id, "partner_nip": ln.partner_nip, "ref": ln.ref, "line": ln.line,
            "rule": ln.rule, "rule_code": ln.rule_code, "base": _money(ln.base), "rate": _rate(ln.rate),
            "amount": _money(ln.amount), "status": ln.status, "reason": ln.reason,
            "transaction_date": _day(ln.transaction_date)}


def settlement(run: Settlement, lines: list[SettlementLine]) -> dict:
    return {"period": run.period, "as_of": _day(run.as_of), "status": run.status, "runs": run.runs,
            "run_at": _moment(run.run_at), "approved_at": _moment(run.approved_at),
            "lines": [settlement_line(ln) for ln in lines]}


# ---------------------------------------------------------------- installer loyalty programmes

def installer(row: Installer, user: User | None) -> dict:
    """The membership with the account's name and e-mail (masked once erased, G-05); not the PIT-8C data."""
    return {
        "id": row.id, "email": user.email if user else None, "first_name": user.first_name if user else None,
        "last_name": user.last_name if user else None, "nip": user.nip if user else None,
        "business": bool(row.business), "employee": bool(row.employee), "status": row.status,
        "status_reason": row.status_reason or "", "approval": row.approval,
        "registered_on": _day(row.registered_on), "activated_on": _day(row.activated_on),
        "excluded_on": _day(row.excluded_on), "exclusion_ground": row.exclusion_ground,
        "left_on": _day(row.left_on), "restricted_at": _moment(user.restricted_at if user else None),
        "created_at": _moment(row.created_at),
    }


def device(row: Device) -> dict:
    return {"id": row.id, "installer_id": row.installer_id, "serial": row.serial, "model_code": row.model_code,
            "production_code": row.production_code, "installed_on": _day(row.installed_on),
            "registered_on": _day(row.registered_on), "points": row.points, "created_at": _moment(row.created_at)}


def points_statement(installer_id: int, as_of: date, figures: dict) -> dict:
    """``statement.statement``'s figures as they are (the CLI's --json), with whose and which day."""
    return {"installer_id": installer_id, "as_of": as_of.isoformat(), **figures}


def ledger_entry(row: PointsEntry) -> dict:
    return {"id": row.id, "kind": row.kind, "points": row.points, "lot_id": row.lot_id, "on": _day(row.on),
            "expires_on": _day(row.expires_on), "after_end": bool(row.after_end), "source": row.source or "",
            "source_id": row.source_id, "note": row.note or ""}


def order(row: RewardOrder, codes: dict[int, str]) -> dict:
    """``codes``: reward id → catalogue code (``orders.catalogue(active_only=False)``)."""
    return {
        "id": row.id, "installer_id": row.installer_id, "reward": codes.get(row.reward_id), "points": row.points,
        "gross_value": _money(row.gross_value), "state": row.state, "ordered_on": _day(row.ordered_on),
        "substitute": codes.get(row.substitute_id) if row.substitute_id else None,
        "informed_on": _day(row.informed_on), "restore_by": _day(row.restore_by), "shipped_on": _day(row.shipped_on),
        "failed_deliveries": row.failed_deliveries or 0, "delivered_on": _day(row.delivered_on),
        "receipt_confirmed": bool(row.receipt_confirmed), "closed_on": _day(row.closed_on), "note": row.note or "",
    }


def complaint(row: Complaint) -> dict:
    return {"id": row.id, "installer_id": row.installer_id, "kind": row.kind, "entry_id": row.entry_id,
            "text": row.text, "filed_on": _day(row.filed_on), "decide_by": _day(row.decide_by),
            "decided_on": _day(row.decided_on), "decision": row.decision, "answer": row.answer,
            "notify_by": _day(row.notify_by), "notified_on": _day(row.notified_on)}


# ---------------------------------------------------------------- data-subject requests

def subject_request(row: DataSubjectRequest, deadline: date) -> dict:
    """Progress only: never the requester's e-mail, name, details or the DPO's verification note (G-10)."""
    return {"reference": row.reference, "kind": row.kind, "channel": row.channel, "status": row.status,
            "received_on": _day(row.received_on), "due_on": _day(row.due_on), "extended_to": _day(row.extended_to),
            "extension_reason": row.extension_reason, "deadline": _day(deadline),
            "verification": row.verification, "outcome": row.outcome, "closed_on": _day(row.closed_on)}
