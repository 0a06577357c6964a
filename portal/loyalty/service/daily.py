"""The installer programme's daily jobs (replayable with `flask jobs run --as-of`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.core.clock import Clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Installer
from portal.loyalty.service import ledger, members
from portal.loyalty.service.programme import end as programme_end
from portal.loyalty.service.programme import rules_on
from portal.notifications import service as notifications
from portal.tenancy.service import local_today


def _rules(clock: Clock):
    try:
        return rules_on(local_today(clock))
    except DomainError:
        return None


def expire_points(*, clock: Clock) -> int:
    """P-22, P-41: points 24 months after accrual, all points at the programme's end."""
    from portal.tenancy.guard import current_tenant_id

    rules = _rules(clock)
    if rules is None:
        return 0
    return ledger.expire_due(tenant_id=current_tenant_id(), as_of=local_today(clock), end=programme_end(), rules=rules,
                             now=clock.now())


def warn_expiring(*, clock: Clock) -> int:
    """SPEC §9, P-22: participants are told of points expiring within 30 days, once per lot — also when the daily job
    did not run on the 30th day before (a worker outage, a replayed day): each notice names the lots it warned of.
    A notice a new lot brings states everything expiring within the 30 days, per expiry date."""
    rules = _rules(clock)
    if rules is None:
        return 0
    from portal.accounts.models import User
    from portal.notifications.models import Notification

    today = local_today(clock)
    window = today + timedelta(days=30)
    end = programme_end()
    told = 0
    for installer in db.session.scalars(select(Installer).where(Installer.excluded_on.is_(None))):
        soon = [(lot, ledger.effective_expiry(lot, end, rules))
                for lot in ledger.usable(installer.id, as_of=today, end=end, rules=rules)]
        soon = [(lot, expiry) for lot, expiry in soon if expiry <= window]
        user = db.session.get(User, installer.user_id) if soon else None
        if user is None:
            continue
        warned: set[int] = set()
        warned_days: set[str] = set()
        for params in db.session.scalars(select(Notification.params).where(
                Notification.user_id == installer.user_id, Notification.kind == "points_expiring")):
            params = params or {}
            if "lots" in params:
                warned.update(params["lots"])
            else:  # a notice from before lots were named warned of the lots expiring on its day
                warned_days.add(str(params.get("on")))
        due = [(lot, expiry) for lot, expiry in soon if lot.id not in warned and expiry.isoformat() not in warned_days]
        if not due:
            continue
        # the notice states all that expires within 30 days, per date (what the statement's expiring_30_days
        # sums), not only the lots new since the last notice, and not all under the earliest date
        by_date: dict[str, int] = {}
        for lot, expiry in soon:
            by_date[expiry.isoformat()] = by_date.get(expiry.isoformat(), 0) + lot.remaining
        if notifications.notify(user, "points_expiring", clock=clock, points=sum(by_date.values()),
                                on=min(by_date), by_date=[[day, points] for day, points in sorted(by_date.items())],
                                lots=[lot.id for lot, _ in soon]) is not None:
            told += 1
    return told


def exclusions(*, clock: Clock) -> int:
    rules = _rules(clock)
    return 0 if rules is None else members.exclusion_checks(as_of=local_today(clock), rules=rules, clock=clock)


def lapse_substitutes(*, clock: Clock) -> int:
    """P-23: a substitute the participant has not accepted by ``restore_by`` (21 days after being told) is refused —
    the order is cancelled and its points restored on that day."""
    rules = _rules(clock)
    if rules is None:
        return 0
    from portal.loyalty.models import RewardOrder
    from portal.loyalty.service import orders

    due = db.session.scalars(select(RewardOrder).where(RewardOrder.state == "substitute_offered",
                                                       RewardOrder.restore_by <= local_today(clock))
                             .order_by(RewardOrder.id))
    lapsed = 0
    for order in due:
        orders.cancel(order, on=order.restore_by, rules=rules, clock=clock,
                      reason="substitute not accepted within the time limit", substitute_refused=True)
        lapsed += 1
    return lapsed


def statuses(*, clock: Clock) -> int:
    rules = _rules(clock)
    if rules is None:
        return 0
    changed = 0
    for installer in members.unrestricted(select(Installer).where(Installer.excluded_on.is_(None))):
        if members.evaluate_status(installer, as_of=local_today(clock), rules=rules, clock=clock):
            changed += 1
    return changed
