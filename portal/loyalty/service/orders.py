"""Rewards and orders (P-20 … P-30, P-41)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, false, func, or_, select, update

from portal.core.clock import Clock
from portal.core.errors import DomainError, NotFound
from portal.core.labels import money as money_text
from portal.core.locks import locked
from portal.core.money import money
from portal.extensions import db
from portal.loyalty.models import Installer, PointsEntry, Reward, RewardOrder
from portal.loyalty.rules import LoyaltyRules, reward_code_ok
from portal.loyalty.service import ledger, members
from portal.loyalty.service.programme import end as programme_end
from portal.loyalty.service.programme import post_end_deadline
from portal.notifications import service as notifications
from portal.privacy import audit

ON_THE_WAY = ("placed", "substitute_offered", "withheld", "shipped", "delivery_failed")  # not received, not closed
COUNTED = (*ON_THE_WAY, "delivered")


def sync_catalogue(rules: LoyaltyRules, *, tenant_id: int) -> int:
    """Add the definition's rewards that the catalogue lacks (the organiser's own edits are kept)."""
    have = set(db.session.scalars(select(Reward.code)))
    added = 0
    for r in rules.rewards:
        if r["code"] in have:
            continue
        db.session.add(Reward(tenant_id=tenant_id, code=r["code"], kind=r.get("kind", ""), name_pl=r.get("name_pl", ""),
                              name_en=r.get("name_en", ""), description=r.get("description", ""),
                              points=int(r["points"]), gross_value=Decimal(r["gross_value"]),
                              delivery_days=int(r.get("delivery_days", 14)), stock=int(r.get("stock", 0))))
        added += 1
    db.session.flush()
    return added


REWARD_FIELDS = ("kind", "name_pl", "name_en", "description", "points", "gross_value", "delivery_days", "stock",
                 "active")


def save_reward(reward: Reward | None, data: dict, *, tenant_id: int, actor=None) -> Reward:
    """P-20: add a reward (``reward`` None: ``data`` names its code) or change one; orders already placed keep the
    points and gross value they were placed at."""
    if reward is None:
        code = (data.get("code") or "").strip()
        if not reward_code_ok(code):
            raise DomainError(_("A code is made of letters, digits, dots, dashes and underscores: it is part of the "
                                "link participants order the reward by."), field="code", rule="P-20")
        if db.session.scalars(select(Reward.id).where(Reward.code == code)).first() is not None:
            raise DomainError(_("The catalogue already has a reward with code %(code)s.", code=code), field="code",
                              rule="P-20")
        reward = Reward(tenant_id=tenant_id, code=code)
        db.session.add(reward)
    for name in REWARD_FIELDS:
        setattr(reward, name, data[name].strip() if isinstance(data[name], str) else data[name])
    reward.gross_value = money(reward.gross_value)
    db.session.flush()
    audit.record(actor, "reward.saved", "reward", reward.id)
    return reward


def catalogue(active_only: bool = True) -> list[Reward]:
    query = select(Reward).order_by(Reward.points, Reward.code)
    if active_only:
        query = query.where(Reward.active.is_(True))
    return list(db.session.scalars(query))


def reward_by_code(code: str) -> Reward:
    reward = db.session.scalars(select(Reward).where(Reward.code == code)).first()
    if reward is None:
        raise NotFound(f"No reward {code!r} in the catalogue.")
    return reward


CLOSED_UNRECEIVED = ("cancelled", "forfeited")


def value_this_year(installer_id: int, year: int, *, as_of: date | None = None) -> Decimal:
    """P-28: the gross value counted towards ``year``'s limit (cancelled and forfeited orders do not count).
    The seed (§5 pkt 12) caps the rewards *received* ("otrzymanych") in a calendar year: a delivered reward counts
    in the year it was received; one not received yet will be received on the day looked at or later, so it counts
    in that day's year — an order still on its way on 1 January fills the new year's allowance (and filled the old
    year's while that year lasted), and what is received in a year can never pass what its orders were checked
    against. ``as_of`` replays a day: orders placed after it are left out, a delivery after it is not known yet,
    and an order cancelled or forfeited after it (its ``closed_on``) counts as the open order it was that day;
    without ``as_of`` an order on its way counts in every year from the one it was placed in.

    What a replay cannot give back: an accepted substitute (P-23) replaces the order's gross value, and the value of
    the reward first ordered is not kept — a day replayed from before the acceptance counts the substitute's value."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if as_of is None:
        received = and_(RewardOrder.state == "delivered", RewardOrder.delivered_on >= first,
                        RewardOrder.delivered_on <= last)
        coming = and_(RewardOrder.state.in_(ON_THE_WAY), RewardOrder.ordered_on <= last)
    else:
        known = and_(RewardOrder.delivered_on.is_not(None), RewardOrder.delivered_on <= as_of)
        received = and_(RewardOrder.state == "delivered", known, RewardOrder.delivered_on >= first,
                        RewardOrder.delivered_on <= last)
        # on its way that day: placed by then, neither received nor cancelled or forfeited by then (and, the year
        # being over by then, it was not received in it)
        coming = false() if as_of > last else and_(
            RewardOrder.ordered_on <= as_of, ~known,
            or_(RewardOrder.state.in_(COUNTED),
                and_(RewardOrder.state.in_(CLOSED_UNRECEIVED), RewardOrder.closed_on > as_of)))
    total = db.session.scalar(select(func.coalesce(func.sum(RewardOrder.gross_value), 0))
                              .where(RewardOrder.installer_id == installer_id, or_(received, coming)))
    return Decimal(total or 0).quantize(Decimal("0.01"))


def value_checked(installer_id: int, year: int, *, on: date) -> Decimal:
    """P-28: the year's value an order (or a substitute) dated ``on`` is checked against — the larger of the year as
    known now and the year as the day ``on`` saw it (``flask points statement --as-of``), so neither that day's
    statement nor today's shows more than the limit after a change the check allowed."""
    return max(value_this_year(installer_id, year), value_this_year(installer_id, year, as_of=on))


def value_for_order(installer_id: int, *, on: date, today: date) -> Decimal:
    """P-28: what a new order dated ``on`` adds to — its own year's value, and, for a day replayed from an earlier
    year, the value of every later year up to today's, where the reward not received yet will be received at the
    earliest."""
    later = [value_this_year(installer_id, year) for year in range(on.year + 1, today.year + 1)]
    return max([value_checked(installer_id, on.year, on=on), *later])


def allowance(installer_id: int, *, on: date, rules: LoyaltyRules) -> tuple[Decimal, Decimal]:
    """P-28 for the pages: what may still be ordered in ``on``'s year, and by how much the year is already over
    the limit (both never negative). A year can be over it only through what the order-time check did not see:
    rewards recorded before it counted orders on their way, or a lower limit published later."""
    left = rules.annual_cap - value_checked(installer_id, on.year, on=on)
    return max(left, Decimal("0.00")), max(-left, Decimal("0.00"))


DELIVERY_ADDRESS_MAX = members.DELIVERY_ADDRESS_MAX


def set_delivery_address(installer: Installer, address: str | None, *, actor=None) -> None:
    """P-25: the address the courier delivers the participant's rewards to (trimmed; required; at most 300)."""
    problem = members.delivery_address_problem(address)
    if problem:
        raise DomainError(problem, field="delivery_address", rule="P-25")
    installer.delivery_address = (address or "").strip()
    db.session.flush()
    audit.record(actor, "installer.delivery_address_saved", "installer", installer.id)


def address_of(installer: Installer) -> str | None:
    """P-25 (seed §5 pkt 7): the participant's address given on the platform, where the courier delivers — the
    delivery address, or else the home address a participant without a business gave for PIT-8C (P-29)."""
    for value in (installer.delivery_address, None if installer.business else installer.home_address):
        if (value or "").strip():
            return value.strip()
    return None


def place(installer: Installer, reward: Reward, *, on: date, rules: LoyaltyRules, clock: Clock,
          actor=None, require_address: bool = False) -> RewardOrder:
    """P-21: only with enough points, no top-up, deducted at ordering, soonest-expiring first.
    ``require_address``: P-25, the participant's own ordering needs the address the courier delivers to (``address_of``;
    the organiser's ``flask rewards order`` and the API order for participants whose address may be kept elsewhere:
    FORMATS.md's participants import has no address column)."""
    locked(installer)  # orders and revocations of one participant one at a time: the balance never goes negative
    refusal = members.order_refusal(installer)
    if refusal:
        raise DomainError(refusal[1], rule=refusal[0])
    if require_address and address_of(installer) is None:
        raise DomainError(_("Give the address the courier should deliver the reward to before ordering."),
                          field="delivery_address", rule="P-25")
    today = clock.today(_timezone(installer))
    if on > today:  # the organiser's system may replay an earlier day (the API's ``on``), never a later one
        raise DomainError(_("An order cannot be dated later than today (%(day)s).", day=today), field="on",
                          rule="P-21")
    end = programme_end()
    if end is not None and on >= end.ends_on:
        restored = [lot for lot in ledger.usable(installer.id, as_of=on, end=end, rules=rules) if lot.after_end]
        if not restored or on > post_end_deadline(end, rules):
            if on > post_end_deadline(end, rules) and any(lot.after_end for lot in ledger.lots(installer.id)):
                raise DomainError(_("The programme ended on %(day)s; points restored after it could be used to "
                                    "order until %(last)s.", day=end.ends_on, last=post_end_deadline(end, rules)),
                                  rule="P-41")
            raise DomainError(_("The programme ended on %(day)s; orders are closed.", day=end.ends_on), rule="P-41")
    if not reward.active or reward.stock <= 0:
        raise DomainError(_("This reward is not available now."), field="reward", rule="P-20")
    available = sum(lot.remaining for lot in ledger.spendable(installer.id, on=on, end=end, rules=rules))
    if available < reward.points:
        raise DomainError(_("Not enough points: you have %(available)s, the reward costs %(cost)s; no cash top-up is "
                            "possible.", available=available, cost=reward.points), field="reward", rule="P-21")
    spent = value_for_order(installer.id, on=on, today=today)
    if spent + reward.gross_value > rules.annual_cap:
        left = max(rules.annual_cap - spent, Decimal(0))
        raise DomainError(_("Rewards this year may total %(cap)s gross; %(left)s is left, this reward is worth "
                            "%(value)s.", cap=money_text(rules.annual_cap), left=money_text(left),
                            value=money_text(reward.gross_value)), field="reward", rule="P-28")
    order = RewardOrder(tenant_id=installer.tenant_id, installer_id=installer.id, reward_id=reward.id,
                        points=reward.points, gross_value=reward.gross_value, state="placed", ordered_on=on)
    db.session.add(order)
    db.session.flush()
    taken = db.session.execute(update(Reward).where(Reward.id == reward.id, Reward.stock > 0)
                               .values(stock=Reward.stock - 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise DomainError(_("This reward has just run out."), field="reward", rule="P-20")
    ledger.draw(installer.id, reward.points, kind="redeem", on=on, tenant_id=installer.tenant_id, end=end,
                rules=rules, source="order", source_id=order.id)
    db.session.expire(reward, ["stock"])
    audit.record(actor, "order.placed", "reward_order", order.id)
    _tell(installer, "order_placed", clock, order=order.id, reward=reward.code, points=reward.points)
    return order


def _timezone(installer: Installer) -> str:
    from portal.tenancy.models import Tenant

    tenant = db.session.get(Tenant, installer.tenant_id)
    return tenant.timezone if tenant is not None else "Europe/Warsaw"


def get(order_id: int, *, installer_id: int | None = None) -> RewardOrder:
    order = db.session.get(RewardOrder, order_id)
    if order is None or (installer_id is not None and order.installer_id != installer_id):
        raise NotFound(_("No such order."))
    return order


def _tell(installer: Installer, kind: str, clock: Clock, **params) -> None:
    from portal.accounts.models import User

    user = db.session.get(User, installer.user_id)
    if user is not None:
        notifications.notify(user, kind, clock=clock, **params)


def _check_substitute_cap(order: RewardOrder, substitute: Reward, rules: LoyaltyRules, *, on: date, clock: Clock,
                          accepting: bool) -> None:
    """P-28: the substitute takes the order's place in the year's rewards — in that day's year and, the order being
    on its way, every later year up to today's (``value_for_order``); together they stay within the limit."""
    installer = db.session.get(Installer, order.installer_id)
    locked(installer)
    day = max(on, order.ordered_on)  # the order, on its way, counts in that day's year (``value_this_year``)
    spent = value_for_order(order.installer_id, on=day, today=max(clock.today(_timezone(installer)), day))
    total = spent - order.gross_value + substitute.gross_value
    if total <= rules.annual_cap:
        return
    if accepting:
        message = _("Rewards this year may total %(cap)s gross; with the substitute, worth %(value)s, they would "
                    "total %(total)s. You can refuse the substitute and get your points back.",
                    cap=money_text(rules.annual_cap), value=money_text(substitute.gross_value), total=money_text(total))
    else:
        message = _("Rewards this year may total %(cap)s gross; with this substitute, worth %(value)s, the "
                    "participant's would total %(total)s.", cap=money_text(rules.annual_cap),
                    value=money_text(substitute.gross_value), total=money_text(total))
    raise DomainError(message, field="substitute", rule="P-28")


def _lock_steps(order: RewardOrder) -> None:
    """A substitute's offer and answer lock the participant (its yearly limit, P-28) and then the order, in the order
    an exclusion takes them (``members.exclude``): the two can wait for each other, never deadlock."""
    locked(db.session.get(Installer, order.installer_id))
    locked(order)  # one step at a time: a cancel and a refusal at once restore the points once


def offer_substitute(order: RewardOrder, substitute: Reward, *, on: date, rules: LoyaltyRules, clock: Clock,
                     actor=None) -> None:
    """P-23: unavailable for reasons outside the organiser → a substitute of the same kind and points value,
    within the participant's yearly limit (P-28)."""
    _lock_steps(order)
    original = db.session.get(Reward, order.reward_id)
    if order.state == "withheld":  # accepted, the substitute would be shipped unclarified
        raise DomainError(_("The order is withheld while the participant's data or points are clarified: release it "
                            "(or cancel it) first."), rule="P-27")
    if order.state != "placed" or order.shipped_on is not None:
        raise DomainError(_("Only an open order can get a substitute."), rule="P-23")
    _not_before(on, order.ordered_on, _("The order was placed on %(day)s: the participant is told after that."))
    # seed §5.5 "o identycznej wartości punktowej": the points the order cost, whatever the catalogue asks today
    if substitute.kind != original.kind or substitute.points != order.points or substitute.id == original.id:
        raise DomainError(_("The substitute must be another reward of the same kind and the same points value."),
                          field="substitute", rule="P-23")
    if not substitute.active or substitute.stock <= 0:
        raise DomainError(_("The substitute is not available now (withdrawn from the catalogue or out of stock)."),
                          field="substitute", rule="P-23")
    _check_substitute_cap(order, substitute, rules, on=on, clock=clock, accepting=False)
    # P-20: the unit offered is set aside for the participant's answer; a refusal gives it back (``cancel``)
    taken = db.session.execute(update(Reward).where(Reward.id == substitute.id, Reward.stock > 0)
                               .values(stock=Reward.stock - 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise DomainError(_("The substitute is not available now (withdrawn from the catalogue or out of stock)."),
                          field="substitute", rule="P-23")
    db.session.expire(substitute, ["stock"])
    order.state, order.substitute_id, order.informed_on = "substitute_offered", substitute.id, on
    order.restore_by = on + timedelta(days=rules.refund_days)
    audit.record(actor, "order.substitute_offered", "reward_order", order.id)
    _tell(db.session.get(Installer, order.installer_id), "order_unavailable", clock, order=order.id,
          substitute=substitute.code, restore_by=order.restore_by.isoformat())


def answer_substitute(order: RewardOrder, *, accept: bool, on: date, rules: LoyaltyRules, clock: Clock,
                      actor=None) -> None:
    _lock_steps(order)
    if order.state != "substitute_offered":
        raise DomainError(_("No substitute is waiting for an answer on this order."), rule="P-23")
    _not_before(on, order.informed_on, _("The substitute was offered on %(day)s: the answer comes after that."))
    if order.restore_by is not None and on >= order.restore_by:
        # the points are back no later than 21 days after the participant was told (seed §5.5): the offer lapses
        # that day (``daily.lapse_substitutes``), and a day replayed before the job ran must not keep it alive
        if accept:
            raise DomainError(_("The substitute offer lapsed on %(day)s, 21 days after you were told: the order is "
                                "cancelled and its points restored as of that day.", day=order.restore_by.isoformat()),
                              rule="P-23")
        on = order.restore_by
    if accept:
        substitute = db.session.get(Reward, order.substitute_id)
        # P-28: other orders, or the substitute's value, may have changed since the offer
        _check_substitute_cap(order, substitute, rules, on=on, clock=clock, accepting=True)
        order.reward_id, order.substitute_id, order.state = order.substitute_id, None, "placed"
        # P-28, P-29: what is delivered is what counts towards the annual limit and the PIT-8C list
        order.gross_value = substitute.gross_value
        audit.record(actor, "order.substitute_accepted", "reward_order", order.id)
        return
    cancel(order, on=on, rules=rules, clock=clock, actor=actor, reason="substitute refused", substitute_refused=True)


def cancel(order: RewardOrder, *, on: date, rules: LoyaltyRules, clock: Clock, actor=None, reason: str = "",
           substitute_refused: bool = False, unavailable: bool = False) -> None:
    """Cancel and restore the points spent (P-23). Restored after the end's announcement because the participant
    did not agree to a substitute (refused, or left it unanswered), they stay usable for 7 days after the end (P-41);
    restored for any other reason, they expire with the end like every other point. ``unavailable``: cancelled
    because the reward is unavailable (seed §5 pkt 5), so it does not go back to stock (``return_stock``)."""
    locked(order)
    if order.state in ("cancelled", "forfeited", "delivered"):
        raise DomainError(_("This order is closed."), rule="P-23")
    if order.state == "shipped":
        raise DomainError(_("The order is with the courier: record its delivery, or its failed delivery, instead."),
                          rule="P-25")
    _not_before(on, order.last_failed_on or order.informed_on or order.ordered_on,
                _("The order's last step was on %(day)s: it cannot be cancelled before that."))
    installer = db.session.get(Installer, order.installer_id)
    end = programme_end()
    draws = db.session.scalars(select(PointsEntry).where(PointsEntry.source == "order",
                                                         PointsEntry.source_id == order.id,
                                                         PointsEntry.kind == "redeem"))
    lots = {lot.id: lot for lot in ledger.lots(installer.id)}
    after_end = substitute_refused and end is not None and on >= end.announced_on
    restored = []  # (the first day a restored lot can no longer be spent, its points)
    for entry in draws:
        lot = lots.get(entry.lot_id)
        expires = lot.expires_on if lot else ledger.expiry_of(on, rules)
        ledger.open_lot(installer.id, -entry.points, kind="refund", on=on, expires_on=expires,
                        tenant_id=installer.tenant_id, source="order", source_id=order.id, after_end=after_end)
        restored.append((ledger.lapse_day(expires, after_end=after_end, end=end, rules=rules), -entry.points))
    return_stock(order, unavailable=unavailable)
    order.state, order.closed_on = "cancelled", on
    order.note = reason
    audit.record(actor, "order.cancelled", "reward_order", order.id)
    _tell(installer, "order_cancelled", clock, order=order.id, points=order.points,
          **_restored_until(restored, on=on, ending=end is not None))


def _not_before(on: date, last: date | None, message: str) -> None:
    """P-23: a step of an order is not dated before the step it follows (the points would come back before they were
    spent, or the 21 days would run from a day before the participant was told)."""
    if last is not None and on < last:
        raise DomainError(message % {"day": last.isoformat()}, field="on", rule="P-23")


def _restored_until(restored: list[tuple[date, int]], *, on: date, ending: bool) -> dict:
    """P-41/P-22 for the cancellation notice: once the end is announced, the last day the restored points can be
    spent (the 7th day after the end after a refused substitute, the day before the end otherwise); ``lapsed`` when
    they came back too late to be spent at all (seed §7.5: "pod rygorem § 7 pkt 4"). When only some came back
    past their expiry (an order drawn from several lots): how many (``expired``) and their last day."""
    if not restored:
        return {}
    gone = [(day, points) for day, points in restored if day <= on]
    live = [day for day, _points in restored if day > on]
    if not live:
        return {"usable_until": (max(day for day, _points in gone) - timedelta(days=1)).isoformat(), "lapsed": True}
    told = {}
    if gone:
        told = {"expired": sum(points for _day, points in gone),
                "expired_until": (max(day for day, _points in gone) - timedelta(days=1)).isoformat()}
    if ending:
        told |= {"usable_until": (min(live) - timedelta(days=1)).isoformat(), "lapsed": False}
    return told


def return_stock(order: RewardOrder, *, unavailable: bool = False) -> None:
    """An order being cancelled gives back to stock a substitute set aside for it (P-23), and its reward (P-20) —
    unless the reward is unavailable (seed §5 pkt 5): the organiser says so (``unavailable``), or offered a
    substitute for it, which is done only then; a unit put back would make it orderable again. Called once, before
    the order's state becomes cancelled."""
    ids = [] if unavailable or order.state == "substitute_offered" else [order.reward_id]
    if order.substitute_id is not None:  # set only while an offer waits (accepting makes it the order's reward)
        ids.append(order.substitute_id)
    for reward_id in ids:
        db.session.execute(update(Reward).where(Reward.id == reward_id).values(stock=Reward.stock + 1)
                           .execution_options(synchronize_session=False))


def ship(order: RewardOrder, *, on: date, clock: Clock, actor=None) -> None:
    """P-25: the courier takes the order on ``on``: not before it was placed, nor, shipped again after a failed
    delivery, before its last shipment (the delivery day that follows decides the P-28 year)."""
    locked(order)
    if order.state not in ("placed", "delivery_failed"):
        raise DomainError(_("Only a placed order can be shipped (withheld ones wait for clarification)."), rule="P-27")
    if on < order.ordered_on:
        raise DomainError(_("An order cannot be shipped before it was placed (%(day)s).", day=order.ordered_on),
                          field="on", rule="P-25")
    if order.shipped_on is not None and on < order.shipped_on:
        raise DomainError(_("An order cannot be shipped again before its last shipment (%(day)s).",
                            day=order.shipped_on), field="on", rule="P-25")
    if order.last_failed_on is not None and on < order.last_failed_on:
        raise DomainError(_("An order cannot be shipped again before its failed delivery (%(day)s).",
                            day=order.last_failed_on), field="on", rule="P-25")
    if address_of(db.session.get(Installer, order.installer_id)) is None:  # seed §5 pkt 7: to the address given
        raise DomainError(_("The participant has given no delivery address yet: the courier has nowhere to deliver "
                            "the reward. Ask the participant for it first."), field="delivery_address", rule="P-25")
    order.state, order.shipped_on = "shipped", on
    audit.record(actor, "order.shipped", "reward_order", order.id)
    _tell(db.session.get(Installer, order.installer_id), "order_shipped", clock, order=order.id)


def delivery_failed(order: RewardOrder, *, on: date, rules: LoyaltyRules, clock: Clock, actor=None,
                    participant_fault: bool = True) -> None:
    """P-25: after two failed attempts for the participant's reasons the reward is forfeited, points not restored.
    ``failed_deliveries`` counts only those; a failure that is not the participant's fault (the courier's) is
    recorded in the audit log and the order waits to be shipped again."""
    locked(order)
    if order.state != "shipped":
        raise DomainError(_("Only a shipped order can fail delivery."), rule="P-25")
    if on < order.shipped_on:
        raise DomainError(_("A delivery cannot fail before the order was shipped (%(day)s).", day=order.shipped_on),
                          field="on", rule="P-25")
    order.last_failed_on = on
    if participant_fault:
        order.failed_deliveries = (order.failed_deliveries or 0) + 1
    if participant_fault and order.failed_deliveries >= rules.max_failed_deliveries:
        order.state, order.closed_on = "forfeited", on
        kind = "order_forfeited"
    else:
        order.state = "delivery_failed"
        kind = "order_delivery_failed"
    action = f"order.{order.state}" if participant_fault else "order.delivery_failed_not_participant"
    audit.record(actor, action, "reward_order", order.id)
    attempts = {"attempt": order.failed_deliveries} if participant_fault else {}
    _tell(db.session.get(Installer, order.installer_id), kind, clock, order=order.id,
          of=rules.max_failed_deliveries, **attempts)


def delivered(order: RewardOrder, *, on: date, confirmed: bool, actor=None) -> None:
    """P-30: the participant may be asked to confirm receipt. Not before the shipment: the delivery day decides the
    year the reward counts in (P-28)."""
    locked(order)
    if order.state != "shipped":
        raise DomainError(_("Only a shipped order can be delivered."), rule="P-30")
    if on < order.shipped_on:
        raise DomainError(_("An order cannot be delivered before it was shipped (%(day)s).", day=order.shipped_on),
                          field="on", rule="P-30")
    order.state, order.delivered_on, order.receipt_confirmed, order.closed_on = "delivered", on, confirmed, on
    audit.record(actor, "order.delivered", "reward_order", order.id)


def withhold(order: RewardOrder, *, reason: str, actor=None) -> None:
    """P-27: rewards may be withheld while data or points are being clarified: a placed order, or one whose delivery
    failed (released, it goes back to the state it came from)."""
    locked(order)
    if order.state not in ("placed", "delivery_failed"):
        raise DomainError(_("Only a placed order or one whose delivery failed can be withheld."), rule="P-27")
    if not reason.strip():
        raise DomainError(_("Give the reason."), field="reason", rule="P-27")
    order.state, order.note = "withheld", reason.strip()
    audit.record(actor, "order.withheld", "reward_order", order.id)


def release(order: RewardOrder, *, actor=None) -> None:
    locked(order)
    if order.state != "withheld":
        raise DomainError(_("This order is not withheld."), rule="P-27")
    # shipped before (only a failed delivery is withheld after shipping): back to waiting for another attempt
    order.state = "delivery_failed" if order.shipped_on is not None else "placed"
    audit.record(actor, "order.released", "reward_order", order.id)


def of_installer(installer_id: int, limit: int = 50) -> list[RewardOrder]:
    return list(db.session.scalars(select(RewardOrder).where(RewardOrder.installer_id == installer_id)
                                   .order_by(RewardOrder.ordered_on.desc(), RewardOrder.id.desc()).limit(limit)))


def delivery_addresses(installer_ids) -> dict[int, str | None]:
    """P-25: installer id → the address the courier delivers to (``address_of``; the fulfilment page and the API's
    orders)."""
    ids = set(installer_ids)
    if not ids:
        return {}
    return {installer.id: address_of(installer)
            for installer in db.session.scalars(select(Installer).where(Installer.id.in_(ids)))}


def open_orders(limit: int = 200) -> list[RewardOrder]:
    return list(db.session.scalars(select(RewardOrder).where(RewardOrder.state.in_(
        ("placed", "substitute_offered", "withheld", "shipped", "delivery_failed"))).order_by(
        RewardOrder.ordered_on, RewardOrder.id).limit(limit)))


FINISHED = ("delivered", "forfeited", "cancelled")


def finished_orders(*, before: tuple[date, int] | None = None, limit: int = 50) -> list[RewardOrder]:
    """P-25, P-23: the orders that are over — delivered, forfeited, cancelled — the latest closed first
    (keyset-paginated on (closed_on, id)), for the fulfilment page's history."""
    query = select(RewardOrder).where(RewardOrder.state.in_(FINISHED))
    if before is not None:
        day, last_id = before
        query = query.where(or_(RewardOrder.closed_on < day, and_(RewardOrder.closed_on == day,
                                                                  RewardOrder.id < last_id)))
    return list(db.session.scalars(query.order_by(RewardOrder.closed_on.desc(), RewardOrder.id.desc())
                                   .limit(limit)))


def recipients(installer_ids) -> dict[int, tuple[str, str]]:
    """P-25: installer id → (name, e-mail) of the participant an order goes to, in one query."""
    from portal.accounts.models import User

    ids = set(installer_ids)
    if not ids:
        return {}
    found = db.session.execute(select(Installer.id, User.first_name, User.last_name, User.email)
                               .join(User, User.id == Installer.user_id).where(Installer.id.in_(ids)))
    return {i: (f"{first} {last}".strip(), email) for i, first, last, email in found}


def delivery_due(order: RewardOrder, reward: Reward | None) -> date | None:
    """P-25: the day the reward is promised by — the order's day plus the reward's delivery time."""
    return order.ordered_on + timedelta(days=reward.delivery_days) if reward is not None else None


def pit8c_rows(year: int) -> list[dict]:
    """P-29: the yearly PIT-8C list: non-business participants and the gross value of that year's rewards."""
    from portal.accounts.models import User

    rows = []
    query = (select(Installer, func.sum(RewardOrder.gross_value))
             .join(RewardOrder, RewardOrder.installer_id == Installer.id)
             .where(Installer.business.is_(False), RewardOrder.state == "delivered",
                    RewardOrder.delivered_on >= date(year, 1, 1), RewardOrder.delivered_on <= date(year, 12, 31))
             .group_by(Installer.id))
    for installer, total in db.session.execute(query):
        user = db.session.get(User, installer.user_id)
        # the name kept with the tax data: the account's own is erased when the participant leaves
        rows.append({"first_name": installer.tax_first_name or user.first_name,
                     "last_name": installer.tax_last_name or user.last_name, "tax_id": installer.tax_id or "",
                     "home_address": installer.home_address or "",
                     "birth_date": installer.birth_date.isoformat() if installer.birth_date else "",
                     "gross_value": f"{Decimal(total):.2f}", "year": year})
    return rows
