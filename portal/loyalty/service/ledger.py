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
from sqlalchemy import and_, func, insert, literal, or_, select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import PointsEntry, ProgrammeEnd
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


def expiry_of(earned_on: date, rules: LoyaltyRules) -> date:
    """P-22: points lose validity two years after their accrual."""
    return earned_on + relativedelta(months=rules.expiry_months)


def effective_expiry(lot: Lot, end: ProgrammeEnd | None, rules: LoyaltyRules) -> date:
    if end is None:
        return lot.expires_on
    cutoff = end.ends_on + timedelta(days=rules.post_end_days) if lot.after_end else end.ends_on
    return min(lot.expires_on, cutoff)


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


def usable(installer_id: int, *, as_of: date, end: ProgrammeEnd | None, rules: LoyaltyRules) -> list[Lot]:
    """Lots with points left and not expired as of the day, soonest-expiring first (P-21)."""
    live = [lot for lot in lots(installer_id, as_of=as_of)
            if lot.remaining > 0 and effective_expiry(lot, end, rules) > as_of]
    return sorted(live, key=lambda lot: (effective_expiry(lot, end, rules), lot.earned_on, lot.id))


def balance(installer_id: int, *, as_of: date, end: ProgrammeEnd | None, rules: LoyaltyRules) -> int:
    return sum(lot.remaining for lot in usable(installer_id, as_of=as_of, end=end, rules=rules))


def open_lot(installer_id: int, points: int, *, kind: str, on: date, expires_on: date, tenant_id: int,
             source: str = "", source_id: int | None = None, after_end: bool = False, note: str = "") -> PointsEntry:
    if points <= 0:
        raise DomainError(_("Points credited must be a positive whole number."), field="points", rule="P-07")
    entry = PointsEntry(tenant_id=tenant_id, installer_id=installer_id, kind=kind, points=points, on=on,
                        expires_on=expires_on, source=source, source_id=source_id, after_end=after_end, note=note)
    db.session.add(entry)
    db.session.flush()
    return entry


def draw(installer_id: int, points: int, *, kind: str, on: date, tenant_id: int, end: ProgrammeEnd | None,
         rules: LoyaltyRules, source: str = "", source_id: int | None = None,
         only_lot: int | None = None) -> list[tuple[int, int]]:
    """Take ``points`` from the soonest-expiring lots (P-21); returns (lot, points taken). Never below zero."""
    live = usable(installer_id, as_of=on, end=end, rules=rules)
    if only_lot is not None:
        live = [lot for lot in live if lot.id == only_lot]
    if sum(lot.remaining for lot in live) < points:
        raise DomainError(_("Not enough points: %(available)s available, %(needed)s needed.",
                            available=sum(lot.remaining for lot in live), needed=points), field="points", rule="P-21")
    taken = []
    left = points
    for lot in live:
        if left == 0:
            break
        part = min(lot.remaining, left)
        db.session.add(PointsEntry(tenant_id=tenant_id, installer_id=installer_id, kind=kind, points=-part,
                                   lot_id=lot.id, on=on, source=source, source_id=source_id))
        taken.append((lot.id, part))
        left -= part
    db.session.flush()
    return taken


def forfeit_all(installer_id: int, *, on: date, tenant_id: int, reason: str) -> int:
    """P-32: exclusion forfeits every point left."""
    total = 0
    for lot in lots(installer_id, as_of=on):
        if lot.remaining > 0:
            db.session.add(PointsEntry(tenant_id=tenant_id, installer_id=installer_id, kind="forfeit",
                                       points=-lot.remaining, lot_id=lot.id, on=on, source=reason))
            total += lot.remaining
    db.session.flush()
    return total


def expire_due(*, tenant_id: int, as_of: date, end: ProgrammeEnd | None, rules: LoyaltyRules, now) -> int:
    """The daily expiry job (P-22, P-41), set-based: one INSERT … SELECT writes an ``expire`` entry for what is
    left of every lot whose effective expiry has come. Running it twice for a day changes nothing."""
    lot = PointsEntry.__table__.alias("lot")
    drawn = (select(PointsEntry.lot_id.label("lot_id"), func.sum(PointsEntry.points).label("drawn"))
             .where(PointsEntry.tenant_id == tenant_id, PointsEntry.lot_id.is_not(None))
             .group_by(PointsEntry.lot_id).subquery())
    remaining = lot.c.points + func.coalesce(drawn.c.drawn, 0)
    due = lot.c.expires_on <= as_of
    if end is not None:
        post_end = end.ends_on + timedelta(days=rules.post_end_days)
        due = or_(due, and_(lot.c.after_end.is_(False), literal(end.ends_on) <= as_of),
                  and_(lot.c.after_end.is_(True), literal(post_end) <= as_of))
    source = (select(lot.c.tenant_id, lot.c.installer_id, literal("expire"), -remaining, lot.c.id, literal(as_of),
                     literal(False), literal("expiry"), literal(""), literal(now))
              .select_from(lot.outerjoin(drawn, drawn.c.lot_id == lot.c.id))
              .where(lot.c.tenant_id == tenant_id, or_(lot.c.kind.in_(OPENING),
                                                       and_(lot.c.kind == "adjust", lot.c.points > 0)),
                     due, remaining > 0))
    columns = ["tenant_id", "installer_id", "kind", "points", "lot_id", "on", "after_end", "source", "note",
               "created_at"]
    result = db.session.connection().execute(insert(PointsEntry.__table__).from_select(columns, source))
    return max(result.rowcount or 0, 0)
