"""Tenant contracts (C-01 … C-03): term and renewal, notice, termination and its effects — the pro-rata reclaim of the
term discount (OWU VIII.7) and the contractual penalty (OWU VIII.6) on a termination for the organiser's fault. The
monthly fee itself is ``portal.operator.fees``; the order form's price list ``portal.operator.pricing``."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.clock import get_clock
from portal.core.errors import DomainError, NotFound
from portal.core.money import money
from portal.extensions import db
from portal.operator.fees import MonthlyFee, fee_in_force, months_end, term_discount
from portal.operator.models import Contract
from portal.operator.pricing import DEFAULT_PRICING
from portal.tenancy.models import Tenant

NOTICE_DAYS = 30
EXPORT_DAYS = 7
DELETE_DAYS = 14
OUTAGE_FIX_DAYS = 7
PAYMENT_DELAY_DAYS = 30
# C-01/C-03 grounds of a contract end (OWU VIII.1–VIII.3) → whether it is for the organiser's fault (C-02: the term
# discount of the unexpired months is then reclaimed, OWU VIII.7)
GROUNDS = {"expiry": False,                       # VIII.1 the term ended after the organiser's notice of non-renewal
           "customer_outage_not_fixed": False,    # VIII.2 the organiser's notice: outage not fixed within 7 days
           "payment_delay_over_30_days": True,    # VIII.3a invoices unpaid for more than 30 days
           "anti_spam_breach": True,              # VIII.3b gross breach of business ethics, the anti-spam policy
           "law_breach": True,                    # VIII.3c breach of mandatory law
           "business_ethics_breach": True,        # VIII.3d unethical conduct towards the platform (e.g. abusive)
           "mutual": False}                       # both parties agree to end it


def of_tenant(tenant_id: int) -> Contract | None:
    return db.session.scalars(select(Contract).where(Contract.tenant_id == tenant_id)
                              .order_by(Contract.id.desc())).first()


def create(tenant_id: int, *, starts_on: date, term_months: int, pricing: dict | None = None,
           auto_renew: bool = True) -> Contract:
    _check_term(term_months)
    contract = Contract(tenant_id=tenant_id, starts_on=starts_on, term_months=term_months, auto_renew=auto_renew,
                        current_end=term_end(starts_on, term_months, 1),
                        pricing=pricing or DEFAULT_PRICING)
    db.session.add(contract)
    db.session.flush()
    return contract


MAX_TERM_MONTHS = 120  # C-01: the longest fixed term an order form names (ten years), as the operator's page takes


def _check_term(term_months: int) -> None:
    if not 1 <= term_months <= MAX_TERM_MONTHS:
        raise DomainError(_("The term is a whole number of months, 1 to %(max)s.", max=MAX_TERM_MONTHS),
                          field="term_months", rule="C-01")


def term_end(starts_on: date, term_months: int, terms: int) -> date:
    """C-01: the last day of the ``terms``-th term. Each renewal is a new period of the same months starting the day
    after the previous term's last day (OWU VIII.1 "kolejne okresy"), so it is counted from that day, not from the
    first start: a 6-month term from 31 Aug ends 28 Feb, and its renewal from 1 Mar ends 31 Aug, not 30 Aug."""
    end = months_end(starts_on, term_months)
    for _renewal in range(terms - 1):
        end = months_end(end + timedelta(days=1), term_months)
    return end


def notice_deadline(contract: Contract) -> date:
    """C-01: written notice at least 30 days before the end of the term stops the renewal."""
    return contract.current_end - timedelta(days=NOTICE_DAYS)


def sign(tenant_id: int, *, starts_on: date, term_months: int, pricing: dict | None = None) -> Contract:
    """C-01: the operator records the order form's start date and fixed term; a running contract gets the corrected
    terms, an ended one stays ended. Its end is recomputed from the start as the last day of the term running
    today — or, once the organiser gave notice, of the term the notice was received in — never the first term's
    end of a contract that has renewed since. C-02 (OWU V.1, V.3): ``pricing`` is the order form's price list and
    premium, checked by ``portal.operator.pricing``; without one a new contract gets the default price list and a
    running one keeps its own."""
    _check_term(term_months)
    contract = of_tenant(tenant_id)
    if contract is None:
        contract = create(tenant_id, starts_on=starts_on, term_months=term_months, pricing=pricing)
        contract.current_end = _term_end_on(contract, _today(contract))  # a start long ago: the term running now
        return contract
    if contract.ended_on is not None:
        raise DomainError(_("The contract already ended on %(day)s.", day=contract.ended_on), rule="C-01")
    contract.starts_on, contract.term_months = starts_on, term_months
    if pricing is not None:
        contract.pricing = pricing
    contract.current_end = _term_end_on(contract, contract.notice_given_on or _today(contract))
    return contract


def give_notice(contract: Contract, on: date) -> None:
    """C-01: the organiser's written notice of non-renewal, dated the day it was received."""
    _renewed(contract, on)  # the notice is against the term running on the day it was received
    if contract.ended_on is not None:
        raise DomainError(_("The contract already ended on %(day)s.", day=contract.ended_on), rule="C-01")
    if contract.notice_given_on is not None:  # the command run twice, a letter after the e-mail: told once
        raise DomainError(_("Notice was already given on %(day)s; the contract ends on %(end)s.",
                            day=contract.notice_given_on, end=contract.current_end), field="on", rule="C-01")
    # a later day replayed first may have recorded the renewal already: the notice of an earlier day is against the
    # term it was received in, as if the days had been run in order
    ends = min(contract.current_end, _term_end_on(contract, on)) if contract.auto_renew else contract.current_end
    deadline = ends - timedelta(days=NOTICE_DAYS)
    if on > deadline:
        raise DomainError(_("Notice had to be given by %(deadline)s; the contract renews on %(renews)s.",
                            deadline=deadline, renews=ends + timedelta(days=1)), field="on", rule="C-01")
    contract.current_end, contract.notice_given_on, contract.auto_renew = ends, on, False
    # §9, C-04: the organiser hears now, not once the term is over, when the contract ends and until when it can
    # export; closing the term later tells it nothing new
    _tell_the_organiser(contract, end_summary(contract, on=contract.current_end, ground="expiry"))


def _term_end_on(contract: Contract, as_of: date) -> date:
    """The last day of the term running on ``as_of`` (the first term not over then)."""
    return term_on(contract, as_of)[1]


def term_on(contract: Contract, as_of: date) -> tuple[date, date]:
    """C-01: the first and the last day of the term running on ``as_of`` (the first term not over then), each
    renewal starting the day after the previous term's last day."""
    first = contract.starts_on
    last = months_end(first, contract.term_months)
    while last < as_of:
        first = last + timedelta(days=1)
        last = months_end(first, contract.term_months)
    return first, last


def _renew(contract: Contract, as_of: date) -> None:
    """C-01: the term running on ``as_of`` of a contract that renews."""
    contract.current_end = _term_end_on(contract, as_of)


def _renewed(contract: Contract, as_of: date) -> Contract:
    """The contract with the term running on ``as_of``: a renewal the daily job has not recorded yet (a replayed day,
    a job that did not run) is applied before an end or a notice is checked against the term's end."""
    if contract.ended_on is None and contract.auto_renew and contract.current_end < as_of:
        _renew(contract, as_of)
    return contract


def renew_due(*, as_of: date, tenant_id: int | None = None) -> int:
    """Daily: a term that ended without notice renews for the same term (every tenant's, or ``tenant_id``'s)."""
    renewed = 0
    due = select(Contract).where(Contract.ended_on.is_(None), Contract.current_end < as_of)
    for contract in db.session.scalars(due if tenant_id is None else due.where(Contract.tenant_id == tenant_id)):
        if contract.auto_renew:
            _renew(contract, as_of)
            renewed += 1
        else:
            # C-04 (DPA §9.3): the DPA lasts as long as the contract, so it expires on the term's last day; the
            # 7 export days and the deletion "14 dni po dacie wygaśnięcia" count from that day, not the day after
            _close(contract, on=contract.current_end, ground="expiry")
    return renewed


@dataclass(frozen=True)
class EndSummary:
    """What ending a contract on a day does (C-04), shown to the operator before it is confirmed."""

    on: date
    export_until: date
    delete_by: date
    customer_fault: bool
    discount_reclaimed: bool
    reclaim: Decimal | None = None  # C-02: the amount, when the fee statement gives the monthly discount
    read_only_from: date | None = None  # the first day the organiser's pages are read-only (``read_only_from``)
    penalty_charged: bool = False  # OWU VIII.6: the contractual penalty of the rest of the term
    penalty: Decimal | None = None  # its amount (``penalty_estimate``)


def end_summary(contract: Contract | None, *, on: date, ground: str) -> EndSummary:
    """C-04: ``on`` is the date the contract (and so the DPA) expires — the day of an immediate termination, or the
    last day of a term not renewed; the organiser exports within 7 days of it and deletion follows within 14 days
    after it (DPA §9.3). C-02: a termination for the organiser's fault before the term's last day reclaims the term
    discount of the unexpired days; OWU VIII.6: and charges the contractual penalty of those days."""
    fault = GROUNDS.get(ground, False)
    unserved = bool(fault and contract is not None and on < _term_last(contract, on))  # days of the term unserved
    reclaimed = unserved and term_discount(contract.term_months) > 0
    return EndSummary(on, on + timedelta(days=EXPORT_DAYS), on + timedelta(days=DELETE_DAYS), fault, reclaimed,
                      read_only_from=_read_only_from(on, ground), penalty_charged=unserved)


def _term_last(contract: Contract, on: date) -> date:
    """The last day of the term an end on ``on`` falls in: of a contract that renews, the term running on ``on``
    (renewed by then, though the daily job has not recorded it yet); of one that does not, its last term's."""
    return term_on(contract, on)[1] if contract.auto_renew else contract.current_end


def with_amounts(contract: Contract, summary: EndSummary) -> EndSummary:
    """The summary with the amounts it names: the discount reclaimed (C-02, OWU VIII.7) and the contractual penalty
    (OWU VIII.6), from the fee statement (which stores nothing: the caller rolls back the tier it recomputes)."""
    if summary.discount_reclaimed:
        summary = replace(summary, reclaim=reclaim_estimate(contract, on=summary.on))
    if summary.penalty_charged:
        summary = replace(summary, penalty=penalty_estimate(contract, on=summary.on))
    return summary


# C-03: the grounds that hold only from a day counted from another: the organiser's termination after an outage
# the platform did not fix "w terminie 7 dni od dnia przyjęcia zgłoszenia" (OWU VIII.2) — the day of the report
# is not counted, so the 7 days end on report + 7 and notice is possible from the 8th day — and the platform's
# for invoices whose "opóźnienie płatności przekracza 30 dni" (OWU VIII.3a) — late by 31 days or more
GROUND_SINCE = {"customer_outage_not_fixed": OUTAGE_FIX_DAYS + 1, "payment_delay_over_30_days": PAYMENT_DELAY_DAYS + 1}


def earliest_end(ground: str, since: date) -> date:
    """C-03: the first day a termination on ``ground`` may take effect, ``since`` being the day the outage report
    was accepted or the unpaid invoice was due."""
    return since + timedelta(days=GROUND_SINCE[ground])


def check_ground(ground: str, *, on: date, since: date | None) -> None:
    """C-03: whether the ground holds on the end date, when the day it counts from is given (the operator may also
    end on the written notice alone, having checked it); a message for the field of that day."""
    if ground not in GROUND_SINCE or since is None:
        return
    if on < earliest_end(ground, since):
        message = (_("The organiser may terminate only if the outage reported on %(since)s is not fixed within 7 "
                     "days: from %(day)s.", since=since.isoformat(), day=earliest_end(ground, since).isoformat())
                   if ground == "customer_outage_not_fixed" else
                   _("The platform may terminate only when the payment due on %(since)s is more than 30 days "
                     "late: from %(day)s.", since=since.isoformat(), day=earliest_end(ground, since).isoformat()))
        raise DomainError(message, field="since", rule="C-03")


def end(contract: Contract, *, on: date, ground: str = "expiry", since: date | None = None) -> Contract:
    """C-03/C-04: termination is immediate on written notice; export for 7 days, deletion within 14. The end date
    is today or later: a past one would open an export window that has already closed, and the next daily run
    would delete the tenant at once — every path (the page, the CLI) is refused here. A termination for an unfixed
    outage or a late payment, given the day it counts from (``since``), holds only from the day that gives."""
    if ground not in GROUNDS:
        raise DomainError(_("Ground is one of %(grounds)s.", grounds=", ".join(GROUNDS)), field="ground", rule="C-03")
    if contract.ended_on is not None:
        raise DomainError(_("The contract already ended on %(day)s.", day=contract.ended_on), rule="C-04")
    today = _today(contract)
    _renewed(contract, today)
    if on < today:
        raise DomainError(_("The end date cannot be before today (%(today)s).", today=today.isoformat()),
                          field="on", rule="C-04")
    if on > contract.current_end and not contract.auto_renew:
        # a notice (or a term that does not renew) closes the contract on its last day: the tenant must not stay
        # writable and billed after it, and be deleted weeks late
        raise DomainError(_("The contract does not renew: it ends on %(end)s, and cannot end later.",
                            end=contract.current_end.isoformat()), field="on", rule="C-04")
    if ground == "expiry" and on != contract.current_end:
        # OWU VIII.1: a fixed term that otherwise renews; any other day needs a ground of VIII.2–3 (or agreement)
        raise DomainError(_("A contract expires only on the last day of its term, %(end)s; to end it on another day "
                            "choose the ground of the termination.", end=contract.current_end.isoformat()),
                          field="on", rule="C-03")
    check_ground(ground, on=on, since=since)
    return _close(contract, on=on, ground=ground)


def default_ground(contract: Contract, on: date) -> str:
    """The ground of an end the operator gives no ground for (FORMATS.md's `flask contracts end SLUG --on DATE`): the
    term's last day is its expiry (OWU VIII.1); another day can only be an end both parties agreed."""
    return "expiry" if on == contract.current_end else "mutual"


def read_only_from(contract: Contract) -> date | None:
    """C-04: a termination takes effect on its day (OWU VIII.4: services stop at once); an expired term is served
    to its last day, so the tenant turns read-only the day after."""
    if contract.ended_on is None:
        return None
    return _read_only_from(contract.ended_on, contract.end_ground)


def _read_only_from(on: date, ground: str | None) -> date:
    return on + timedelta(days=1) if ground == "expiry" else on


def _today(contract: Contract) -> date:
    """Today in the organiser's time zone (E-04), from the injected clock."""
    tenant = db.session.get(Tenant, contract.tenant_id)
    return get_clock().today(tenant.timezone) if tenant is not None else get_clock().today()


def _close(contract: Contract, *, on: date, ground: str) -> Contract:
    """Record the end and its export and deletion dates (the daily renewal closes expired terms here directly: their
    end date is the term's own, however late the job runs)."""
    # C-02, OWU VIII.6: the organiser is told the amounts with the dates
    summary = with_amounts(contract, end_summary(contract, on=on, ground=ground))
    contract.ended_on, contract.end_ground = on, ground
    contract.customer_fault = summary.customer_fault
    contract.export_until, contract.delete_by = summary.export_until, summary.delete_by
    if not (ground == "expiry" and contract.notice_given_on is not None):  # told when the notice was given
        _tell_the_organiser(contract, summary)
    return contract


def _tell_the_organiser(contract: Contract, summary: EndSummary) -> None:
    """C-04: the organiser's admins and its data-protection officer learn the end date, the last day to download the
    export and the day by which everything is deleted (in the tenant's outbox, committed with the end); C-02: and the
    term discount reclaimed, when one is (``discount_reclaim``); OWU VIII.6: and the contractual penalty
    (``contractual_penalty``)."""
    from portal.accounts.models import ADMIN, User
    from portal.notifications import service as notifications
    from portal.tenancy.guard import use_tenant

    dates = {"ended_on": summary.on.isoformat(), "export_until": summary.export_until.isoformat(),
             "delete_by": summary.delete_by.isoformat(), "read_only_from": summary.read_only_from.isoformat()}
    if summary.reclaim is not None:
        dates["discount_reclaim"] = f"{summary.reclaim:.2f}"
    if summary.penalty is not None:
        dates["contractual_penalty"] = f"{summary.penalty:.2f}"
    with use_tenant(contract.tenant_id):
        for user in db.session.scalars(select(User).where(User.role == ADMIN, User.is_active_account)
                                       .order_by(User.id)):
            notifications.notify(user, "contract_ended", clock=get_clock(), **dates)
    notifications.notify_dpo(db.session.get(Tenant, contract.tenant_id), "contract_ended", clock=get_clock(), **dates)


def get(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(_("No such contract."))
    return contract


def _last_month(contract: Contract, on: date) -> MonthlyFee | None:
    """The fee in force on ``on`` at the count of the statement's last month (so at the highest tier reached)."""
    from portal.operator import register

    lines = register.fee_statement(contract.tenant_id, until=on)
    return fee_in_force(contract, on, lines[-1].contacts) if lines else None


def reclaim_estimate(contract: Contract, *, on: date) -> Decimal:
    """C-02: what a termination for the organiser's fault on ``on`` reclaims (OWU VIII.7), the term's discount taken
    at the monthly discount in force on ``on``, from the fee statement (so at the highest tier reached and with the
    annual premium of that day), for a whole month however few of its days are billed."""
    last = _last_month(contract, on)
    return _unexpired(contract, last.discount if last else Decimal(0), on=on)


def penalty_estimate(contract: Contract, *, on: date) -> Decimal:
    """OWU VIII.6: a termination by the platform for the organiser's fault (the VIII.3 grounds) charges a
    contractual penalty "w wysokości odpowiadającej niezapłaconej części wynagrodzenia … z tytułu bieżącego okresu
    obowiązywania Umowy na podstawie wynagrodzenia z ostatniego miesiąca przed rozwiązaniem pomnożonego przez okres
    obowiązywania Umowy do końca obowiązywania Umowy".

    The last month's fee is the whole month's fee in force the day before the termination day (tier reached,
    premium, term discount): the month *before* the termination — ended on an anniversary, the year's premium has
    not been billed yet; a part month's billed amount would understate it. The period is that of the term running on
    ``on`` from the day after it (the contract is in force, and billed, through ``on``: OWU VIII.4) to the term's
    last day, counted per calendar month: a whole month left is the fee once, a part month by its days (fee × days /
    days in that month). Pro rata days, not whole months rounded up or down, because the clause charges the *unpaid
    part* of the term's remuneration, and the fee statement bills every part month by its days — so the penalty is
    what the rest of the term would have been billed at the last month's fee, neither more nor less. Each month's
    part is rounded to the grosz half up and the parts summed, as the fee statement's split months are."""
    last = _last_month(contract, max(on - timedelta(days=1), contract.starts_on))
    if last is None:
        return Decimal("0.00")
    term_last = term_on(contract, on)[1]
    total, day = Decimal("0.00"), on + timedelta(days=1)
    while day <= term_last:
        month_days = monthrange(day.year, day.month)[1]
        part_last = min(term_last, day.replace(day=month_days))
        total += money(last.fee * Decimal((part_last - day).days + 1) / Decimal(month_days))
        day = part_last + timedelta(days=1)
    return total


def penalty_due(contract: Contract) -> Decimal | None:
    """OWU VIII.6: the contractual penalty an ended contract charges the organiser, None when none is due (not
    terminated for its fault, or ended on the term's last day)."""
    if contract.ended_on is None or not contract.customer_fault \
            or contract.ended_on >= _term_last(contract, contract.ended_on):
        return None
    return penalty_estimate(contract, on=contract.ended_on)


def reclaim_due(contract: Contract) -> Decimal | None:
    """C-02: the discount an ended contract reclaims from the organiser (OWU VIII.7), None when none is due (not for
    its fault, no discount, or ended on the term's last day)."""
    if contract.ended_on is None or not contract.customer_fault or term_discount(contract.term_months) == 0:
        return None
    if contract.ended_on >= _term_last(contract, contract.ended_on):
        return None
    return reclaim_estimate(contract, on=contract.ended_on)


def _unexpired(contract: Contract, monthly_discount: Decimal, *, on: date) -> Decimal:
    """OWU VIII.7: the discount granted for the term, less its proportional value for the period from the term's
    start to the day the contract ends — the term's discount × the days after ``on`` to the term's last day ÷ the
    term's days. The contract is in force through ``on``, so that day is served, not reclaimed."""
    first, last = term_on(contract, on)
    term_days = (last - first).days + 1
    unexpired = max(0, (last - on).days)
    return money(monthly_discount * contract.term_months * unexpired / term_days)


def discount_reclaim(contract: Contract, monthly_discount: Decimal, *, on: date) -> Decimal:
    """C-02: on early termination for the customer's fault the discount of the unexpired days is reclaimed."""
    if not contract.customer_fault or on > _term_last(contract, on):
        return Decimal("0.00")
    return _unexpired(contract, monthly_discount, on=on)
