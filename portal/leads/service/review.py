"""Reviewing leads (L-07): the queue by the 5-business-day deadline, decisions with reasons, reminders."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, select

from portal.core.clock import Clock
from portal.core.errors import DomainError, NotFound
from portal.core.locks import locked
from portal.extensions import db
from portal.leads.models import PENDING, QUALIFIED, REJECTED, CustomerFact, Lead, Partner
from portal.leads.rules import LeadRules
from portal.leads.service import partners as partner_service
from portal.leads.service.programme import rules_of, rules_on, version_on
from portal.notifications import service as notifications
from portal.privacy import audit
from portal.tenancy.models import Tenant
from portal.tenancy.service import local_today

DECISIONS = (QUALIFIED, REJECTED)


def get(lead_id: int, *, partner_id: int | None = None) -> Lead:
    """A lead of this tenant (and of this partner, when given); otherwise 404 — "not yours" looks like "none"."""
    lead = db.session.get(Lead, lead_id)
    if lead is None or (partner_id is not None and lead.partner_id != partner_id):
        raise NotFound(_("No such lead."))
    return lead


def by_ref(ref: str) -> Lead | None:
    ref = ref.strip()  # as a reference is stored
    if len(ref) > 40 or "\x00" in ref:  # longer than any reference; PostgreSQL refuses a NUL even in a lookup
        return None
    return db.session.scalars(select(Lead).where(Lead.ref == ref)).first()


def queue(*, status: str = PENDING, after: tuple[date, int] | None = None, limit: int = 50) -> list[Lead]:
    """Pending leads, soonest deadline first (keyset pagination: flat as the table grows)."""
    query = select(Lead).where(Lead.status == status)
    if after is not None:
        due, last_id = after
        query = query.where((Lead.due_on > due) | and_(Lead.due_on == due, Lead.id > last_id))
    return list(db.session.scalars(query.order_by(Lead.due_on, Lead.id).limit(limit)))


def partner_names(leads: list[Lead]) -> dict[int, str]:
    """The names of the partners of a page of leads, in one query (the queue shows who submitted each)."""
    ids = {lead.partner_id for lead in leads}
    if not ids:
        return {}
    return dict(db.session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids))).all())


def standing_refusals(leads: list[Lead], rules: LeadRules, language: str) -> dict[int, list[tuple[str, str]]]:
    """(rule, reason) per pending lead that the vendor's facts about its customer now refuse: registered with the
    vendor (L-04) or holding what excludes it (L-05). Microsoft's verification can arrive after the submission, so
    the review queue says it before staff qualify a lead its settlement would not pay. One query per page."""
    nips = {lead.customer_nip for lead in leads if lead.status == PENDING}
    if not nips:
        return {}
    flags: dict[str, set[str]] = {}
    for customer_nip, flag in db.session.execute(select(CustomerFact.customer_nip, CustomerFact.flag)
                                                 .where(CustomerFact.customer_nip.in_(nips))):
        flags.setdefault(customer_nip, set()).add(flag)
    found: dict[int, list[tuple[str, str]]] = {}
    for lead in leads:
        held = flags.get(lead.customer_nip)
        if lead.status != PENDING or not held:
            continue
        reasons = []
        if rules.vendor_registry_flag and rules.vendor_registry_flag in held:
            reasons.append(("L-04", _("This customer is already registered with the vendor.")))
        for exclusion in rules.exclusions:
            if exclusion.applies(held, lead.family):
                reasons.append(("L-05", exclusion.reason.get(language) or exclusion.reason.get("en")
                                or exclusion.code))
        if reasons:
            found[lead.id] = reasons
    return found


def decide(lead: Lead, decision: str, *, decided_on: date, reason: str = "", actor=None, clock: Clock) -> Lead:
    """Qualify or reject; the partner is told the decision and the reason. The programme version in force on the
    day of qualification is the one its settlement will use (L-30)."""
    if decision not in DECISIONS:
        raise DomainError(_("The decision is either qualified or rejected."), field="decision", rule="L-07")
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise DomainError(_("%(field)s: remove the NUL character.", field=_("Reason")), field="reason", rule="L-07")
    if decision == REJECTED and not reason:
        raise DomainError(_("Give the partner the reason for the rejection."), field="reason", rule="L-07")
    if decided_on < lead.submitted_on:
        raise DomainError(_("A decision cannot come before the submission."), field="decided_on", rule="L-07")
    today = clock.today(_timezone(lead))
    if decided_on > today:
        raise DomainError(_("The decision date %(day)s is after today (%(today)s); a decision cannot be dated in "
                            "the future.", day=decided_on.isoformat(), today=today.isoformat()),
                          field="decided_on", rule="L-07")
    if locked(lead).status != PENDING:  # two reviewers at once: one decision, told once
        if lead.status == decision and lead.decided_on == decided_on:
            return lead  # the same decision again (a re-run import): nothing changes
        raise DomainError(_already_decided(lead), field="decision", rule="L-07")
    version = version_on(decided_on)
    if decision == QUALIFIED and lead.carried_over:
        _carried_over_qualification(rules_of(version), decided_on)
    lead.status = decision
    lead.decided_on = decided_on
    lead.decision_reason = reason or None
    lead.decided_by = getattr(actor, "id", None)
    lead.programme_version_id = version.id
    audit.record(actor, f"lead.{decision}", "lead", lead.id)
    partner_service.tell(db.session.get(Partner, lead.partner_id), f"lead_{decision}", clock=clock, ref=lead.ref,
                  reason=reason)
    return lead


def _carried_over_qualification(rules: LeadRules, decided_on: date) -> None:
    """L-08: a lead of the previous edition is re-verified by the vendor and accepted in this campaign ("zostaną
    zweryfikowane ponownie … a o ich akceptacji Partnera poinformuje Dystrybutor"), so it cannot be qualified before
    the campaign starts — a qualification dated earlier would also let a sale between the editions pass L-10's
    "not before the qualification"."""
    if decided_on < rules.starts_on:
        raise DomainError(_("This lead was carried over from the previous edition: after its re-verification it can "
                            "be qualified from the campaign start on %(start)s, not on %(day)s.",
                            start=rules.starts_on.isoformat(), day=decided_on.isoformat()),
                          field="decided_on", rule="L-08")


def _timezone(lead: Lead) -> str:
    """E-04: "today" is the day in the organiser's time zone."""
    tenant = db.session.get(Tenant, lead.tenant_id)
    return tenant.timezone if tenant is not None and tenant.timezone else "Europe/Warsaw"


def _already_decided(lead: Lead) -> str:
    if lead.status == QUALIFIED:
        return _("Lead %(ref)s was already qualified on %(day)s.", ref=lead.ref, day=lead.decided_on)
    if lead.status == REJECTED:
        return _("Lead %(ref)s was already rejected on %(day)s.", ref=lead.ref, day=lead.decided_on)
    return _("Lead %(ref)s was already %(status)s on %(day)s.", ref=lead.ref, status=lead.status,
             day=lead.decided_on)


def remind_overdue(*, clock: Clock) -> int:
    """Tell the organiser's staff once a day about pending leads whose deadline is near (due by the next business
    day, so there is still a day to decide them) or overdue (L-07, §9)."""
    from portal.accounts.models import ADMIN, STAFF, User
    from portal.core.businessdays import add_business_days

    today = local_today(clock)  # the organiser's day (E-04), as the review deadline is counted in
    horizon = add_business_days(today, 1)
    due = list(db.session.scalars(select(Lead).where(Lead.status == PENDING, Lead.due_on <= horizon,
                                                     (Lead.reminded_on.is_(None)) | (Lead.reminded_on < today))))
    if not due:
        return 0
    overdue = sum(1 for lead in due if lead.due_on < today)
    due_today = sum(1 for lead in due if lead.due_on == today)
    # ``by`` is how far the reminder looks ahead (the next business day), not a deadline: the mail says how many are
    # overdue, how many are due today and how many fall due after today but by that day
    soon = len(due) - overdue - due_today
    try:  # the review time the programme in force sets (L-07: 5 business days in the seed, the organiser's to edit)
        days = rules_on(today).review_business_days
    except DomainError:
        days = None
    for user in db.session.scalars(select(User).where(User.role.in_((ADMIN, STAFF)), User.is_active_account)):
        notifications.notify(user, "review_deadline", clock=clock, due=len(due), overdue=overdue,
                             today=due_today, soon=soon, by=horizon.isoformat(), days=days)
    for lead in due:
        lead.reminded_on = today
    return len(due)
