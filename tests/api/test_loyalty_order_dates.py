"""P-21 / P-07 over the API: an order carries the day it happens (``on``), which need not be the latest day on the
participant's ledger, though never a day after today. Whatever its day, it never spends points another order, dated
later, already took, so the balance never goes below zero; points the daily job expired on a later day were still
there on the order's day, and that expiry then takes only what the order left."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.loyalty.models import PointsEntry, PointsLot
from portal.tenancy.guard import use_tenant
from tests.api.conftest import add_reward, device_body, installer_body, installer_with_points, problem


def _ledger_sum(tenant, installer_id: int) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.sum(PointsEntry.points)).where(
            PointsEntry.installer_id == installer_id))


def _negative_lots(tenant) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(PointsLot).where(PointsLot.remaining < 0))


def test_P21_an_order_dated_before_another_cannot_spend_the_points_that_one_took(mapi, manufacturer):
    add_reward(manufacturer, "R-C", 200)
    installer = installer_with_points(mapi)  # 360 points earned on 2024-02-01
    orders = f"/installers/{installer['id']}/orders"
    assert mapi.post(orders, {"reward": "R-C", "on": "2024-03-10"}).status_code == 201
    earlier = mapi.post(orders, {"reward": "R-C", "on": "2024-03-01"})
    assert earlier.status_code == 422, earlier.get_json()
    body = problem(earlier)
    assert body["rule"] == "P-21" and "160" in body["detail"] and "200" in body["detail"]
    assert _ledger_sum(manufacturer, installer["id"]) == 160 and _negative_lots(manufacturer) == 0


def test_P21_an_order_dated_after_today_is_refused_on_the_day_field(mapi, manufacturer):
    add_reward(manufacturer, "R-C", 200)
    created = mapi.post("/installers", installer_body(1))
    installer = created.get_json()
    for i in range(3):  # 360 points earned yesterday (the tests' today is 2026-03-02)
        assert mapi.post(f"/installers/{installer['id']}/devices",
                         device_body(f"SN-{i}", registered_on="2026-03-01")).status_code == 201
    orders = f"/installers/{installer['id']}/orders"
    future = mapi.post(orders, {"reward": "R-C", "on": "2026-03-03"})
    assert future.status_code == 422
    assert [(e["field"], e["rule"]) for e in problem(future)["errors"]] == [("on", "P-21")]
    assert "2026-03-02" in problem(future)["detail"]
    assert mapi.post(orders, {"reward": "R-C"}).status_code == 201  # today
    again = mapi.post(orders, {"reward": "R-C", "on": "2026-03-02"})
    assert again.status_code == 422 and problem(again)["rule"] == "P-21"
    assert _ledger_sum(manufacturer, installer["id"]) == 160 and _negative_lots(manufacturer) == 0


def test_P22_P21_an_order_dated_before_an_expiry_already_written_spends_what_that_day_held(app, mapi, manufacturer):
    add_reward(manufacturer, "R-A", 100)
    installer = installer_with_points(mapi)  # 360 points, expiring on 2026-02-01
    result = app.test_cli_runner().invoke(args=["jobs", "run", "manufacturer", "--as-of", "2026-02-02"])
    assert result.exit_code == 0, result.output
    assert _ledger_sum(manufacturer, installer["id"]) == 0
    late = mapi.post(f"/installers/{installer['id']}/orders", {"reward": "R-A", "on": "2026-01-15"})
    assert late.status_code == 201, late.get_json()
    with use_tenant(manufacturer.id):
        expired = db.session.scalar(select(func.sum(PointsEntry.points)).where(
            PointsEntry.installer_id == installer["id"], PointsEntry.kind == "expire"))
    assert expired == -260  # what the order left on 2026-01-15
    assert _ledger_sum(manufacturer, installer["id"]) == 0 and _negative_lots(manufacturer) == 0
    another = mapi.post(f"/installers/{installer['id']}/orders", {"reward": "R-A", "on": "2026-01-15"})
    assert another.status_code == 201  # 260 were there that day
    assert _ledger_sum(manufacturer, installer["id"]) == 0 and _negative_lots(manufacturer) == 0
