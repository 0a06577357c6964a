"""Registering a lead (L-01 … L-08, L-21): one check used by the web form, the CSV import and the API."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from stdnum.pl import nip as nip_number

from portal.core.bulk import ValidationFailed
from portal.core.businessdays import add_business_days
from portal.core.clock import Clock, utc
from portal.core.errors import DomainError
from portal.extensions import db
from portal.leads.models import PENDING, REJECTED, CustomerFact, Lead, Partner
from portal.leads.rules import LeadRules
from portal.leads.service import partners as partner_service
from portal.leads.service.limits import INT32, email_ok, phone_problem, text_problems
from portal.privacy import audit

LEAD_FIELDS = ("customer_nip", "customer_name", "customer_address", "family", "plan", "billing", "licences", "pcs",
               "contact_first_name", "contact_last_name", "contact_phone", "contact_email",
               "customer_contact_first_name", "customer_contact_last_name", "customer_contact_phone",
               "customer_contact_email", "term_months")
# Not in the lead columns of FORMATS.md: a bulk file carries them when its header has them (see ``check``).
BEYOND_BULK_COLUMNS = ("customer_contact_first_name", "customer_contact_last_name", "customer_contact_phone",
                       "customer_contact_email", "term_months")


@dataclass
class Problem:
    field: str | None
    message: str
    rule: str | None


@dataclass
class Facts:
    """What a submission is checked against in the database, read in one round trip (a submission is the most
    frequent write of the API)."""

    taken_by: int | None = None  # the partner who already registered the customer (L-04)
    flags: frozenset[str] = frozenset()  # the vendor's facts about the customer (L-04, L-05)
    submitted: int = 0  # the partner's submissions so far (L-06)
    ref_taken: bool = False


def _facts(partner: Partner, customer_nip: str | None, *, ignore_lead_id: int, count: LeadRules | None,
           ref: str | None) -> Facts:
    tenant = partner.tenant_id  # stated in each subquery as well as by the tenant guard
    columns = []
    if customer_nip is not None:
        columns += [
            select(Lead.partner_id).where(Lead.tenant_id == tenant, Lead.customer_nip == customer_nip,
                                          Lead.status != REJECTED, Lead.id != ignore_lead_id)
            .order_by(Lead.id).limit(1).scalar_subquery().label("taken_by"),
            select(func.aggregate_strings(CustomerFact.flag, "\n"))
            .where(CustomerFact.tenant_id == tenant, CustomerFact.customer_nip == customer_nip)
            .scalar_subquery().label("flags"),
        ]
    if count is not None:
        # L-06: the submissions of this campaign, "w okresie trwania promocji": not the previous edition's leads
        # carried over for re-verification (L-08), nor an earlier campaign's of the same organiser
        columns.append(select(func.count()).select_from(Lead)
                       .where(Lead.tenant_id == tenant, Lead.partner_id == partner.id, Lead.id != ignore_lead_id,
                              Lead.carried_over.is_(False), Lead.submitted_on >= count.starts_on,
                              Lead.submitted_on <= count.ends_on)
                       .scalar_subquery().label("submitted"))
    if ref:
        columns.append(select(Lead.id).where(Lead.tenant_id == tenant, Lead.ref == ref).limit(1)
                       .scalar_subquery().label("ref_taken"))
    if not columns:
        return Facts()
    row = db.session.execute(select(*columns)).one()._mapping
    return Facts(taken_by=row.get("taken_by"), flags=frozenset((row.get("flags") or "").split("\n")) - {""},
                 submitted=row.get("submitted") or 0, ref_taken=row.get("ref_taken") is not None)


def _int(value, field: str, problems: list[Problem], *, not_whole: str, negative: str) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        problems.append(Problem(field, not_whole, "L-02"))
        return None
    if number < 0:
        problems.append(Problem(field, negative, "L-02"))
        return None
    if number > INT32:
        problems.append(Problem(field, _("%(column)s is too large: at most %(max)s.", column=field, max=INT32), "L-02"))
        return None
    return number


def _quantity_messages(unit: str, minimum: int) -> tuple[str, str, str]:
    """What the quantity is called in this programme (its ``quantity_unit``): not whole, negative, below minimum."""
    if unit == "contacts":
        return (_("Enter the expected number of contacts as a whole number."),
                _("The expected number of contacts cannot be negative."),
                _("Enter an expected number of contacts of at least %(num)d.", num=minimum))
    return (_("Enter the number of licences as a whole number."), _("The number of licences cannot be negative."),
            ngettext("The customer must declare at least %(num)d licence.",
                     "The customer must declare at least %(num)d licences.", minimum))


def _require(clean: dict, carried: set[str], problems: list[Problem], messages: dict[str, str]) -> None:
    """L-02: each field the submission carries must be filled in; ``messages`` says what to enter."""
    for key, message in messages.items():
        if key in carried and not clean[key]:
            problems.append(Problem(key, message, "L-02"))


def _customer_contact(clean: dict, carried: set[str], problems: list[Problem]) -> None:
    """§7: the person to talk to at the referred company, each part required (L-02 analogue)."""
    required = {"customer_contact_first_name": _("Enter the first name of the contact person at the customer."),
                "customer_contact_last_name": _("Enter the last name of the contact person at the customer."),
                "customer_contact_phone": _("Enter the phone of the contact person at the customer."),
                "customer_contact_email": _("Enter the e-mail of the contact person at the customer.")}
    _require(clean, carried, problems, required)
    if not email_ok(clean["customer_contact_email"]):
        problems.append(Problem("customer_contact_email",
                                _("Check the e-mail address of the contact person at the customer."), "L-02"))
    wrong_phone = phone_problem(clean["customer_contact_phone"])
    if wrong_phone:
        problems.append(Problem("customer_contact_phone", wrong_phone, "L-02"))


def _term(clean: dict, carried: set[str], problems: list[Problem]) -> int | None:
    """§7: the contract term the prospect expects, in whole months (its term discount follows from it)."""
    if "term_months" not in carried and not clean["term_months"]:
        return None
    if not clean["term_months"]:
        problems.append(Problem("term_months", _("Enter the expected contract term in months."), "L-02"))
        return None
    term = _int(clean["term_months"], "term_months", problems,
                not_whole=_("Enter the contract term in months as a whole number."),
                negative=_("The contract term is at least 1 month."))
    if term == 0:
        problems.append(Problem("term_months", _("The contract term is at least 1 month."), "L-02"))
        return None
    return term


def _text_limits() -> dict[str, tuple[int, str]]:
    """The lead's text columns: their sizes (``Lead``) and their names on the lead form."""
    return {"customer_name": (200, _("Customer name")), "customer_address": (300, _("Customer address")),
            "plan": (100, _("Service plan")),
            "customer_contact_first_name": (100, _("Contact person at the customer: first name")),
            "customer_contact_last_name": (100, _("Contact person at the customer: last name")),
            "customer_contact_phone": (30, _("Contact person at the customer: phone")),
            "customer_contact_email": (254, _("Contact person at the customer: e-mail")),
            "contact_first_name": (100, _("Your contact person: first name")),
            "contact_last_name": (100, _("Your contact person: last name")),
            "contact_phone": (30, _("Your contact person: phone")),
            "contact_email": (254, _("Your contact person: e-mail"))}


def _reader_language() -> str:
    """The language of the page (the request's locale); "en" outside a request (commands and jobs)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def check(partner: Partner, data: dict, rules: LeadRules, *, submitted_on: date,
          ignore_lead_id: int | None = None, ref: str | None = None) -> tuple[dict, list[Problem]]:
    """Every problem with a submission, each next to its field with the rule that refuses it.

    What a submission holds follows the programme's definition (``rules.asks``: L-02, or §7 for a referral). A
    field beyond FORMATS.md's lead columns (``BEYOND_BULK_COLUMNS``) that ``data`` does not carry at all — a bulk
    file whose header lacks it — is not asked of that file; the page and the API always carry every field."""
    problems: list[Problem] = []
    clean: dict = {}
    for key in LEAD_FIELDS:
        clean[key] = str(data.get(key) if data.get(key) is not None else "").strip() if rules.asks(key) else ""
    carried = {key for key in LEAD_FIELDS if rules.asks(key) and (key not in BEYOND_BULK_COLUMNS or key in data)}
    for key in ("contact_first_name", "contact_last_name", "contact_phone", "contact_email"):
        clean[key] = clean[key] or getattr(partner, key)
    required = {"customer_name": _("Enter the customer's name."),
                "customer_address": _("Enter the customer's address."),
                "plan": _("Enter the service plan."),
                "contact_first_name": _("Enter the contact person's first name."),
                "contact_last_name": _("Enter the contact person's last name."),
                "contact_phone": _("Enter the contact person's phone."),
                "contact_email": _("Enter the contact person's e-mail.")}
    _require(clean, carried, problems, required)
    problems += [Problem(*p) for p in text_problems(clean, _text_limits(), "L-02")]
    _customer_contact(clean, carried, problems)
    clean["term_months"] = _term(clean, carried, problems)
    if not email_ok(clean["contact_email"]):
        problems.append(Problem("contact_email", _("Check the contact person's e-mail address."), "L-02"))
    wrong_phone = phone_problem(clean["contact_phone"])
    if wrong_phone:
        problems.append(Problem("contact_phone", wrong_phone, "L-02"))
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
    not_whole, negative, too_few = _quantity_messages(rules.quantity_unit, rules.min_quantity)
    licences = _int(clean["licences"], "licences", problems, not_whole=not_whole, negative=negative)
    pcs = _int(clean["pcs"], "pcs", problems,
               not_whole=_("Enter the number of PCs at the customer as a whole number."),
               negative=_("The number of PCs at the customer cannot be negative.")) if "pcs" in carried else 0
    clean["licences"], clean["pcs"] = licences, pcs
    if licences is not None and licences < rules.min_quantity:
        problems.append(Problem("licences", too_few, "L-03"))

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

    ref_problems = text_problems({"ref": ref}, {"ref": (40, _("Reference"))}, None)
    if not ref_problems and ref and "/" in ref:  # the reference is part of the lead's address, /leads/<ref>
        ref_problems = [("ref", _("A reference cannot contain \"/\"; use \"-\" instead, e.g. FV-2018-9."), "L-02")]
    problems += [Problem(*p) for p in ref_problems]
    nip_ok = bool(clean["customer_nip"]) and nip_number.is_valid(clean["customer_nip"])
    limited = rules.max_submissions is not None and not clean["carried_over"]
    facts = _facts(partner, clean["customer_nip"] if nip_ok else None, ignore_lead_id=ignore_lead_id or 0,
                   count=rules if limited else None, ref=None if ref_problems else ref)
    if nip_ok:
        if facts.taken_by is not None:
            if facts.taken_by == partner.id:
                message = _("This customer was already registered by you in this campaign.")
            else:
                message = _("This customer was already registered by another partner in this campaign.")
            problems.append(Problem("customer_nip", message, "L-04"))
        flags = facts.flags
        if rules.vendor_registry_flag and rules.vendor_registry_flag in flags:
            problems.append(Problem("customer_nip", _("This customer is already registered with the vendor."),
                                    "L-04"))
        language = _reader_language()
        for exclusion in rules.exclusions:
            if exclusion.applies(flags, clean["family"]):
                # the programme definition gives the reason in each language (reason_pl, reason_en)
                reason = exclusion.reason.get(language) or exclusion.reason.get("en") or exclusion.code
                problems.append(Problem("customer_nip", reason, "L-05"))
    if limited and facts.submitted >= rules.max_submissions:
        problems.append(Problem(None, ngettext("You have reached the limit of %(num)d submission in this "
                                               "campaign.",
                                               "You have reached the limit of %(num)d submissions in this "
                                               "campaign.", rules.max_submissions), "L-06"))
    if ref and facts.ref_taken:
        problems.append(Problem("ref", _("A lead with reference %(ref)s already exists.", ref=ref), None))
    return clean, problems


def submit(partner: Partner, data: dict, rules: LeadRules, *, submitted_on: date, clock: Clock, actor=None,
           ref: str | None = None, vendor_consent: bool = False, channel: str = "web") -> Lead:
    """Register a lead; L-21: the partner consents to passing the lead's data to the vendor for verification,
    recorded in the partner's consent ledger (G-08) through ``channel`` (web, api, import)."""
    ref = ref.strip() if ref is not None else None
    clean, problems = check(partner, data, rules, submitted_on=submitted_on, ref=ref)
    if not vendor_consent:
        if rules.lead_consent_kind == "declaration":  # §7: the agency vouches for passing the contact's data on
            message = _("Confirm the declaration about the contact person's data to register the prospect.")
        else:
            message = _("Consent to passing the lead to the vendor for verification is required to take part.")
        problems.append(Problem("vendor_consent", message, "L-21"))
    if ref is not None and not ref:
        problems.append(Problem("ref", _("Give the lead's reference."), "L-02"))
    if withdrawn := _withdrawn_consent(partner, rules, channel):
        problems.append(Problem("vendor_consent", _(
            "The partner withdrew its consent to passing leads' data to the vendor on %(day)s; only the partner can "
            "give it again.", day=utc(withdrawn).date().isoformat()), "L-21"))
    today = clock.today(_timezone(partner))
    if submitted_on > today:
        problems.append(Problem("submitted_on", _("The submission date %(day)s is after today (%(today)s); a lead "
                                                  "cannot be registered in the future.",
                                                  day=submitted_on.isoformat(), today=today.isoformat()), "L-08"))
    if problems:
        raise ValidationFailed([(p.field, p.message, p.rule) for p in problems])
    # a lead carried over from the previous edition is reviewed from the day it enters this one, and not before
    # the campaign starts: it cannot be qualified earlier (L-07, L-08)
    review_from = max(submitted_on, today, rules.starts_on) if clean["carried_over"] else submitted_on
    lead = Lead(tenant_id=partner.tenant_id, ref=ref or new_ref(), partner_id=partner.id,
                submitted_on=submitted_on, due_on=add_business_days(review_from, rules.review_business_days),
                status=PENDING, vendor_consent_at=clock.now(), carried_over=clean.pop("carried_over"),
                **{k: clean[k] for k in LEAD_FIELDS})
    _store(lead, lambda: check(partner, data, rules, submitted_on=submitted_on, ref=ref)[1])
    audit.record(actor, "lead.submitted", "lead", lead.id)
    if partner.user_id:
        from portal.accounts.models import User

        user = db.session.get(User, partner.user_id)
        if user is not None:
            _record_vendor_consent(user, rules, channel=channel, clock=clock)
    elif channel != "import" and rules.lead_consent_kind == "data_transfer":
        partner.consent_withdrawn_at = None  # the API call stating the partner's consent gives it anew (G-08)
    # §9: in its account, or — a partner loaded from the organiser's file — at its contact person's address, as the
    # decision that follows
    partner_service.tell(partner, "lead_received", clock=clock, ref=lead.ref, due_on=lead.due_on.isoformat())
    return lead


def _store(lead: Lead, recheck) -> None:
    """Insert the lead in a savepoint. Two submissions of the same customer (L-04) or reference at the same instant
    both pass the checks; the database's unique indexes let one in, and the other is refused with the reason the
    checks give now that the first is stored (a file's other rows and the caller's transaction stay intact)."""
    try:
        with db.session.begin_nested():
            db.session.add(lead)
            db.session.flush()
    except IntegrityError:
        problems = recheck()
        if not problems:
            raise
        raise ValidationFailed([(p.field, p.message, p.rule) for p in problems]) from None


def _withdrawn_consent(partner: Partner, rules: LeadRules, channel: str):
    """G-08: a withdrawal takes effect at once. The organiser's file (``import``, which has no consent column) submits
    for the partner and cannot consent in its name once the partner withdrew; the partner's own form, or the API
    call that states the partner's consent (``vendor_consent``), gives it anew."""
    if channel != "import" or rules.lead_consent_kind != "data_transfer":
        return None
    if not partner.user_id:  # imported, without an account: its contact person withdrew by a request (G-08)
        return partner.consent_withdrawn_at
    from portal.privacy import consents

    return consents.withdrawn_at(partner.user_id, "vendor_transfer")


def _record_vendor_consent(user, rules: LeadRules, *, channel: str, clock: Clock) -> None:
    """L-21 / G-08: the lead form's consent as a consent of the partner's account — once per text agreed to while it
    stays in force; after a withdrawal the next lead records it anew. A §7 declaration (the agency vouches for its
    contact's data) is the agency's statement, not a consent about its own data: it stays on the lead only."""
    if rules.lead_consent_kind != "data_transfer":
        return
    from portal.privacy import consents

    texts = rules.lead_consent_texts
    text = texts.get(_reader_language()) or texts.get("pl") or next(iter(texts.values()), "") or \
        "consent to passing the lead's data to the vendor for verification"
    digest = hashlib.sha256(text.encode()).hexdigest()
    current = consents.active(user.id, "vendor_transfer")
    if current is None or current.text_sha256 != digest:
        consents.give(user, "vendor_transfer", version=None, text_sha256=digest, channel=channel, clock=clock)


def _timezone(partner: Partner) -> str:
    """E-04: "today" is the day in the organiser's time zone."""
    from portal.tenancy.models import Tenant

    tenant = db.session.get(Tenant, partner.tenant_id)
    return tenant.timezone if tenant is not None and tenant.timezone else "Europe/Warsaw"


def new_ref() -> str:
    return "L-" + secrets.token_hex(4).upper()


__all__ = ["DomainError", "check", "submit"]
