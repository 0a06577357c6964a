"""The processor's registers: sub-processors with a 7-day advance notice (C-07), audits once a year (C-06), and the
monthly fee statement of a tenant (C-02) from its participant counts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import extract, func, select

from portal.accounts.models import PARTICIPANT, User
from portal.core import eea
from portal.core.businessdays import add_business_days, is_business_day
from portal.core.clock import Clock, utc
from portal.core.errors import DomainError
from portal.extensions import db
from portal.notifications import service as notifications
from portal.operator import contracts, fees
from portal.operator.models import AuditRequest, SubProcessor, SubprocessorAnswer
from portal.tenancy import service as tenants
from portal.tenancy.guard import across_tenants
from portal.tenancy.models import Tenant

NOTICE_DAYS = 7
AUDIT_ANSWER_DAYS = 30
INFORMATION_ANSWER_DAYS = 14  # DPA §4.2: a written request for information about the processing
AUDIT_FORMS = ("questionnaire", "inspection", "information")
INSPECTION_NOTICE_BUSINESS_DAYS = 10


def add_subprocessor(data: dict, *, clock: Clock) -> SubProcessor:
    """C-07: every tenant's DPO hears of a new sub-processor 7 days before it takes effect; no transfer outside
    the EEA unless the platform is configured for it (DPA §6) — ticked as such, or located in a country outside it."""
    name, purpose, location = (data.get(k, "").strip() for k in ("name", "purpose", "location"))
    if not (name and purpose and location):
        raise DomainError(_("Give the name, the purpose and the location."), field="name", rule="C-07")
    named = eea.outside(location)  # the box is not the only word on it: "Virginia, USA" is outside, ticked or not
    outside = bool(data.get("outside_eea")) or named is not None
    if outside and not current_app.config.get("ALLOW_TRANSFERS_OUTSIDE_EEA", False):
        if named is not None and not data.get("outside_eea"):
            raise DomainError(_("%(country)s is outside the EEA, and transfers outside the EEA are not configured "
                                "for this platform.", country=eea.country_name(named)), field="location",
                              rule="C-07")
        raise DomainError(_("Transfers outside the EEA are not configured for this platform."), field="outside_eea",
                          rule="C-07")
    today = clock.today()
    row = SubProcessor(name=name, purpose=purpose, location=location, outside_eea=outside, announced_on=today,
                       announced_at=clock.now(), effective_from=today + timedelta(days=NOTICE_DAYS))
    db.session.add(row)
    db.session.flush()
    for tenant in tenants.listed():
        notifications.notify_dpo(tenant, "subprocessor_notice", clock=clock, name=name, purpose=purpose,
                                 location=location, outside_eea=outside,
                                 effective_from=row.effective_from.isoformat())
    return row


def subprocessors() -> list[SubProcessor]:
    return list(db.session.scalars(select(SubProcessor).order_by(SubProcessor.effective_from)))


SUBPROCESSOR_ANSWERS = ("consent", "objection")


def subprocessors_of(tenant) -> dict[str, list[SubProcessor]]:
    """C-07, DPA §4.8 ("nie powierzy danych osobowych przed uzyskaniem zgody"): the sub-processors of one organiser
    — ``in_use``: listed when it joined (part of its agreement) or consented to; ``awaiting``: announced since and
    not answered, so none of its data goes there yet; ``objected``; ``consented``: those of ``in_use`` that are in
    use by the organiser's consent, which it may withdraw by objecting."""
    answers = dict(db.session.execute(select(SubprocessorAnswer.subprocessor_id, SubprocessorAnswer.answer)
                                      .where(SubprocessorAnswer.tenant_id == tenant.id)).all())
    found: dict[str, list[SubProcessor]] = {"in_use": [], "awaiting": [], "objected": [], "consented": []}
    for row in subprocessors():
        answer = answers.get(row.id)
        listed = _listed_when_joined(row, tenant)
        state = "objected" if answer == "objection" else "in_use" if answer == "consent" or listed else "awaiting"
        found[state].append(row)
        if answer == "consent" and not listed:
            found["consented"].append(row)
    return found


def _listed_when_joined(row: SubProcessor, tenant) -> bool:
    """Announced before the organiser joined — by the moment, as ``add_subprocessor`` tells every organiser there
    is at that moment; by the day for a row kept before the moment was."""
    if tenant.created_at is None:
        return False
    if row.announced_at is not None:
        return utc(row.announced_at) <= utc(tenant.created_at)
    return row.announced_on <= utc(tenant.created_at).date()


def answer_subprocessor(tenant, subprocessor_id: int, answer: str, *, clock: Clock, actor=None) -> SubprocessorAnswer:
    """C-07, DPA §4.7: the organiser's consent to a new sub-processor, or its objection; a later answer replaces the
    earlier one (consent may be withdrawn by objecting)."""
    from portal.core.errors import NotFound
    from portal.privacy import audit

    if answer not in SUBPROCESSOR_ANSWERS:
        raise DomainError(_("Answer with consent or an objection."), field="answer", rule="C-07")
    if db.session.get(SubProcessor, subprocessor_id) is None:
        raise NotFound(_("No such sub-processor."))
    row = db.session.scalars(select(SubprocessorAnswer).where(SubprocessorAnswer.tenant_id == tenant.id,
                                                              SubprocessorAnswer.subprocessor_id == subprocessor_id)
                             ).first()
    if row is None:
        row = SubprocessorAnswer(tenant_id=tenant.id, subprocessor_id=subprocessor_id, answer=answer)
        db.session.add(row)
    row.answer, row.answered_at = answer, clock.now()
    row.answered_by = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, f"subprocessor.{answer}", "sub_processor", subprocessor_id)
    return row


def answers_counts() -> dict[int, dict[str, int]]:
    """C-07: per sub-processor, how many organisers consented and how many objected (the operator's list)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    with across_tenants("the operator counts the organisers' answers to the sub-processors"):
        rows = db.session.execute(select(SubprocessorAnswer.subprocessor_id, SubprocessorAnswer.answer, func.count())
                                  .group_by(SubprocessorAnswer.subprocessor_id, SubprocessorAnswer.answer)).all()
    for subprocessor_id, answer, count in rows:
        counts[subprocessor_id][answer] = count
    return counts


def request_audit(tenant_id: int, questionnaire: str, *, clock: Clock, received_on: date | None = None,
                  form: str = "questionnaire", starts_on: date | None = None) -> AuditRequest:
    """C-06 (DPA §5): the organiser's written questions, at most once a calendar year, answered within 30 days of
    their receipt (``received_on``: a letter recorded later keeps its day, never one in the future). After the
    questionnaire was answered the organiser may ask for an audit in another form (``form="inspection"``, DPA §5.3),
    starting on an agreed day no sooner than 10 business days after the request was received; it is part of that
    year's audit, not a second one; it takes place during working hours, on a business day (DPA §5.4). Apart from
    the audit, a written request for information about the processing (``form="information"``, DPA §4.2) is answered
    within 14 days of its receipt, however many come in a year."""
    today = clock.today()
    received = received_on or today
    if received > today:
        raise DomainError(_("The day the request was received cannot be in the future."), field="received_on",
                          rule="C-06")
    if form not in AUDIT_FORMS:
        raise DomainError(_("Choose the form of the audit."), field="form", rule="C-06")
    if not questionnaire.strip():
        raise DomainError({"questionnaire": _("Attach the questions."),
                           "information": _("Write what the organiser asks to be told.")}.get(
                              form, _("Describe the scope of the inspection.")), field="questionnaire", rule="C-06")
    if form == "information":
        row = AuditRequest(tenant_id=tenant_id, requested_on=received, questionnaire=questionnaire.strip(),
                           answer_due=received + timedelta(days=INFORMATION_ANSWER_DAYS), form=form)
        db.session.add(row)
        db.session.flush()
        return row
    this_year = list(db.session.scalars(select(AuditRequest).where(
        AuditRequest.tenant_id == tenant_id, extract("year", AuditRequest.requested_on) == received.year)
        .order_by(AuditRequest.requested_on)))
    questionnaires = [a for a in this_year if a.form == "questionnaire"]
    if form == "questionnaire":
        if questionnaires:
            raise DomainError(_("An audit was already requested this year (on %(d)s).",
                                d=questionnaires[0].requested_on), field="tenant_id", rule="C-06")
        row = AuditRequest(tenant_id=tenant_id, requested_on=received, questionnaire=questionnaire.strip(),
                           answer_due=received + timedelta(days=AUDIT_ANSWER_DAYS), form=form)
    else:
        # the inspection belongs to the audit of the latest answered questionnaire, whatever the year it was
        # answered in (received in December, answered in January): one inspection per questionnaire
        earlier = list(db.session.scalars(select(AuditRequest).where(
            AuditRequest.tenant_id == tenant_id, AuditRequest.requested_on <= received)
            .order_by(AuditRequest.requested_on, AuditRequest.id)))
        answered = [a for a in earlier if a.form == "questionnaire" and a.answered_on is not None]
        if not answered:
            raise DomainError(_("An inspection follows this year's questionnaire once it is answered (DPA §5.3)."),
                              field="form", rule="C-06")
        if any(a.form == "inspection" and a.requested_on >= answered[-1].requested_on for a in earlier):
            raise DomainError(_("This year's audit already has an inspection."), field="form", rule="C-06")
        earliest = add_business_days(received, INSPECTION_NOTICE_BUSINESS_DAYS)
        if starts_on is None:
            raise DomainError(_("Enter the agreed start date."), field="starts_on", rule="C-06")
        if starts_on < earliest:
            raise DomainError(_("An inspection starts no sooner than 10 business days after the request: on "
                                "%(d)s at the earliest.", d=earliest.isoformat()), field="starts_on", rule="C-06")
        if not is_business_day(starts_on):
            raise DomainError(_("An inspection takes place during the platform's working hours: choose a business "
                                "day, not a weekend or a public holiday."), field="starts_on", rule="C-06")
        row = AuditRequest(tenant_id=tenant_id, requested_on=received, questionnaire=questionnaire.strip(),
                           answer_due=starts_on, starts_on=starts_on, form=form)
    db.session.add(row)
    db.session.flush()
    return row


def answer_audit(row: AuditRequest, answer: str, *, clock: Clock) -> None:
    if row.answered_on is not None:
        raise DomainError(_("This audit was already answered on %(d)s.", d=row.answered_on), field="answer",
                          rule="C-06")
    if not answer.strip():
        raise DomainError(_("Write the inspection's findings.") if row.form == "inspection" else
                          _("Write the answer."), field="answer", rule="C-06")
    row.answered_on, row.answer = clock.today(), answer.strip()


def audits() -> list[AuditRequest]:
    return list(db.session.scalars(select(AuditRequest).order_by(AuditRequest.answered_on.is_not(None),
                                                                 AuditRequest.answer_due, AuditRequest.id)))


Span = tuple[date, date | None]  # the first day a participant was stored, and the day its account was erased


def stored_participants(tenant_id: int) -> list[Span]:
    """C-02 (OWU V.5: "liczbie kontaktów przechowywanych w bazie danych Systemu"): every participant the tenant stores,
    once — a participant account, and each partner or installer row, with an account or without one (partners a lead
    programme imports from the organiser's list have none). A participant counts from the day it was first stored
    (its row or its account, whichever came first) until the day its account was erased; a partner without an
    account stays stored while its row does (erasing its contact person masks the contact, not the company)."""
    from portal.leads.models import Partner
    from portal.loyalty.models import Installer

    with across_tenants("the operator counts a tenant's participants for its fee"):
        zone = ZoneInfo(db.session.get(Tenant, tenant_id).timezone or "Europe/Warsaw")
        accounts = {user_id: [_day(created, zone), _day(erased, zone) if erased is not None else None]
                    for user_id, created, erased in db.session.execute(select(
                        User.id, User.created_at, User.erased_at).where(User.tenant_id == tenant_id,
                                                                         User.role == PARTICIPANT))}
        rows = []
        for model in (Partner, Installer):
            rows += db.session.execute(select(model.created_at, model.user_id, User.created_at, User.erased_at)
                                       .outerjoin(User, User.id == model.user_id)
                                       .where(model.tenant_id == tenant_id)).all()
    without_account: list[Span] = []
    for created, user_id, account_created, account_erased in rows:
        if user_id is None:
            without_account.append((_day(created, zone), None))
            continue
        span = accounts.setdefault(user_id, [_day(account_created, zone),
                                             _day(account_erased, zone) if account_erased is not None else None])
        span[0] = min(span[0], _day(created, zone))
    return [(first, erased) for first, erased in accounts.values()] + without_account


def stored_on(spans: list[Span], day: date) -> int:
    """The participants stored on ``day`` (an account erased that day or before is no contact any more)."""
    return sum(1 for first, erased in spans if first <= day and (erased is None or erased > day))


def fee_statement(tenant_id: int, *, until: date, spans: list[Span] | None = None) -> list[fees.MonthlyFee]:
    """C-02: one line per month of the contract so far (to its end; a first or a last part month by the days served;
    a month holding the contract's anniversary split at it, OWU V.3: ``contracts.monthly_fee``);
    the count is the month's highest number of participants stored on any day (``stored_participants``) — a
    participant counts until the day its account was erased, so erasing people later never lowers a month already
    passed, nor the tier it reached (OWU V.4: that tier's fee stays the minimum)."""
    contract = contracts.of_tenant(tenant_id)
    if contract is None:
        return []
    changes: dict[date, int] = {}  # +1 the day a participant is stored, −1 the day after its account was erased
    for first, erased in stored_participants(tenant_id) if spans is None else spans:
        changes[first] = changes.get(first, 0) + 1
        if erased is not None:
            gone = erased + timedelta(days=1)
            changes[gone] = changes.get(gone, 0) - 1
    days = sorted(changes)
    contract.max_tier_reached = 0
    lines, stored, index = [], 0, 0
    month = contract.starts_on.replace(day=1)
    # C-04 (OWU VIII.4): nothing is billed after the contract's end; its last month only for the days served, the end
    # day included (the contract is in force through it)
    last = until if contract.ended_on is None else min(until, contract.ended_on)
    while month <= last:
        month_end = month + relativedelta(months=1) - timedelta(days=1)
        while index < len(days) and days[index] <= month:  # everything up to the month's first day
            stored += changes[days[index]]
            index += 1
        highest = stored
        while index < len(days) and days[index] <= month_end:
            stored += changes[days[index]]
            highest = max(highest, stored)
            index += 1
        # a part month — the first, when the contract starts after the 1st, and the last — by the days served
        first_day = max(month, contract.starts_on)
        last_day = month_end if contract.ended_on is None else min(month_end, contract.ended_on)
        lines.append(fees.monthly_fee(contract, month, highest, served=(first_day, last_day)))
        month += relativedelta(months=1)
    return lines


def _day(value, zone: ZoneInfo) -> date:
    """E-04: a stored time stamp's day in the organiser's time zone (a participant stored at 00:30 in Warsaw on
    1 February counts from February, not from the UTC day before)."""
    return utc(value).astimezone(zone).date() if isinstance(value, datetime) else value
