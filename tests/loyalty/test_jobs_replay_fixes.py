"""`flask jobs run SLUG --as-of DATE` (FORMATS.md "Scheduled work"): one run of a day does the whole day, so running
it twice changes nothing the second time, and a day reached by skipping days is caught up in one run."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

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


# C-04: "the tenant becomes read-only" — the commands that write are refused on it (exit 1, the rule and the first
# read-only day named, nothing written); reading and the daily jobs go on.
def _read_only(programme) -> None:
    """The manufacturer's contract ended by agreement today (the tests' clock: 2026-03-02): read-only from today."""
    done = programme.run("contracts", "end", "manufacturer", "--on", "2026-03-02", "--ground", "mutual")
    assert done.exit_code == 0, done.output
    db.session.expire_all()


def _refused(result) -> None:
    assert result.exit_code == 1, result.output
    assert "C-04" in result.output and "read-only from 2026-03-02" in result.output


def test_C04_write_commands_are_refused_on_a_read_only_installer_tenant(programme):
    from portal.loyalty.models import Device, Installer, RewardOrder
    from tests.loyalty.test_programme_commands import _add_reward

    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    _add_reward("R-A", 100, "50.00")
    _read_only(programme)
    _refused(programme.participants("ola@example.com,Ola,Nowak,5252248481,yes,installer,2026-03-01,2026-03-01"))
    _refused(programme.devices("ala@example.com,SN-2,TV-KOND-24C,FD612,2026-03-01,2026-03-02"))
    _refused(programme.order("ala@example.com", "R-A", "2026-03-02"))
    _refused(programme.run("points", "revoke", "manufacturer", "ala@example.com", "--points", "10", "--reason",
                           "mistake", "--as-of", "2026-03-02"))
    _refused(programme.run("points", "import-opening", "manufacturer",
                           programme.csv("email,points,earned_on", ["ala@example.com,50,2026-03-01"])))
    _refused(programme.run("programme", "announce-end", "manufacturer", "--on", "2026-03-02",
                           "--ends-on", "2026-06-30"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Installer)) == 1
    assert db.session.scalar(select(func.count()).select_from(Device)) == 1
    assert db.session.scalar(select(func.count()).select_from(RewardOrder)) == 0
    # reading goes on, and the daily jobs (the export window, then the deletion, need them)
    assert programme.statement("ala@example.com", "2026-03-02")["status"]
    programme.jobs("2026-03-03")


def test_C04_a_replayed_day_past_the_read_only_day_is_refused_before_the_daily_job_ran(programme):
    """C-04: an expiry agreed ahead (the term's end) makes the tenant read-only from the next day; a write replayed
    on that day is refused though no daily job has turned the tenant read-only yet, and one before it still works."""
    from portal.operator import contracts
    from portal.tenancy.models import Tenant

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    contracts.create(tenant.id, starts_on=date(2026, 1, 1), term_months=3)  # the term ends 2026-03-31
    db.session.commit()
    done = programme.run("contracts", "end", "manufacturer", "--on", "2026-03-31", "--ground", "expiry")
    assert done.exit_code == 0, done.output
    programme.join("ala@example.com", registered_on="2026-03-01")
    rows = programme.csv("email,serial,model_code,production_code,installed_on,registered_on",
                         ["ala@example.com,SN-9,TV-KOND-24C,FD612,2026-03-31,2026-03-31"])
    served = programme.run("devices", "import", "manufacturer", rows, "--as-of", "2026-03-31")  # the last day
    assert served.exit_code == 0, served.output
    rows = programme.csv("email,serial,model_code,production_code,installed_on,registered_on",
                         ["ala@example.com,SN-10,TV-KOND-24C,FD612,2026-04-01,2026-04-01"])
    late = programme.run("devices", "import", "manufacturer", rows, "--as-of", "2026-04-01")
    assert late.exit_code == 1 and "C-04" in late.output and "read-only from 2026-04-01" in late.output


# P-32 with P-40/P-41: the exclusion job after the end's announcement.
def _excluded(email: str):
    from portal.loyalty.service import members
    from portal.tenancy.guard import use_tenant
    from portal.tenancy.models import Tenant

    db.session.expire_all()
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        return members.by_email(email).excluded_on


def _exclusion_mails(email: str) -> int:
    from portal.accounts.models import User
    from portal.notifications.models import Notification
    from portal.tenancy.guard import across_tenants

    with across_tenants("test: the participant's notices"):
        return db.session.scalar(select(func.count()).select_from(Notification).join(
            User, User.id == Notification.user_id).where(User.email == email, Notification.kind == "excluded"))


def test_P32_P41_nobody_is_excluded_on_or_after_the_programmes_end(programme):
    """P-32/P-41: on and after the end date the programme is over: the exclusion check excludes (and mails) nobody.
    The participant (no points by 2024-03-01, within the registration months) would have been excluded before."""
    from tests.factories import valid_nip

    programme.join("bob@example.com", registered_on="2023-12-01", nip=valid_nip(41))
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-10",
                         "--ends-on", "2024-06-15").exit_code == 0
    programme.jobs("2024-06-15")  # the end date, the first run after the announcement
    programme.jobs("2024-06-30")
    assert _excluded("bob@example.com") is None and _exclusion_mails("bob@example.com") == 0
    programme.jobs("2024-06-14")  # the day before the end (replayed): the ground still held
    assert _excluded("bob@example.com") == date(2024, 6, 14) and _exclusion_mails("bob@example.com") == 1


def test_P32_P40_no_points_is_no_ground_when_the_three_months_ended_after_registrations_closed(programme):
    """P-40: after the announcement (2024-03-10) devices are registered only until 2024-03-31. One who joined
    2024-01-10 had until 2024-04-10 to earn points but could not after 2024-03-31: not excluded for no points. One
    who joined 2023-12-20 had the whole three months (to 2024-03-20) and is."""
    from tests.factories import valid_nip

    programme.join("late@example.com", registered_on="2024-01-10", nip=valid_nip(42))
    programme.join("early@example.com", registered_on="2023-12-20", nip=valid_nip(43))
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-10",
                         "--ends-on", "2024-06-15").exit_code == 0
    programme.jobs("2024-04-15")
    assert _excluded("late@example.com") is None and _exclusion_mails("late@example.com") == 0
    assert _excluded("early@example.com") == date(2024, 4, 15)
