"""`flask jobs run SLUG --as-of DATE` (FORMATS.md "Scheduled work"): one run of a day does the whole day, so running
it twice changes nothing the second time, and a day reached by skipping days is caught up in one run."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.loyalty.models import PointsLot
from portal.loyalty.service import orders
from tests.loyalty.test_orders import world  # noqa: F401 - the fixture


def _changed(result) -> dict[str, int]:
    """The report of a jobs run: job name → how many things it changed."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+) \S+ changed=(\d+)$", result.output, re.M)}


def _lapsing_substitute(world, offered_on: date) -> None:  # noqa: F811
    """An order placed before the end's announcement (programme ends 2024-06-15), a substitute offered on
    ``offered_on`` and left unanswered: 21 days later it lapses and the points come back as a refund lot usable
    through the 7th day after the end (P-23, P-41)."""
    programme = world["programme"]
    order = orders.place(world["installer"], orders.reward_by_code("R-A"), on=date(2024, 3, 1), rules=world["rules"],
                         clock=world["clock"])
    db.session.commit()
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-10",
                         "--ends-on", "2024-06-15").exit_code == 0
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=offered_on, rules=world["rules"],
                            clock=world["clock"])
    db.session.commit()


def _refund_lots(world):  # noqa: F811
    db.session.expire_all()
    return list(db.session.scalars(select(PointsLot).where(PointsLot.installer_id == world["installer"].id,
                                                           PointsLot.after_end.is_(True))))


def test_P23_P41_a_day_run_twice_changes_nothing_the_second_time_after_a_substitute_lapses(world):  # noqa: F811
    """P-23/P-41 with FORMATS.md "Scheduled work": the lapse job's refund lot (restored 2024-06-22, expiring
    2024-06-23) is warned of in the same run that creates it — not only by a second run of the day."""
    _lapsing_substitute(world, date(2024, 6, 1))  # restore_by 2024-06-22
    first = _changed(world["programme"].jobs("2024-06-22"))
    assert first["unanswered_substitutes"] == 1 and first["points_expiring_notice"] >= 1
    (refund,) = _refund_lots(world)
    assert refund.remaining == 100
    second = _changed(world["programme"].jobs("2024-06-22"))
    assert second and all(n == 0 for n in second.values()), second


def test_P23_P41_a_refund_lot_is_expired_by_the_one_run_of_a_later_day(world):  # noqa: F811
    """P-41: skipping days (the worker did not run; only a later day is replayed), the lapse dated 2024-06-26 gives
    a refund lot already past its post-end expiry (2024-06-23): the one run expires it, and a second run changes
    nothing."""
    _lapsing_substitute(world, date(2024, 6, 5))  # restore_by 2024-06-26
    first = _changed(world["programme"].jobs("2024-06-30"))
    assert first["unanswered_substitutes"] == 1
    (refund,) = _refund_lots(world)
    assert refund.remaining == 0
    assert world["programme"].statement("ala@example.com", "2024-06-30")["balance"] == 0
    second = _changed(world["programme"].jobs("2024-06-30"))
    assert all(n == 0 for n in second.values()), second
