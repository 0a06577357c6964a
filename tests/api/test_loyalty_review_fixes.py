"""Review fixes over API v1: fulfilment days never before the order or the shipment (P-25, P-30), a blank delivery
address refused when an installer registers (P-25), joining closed from the end's announcement whatever the
registration day (P-40)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.loyalty.models import Installer
from portal.tenancy.guard import use_tenant
from tests.api.conftest import add_reward, installer_body, installer_with_points, problem


def _installers(tenant) -> int:
    db.session.rollback()
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Installer))


def test_P25_P30_api_refuses_a_shipment_before_the_order_and_a_delivery_before_the_shipment(mapi, manufacturer):
    add_reward(manufacturer, "R-A", 100)
    installer = installer_with_points(mapi)
    placed = mapi.post(f"/installers/{installer['id']}/orders", {"reward": "R-A", "on": "2024-03-10"})
    assert placed.status_code == 201, placed.get_json()
    order = f"/orders/{placed.get_json()['id']}"
    early = mapi.post(f"{order}/ship", {"on": "2024-03-09"})
    assert early.status_code == 422
    assert [(e["field"], e["rule"]) for e in problem(early)["errors"]] == [("on", "P-25")]
    assert mapi.get(order).get_json()["state"] == "placed"
    assert mapi.post(f"{order}/ship", {"on": "2024-03-12"}).status_code == 200
    back_dated = mapi.post(f"{order}/delivered", {"on": "2024-03-11", "confirmed": True})
    assert back_dated.status_code == 422
    assert [(e["field"], e["rule"]) for e in problem(back_dated)["errors"]] == [("on", "P-30")]
    assert "2024-03-12" in problem(back_dated)["detail"]
    assert mapi.get(order).get_json()["state"] == "shipped"
    assert mapi.post(f"{order}/delivered", {"on": "2024-03-12", "confirmed": True}).status_code == 200


def test_P25_api_refuses_a_blank_delivery_address_when_an_installer_registers(mapi, manufacturer):
    for blank in ("   ", ""):
        refused = mapi.post("/installers", installer_body(1, delivery_address=blank))
        assert refused.status_code == 422, refused.get_json()
        assert ("delivery_address", "P-25") in [(e["field"], e["rule"]) for e in problem(refused)["errors"]]
    assert _installers(manufacturer) == 0
    padded = mapi.post("/installers", installer_body(1, delivery_address="  ul. Polna 1, Warszawa  "))
    assert padded.status_code == 201, padded.get_json()
    db.session.rollback()
    with use_tenant(manufacturer.id):
        assert db.session.get(Installer, padded.get_json()["id"]).delivery_address == "ul. Polna 1, Warszawa"


def test_P40_api_judges_a_registration_on_its_own_day_after_the_announcement(app, mapi, manufacturer):
    result = app.test_cli_runner().invoke(args=["programme", "announce-end", "manufacturer", "--on", "2026-01-15",
                                                "--ends-on", "2026-05-01"])
    assert result.exit_code == 0, result.output
    refused = mapi.post("/installers", installer_body(1, registered_on="2026-01-15", activated_on="2026-01-15"))
    assert refused.status_code == 422 and problem(refused)["rule"] == "P-40"
    assert _installers(manufacturer) == 0
    unset = dict(installer_body(2))
    unset.pop("registered_on")
    unset.pop("activated_on")
    today = mapi.post("/installers", unset)  # no day given: joins today, after the announcement
    assert today.status_code == 422 and problem(today)["rule"] == "P-40"
    recorded = mapi.post("/installers", installer_body(3, registered_on="2026-01-10", activated_on="2026-01-10"))
    assert recorded.status_code == 201, recorded.get_json()
