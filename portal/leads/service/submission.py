"""Registering a lead (L-01 … L-08, L-21): one check used by the web form, the CSV import and the API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
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


def _int(value, field: str, problems: list[Problem], *, not_whole: str, negative: str) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        problems.append(Problem(field, not_whole, "L-02"))
        return None
    if number < 0:
        problems.append(Problem(field, negative, "L-02"))
        return None
    return number


def _reader_language() -> str:
    """The language of the page (the request's locale); "en" outside a request (commands and jobs)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def check(partner: Partner, data: dict, rules: LeadRules, *, submitted_on: date,
          ignore_lead_id: int | None = None) -> tuple[dict, list[Problem]]:
    """Every problem with a submission, each next to its field with the rule that refuses it."""
    problems: list[Problem] = []
    clean: dict = {}
    for key in LEAD_FIELDS:
        clean[key] = str(data.get(key) if data.get(key) is not None else "").strip()
    for key in ("contact_first_name", "contact_last_name", "contact_phone", "contact_email"):
        clean[key] = clean[key] or getattr(partner, key)
    required = {"customer_name": _("Enter the customer's name."),
                "customer_address": _("Enter the customer's address."),
                "plan": _("Enter the service plan."),
                "contact_first_name": _("Enter the contact person's first name."),
                "contact_last_name": _("Enter the contact person's last name."),
                "contact_phone": _("Enter the contact person's phone."),
                "contact_email": _("Enter the contact person's e-mail.")}
    for key, message in required.items():
        if not clean[key]:
            problems.append(Problem(key, message, "L-02"))
    if clean["contact_email"] and "@" not in clean["contact_email"]:
        problems.append(Problem("contact_email", _("Check the contact person's e-mail address."), "L-02"))
    if not clean["customer_nip"]:
        problems.append(Problem("customer_nip", _("Enter the customer's NIP."), "L-02"))
    elif not nip_number.is_valid(clean["customer_nip"]):
        problems.append(Problem("customer_nip", _("The customer's NIP is not valid: check the 10 digits."), "L-02"))
    else:
        clean["customer_nip"] = nip_number.compact(clean["customer_nip"])
    if clean["family"] not in rules.families:
        problems.append(Problem("family", _("Choose a covered service family (%(families)s).",
                                            families=", ".join(rules.families)), "L-02"))
    if clean["billing"] not in rules.billing_models:
        problems.append(Problem("billing", _("Choose a covered licensing model (%(models)s).",
                                             models=", ".join(rules.billing_models)), "L-10"))
    licences = _int(clean["licences"], "licences", problems,
                    not_whole=_("Enter the number of licences as a whole number."),
                    negative=_("The number of licences cannot be negative."))
    pcs = _int(clean["pcs"], "pcs", problems,
               not_whole=_("Enter the number of PCs at the customer as a whole number."),
               negative=_("The number of PCs at the customer cannot be negative."))
    clean["licences"], clean["pcs"] = licences, pcs
    if licences is not None and licences < rules.min_quantity:
        problems.append(Problem("licences", ngettext("The customer must declare at least %(num)d licence.",
                                                     "The customer must declare at least %(num)d licences.",
                                                     rules.min_quantity), "L-03"))

    refusal = partner_service.submission_refusal(partner, rules)
    if refusal:
        problems.append(Problem(None, refusal[1], refusal[0]))

    in_campaign = rules.starts_on <= submitted_on <= rules.ends_on
    carried = bool(rules.carry_over and rules.carry_over[0] <= submitted_on <= rules.carry_over[1])
    if not (in_campaign or carried):
        problems.append(Problem("submitted_on", _("Submissions are accepted from %(start)s to %(end)s.",
                                                  start=rules.starts_on.isoformat(), end=rules.ends_on.isoformat()),
                                "L-08"))
    clean["carried_over"] = carried and not in_campaign

    if clean["customer_nip"] and nip_number.is_valid(clean["customer_nip"]):
        taken = db.session.scalars(select(Lead).where(
            Lead.customer_nip == clean["customer_nip"], Lead.status != REJECTED,
            Lead.id != (ignore_lead_id or 0))).first()
        if taken is not None:
            if taken.partner_id == partner.id:
                message = _("This customer was already registered by you in this campaign.")
            else:
                message = _("This customer was already registered by another partner in this campaign.")
            problems.append(Problem("customer_nip", message, "L-04"))
        flags = customer_flags(clean["customer_nip"])
        if rules.vendor_registry_flag and rules.vendor_registry_flag in flags:
            problems.append(Problem("customer_nip", _("This customer is already registered with the vendor."),
                                    "L-04"))
        language = _reader_language()
        for exclusion in rules.exclusions:
            if exclusion.applies(flags, clean["family"]):
                # the programme definition gives the reason in each language (reason_pl, reason_en)
                reason = exclusion.reason.get(language) or exclusion.reason.get("en") or exclusion.code
                problems.append(Problem("customer_nip", reason, "L-05"))
    if rules.max_submissions is not None:
        count = db.session.scalar(select(func.count()).select_from(Lead).where(
            Lead.partner_id == partner.id, Lead.id != (ignore_lead_id or 0))) or 0
        if count >= rules.max_submissions:
            problems.append(Problem(None, ngettext("You have reached the limit of %(num)d submission in this "
                                                   "campaign.",
                                                   "You have reached the limit of %(num)d submissions in this "
                                                   "campaign.", rules.max_submissions), "L-06"))
    return clean, problems


def submit(partner: Partner, data: dict, rules: LeadRules, *, submitted_on: date, clock: Clock, actor=None,
           ref: str | None = None, vendor_consent: bool = False) -> Lead:
    """Register a lead; L-21: the partner consents to passing the lead's data to the vendor for verification."""
    clean, problems = check(partner, data, rules, submitted_on=submitted_on)
    if not vendor_consent:
        problems.append(Problem("vendor_consent", _("Consent to passing the lead to the vendor for verification is "
                                                    "required to take part."), "L-21"))
    if ref is not None:
        ref = ref.strip()
        if not ref:
            problems.append(Problem("ref", _("Give the lead's reference."), "L-02"))
        elif db.session.scalars(select(Lead.id).where(Lead.ref == ref)).first() is not None:
            problems.append(Problem("ref", _("A lead with reference %(ref)s already exists.", ref=ref), None))
    if problems:
        raise ValidationFailed([(p.field, p.message, p.rule) for p in problems])
    # a lead carried over from the previous edition is reviewed from the day it enters this one (L-07, L-08)
    review_from = max(submitted_on, clock.today()) if clean["carried_over"] else submitted_on
    lead = Lead(tenant_id=partner.tenant_id, ref=ref or new_ref(), partner_id=partner.id,
                submitted_on=submitted_on, due_on=add_business_days(review_from, rules.review_business_days),
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
