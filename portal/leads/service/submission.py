"""Registering a lead (L-01 … L-08, L-21): one check used by the web form, the CSV import and the API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from stdnum.pl import nip as nip_number

from portal.core.bulk import ValidationFailed
from portal.core.businessdays import add_business_days
from portal.core.clock import Clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.leads.models import PENDING, REJECTED, CustomerFact, Lead, Partner
from portal.leads.rules import LeadRules
from portal.leads.service import partners as partner_service
from portal.notifications import service as notifications
from portal.privacy import audit

LEAD_FIELDS = ("customer_nip", "customer_name", "customer_address", "family", "plan", "billing", "licences", "pcs",
               "contact_first_name", "contact_last_name", "contact_phone", "contact_email")


@dataclass
class Problem:
    field: str | None
    message: str
    rule: str | None


def customer_flags(customer_nip: str) -> set[str]:
    return set(db.session.scalars(select(CustomerFact.flag).where(CustomerFact.customer_nip == customer_nip)))


def _int(value, field: str, problems: list[Problem], label: str) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        problems.append(Problem(field, f"Enter the {label} as a whole number.", "L-02"))
        return None
    if number < 0:
        problems.append(Problem(field, f"The {label} cannot be negative.", "L-02"))
        return None
    return number


def check(partner: Partner, data: dict, rules: LeadRules, *, submitted_on: date,
          ignore_lead_id: int | None = None) -> tuple[dict, list[Problem]]:
    """Every problem with a submission, each next to its field with the rule that refuses it."""
    problems: list[Problem] = []
    clean: dict = {}
    for key in LEAD_FIELDS:
        clean[key] = str(data.get(key) if data.get(key) is not None else "").strip()
    for key in ("contact_first_name", "contact_last_name", "contact_phone", "contact_email"):
        clean[key] = clean[key] or getattr(partner, key)
    labels = {"customer_name": "customer's name", "customer_address": "customer's address",
              "plan": "service plan", "contact_first_name": "contact person's first name",
              "contact_last_name": "contact person's last name", "contact_phone": "contact person's phone",
              "contact_email": "contact person's e-mail"}
    for key, label in labels.items():
        if not clean[key]:
            problems.append(Problem(key, f"Enter the {label}.", "L-02"))
    if clean["contact_email"] and "@" not in clean["contact_email"]:
        problems.append(Problem("contact_email", "Check the contact person's e-mail address.", "L-02"))
    if not clean["customer_nip"]:
        problems.append(Problem("customer_nip", "Enter the customer's NIP.", "L-02"))
    elif not nip_number.is_valid(clean["customer_nip"]):
        problems.append(Problem("customer_nip", "The customer's NIP is not valid: check the 10 digits.", "L-02"))
    else:
        clean["customer_nip"] = nip_number.compact(clean["customer_nip"])
    if clean["family"] not in rules.families:
        problems.append(Problem("family", f"Choose a covered service family ({', '.join(rules.families)}).", "L-02"))
    if clean["billing"] not in rules.billing_models:
        problems.append(Problem("billing", f"Choose a covered licensing model ({', '.join(rules.billing_models)}).",
                                "L-10"))
    licences = _int(clean["licences"], "licences", problems, "number of licences")
    pcs = _int(clean["pcs"], "pcs", problems, "number of PCs at the customer")
    clean["licences"], clean["pcs"] = licences, pcs
    if licences is not None and licences < rules.min_quantity:
        problems.append(Problem("licences", f"The customer must declare at least {rules.min_quantity} licences.",
                                "L-03"))

    refusal = partner_service.ineligibility(partner, rules)
    if refusal:
        problems.append(Problem(None, f"You cannot submit leads: {refusal[1]}.", refusal[0]))

    in_campaign = rules.starts_on <= submitted_on <= rules.ends_on
    carried = bool(rules.carry_over and rules.carry_over[0] <= submitted_on <= rules.carry_over[1])
    if not (in_campaign or carried):
        problems.append(Problem("submitted_on", f"Submissions are accepted from {rules.starts_on.isoformat()} to "
                                f"{rules.ends_on.isoformat()}.", "L-08"))
    clean["carried_over"] = carried and not in_campaign

    if clean["customer_nip"] and nip_number.is_valid(clean["customer_nip"]):
        taken = db.session.scalars(select(Lead).where(
            Lead.customer_nip == clean["customer_nip"], Lead.status != REJECTED,
            Lead.id != (ignore_lead_id or 0))).first()
        if taken is not None:
            whose = "you" if taken.partner_id == partner.id else "another partner"
            problems.append(Problem("customer_nip", f"This customer was already registered by {whose} in this "
                                    "campaign.", "L-04"))
        flags = customer_flags(clean["customer_nip"])
        if rules.vendor_registry_flag and rules.vendor_registry_flag in flags:
            problems.append(Problem("customer_nip", "This customer is already registered with the vendor.", "L-04"))
        for exclusion in rules.exclusions:
            if exclusion.applies(flags, clean["family"]):
                problems.append(Problem("customer_nip", exclusion.reason.get("en") or exclusion.code, "L-05"))
    if rules.max_submissions is not None:
        count = db.session.scalar(select(func.count()).select_from(Lead).where(
            Lead.partner_id == partner.id, Lead.id != (ignore_lead_id or 0))) or 0
        if count >= rules.max_submissions:
            problems.append(Problem(None, f"You have reached the limit of {rules.max_submissions} submissions in "
                                    "this campaign.", "L-06"))
    return clean, problems


def submit(partner: Partner, data: dict, rules: LeadRules, *, submitted_on: date, clock: Clock, actor=None,
           ref: str | None = None, vendor_consent: bool = False) -> Lead:
    """Register a lead; L-21: the partner consents to passing the lead's data to the vendor for verification."""
    clean, problems = check(partner, data, rules, submitted_on=submitted_on)
    if not vendor_consent:
        problems.append(Problem("vendor_consent", "Consent to passing the lead to the vendor for verification is "
                                "required to take part.", "L-21"))
    if ref is not None:
        ref = ref.strip()
        if not ref:
            problems.append(Problem("ref", "Give the lead's reference.", "L-02"))
        elif db.session.scalars(select(Lead.id).where(Lead.ref == ref)).first() is not None:
            problems.append(Problem("ref", f"A lead with reference {ref} already exists.", None))
    if problems:
        raise ValidationFailed([(p.field, p.message, p.rule) for p in problems])
    lead = Lead(tenant_id=partner.tenant_id, ref=ref or new_ref(), partner_id=partner.id,
                submitted_on=submitted_on, due_on=add_business_days(submitted_on, rules.review_business_days),
                status=PENDING, vendor_consent_at=clock.now(), carried_over=clean.pop("carried_over"),
                **{k: clean[k] for k in LEAD_FIELDS})
    db.session.add(lead)
    db.session.flush()
    audit.record(actor, "lead.submitted", "lead", lead.id)
    if partner.user_id:
        from portal.accounts.models import User

        user = db.session.get(User, partner.user_id)
        if user is not None:
            notifications.notify(user, "lead_received", clock=clock, ref=lead.ref, due_on=lead.due_on.isoformat())
    return lead


def new_ref() -> str:
    return "L-" + secrets.token_hex(4).upper()


__all__ = ["DomainError", "check", "submit"]
