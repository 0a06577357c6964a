"""P-31: deleting the account — an erasure (G-03) — is leaving the programme."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.loyalty.models import PointsEntry
from portal.loyalty.service import ledger, members
from portal.privacy import erasure
from tests.loyalty.test_orders import _place, world  # noqa: F401 - the fixture


def test_P31_erasure_is_leaving_points_forfeited_and_open_orders_cancelled(world):  # noqa: F811
    installer = world["installer"]
    order = _place(world)  # 100 of the 360 points, not yet shipped
    world["clock"].at = datetime(2024, 3, 12, 11, tzinfo=UTC)
    erasure.erase(installer.user_id, clock=world["clock"])
    db.session.commit()
    db.session.expire_all()
    assert order.state == "cancelled"  # no reward goes out to an address that no longer exists
    assert ledger.balance(installer.id, as_of=date(2024, 3, 12), end=None, rules=world["rules"]) == 0
    assert installer.left_on == date(2024, 3, 12)
    forfeited = db.session.scalars(select(PointsEntry).where(PointsEntry.installer_id == installer.id,
                                                             PointsEntry.kind == "forfeit")).all()
    assert sum(e.points for e in forfeited) == -260  # what was left; as on exclusion (P-32), the order's are spent


def test_P31_erasing_again_changes_nothing_more(world):  # noqa: F811
    installer = world["installer"]
    world["clock"].at = datetime(2024, 3, 12, 11, tzinfo=UTC)
    erasure.erase(installer.user_id, clock=world["clock"])
    db.session.commit()
    entries = db.session.scalar(select(db.func.count()).select_from(PointsEntry))
    erasure.erase(installer.user_id, clock=world["clock"])  # a replay after a backup restore
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(PointsEntry)) == entries
    assert members.get(installer.id).left_on == date(2024, 3, 12)


def test_P31_an_installer_is_told_the_points_and_orders_deleting_ends(app, client, programme):
    from tests.loyalty.test_pages import _installer
    from tests.loyalty.test_programme_commands import _add_reward

    _installer(app, client, programme)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")  # 120 points
    programme.device("ala@installer.example", "SN-2", "2024-02-01")
    _add_reward("R-DEL", 100, "40.00")
    assert client.post("/t/manufacturer/rewards/R-DEL/order").status_code == 302
    page = client.post("/t/manufacturer/my-data", data={"action": "delete"}).get_data(as_text=True)
    assert "przepadnie 140 Twoich punktów" in page and "otwarte zamówienia (1)" in page
