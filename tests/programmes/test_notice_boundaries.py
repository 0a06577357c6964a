"""E-02 at its boundary days: a point cut takes effect no earlier than the 7th day after the announcement (P-04),
the programme ends no earlier than 3 months after it (P-40, also at a month's end); a change refused for its notice
stores nothing and tells nobody, one accepted is announced to every participant with its effective date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.programmes import changes
from portal.programmes.changes import notice_problems
from portal.programmes.models import ProgrammeVersion
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _loyalty(points=100, ends_on=None) -> dict:
    programme = {"type": "loyalty", **({"ends_on": ends_on} if ends_on else {})}
    return {"programme": programme, "loyalty": {}, "device_models": [{"code": "A", "points": points}]}


@pytest.mark.parametrize(("effective", "refused"), [(date(2024, 3, 7), True), (date(2024, 3, 8), False)])
def test_E02_P04_a_point_cut_takes_effect_seven_days_after_the_announcement_at_the_earliest(effective, refused):
    problems = notice_problems(_loyalty(100), _loyalty(90), effective, date(2024, 3, 1))
    assert bool(problems) is refused
    if refused:
        assert "P-04" in problems[0] and "2024-03-08" in problems[0]


def test_E02_P04_more_points_need_the_same_notice():
    """Seed §4.3: any change of the announced points is announced 7 days ahead, a rise too."""
    problems = notice_problems(_loyalty(100), _loyalty(110), date(2024, 3, 1), date(2024, 3, 1))
    assert len(problems) == 1 and "P-04" in problems[0] and "2024-03-08" in problems[0]
    assert notice_problems(_loyalty(100), _loyalty(110), date(2024, 3, 8), date(2024, 3, 1)) == []


@pytest.mark.parametrize(("today", "ends_on", "refused"), [
    (date(2024, 3, 1), "2024-05-31", True),
    (date(2024, 3, 1), "2024-06-01", False),
    (date(2024, 11, 30), "2025-02-27", True),
    (date(2024, 11, 30), "2025-02-28", False),  # 3 months after 30 November is the last day of February
])
def test_E02_P40_the_end_is_at_least_three_months_after_the_announcement(today, ends_on, refused):
    problems = notice_problems(_loyalty(), _loyalty(ends_on=ends_on), today, today)
    assert bool(problems) is refused
    if refused:
        assert "P-40" in problems[0]


@pytest.fixture
def manufacturer(app):
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / "manufacturer")])
    assert result.exit_code == 0, result.output
    tenant = tenants.by_slug("manufacturer")
    users = [factories.user(tenant), factories.user(tenant)]
    return tenant, users


def _cut(text: str) -> str:
    return text.replace("points = 120\n", "points = 100\n", 1)


def _counts(tenant) -> tuple[int, int]:
    with use_tenant(tenant.id):
        return (db.session.scalar(select(func.count()).select_from(ProgrammeVersion)),
                db.session.scalar(select(func.count()).select_from(Notification)
                                  .where(Notification.kind == "programme_changed")))


def test_E02_a_cut_inside_the_notice_period_stores_nothing_and_tells_nobody(manufacturer):
    tenant, _users = manufacturer
    text = _cut((ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8"))
    with use_tenant(tenant.id), pytest.raises(DomainError, match="P-04"):
        changes.publish(tenant.id, text, effective_from=date(2024, 3, 7), clock=as_of(date(2024, 3, 1)))
    db.session.rollback()
    assert _counts(tenant) == (1, 0)


def test_E02_a_cut_on_the_seventh_day_is_published_and_every_participant_told_its_date(manufacturer):
    tenant, users = manufacturer
    text = _cut((ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8"))
    with use_tenant(tenant.id):
        changes.publish(tenant.id, text, effective_from=date(2024, 3, 8), clock=as_of(date(2024, 3, 1)))
        db.session.commit()
        told = {n.user_id: n.params["effective_from"] for n in db.session.scalars(
            select(Notification).where(Notification.kind == "programme_changed"))}
    assert told == {u.id: "2024-03-08" for u in users}
    assert _counts(tenant) == (2, 2)


def test_E02_loading_the_same_definition_again_announces_nothing_twice(manufacturer):
    tenant, users = manufacturer
    text = _cut((ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8"))
    with use_tenant(tenant.id):
        first = changes.publish(tenant.id, text, effective_from=date(2024, 3, 8), clock=as_of(date(2024, 3, 1)))
        db.session.commit()
        again = changes.publish(tenant.id, text, effective_from=date(2024, 3, 8), clock=as_of(date(2024, 3, 1)))
        db.session.commit()
    assert again.id == first.id
    assert _counts(tenant) == (2, len(users))


def test_E02_S9_partners_loaded_from_the_organisers_file_hear_of_a_change_at_their_contact_address(app, tmp_path):
    """Partners without an account hear of their lead decisions by mail to their contact person; they hear of a
    programme change the same way (§9), with its effective date."""
    from tests.leads.conftest import Campaign, partner_row

    campaign = Campaign(app, tmp_path)
    campaign.partners(partner_row(1), partner_row(2))
    tenant = tenants.by_slug("distributor")
    text = (ROOT / "tenants" / "distributor" / "programme.toml").read_text(encoding="utf-8")
    with use_tenant(tenant.id):
        changes.publish(tenant.id, text.replace('rate = "0.12"', 'rate = "0.13"', 1),
                        effective_from=date(2018, 9, 10), clock=as_of(date(2018, 9, 1)))
        db.session.commit()
        rows = list(db.session.scalars(select(Notification).where(Notification.kind == "programme_changed")))
        told = {n.to_email: n.params["effective_from"] for n in rows}
        from portal.notifications.service import _render

        with app.test_request_context():
            _subject, body = _render(rows[0], None, tenant)
    assert told == {"jan1@partner1.example.com": "2018-09-10", "jan2@partner2.example.com": "2018-09-10"}
    assert "2018-09-10" in body
