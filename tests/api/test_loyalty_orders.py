"""Reward orders over the API: placing (P-20, P-21, P-28, P-29) and fulfilment (P-23, P-25, P-27, P-30)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.loyalty.models import RewardOrder
from portal.tenancy.guard import use_tenant
from tests.api.conftest import Api, add_reward, installer_body, installer_with_points, problem, rules_of


@pytest.fixture
def world(mapi, manufacturer):
    """An installer with 360 points (three devices on 2024-02-01) and a few rewards of the kind "tools"."""
    add_reward(manufacturer, "R-A", 100)
    add_reward(manufacturer, "R-B", 100)
    add_reward(manufacturer, "R-C", 200)
    add_reward(manufacturer, "R-BIG", 1000)
    installer = installer_with_points(mapi)
    return {"api": mapi, "tenant": manufacturer, "installer": installer,
            "orders": f"/installers/{installer['id']}/orders", "points": f"/installers/{installer['id']}/points"}


def _balance(world, day: str = "2024-03-30") -> int:
    return world["api"].get(f"{world['points']}?as_of={day}").get_json()["balance"]


def _place(world, code: str = "R-A", on: str = "2024-03-01") -> dict:
    response = world["api"].post(world["orders"], {"reward": code, "on": on})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _orders(tenant) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(RewardOrder))


def test_P21_api_order_with_too_few_points_is_422_with_rule(world):
    response = world["api"].post(world["orders"], {"reward": "R-BIG", "on": "2024-03-01"})
    body = problem(response)
    assert response.status_code == 422 and rules_of(response) == {"P-21"}
    assert "360" in body["detail"] and "1000" in body["detail"]
    assert _orders(world["tenant"]) == 0 and _balance(world) == 360


def test_P21_api_order_deducts_the_points_at_once(world):
    order = _place(world)
    assert (order["reward"], order["points"], order["state"], order["gross_value"]) == ("R-A", 100, "placed", "50.00")
    assert _balance(world) == 260
    statement = world["api"].get(f"{world['points']}?as_of=2024-03-30").get_json()
    assert statement["reward_value_this_year"] == "50.00"
    redeemed = [e for e in world["api"].get(f"/installers/{world['installer']['id']}/ledger").get_json()["items"]
                if e["kind"] == "redeem"]
    assert sum(e["points"] for e in redeemed) == -100 and {e["source_id"] for e in redeemed} == {order["id"]}
    assert world["api"].get(world["orders"]).get_json()["items"] == [order]
    assert world["api"].get(f"/orders/{order['id']}").get_json() == order


def test_P20_unknown_reward_is_422_on_the_reward_field(world):
    response = world["api"].post(world["orders"], {"reward": "R-NOPE"})
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in problem(response)["errors"]] == [("reward", "P-20")]
    assert [e["field"] for e in problem(world["api"].post(world["orders"], {}))["errors"]] == ["reward"]


def test_P29_individual_without_tax_data_cannot_order(world, mapi):
    individual = mapi.post("/installers", installer_body(2, business=False, nip="")).get_json()
    response = mapi.post(f"/installers/{individual['id']}/orders", {"reward": "R-A", "on": "2024-03-01"})
    assert response.status_code == 422 and problem(response)["rule"] == "P-29"


def test_order_idempotency_key_places_one_order(world):
    first = world["api"].post(world["orders"], {"reward": "R-A", "on": "2024-03-01"}, key="order-1")
    again = world["api"].post(world["orders"], {"reward": "R-A", "on": "2024-03-01"}, key="order-1")
    assert first.status_code == again.status_code == 201 and again.get_json() == first.get_json()
    assert _orders(world["tenant"]) == 1 and _balance(world) == 260


def test_P23_api_substitute_refused_cancels_and_restores_the_points(world):
    order = _place(world)
    api = world["api"]
    other_value = api.post(f"/orders/{order['id']}/substitute", {"code": "R-C", "on": "2024-03-02"})
    assert other_value.status_code == 422 and rules_of(other_value) == {"P-23"}
    assert {e["field"] for e in problem(other_value)["errors"]} == {"code"}  # the body's property, not a page's
    unknown = api.post(f"/orders/{order['id']}/substitute", {"code": "R-NOPE"})
    assert [(e["field"], e["rule"]) for e in problem(unknown)["errors"]] == [("code", "P-23")]
    offered = api.post(f"/orders/{order['id']}/substitute", {"code": "R-B", "on": "2024-03-02"}).get_json()
    assert (offered["state"], offered["substitute"], offered["restore_by"]) == \
        ("substitute_offered", "R-B", "2024-03-23")
    refused = api.post(f"/orders/{order['id']}/substitute-answer", {"accept": False, "on": "2024-03-05"})
    assert refused.get_json()["state"] == "cancelled" and _balance(world) == 360


def test_P23_api_accepted_substitute_replaces_the_reward(world):
    order = _place(world)
    api = world["api"]
    api.post(f"/orders/{order['id']}/substitute", {"code": "R-B", "on": "2024-03-02"})
    accepted = api.post(f"/orders/{order['id']}/substitute-answer", {"accept": True, "on": "2024-03-03"}).get_json()
    assert (accepted["state"], accepted["reward"], accepted["substitute"]) == ("placed", "R-B", None)
    assert problem(api.post(f"/orders/{order['id']}/substitute-answer", {}))["errors"][0]["field"] == "accept"
    assert _balance(world) == 260


def test_P25_api_second_failed_delivery_forfeits_the_reward(world):
    order = _place(world)
    api = world["api"]
    assert api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-04"}).get_json()["state"] == "shipped"
    failed = api.post(f"/orders/{order['id']}/delivery-failed", {"on": "2024-03-06"}).get_json()
    assert (failed["state"], failed["failed_deliveries"]) == ("delivery_failed", 1)
    api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-07"})
    forfeited = api.post(f"/orders/{order['id']}/delivery-failed", {"on": "2024-03-09"}).get_json()
    assert (forfeited["state"], forfeited["closed_on"]) == ("forfeited", "2024-03-09")
    assert _balance(world) == 260  # P-25: not restored
    closed = api.post(f"/orders/{order['id']}/cancel", {"on": "2024-03-10"})
    assert closed.status_code == 422 and problem(closed)["rule"] == "P-23"


def test_P27_withheld_order_waits_for_clarification_then_P30_delivery(world):
    order = _place(world)
    api = world["api"]
    no_reason = api.post(f"/orders/{order['id']}/withhold", {"reason": "  "})
    assert no_reason.status_code == 422 and rules_of(no_reason) == {"P-27"}
    withheld = api.post(f"/orders/{order['id']}/withhold", {"reason": "checking the serial numbers"}).get_json()
    assert (withheld["state"], withheld["note"]) == ("withheld", "checking the serial numbers")
    assert problem(api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-04"}))["rule"] == "P-27"
    assert api.post(f"/orders/{order['id']}/release").get_json()["state"] == "placed"
    api.post(f"/orders/{order['id']}/ship", {"on": "2024-03-04"})
    delivered = api.post(f"/orders/{order['id']}/delivered", {"on": "2024-03-08", "confirmed": True}).get_json()
    assert (delivered["state"], delivered["delivered_on"], delivered["receipt_confirmed"]) == \
        ("delivered", "2024-03-08", True)


def test_cancelled_order_restores_its_points(world):
    order = _place(world, "R-C")
    assert _balance(world) == 160
    cancelled = world["api"].post(f"/orders/{order['id']}/cancel", {"on": "2024-03-03", "reason": "out of stock"})
    assert cancelled.get_json()["state"] == "cancelled" and cancelled.get_json()["note"] == "out of stock"
    assert _balance(world) == 360


def test_api_order_of_tenant_b_is_404_for_tenant_a(world, api_for, tenant_a):
    order = _place(world)
    other = api_for(tenant_a)
    assert problem(other.get(f"/orders/{order['id']}"))["status"] == 404
    assert problem(other.post(f"/orders/{order['id']}/ship", {}))["status"] == 404
    assert problem(other.post(f"/orders/{order['id']}/cancel", {}))["status"] == 404
    assert world["api"].get(f"/orders/{order['id']}").get_json()["state"] == "placed"


def test_P21_parallel_api_orders_never_overdraw_on_postgresql(app, world):
    """Four orders of 200 points at once against 360 points: one is placed, the others are refused (SPEC §11)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them itself")
    start = threading.Barrier(4)
    answers: list[tuple[int, dict]] = []

    def attempt(n: int):
        client = Api(app.test_client(), world["api"].token)
        start.wait()
        response = client.post(world["orders"], {"reward": "R-C", "on": "2024-03-01"}, key=f"parallel-{n}")
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(status for status, _ in answers) == [201, 422, 422, 422]
    assert {answer["rule"] for status, answer in answers if status == 422} == {"P-21"}
    assert _orders(world["tenant"]) == 1 and _balance(world) == 160


@pytest.mark.parametrize(("step", "body"), [("ship", {}), ("delivered", {}), ("delivery-failed", {}),
                                            ("cancel", {})])
def test_P25_P23_api_order_steps_dated_after_today_are_refused_on_the_day(world, step, body):
    order = _place(world)
    if step in ("delivered", "delivery-failed"):
        assert world["api"].post(f"/orders/{order['id']}/ship", {"on": "2024-03-04"}).status_code == 200
    before = world["api"].get(f"/orders/{order['id']}").get_json()
    refused = world["api"].post(f"/orders/{order['id']}/{step}", {**body, "on": "2099-01-01"})
    assert refused.status_code == 422 and problem(refused)["errors"][0]["field"] == "on"
    assert world["api"].get(f"/orders/{order['id']}").get_json() == before  # nothing changed


def test_P29_api_registers_an_employee_who_orders_only_after_the_employers_acceptance(world, mapi):
    from datetime import date

    from portal.loyalty.models import Installer

    both = mapi.post("/installers", installer_body(3, business=True, employee=True))
    assert both.status_code == 422 and problem(both)["errors"][0]["field"] == "employee"
    employee = mapi.post("/installers", installer_body(3, business=False, nip="", employee=True)).get_json()
    assert employee["employee"] is True and employee["business"] is False
    with use_tenant(world["tenant"].id):
        row = db.session.get(Installer, employee["id"])
        row.tax_id, row.home_address, row.birth_date = "44051401458", "ul. Polna 1, 00-950 Warszawa", date(1980, 5, 14)
        db.session.commit()
    refused = mapi.post(f"/installers/{employee['id']}/orders", {"reward": "R-A", "on": "2024-03-01"})
    assert refused.status_code == 422 and problem(refused)["rule"] == "P-29"
    assert "employer" in problem(refused)["detail"].lower()


def _stock(tenant, code: str) -> int:
    from portal.loyalty.models import Reward

    with use_tenant(tenant.id):
        return db.session.scalar(select(Reward.stock).where(Reward.code == code))


def test_P20_P23_an_order_cancelled_over_the_api_because_the_reward_is_unavailable_is_not_restocked(world):
    """Seed §5 pkt 5: an order cancelled because its reward is unavailable (``unavailable``: true) does not put a
    unit back on sale; cancelled for another reason, the reward goes back to stock."""
    before = _stock(world["tenant"], "R-A")
    gone = _place(world, "R-A")
    answer = world["api"].post(f"/orders/{gone['id']}/cancel", {"on": "2024-03-03", "unavailable": True})
    assert answer.status_code == 200 and answer.get_json()["state"] == "cancelled"
    assert _stock(world["tenant"], "R-A") == before - 1
    other = _place(world, "R-A")
    world["api"].post(f"/orders/{other['id']}/cancel", {"on": "2024-03-03", "reason": "the participant asked"})
    assert _stock(world["tenant"], "R-A") == before - 1
    third = _place(world, "R-A")
    assert problem(world["api"].post(f"/orders/{third['id']}/cancel", {"unavailable": "yes"}))["status"] in (400, 422)
    assert world["api"].get(f"/orders/{third['id']}").get_json()["state"] == "placed"


@pytest.mark.parametrize("step", ["cancel", "answer"])
def test_P23_parallel_cancellations_of_one_order_restore_its_points_once_on_postgresql(app, world, step):
    """A staff cancel and the participant's refusal of the substitute at the same instant (or a retried cancel): the
    order is closed once, its points come back once and its units go back to stock once."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them itself")
    order = _place(world)
    if step == "answer":
        offered = world["api"].post(f"/orders/{order['id']}/substitute", {"code": "R-B", "on": "2024-03-02"})
        assert offered.status_code == 200, offered.get_json()
    start = threading.Barrier(4)
    answers: list[int] = []
    path, body = {"cancel": ("cancel", {"on": "2024-03-03", "reason": "out of stock"}),
                  "answer": ("substitute-answer", {"accept": False, "on": "2024-03-03"})}[step]

    def attempt(n: int):
        client = Api(app.test_client(), world["api"].token)
        start.wait()
        answers.append(client.post(f"/orders/{order['id']}/{path}", body, key=f"cancel-{n}").status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 422, 422, 422]
    assert _balance(world) == 360
