"""Domain objects as the JSON of API v1 (shapes in ``schemas.py``): dates ISO, money as exact decimal strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from portal.core.clock import utc
from portal.leads.models import CustomerFact, Lead, Partner, Sale, Settlement, SettlementLine

CONTACT = ("contact_first_name", "contact_last_name", "contact_phone", "contact_email")


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
            "flags": list(p.flags or []), "excluded_at": _moment(p.excluded_at), "created_at": _moment(p.created_at)}


def lead(row: Lead) -> dict:
    return {
        "id": row.id, "ref": row.ref, "partner_id": row.partner_id, "customer_nip": row.customer_nip,
        "customer_name": row.customer_name, "customer_address": row.customer_address, "family": row.family,
        "plan": row.plan, "billing": row.billing, "licences": row.licences, "pcs": row.pcs,
        **{k: getattr(row, k) for k in CONTACT},
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
