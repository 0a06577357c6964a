"""Audit fixes over the API: the delivery address in the order (P-25), only the participant's failed deliveries
forfeit (P-25), withholding after a failed delivery (P-27), a decision never before the filing (P-42)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.loyalty.service import members, orders
from portal.tenancy.guard import use_tenant
from tests.api.conftest import add_reward, device_body, installer_body, installer_with_points, problem


@pytest.fixture
def world(mapi, manufacturer):
    add_reward(manufacturer, "R-A", 100)
    installer = installer_with_points(mapi)
    return {"api": mapi, "tenant": manufacturer, "installer": installer,
            "orders": f"/installers/{installer['id']}/orders"}


def _without_address(world) -> dict:
    """The world with an installer who has given no delivery address yet."""
    installer = installer_with_points(world["api"], n=2, address=None)
    return {**world, "installer": installer, "orders": f"/installers/{installer['id']}/orders"}


def _place(world) -> dict:
    response = world["api"].post(world["orders"], {"reward": "R-A", "on": "2024-03-01"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_P25_api_order_names_the_delivery_address(world):
    world = _without_address(world)
    order = _place(world)
    assert order["delivery_address"] is None
    with use_tenant(world["tenant"].id):
        orders.set_delivery_address(members.get(world["installer"]["id"]), " ul. Polna 1, 00-001 Warszawa ")
        db.session.commit()
    api = world["api"]
    assert api.get(f"/orders/{order['id']}").get_json()["delivery_address"] == "ul. Polna 1, 00-001 Warszawa"
    assert api.get(world["orders"]).get_json()["items"][0]["delivery_address"] == "ul. Polna 1, 00-001 Warszawa"
    shipped = api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-04"}).get_json()
    assert shipped["delivery_address"] == "ul. Polna 1, 00-001 Warszawa"


def test_P25_api_failed_delivery_not_the_participants_fault_does_not_count(world):
    order = _place(world)
    api = world["api"]
    for ship_on, fail_on in (("2024-03-04", "2024-03-05"), ("2024-03-06", "2024-03-07"), ("2024-03-08", "2024-03-09")):
        api.post(f"/orders/{order['id']}/ship", {"on": ship_on})
        failed = api.post(f"/orders/{order['id']}/delivery-failed", {"on": fail_on, "participant_fault": False})
        assert failed.status_code == 200, failed.get_json()
        assert (failed.get_json()["state"], failed.get_json()["failed_deliveries"]) == ("delivery_failed", 0)
    api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-10"})
    failed = api.post(f"/orders/{order['id']}/delivery-failed", {"on": "2024-03-11"}).get_json()  # default: theirs
    assert (failed["state"], failed["failed_deliveries"]) == ("delivery_failed", 1)
    api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-12"})
    forfeited = api.post(f"/orders/{order['id']}/delivery-failed", {"on": "2024-03-13", "participant_fault": True})
    assert forfeited.get_json()["state"] == "forfeited"
    bad = api.post(f"/orders/{order['id']}/delivery-failed", {"participant_fault": "yes"})
    assert bad.status_code == 422 and problem(bad)["errors"][0]["field"] == "participant_fault"


def test_P27_api_order_whose_delivery_failed_can_be_withheld_and_released(world):
    order = _place(world)
    api = world["api"]
    api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-04"})
    api.post(f"/orders/{order['id']}/delivery-failed", {"on": "2024-03-05"})
    withheld = api.post(f"/orders/{order['id']}/withhold", {"reason": "checking the address"})
    assert withheld.status_code == 200 and withheld.get_json()["state"] == "withheld"
    assert problem(api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-06"}))["rule"] == "P-27"
    released = api.post(f"/orders/{order['id']}/release").get_json()
    assert (released["state"], released["failed_deliveries"]) == ("delivery_failed", 1)
    assert api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-07"}).get_json()["state"] == "shipped"


def test_P42_api_decision_before_the_filing_is_422(mapi):
    installer = installer_with_points(mapi, devices=1)
    complaint = mapi.post(f"/installers/{installer['id']}/complaints",
                          {"kind": "programme", "text": "x", "on": "2024-03-03"}).get_json()
    early = mapi.post(f"/complaints/{complaint['id']}/decision", {"upheld": False, "answer": "No.", "on": "2024-03-02"})
    assert early.status_code == 422
    assert [(e["field"], e["rule"]) for e in problem(early)["errors"]] == [("on", "P-42")]
    assert mapi.get("/complaints?open=true").get_json()["items"][0]["decided_on"] is None
    ok = mapi.post(f"/complaints/{complaint['id']}/decision", {"upheld": False, "answer": "No.", "on": "2024-03-03"})
    assert ok.status_code == 200 and ok.get_json()["decided_on"] == "2024-03-03"


def test_P25_api_order_takes_the_delivery_address_with_the_order(world):
    api = world["api"]
    response = api.post(world["orders"], {"reward": "R-A", "on": "2024-03-01",
                                          "delivery_address": "  ul. Polna 1, 00-001 Warszawa "})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["delivery_address"] == "ul. Polna 1, 00-001 Warszawa"


def test_P25_api_order_with_a_blank_or_too_long_address_is_refused_and_nothing_is_written(world, manufacturer):
    api = world["api"]
    for address in ("   ", "x" * 301):
        refused = api.post(world["orders"], {"reward": "R-A", "on": "2024-03-01", "delivery_address": address})
        assert refused.status_code in (400, 422)
        assert "delivery_address" in str(problem(refused))
    assert api.get(world["orders"]).get_json()["items"] == []


def test_P25_api_order_refused_for_points_keeps_no_new_address(world, manufacturer):
    world = _without_address(world)
    add_reward(manufacturer, "R-BIG", 100_000)
    api = world["api"]
    refused = api.post(world["orders"], {"reward": "R-BIG", "on": "2024-03-01", "delivery_address": "ul. Nowa 2"})
    assert refused.status_code == 422, refused.get_json()
    placed = _place(world)
    assert placed["delivery_address"] is None  # the refused request changed nothing


def test_P25_api_installer_registered_with_a_delivery_address(mapi, manufacturer):
    add_reward(manufacturer, "R-A", 100)
    created = mapi.post("/installers", installer_body(5, delivery_address="ul. Leśna 5, 30-001 Kraków"))
    assert created.status_code == 201, created.get_json()
    installer = created.get_json()
    for i in range(3):
        assert mapi.post(f"/installers/{installer['id']}/devices", device_body(f"SN-5-{i}")).status_code == 201
    order = mapi.post(f"/installers/{installer['id']}/orders", {"reward": "R-A", "on": "2024-03-01"})
    assert order.status_code == 201, order.get_json()
    assert order.get_json()["delivery_address"] == "ul. Leśna 5, 30-001 Kraków"


def test_P25_api_address_limit_counts_the_trimmed_text(world):
    api = world["api"]
    padded = api.post(world["orders"], {"reward": "R-A", "on": "2024-03-01",
                                        "delivery_address": "  " + "x" * 300 + "  "})
    assert padded.status_code == 201, padded.get_json()
    assert padded.get_json()["delivery_address"] == "x" * 300
    too_long = api.post(world["orders"], {"reward": "R-A", "on": "2024-03-01", "delivery_address": "x" * 301})
    assert too_long.status_code == 422
    assert [(e["field"], e["rule"]) for e in problem(too_long)["errors"]] == [("delivery_address", "P-25")]
