"""The points ledger (P-07, P-09, P-21, P-22, P-41): append-only entries; lots, balance and expiry derived.

Lot-opening entries: earn, opening (imported balance with its original accrual date), refund (points restored),
adjust with positive points. Every other entry draws on one lot. A lot's *effective* expiry is the earliest of
its own expiry (24 months after accrual) and the programme's end (for restored lots: the end plus 7 days).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, insert, literal, or_, select, update

from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Installer, PointsEntry, PointsLot, ProgrammeEnd
from portal.loyalty.rules import LoyaltyRules

OPENING = ("earn", "opening", "refund")


@dataclass
class Lot:
    id: int
    earned_on: date
    expires_on: date
    points: int
    remaining: int
    after_end: bool
    source: str
    expired_later: int = 0  # of ``remaining``: points an expiry dated after the draw's day took (``spendable``)


MAX_POINTS = 10_000_000  # one credit, a reward price or a revocation: far above any real one, fits an integer column

def expiry_of(earned_on: date, rules: LoyaltyRules) -> date:
    """P-22: points lose validity two years after their accrual."""
    return earned_on + relativedelta(months=rules.expiry_months)


def effective_expiry(lot: Lot, end: ProgrammeEnd | None, rules: LoyaltyRules) -> date:
    return lapse_day(lot.expires_on, after_end=lot.after_end, end=end, rules=rules)


def lapse_day(expires_on: date, *, after_end: bool, end: ProgrammeEnd | None, rules: LoyaltyRules) -> date:
    """The first day points of a lot can no longer be spent: their own expiry (P-22), or the programme's end — for
    points restored after a refused substitute, the 8th day after it (P-41)."""
    if end is None:
        return expires_on
    return min(expires_on, post_end_expiry(end, rules) if after_end else end.ends_on)


def post_end_expiry(end: ProgrammeEnd, rules: LoyaltyRules) -> date:
    """P-41: points restored after the end stay usable through the 7th day after it; this is the first day they
    are not (an expiry here is always the first day a lot can no longer be spent)."""
    return end.ends_on + timedelta(days=rules.post_end_days + 1)


def revocations(installer_id: int) -> list[tuple[int, date, int]]:
    """P-09/P-08: the points taken back from the installer, one row per revocation — (the id of its first entry, its
    day, the points) — however many lots it drew on; a complaint about it names that first entry."""
    taken: dict[tuple, list] = {}
    for entry in db.session.scalars(select(PointsEntry).where(PointsEntry.installer_id == installer_id,
                                                              PointsEntry.kind == "revoke").order_by(PointsEntry.id)):
        row = taken.setdefault((entry.on, entry.source_id, entry.note), [entry.id, entry.on, 0])
        row[2] -= entry.points
    return [(entry_id, on, points) for entry_id, on, points in taken.values()]


def lots(installer_id: int, *, as_of: date | None = None) -> list[Lot]:
    """Every lot of the installer with what is left of it (entries dated after ``as_of`` are not counted)."""
    query = select(PointsEntry).where(PointsEntry.installer_id == installer_id)
    if as_of is not None:
        query = query.where(PointsEntry.on <= as_of)
    found: dict[int, Lot] = {}
    draws: dict[int, int] = defaultdict(int)
    for entry in db.session.scalars(query.order_by(PointsEntry.id)):
        if entry.kind in OPENING or (entry.kind == "adjust" and entry.points > 0):
            found[entry.id] = Lot(entry.id, entry.on, entry.expires_on, entry.points, entry.points, entry.after_end,
                                  entry.source)
        elif entry.lot_id is not None:
            draws[entry.lot_id] += entry.points
    for lot_id, drawn in draws.items():
        if lot_id in found:
            found[lot_id].remaining += drawn
    return list(found.values())


def entries(installer_id: int, *, limit: int = 50) -> list[PointsEntry]:
    """The participant's latest ledger entries, newest first (the organiser's page of the participant)."""
    return list(db.session.scalars(select(PointsEntry).where(PointsEntry.installer_id == installer_id)
                                   .order_by(PointsEntry.on.desc(), PointsEntry.id.desc()).limit(limit)))


def _live_now(installer_id: int, as_of: date) -> list[Lot] | None:
    """The kept lots with points left — valid when no entry of the participant is dated after ``as_of``
    (today, on a page); a replayed earlier day is derived from the entries instead."""
    latest = select(func.max(PointsEntry.on)).where(PointsEntry.installer_id == installer_id)
    # one round trip: the kept lots, each row carrying the participant's latest entry date
    rows = db.session.execute(select(PointsLot.id, PointsLot.earned_on, PointsLot.expires_on, PointsLot.points,
                                     PointsLot.remaining, PointsLot.after_end, PointsLot.source,
                                     latest.scalar_subquery().label("latest"))
                              .where(PointsLot.installer_id == installer_id, PointsLot.remaining > 0)).all()
    newest = rows[0].latest if rows else db.session.scalar(latest)
    if newest is not None and newest > as_of:
        return None
    return [Lot(r.id, r.earned_on, r.expires_on, r.points, r.remaining, r.after_end, r.source) for r in rows]


def usable(installer_id: int, *, as_of: date, end: ProgrammeEnd | None, rules: LoyaltyRules) -> list[Lot]:
    """Lots with points left and not expired as of the day, soonest-expiring first (P-21)."""
    candidates = _live_now(installer_id, as_of)
    if candidates is None:
        candidates = lots(installer_id, as_of=as_of)
    live = [lot for lot in candidates if lot.remaining > 0 and effective_expiry(lot, end, rules) > as_of]
    return sorted(live, key=lambda lot: (effective_expiry(lot, end, rules), lot.earned_on, lot.id))


def spendable(installer_id: int, *, on: date, end: ProgrammeEnd | None, rules: LoyaltyRules) -> list[Lot]:
    """What a draw dated ``on`` may take (P-21, P-07): lots accrued by that day and not expired on it, with what is
    left of them *now* — after every order, revocation or forfeit, those dated later too, so the same points are
    never spent twice and no lot goes below zero — plus what an expiry dated after ``on`` took: those points were
    still there that day (the daily job of a later day ran first), and the expiry takes only what is left of them.
    Soonest-expiring first."""
    later = (select(PointsEntry.lot_id, func.sum(PointsEntry.points).label("points"))
             .where(PointsEntry.installer_id == installer_id, PointsEntry.kind == "expire", PointsEntry.on > on)
             .group_by(PointsEntry.lot_id).subquery())
    expired_later = func.coalesce(-later.c.points, 0)
    rows = db.session.execute(select(PointsLot.id, PointsLot.earned_on, PointsLot.expires_on, PointsLot.points,
                                     PointsLot.remaining, PointsLot.after_end, PointsLot.source,
                                     expired_later.label("expired_later"))
                              .outerjoin(later, later.c.lot_id == PointsLot.id)
                              .where(PointsLot.installer_id == installer_id, PointsLot.earned_on <= on,
                                     PointsLot.remaining + expired_later > 0)).all()
    live = [lot for lot in (Lot(r.id, r.earned_on, r.expires_on, r.points, r.remaining + r.expired_later,
                                r.after_end, r.source, r.expired_later) for r in rows)
            if effective_expiry(lot, end, rules) > on]
    return sorted(live, key=lambda lot: (effective_expiry(lot, end, rules), lot.earned_on, lot.id))


def lapsed(lot_id: int, *, on: date) -> int:
    """Points of the lot that had lapsed by ``on``: forfeited, or taken by an expiry dated that day or before (one
    dated later took points still there that day, as ``spendable`` counts them)."""
    return -int(db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
        PointsEntry.lot_id == lot_id, or_(PointsEntry.kind == "forfeit",
                                          and_(PointsEntry.kind == "expire", PointsEntry.on <= on)))) or 0)


def balance(installer_id: int, *, as_of: date, end: ProgrammeEnd | None, rules: LoyaltyRules) -> int:
    return sum(lot.remaining for lot in usable(installer_id, as_of=as_of, end=end, rules=rules))


def _still_taking_part(installer_id: int) -> None:
    """P-31/P-32: exclusion forfeits the points earned and leaving ends the account, so nothing is credited after
    either — not an upheld complaint, an opening balance or any other credit."""
    installer = db.session.get(Installer, installer_id)
    if installer is not None and installer.excluded_on is not None:
        raise DomainError(_("The participant is excluded from the programme: no points can be credited."),
                          field="points", rule="P-32")
    if installer is not None and installer.left_on is not None:
        raise DomainError(_("The participant has left the programme: no points can be credited."),
                          field="points", rule="P-31")


def open_lot(installer_id: int, points: int, *, kind: str, on: date, expires_on: date, tenant_id: int,
             source: str = "", source_id: int | None = None, after_end: bool = False, note: str = "") -> PointsEntry:
    if points <= 0:
        raise DomainError(_("Points credited must be a positive whole number."), field="points", rule="P-07")
    _still_taking_part(installer_id)
    if points > MAX_POINTS:
        raise DomainError(_("Points credited at once: at most %(max)s.", max=MAX_POINTS), field="points", rule="P-07")
    entry = PointsEntry(tenant_id=tenant_id, installer_id=installer_id, kind=kind, points=points, on=on,
                        expires_on=expires_on, source=source, source_id=source_id, after_end=after_end, note=note)
    db.session.add(entry)
    db.session.flush()
    db.session.add(PointsLot(id=entry.id, tenant_id=tenant_id, installer_id=installer_id, earned_on=on,
                             expires_on=expires_on, after_end=after_end, points=points, remaining=points,
                             source=source))
    db.session.flush()
    return entry


def _take(lot_id: int, points: int) -> None:
    db.session.execute(update(PointsLot).where(PointsLot.id == lot_id)
                       .values(remaining=PointsLot.remaining - points).execution_options(synchronize_session=False))


def _unexpire(lot_id: int, points: int, *, before: date) -> None:
    """A draw dated ``before`` took points an expiry dated later had taken: that expiry takes that many fewer, on its
    own day (an entry of its kind and day giving them back — the ledger stays append-only)."""
    expiry = db.session.scalars(select(PointsEntry).where(PointsEntry.lot_id == lot_id, PointsEntry.kind == "expire",
                                                          PointsEntry.on > before, PointsEntry.points < 0)
                                .order_by(PointsEntry.on, PointsEntry.id).limit(1)).one()
    db.session.add(PointsEntry(tenant_id=expiry.tenant_id, installer_id=expiry.installer_id, kind="expire",
                               points=points, lot_id=lot_id, on=expiry.on, source=expiry.source,
                               note=f"spent on {before.isoformat()} before this expiry"))


def draw(installer_id: int, points: int, *, kind: str, on: date, tenant_id: int, end: ProgrammeEnd | None,
         rules: LoyaltyRules, source: str = "", source_id: int | None = None,
         only_lot: int | None = None, note: str = "", into: list | None = None) -> list[tuple[int, int]]:
    """Take ``points`` from the soonest-expiring lots (P-21); returns (lot, points taken). Never below zero.
    ``into`` collects the entries written (with their ids once flushed)."""
    live = spendable(installer_id, on=on, end=end, rules=rules)
    if only_lot is not None:
        live = [lot for lot in live if lot.id == only_lot]
    if sum(lot.remaining for lot in live) < points:
        raise DomainError(_("Not enough points: %(available)s available, %(needed)s needed.",
                            available=sum(lot.remaining for lot in live), needed=points), field="points",
                          rule="P-09" if kind == "revoke" else "P-21")  # a revocation (seed §4.8), else an order
    taken = []
    left = points
    for lot in live:
        if left == 0:
            break
        part = min(lot.remaining, left)
        entry = PointsEntry(tenant_id=tenant_id, installer_id=installer_id, kind=kind, points=-part, lot_id=lot.id,
                            on=on, source=source, source_id=source_id, note=note)
        db.session.add(entry)
        if into is not None:
            into.append(entry)
        unexpired = max(0, part - (lot.remaining - lot.expired_later))
        if unexpired:
            _unexpire(lot.id, unexpired, before=on)
        _take(lot.id, part - unexpired)
        taken.append((lot.id, part))
        left -= part
    db.session.flush()
    return taken


def forfeit_all(installer_id: int, *, on: date, tenant_id: int, reason: str) -> int:
    """P-32: exclusion forfeits every point left (what is left now, whatever the day of the entries)."""
    total = 0
    for lot in lots(installer_id):
        if lot.remaining > 0:
            db.session.add(PointsEntry(tenant_id=tenant_id, installer_id=installer_id, kind="forfeit",
                                       points=-lot.remaining, lot_id=lot.id, on=on, source=reason))
            _take(lot.id, lot.remaining)
            total += lot.remaining
    db.session.flush()
    return total


def expire_due(*, tenant_id: int, as_of: date, end: ProgrammeEnd | None, rules: LoyaltyRules, now) -> int:
    """The daily expiry job (P-22, P-41), set-based: one INSERT … SELECT writes an ``expire`` entry for what is
    left of every lot whose effective expiry has come, one UPDATE empties those lots. Running it twice for a day
    changes nothing."""
    lot = PointsLot.__table__
    lapses_on = lot.c.expires_on  # the first day the lot's points are gone (the day its 30-day notice named)
    if end is not None:
        post_end = post_end_expiry(end, rules)
        cutoff = case((lot.c.after_end.is_(True), literal(post_end)), else_=literal(end.ends_on))
        lapses_on = case((cutoff < lot.c.expires_on, cutoff), else_=lot.c.expires_on)  # effective_expiry, in SQL
    # a replayed day leaves the lots it had not seen yet; a day run late dates each expiry on its own day
    where = and_(lot.c.tenant_id == tenant_id, lot.c.remaining > 0, lot.c.earned_on <= as_of, lapses_on <= as_of)
    source = select(lot.c.tenant_id, lot.c.installer_id, literal("expire"), -lot.c.remaining, lot.c.id,
                    lapses_on, literal(False), literal("expiry"), literal(""), literal(now)).where(where)
    columns = ["tenant_id", "installer_id", "kind", "points", "lot_id", "on", "after_end", "source", "note",
               "created_at"]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # one statement: the lots emptied feed the entries written
        due_ids = select(lot.c.id, lot.c.remaining, lapses_on.label("lapses_on")).where(where).subquery("due")
        emptied = (update(lot).where(lot.c.id == due_ids.c.id).values(remaining=0)
                   .returning(lot.c.tenant_id, lot.c.installer_id, lot.c.id, due_ids.c.remaining,
                              due_ids.c.lapses_on)).cte("emptied")
        rows = select(emptied.c.tenant_id, emptied.c.installer_id, literal("expire"), -emptied.c.remaining,
                      emptied.c.id, emptied.c.lapses_on, literal(False), literal("expiry"), literal(""), literal(now))
        result = connection.execute(insert(PointsEntry.__table__).from_select(columns, rows))
        return max(result.rowcount or 0, 0)
    result = connection.execute(insert(PointsEntry.__table__).from_select(columns, source))
    connection.execute(update(lot).where(where).values(remaining=0))
    return max(result.rowcount or 0, 0)


def tell_revoked(installer_id: int, points: int, *, reason: str, on: date, rules: LoyaltyRules) -> None:
    """P-09 / P-08: the participant hears of points taken back — how many, why, and until when a complaint about it
    can be filed (the 30 days of P-08 count from the day of the change)."""
    from portal.accounts.models import User
    from portal.core.clock import get_clock
    from portal.notifications import service as notifications

    installer = db.session.get(Installer, installer_id)
    user = db.session.get(User, installer.user_id) if installer is not None else None
    if user is not None and points > 0:
        notifications.notify(user, "points_revoked", clock=get_clock(), points=points, reason=reason.strip(),
                             on=on.isoformat(), complain_by=(on + timedelta(days=rules.complaint_days)).isoformat())
