"""E-04 with P-32 and L-07: the installer programme's daily jobs and the lead-review reminders judge the organiser's
own day, as the settlement, privacy and contract jobs do — an organiser in Honolulu replaying 10 April is on 10 April,
though Warsaw is already on the 11th."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.leads.models import Lead
from portal.loyalty.models import Installer
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.leads.conftest import Campaign, lead_row, partner_row


def _move(slug: str, zone: str) -> Tenant:
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
    tenant.timezone = zone
    db.session.commit()
    return tenant


def test_P32_an_organiser_in_honolulu_excludes_on_its_own_day_not_warsaws(programme):
    programme.join("ala@example.com", registered_on="2026-01-10")  # no points: 3 months run to 2026-04-10
    tenant = _move("manufacturer", "Pacific/Honolulu")
    result = programme.run("jobs", "run", "manufacturer", "--as-of", "2026-04-10")
    assert result.exit_code == 0, result.output
    with use_tenant(tenant.id):
        db.session.expire_all()
        assert db.session.scalars(select(Installer)).one().excluded_on is None  # the last day is still theirs
    assert programme.run("jobs", "run", "manufacturer", "--as-of", "2026-04-11").exit_code == 0
    with use_tenant(tenant.id):
        db.session.expire_all()
        assert str(db.session.scalars(select(Installer)).one().excluded_on) == "2026-04-11"


def test_L07_the_review_reminder_of_an_organiser_in_honolulu_counts_its_own_day(app, tmp_path):
    campaign = Campaign(app, tmp_path)
    staff = campaign.run("users", "add", "distributor", "--email", "staff@distributor.example.com", "--role", "staff",
                         "--first-name", "Sara", "--last-name", "Nowak")
    assert staff.exit_code == 0, staff.output
    assert campaign.partners(partner_row(1)).exit_code == 0
    assert campaign.leads(lead_row("A1", 1, 1, submitted="2018-09-03")).exit_code == 0  # due 2018-09-10
    tenant = _move("distributor", "Pacific/Honolulu")
    assert campaign.run("jobs", "run", "distributor", "--as-of", "2018-09-10").exit_code == 0
    with use_tenant(tenant.id):
        db.session.expire_all()
        reminders = [n.params for n in db.session.scalars(select(Notification).where(
            Notification.kind == "review_deadline"))]
        assert [(r["overdue"], r["today"]) for r in reminders] == [(0, 1)]
        assert str(db.session.scalars(select(Lead)).one().reminded_on) == "2018-09-10"


def test_P32_days_replayed_after_a_catch_up_run_do_not_exclude_a_late_starter_it_kept(programme):
    """The worker was down 11–14 January; a device was registered on the 13th; one run on the 15th keeps the late
    starter (points show an active account, whenever they came). Replaying the days it missed agrees, and no
    forfeit is ever dated before the points it takes."""
    from portal.loyalty.models import PointsEntry

    programme.join("ala@example.com", registered_on="2025-10-10")  # 3 months: to 2026-01-10
    assert programme.run("jobs", "run", "manufacturer", "--as-of", "2026-01-10").exit_code == 0
    programme.device("ala@example.com", "SN-1", "2026-01-13")
    assert programme.run("jobs", "run", "manufacturer", "--as-of", "2026-01-15").exit_code == 0
    for day in ("2026-01-11", "2026-01-12", "2026-01-13", "2026-01-14"):
        assert programme.run("jobs", "run", "manufacturer", "--as-of", day).exit_code == 0
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        db.session.expire_all()
        assert db.session.scalars(select(Installer)).one().excluded_on is None
        assert [e.kind for e in db.session.scalars(select(PointsEntry))] == ["earn"]
