"""Partners (resellers) of a lead-reward programme: joining (L-01), flags (L-01, L-15, L-18), exclusion (L-20)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from stdnum.pl import nip as nip_number

from portal.accounts.models import User
from portal.accounts.service import clean_nip
from portal.core.bulk import ValidationFailed
from portal.core.clock import Clock
from portal.core.errors import DomainError, NotFound
from portal.extensions import db
from portal.leads.models import Partner
from portal.leads.rules import LeadRules
from portal.leads.service.limits import email_ok, phone_problem, text_problems
from portal.notifications import service as notifications
from portal.privacy import audit
from portal.programmes import service as programmes
from portal.tenancy.models import Tenant

CONTACT_FIELDS = ("contact_first_name", "contact_last_name", "contact_phone", "contact_email")


def known_flags(rules: LeadRules) -> set[str]:
    return {*rules.ineligible_partner_flags, *rules.withhold_flags,
            *([rules.new_partner_flag] if rules.new_partner_flag else [])}


def by_nip(nip: str) -> Partner | None:
    if "\x00" in nip:  # no partner has one, and PostgreSQL refuses it even in a lookup
        return None
    return db.session.scalars(select(Partner).where(Partner.nip == nip)).first()


def named_by_nip(value: str, field: str = "partner_nip") -> Partner:
    """The partner a lead names by NIP, written as the partners file takes it (dashes, spaces, a PL prefix)."""
    found = by_nip(nip_number.compact(value or ""))
    if found is None:
        raise DomainError(_("No partner with NIP %(nip)s takes part in the programme; register or import the partner "
                            "first.", nip=value), field=field, rule="L-01")
    return found


def for_user(user_id: int) -> Partner | None:
    return db.session.scalars(select(Partner).where(Partner.user_id == user_id)).first()


def get(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(_("No such partner."))
    return partner


def _check(data: dict, rules: LeadRules) -> tuple[str, list[str]]:
    problems: list[tuple[str | None, str, str | None]] = []
    nip = ""
    try:
        nip = clean_nip(data.get("nip", ""))
    except DomainError as error:
        problems.append(("nip", _("The company NIP is not valid: check the 10 digits."), "L-01"))
        del error
    for key, message in (("name", _("Enter the company name.")), ("address", _("Enter the company address.")),
                         ("contact_first_name", _("Enter the contact's first name.")),
                         ("contact_last_name", _("Enter the contact's last name.")),
                         ("contact_phone", _("Enter the contact's phone.")),
                         ("contact_email", _("Enter the contact's e-mail."))):
        if not (data.get(key) or "").strip():
            problems.append((key, message, "L-01"))
    problems += text_problems({k: (data.get(k) or "").strip() for k in ("name", "address", *CONTACT_FIELDS)}, {
        "name": (200, _("Company name")), "address": (300, _("Company address")),
        "contact_first_name": (100, _("Contact person: first name")),
        "contact_last_name": (100, _("Contact person: last name")),
        "contact_phone": (30, _("Contact person: phone")), "contact_email": (254, _("Contact person: e-mail"))},
        "L-01")
    email = (data.get("contact_email") or "").strip()
    if not email_ok(email):
        problems.append(("contact_email", _("Check the contact's e-mail address."), "L-01"))
    wrong_phone = phone_problem((data.get("contact_phone") or "").strip())
    if wrong_phone:
        problems.append(("contact_phone", wrong_phone, "L-01"))
    flags = data.get("flags") or []
    unknown = [f for f in flags if f not in known_flags(rules)]
    if unknown:
        problems.append(("flags", _("Unknown flag(s): %(flags)s.", flags=", ".join(unknown)), "L-01"))
    if problems:
        raise ValidationFailed(problems)
    return nip, flags


def problems(data: dict, rules: LeadRules) -> ValidationFailed | None:
    """What the joining checks (L-01) refuse in ``data``, all at once; None when nothing."""
    try:
        _check(data, rules)
    except ValidationFailed as failed:
        return failed
    return None


def registration_problems(company_name: str, nip: str, *, day: date) -> list[tuple[str, str, str]]:
    """L-01: a lead-reward programme admits registered companies only (seed: registering with the distributor "jako
    firma / partner"), so registering with its organiser asks for the company's name and NIP, and refuses a NIP
    already in the programme as joining does; each problem ``(field, message, rule)``. An invalid NIP is left to the
    account's own check. The installer programme admits individuals too (P-01): nothing is asked there."""
    if programmes.type_on(day) != "lead_reward":
        return []
    found: list[tuple[str, str, str]] = []
    if not company_name.strip():
        found.append(("company_name", _("Enter the company name."), "L-01"))
    if not nip.strip():
        found.append(("nip", _("Enter the company NIP."), "L-01"))
    elif nip_number.is_valid(nip) and by_nip(nip_number.compact(nip)) is not None:
        found.append(("nip", _("This company is already registered in the programme."), "L-01"))
    return found


def join(data: dict, rules: LeadRules, *, tenant_id: int, actor=None, user_id: int | None = None,
         update: bool = False) -> Partner:
    """Register a partner company, or (``update``) refresh an existing one's data and flags (the ERP import).

    L-01: direct CSP partners (or their group) are not eligible; the flag comes from the organiser.
    """
    nip, flags = _check(data, rules)
    partner = by_nip(nip)
    if partner is not None and not update:
        raise DomainError(_("This company is already registered in the programme."), field="nip", rule="L-01")
    if user_id is not None and partner is None and for_user(user_id) is not None:
        raise DomainError(_("Your account already represents a company in the programme."), field="nip")
    values = {k: data[k].strip() for k in ("name", "address", *CONTACT_FIELDS)}
    values["contact_email"] = values["contact_email"].lower()
    if partner is None:
        partner = Partner(tenant_id=tenant_id, nip=nip, flags=sorted(set(flags)), user_id=user_id, **values)
        db.session.add(partner)
        db.session.flush()
        audit.record(actor, "partner.joined", "partner", partner.id)
    else:
        for key, value in values.items():
            setattr(partner, key, value)
        partner.flags = sorted(set(flags))
        audit.record(actor, "partner.updated", "partner", partner.id)
    return partner


def ineligibility(partner: Partner, rules: LeadRules) -> tuple[str, str] | None:
    """(rule, reason) when the partner may not take part now (L-01 direct CSP, L-20 excluded).

    The reason is data (settlement lines store it), so it stays in English; ``submission_refusal`` says the same
    to the partner in the reader's language."""
    if partner.excluded_at is not None:
        return "L-20", "the partner was removed from the programme"
    bad = [f for f in partner.flags or [] if f in rules.ineligible_partner_flags]
    if bad:
        return "L-01", INELIGIBLE.get(bad[0], f"the partner's flag {bad[0]} keeps it out of the programme")
    return None


def not_admitted(rules: LeadRules) -> list[str]:
    """L-01: who the programme does not admit, as sentences in the reader's language, for its join page."""
    from portal.leads.labels import settlement_reason

    said = [settlement_reason(INELIGIBLE[flag]) for flag in rules.ineligible_partner_flags if flag in INELIGIBLE]
    return [f"{text[:1].upper()}{text[1:]}." for text in said]


# L-01 and its §7 analogue: why a flag the programme's ``ineligible_partner_flags`` names keeps a partner out
INELIGIBLE = {"csp_direct": "direct CSP partners and their capital group are not eligible",
              "vendor_group_company": "companies of the organiser's capital group are not eligible"}


def submission_refusal(partner: Partner, rules: LeadRules) -> tuple[str, str] | None:
    """(rule, message) telling the partner, in the reader's language, why it cannot submit leads now."""
    refusal = ineligibility(partner, rules)
    if refusal is None:
        return None
    if refusal[0] == "L-20":
        return "L-20", _("You cannot submit leads: the partner was removed from the programme.")
    from portal.leads.labels import settlement_reason

    return refusal[0], _("You cannot submit leads: %(reason)s.", reason=settlement_reason(refusal[1]))


def set_flags(partner: Partner, flags: list[str], rules: LeadRules, *, actor) -> None:
    unknown = [f for f in flags if f not in known_flags(rules)]
    if unknown:
        raise DomainError(_("Unknown flag(s): %(flags)s.", flags=", ".join(unknown)), field="flags", rule="L-01")
    partner.flags = sorted(set(flags))
    audit.record(actor, "partner.flags", "partner", partner.id)


def exclude(partner: Partner, reason: str, *, actor, clock: Clock) -> None:
    """L-20: submitting false information can remove the partner from the programme."""
    if not reason.strip():
        raise DomainError(_("Give the reason for the exclusion."), field="reason", rule="L-20")
    if "\x00" in reason:
        raise DomainError(_("%(field)s: remove the NUL character.", field=_("Reason")), field="reason", rule="L-20")
    partner.excluded_at = clock.now()
    partner.exclusion_reason = reason.strip()
    audit.record(actor, "partner.excluded", "partner", partner.id)


def tell(partner: Partner | None, kind: str, *, clock: Clock, **params) -> None:
    """A partner hears a decision on its leads (L-07) or on its statement (L-17) — in its account, or, for a partner
    loaded from the organiser's file (no account), by mail to its contact person's address, unless that person
    restricted the processing (G-07)."""
    if partner is None:
        return
    if partner.user_id:
        user = db.session.get(User, partner.user_id)
        if user is not None:
            notifications.notify(user, kind, clock=clock, **params)
        return
    address = (partner.contact_email or "").strip()
    if "@" in address and not address.endswith(".invalid") and partner.restricted_at is None:  # not erased
        tenant = db.session.get(Tenant, partner.tenant_id)
        notifications.notify_address(partner.tenant_id, address, kind, locale=tenant.locale if tenant else "pl",
                                     clock=clock, **params)
