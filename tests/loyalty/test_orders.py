"""The order lifecycle (P-23 … P-27) and concurrent orders (SPEC §11: the balance never goes negative)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Reward, RewardOrder
from portal.loyalty.service import ledger, members, orders
from portal.loyalty.service.programme import rules_on
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.loyalty.test_programme_commands import _add_reward


@pytest.fixture
def world(programme, clock):
    programme.join("ala@example.com")
    for i in range(1, 4):
        programme.device("ala@example.com", f"SN-{i}", "2024-02-01")  # 360 points
    _add_reward("R-A", 100, "50.00", kind="tools")
    _add_reward("R-B", 100, "50.00", kind="tools")
    _add_reward("R-C", 200, "50.00", kind="tools")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        yield {"tenant": tenant, "installer": members.by_email("ala@example.com"), "rules": rules_on(date(2024, 3, 1)),
               "clock": clock, "programme": programme}


def _balance(world, day=date(2024, 3, 30)):
    return ledger.balance(world["installer"].id, as_of=day, end=None, rules=world["rules"])


def _place(world, code="R-A", day=date(2024, 3, 1)):
    order = orders.place(world["installer"], orders.reward_by_code(code), on=day, rules=world["rules"],
                         clock=world["clock"])
    db.session.commit()
    return order


def test_P23_substitute_of_the_same_kind_and_value_refused_restores_the_points(world):
    order = _place(world)
    assert _balance(world) == 260
    with pytest.raises(DomainError, match="same kind and the same points value"):
        orders.offer_substitute(order, orders.reward_by_code("R-C"), on=date(2024, 3, 2), rules=world["rules"],
                                clock=world["clock"])
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    assert order.restore_by == date(2024, 3, 23)  # 21 days after informing
    orders.answer_substitute(order, accept=False, on=date(2024, 3, 5), rules=world["rules"], clock=world["clock"])
    db.session.commit()
    assert order.state == "cancelled" and _balance(world) == 360


def test_P23_accepted_substitute_replaces_the_reward(world):
    order = _place(world)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    orders.answer_substitute(order, accept=True, on=date(2024, 3, 3), rules=world["rules"], clock=world["clock"])
    assert order.state == "placed" and order.reward_id == orders.reward_by_code("R-B").id
    assert _balance(world) == 260


def test_P25_two_failed_deliveries_forfeit_the_reward_without_restoring_points(world):
    order = _place(world)
    orders.ship(order, on=date(2024, 3, 3), clock=world["clock"])
    orders.delivery_failed(order, on=date(2024, 3, 5), rules=world["rules"], clock=world["clock"])
    assert order.state == "delivery_failed"
    orders.ship(order, on=date(2024, 3, 6), clock=world["clock"])
    orders.delivery_failed(order, on=date(2024, 3, 8), rules=world["rules"], clock=world["clock"])
    assert order.state == "forfeited" and _balance(world) == 260


def test_P27_withheld_order_is_not_shipped_until_released(world):
    order = _place(world)
    orders.withhold(order, reason="checking proof of purchase")
    with pytest.raises(DomainError):
        orders.ship(order, on=date(2024, 3, 3), clock=world["clock"])
    orders.release(order)
    orders.ship(order, on=date(2024, 3, 3), clock=world["clock"])
    orders.delivered(order, on=date(2024, 3, 6), confirmed=True)
    assert order.state == "delivered" and order.receipt_confirmed


def test_P24_repeated_ordering_is_allowed(world):
    _place(world)
    _place(world)
    _place(world)
    assert _balance(world) == 60


def test_P09_revoked_device_points_leave_the_balance(world):
    from portal.loyalty.models import Device
    from portal.loyalty.service import devices

    device = db.session.scalars(select(Device).where(Device.serial == "SN-1")).one()
    taken = devices.revoke_points(device, on=date(2024, 3, 1), reason="wrongly credited", rules=world["rules"])
    db.session.commit()
    assert taken == 120 and _balance(world) == 240


def test_P09_revoking_a_device_whose_points_were_spent_takes_them_from_the_balance(world):
    """Seed §4.8: the organiser withdraws the award "i odliczenie punktów z indywidualnego konta" — the device's
    points are deducted from the account, also when its own lot was already spent on a reward (they come from the
    other lots, soonest-expiring first), never below zero."""
    from portal.loyalty.models import Device
    from portal.loyalty.service import devices

    _place(world)  # 100 points, from SN-1's lot first (same expiry, the earliest lot)
    device = db.session.scalars(select(Device).where(Device.serial == "SN-1")).one()
    taken = devices.revoke_points(device, on=date(2024, 3, 2), reason="wrongly credited", rules=world["rules"])
    db.session.commit()
    assert taken == 120 and _balance(world) == 360 - 100 - 120
    again = devices.revoke_points(device, on=date(2024, 3, 3), reason="wrongly credited", rules=world["rules"])
    assert again == 0 and _balance(world) == 140  # revoked once


def test_P09_a_device_revoked_after_most_points_were_spent_takes_what_is_left(world):
    from portal.loyalty.models import Device
    from portal.loyalty.service import devices

    _place(world, "R-C")
    _place(world, "R-A")  # 60 left
    device = db.session.scalars(select(Device).where(Device.serial == "SN-2")).one()
    taken = devices.revoke_points(device, on=date(2024, 3, 2), reason="device never installed", rules=world["rules"])
    db.session.commit()
    assert taken == 60 and _balance(world) == 0


def test_P08_points_complaint_within_30_days_of_accrual(world):
    from portal.loyalty.models import PointsEntry
    from portal.loyalty.service import complaints

    entry = db.session.scalars(select(PointsEntry).where(PointsEntry.kind == "earn")).first()
    ok = complaints.file(world["installer"], kind="points", text="too few points", on=date(2024, 3, 2),
                         rules=world["rules"], entry_id=entry.id)
    assert ok.decide_by == date(2024, 3, 16)  # P-42: 14 days
    with pytest.raises(DomainError, match="within 30 days"):
        complaints.file(world["installer"], kind="points", text="late", on=date(2024, 3, 3),
                        rules=world["rules"], entry_id=entry.id)


def test_P42_decision_is_notified_within_seven_days(world):
    from portal.loyalty.service import complaints

    complaint = complaints.file(world["installer"], kind="programme", text="rules unclear", on=date(2024, 3, 2),
                                rules=world["rules"])
    from portal.core.clock import as_of

    complaints.decide(complaint, upheld=True, answer="clarified", on=date(2024, 3, 10), rules=world["rules"],
                      clock=as_of(date(2024, 3, 10)))  # recorded the day it was decided: the notice goes out then
    assert complaint.notify_by == date(2024, 3, 17) and complaint.notified_on == date(2024, 3, 10)


def test_P32_exclusion_forfeits_points_and_cancels_open_orders(world):
    order = _place(world)
    members.exclude(world["installer"], "false_data", on=date(2024, 3, 10), clock=world["clock"])
    db.session.commit()
    assert order.state == "cancelled" and _balance(world) == 0


def test_P03_two_criteria_with_training_raise_the_status(world):
    installer = world["installer"]
    members.record_evidence(installer, "sales_activity", on=date(2024, 3, 1))
    assert members.evaluate_status(installer, as_of=date(2024, 3, 2), rules=world["rules"],
                                   clock=world["clock"]) is None  # training is mandatory
    members.record_evidence(installer, "training", on=date(2024, 3, 3))
    assert members.evaluate_status(installer, as_of=date(2024, 3, 4), rules=world["rules"],
                                   clock=world["clock"]) == "authorised"
    members.revoke_evidence(installer, "training", on=date(2024, 5, 1))
    assert members.evaluate_status(installer, as_of=date(2024, 5, 2), rules=world["rules"],
                                   clock=world["clock"]) == "installer"


def test_concurrent_orders_never_overdraw_the_balance(world, app):
    """Eight parallel orders of 100 points against 360 points: at most three succeed."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers itself")
    tenant_id, installer_id = world["tenant"].id, world["installer"].id
    results: list[str] = []

    def attempt():
        with app.app_context(), use_tenant(tenant_id):
            try:
                installer = members.get(installer_id)
                orders.place(installer, orders.reward_by_code("R-A"), on=date(2024, 3, 1),
                             rules=rules_on(date(2024, 3, 1)), clock=world["clock"])
                db.session.commit()
                results.append("ok")
            except DomainError:
                db.session.rollback()
                results.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()
    assert results.count("ok") == 3
    assert _balance(world) == 60
    assert len(db.session.scalars(select(RewardOrder)).all()) == 3
    assert db.session.scalars(select(Reward).where(Reward.code == "R-A")).one().stock == 7


def test_P23_P29_an_accepted_substitute_counts_at_its_own_value(world):
    _add_reward("R-D", 100, "45.00", kind="tools")
    order = _place(world)
    orders.offer_substitute(order, orders.reward_by_code("R-D"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    orders.answer_substitute(order, accept=True, on=date(2024, 3, 3), rules=world["rules"], clock=world["clock"])
    db.session.commit()
    assert order.gross_value == orders.reward_by_code("R-D").gross_value
    assert orders.value_this_year(world["installer"].id, 2024) == order.gross_value


def test_P41_points_restored_after_the_end_can_be_spent_through_the_seventh_day(world):
    programme = world["programme"]
    order = _place(world)
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-10",
                         "--ends-on", "2024-06-15").exit_code == 0
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 6, 10), rules=world["rules"],
                            clock=world["clock"])
    orders.answer_substitute(order, accept=False, on=date(2024, 6, 12), rules=world["rules"], clock=world["clock"])
    db.session.commit()
    assert programme.order("ala@example.com", "R-A", "2024-06-23").exit_code == 1  # the 8th day: closed
    placed = programme.order("ala@example.com", "R-A", "2024-06-22")  # the 7th day after the end
    assert placed.exit_code == 0, placed.output


def test_P23_substitute_left_unanswered_is_cancelled_and_the_points_restored_by_the_deadline(world):
    """Silence is not consent: 21 days after the participant was told, the order is cancelled and the points are
    back — dated the deadline, so replaying any later day gives the same ledger."""
    from portal.loyalty.service import daily

    order = _place(world)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    db.session.commit()
    clock = world["clock"]
    clock.at = clock.at.replace(year=2024, month=3, day=22)
    assert daily.lapse_substitutes(clock=clock) == 0  # the participant may still answer
    assert order.state == "substitute_offered"
    clock.at = clock.at.replace(day=25)  # the job did not run on the 23rd
    assert daily.lapse_substitutes(clock=clock) == 1
    db.session.commit()
    assert order.state == "cancelled" and order.closed_on == date(2024, 3, 23)
    assert _balance(world, date(2024, 3, 23)) == 360
    assert daily.lapse_substitutes(clock=clock) == 0  # once
    with pytest.raises(DomainError):
        orders.answer_substitute(order, accept=True, on=date(2024, 3, 25), rules=world["rules"], clock=clock)


def test_P09_organiser_revokes_a_number_of_points_with_the_reason_on_the_ledger(world):
    """Points credited by mistake (a bonus, say) or earned in breach of the rules: taken from the balance,
    soonest-expiring first, never below zero, the reason kept on each ledger line."""
    from portal.loyalty.models import PointsEntry

    with pytest.raises(DomainError, match="reason"):
        members.revoke_points(world["installer"], 50, reason=" ", on=date(2024, 3, 1), rules=world["rules"])
    with pytest.raises(DomainError, match="whole number"):
        members.revoke_points(world["installer"], 0, reason="bonus credited twice", on=date(2024, 3, 1),
                              rules=world["rules"])
    with pytest.raises(DomainError, match="Not enough points"):
        members.revoke_points(world["installer"], 361, reason="bonus credited twice", on=date(2024, 3, 1),
                              rules=world["rules"])
    members.revoke_points(world["installer"], 150, reason="bonus credited twice", on=date(2024, 3, 1),
                          rules=world["rules"])
    db.session.commit()
    assert _balance(world) == 210
    lines = db.session.scalars(select(PointsEntry).where(PointsEntry.kind == "revoke")).all()
    assert sum(e.points for e in lines) == -150 and {e.note for e in lines} == {"bonus credited twice"}


def test_P09_points_revoke_command(world):
    programme = world["programme"]
    result = programme.run("points", "revoke", "manufacturer", "ala@example.com", "--points", "100",
                           "--reason", "rules breach", "--as-of", "2024-03-01")
    assert result.exit_code == 0, result.output
    result = programme.run("points", "revoke", "manufacturer", "ala@example.com", "--device", "SN-2",
                           "--reason", "device never installed", "--as-of", "2024-03-01")
    assert result.exit_code == 0, result.output
    assert programme.statement("ala@example.com", "2024-03-02")["balance"] == 140
    result = programme.run("points", "revoke", "manufacturer", "ala@example.com", "--points", "10",
                           "--as-of", "2024-03-01")
    assert result.exit_code != 0 and "reason" in result.output


# P-41 (seed §7.5): after the end, only participants whose points came back because they did not agree to a
# substitute may still order (7 days); points restored for another reason expire with the end.
def _announce(world) -> None:
    assert world["programme"].run("programme", "announce-end", "manufacturer", "--on", "2024-03-10",
                                  "--ends-on", "2024-06-15").exit_code == 0


def test_P41_an_order_the_organiser_cancels_after_the_announcement_gives_no_right_to_order_after_the_end(world):
    order = _place(world)
    _announce(world)
    orders.cancel(order, on=date(2024, 6, 12), rules=world["rules"], clock=world["clock"], reason="out of stock")
    db.session.commit()
    after = world["programme"].order("ala@example.com", "R-A", "2024-06-20")
    assert after.exit_code == 1 and "P-41" in after.output


def test_P41_a_substitute_left_unanswered_after_the_announcement_counts_as_refused(world):
    from portal.loyalty.service import daily

    order = _place(world)
    _announce(world)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 5, 20), rules=world["rules"],
                            clock=world["clock"])
    db.session.commit()
    clock = world["clock"]
    clock.at = clock.at.replace(year=2024, month=6, day=11)  # 21 days after the participant was told
    assert daily.lapse_substitutes(clock=clock) == 1
    db.session.commit()
    placed = world["programme"].order("ala@example.com", "R-A", "2024-06-20")
    assert placed.exit_code == 0, placed.output


def _cancelled_notice(world):
    from portal.notifications.models import Notification

    return db.session.scalars(select(Notification).where(Notification.kind == "order_cancelled")
                              .order_by(Notification.id.desc())).first()


def _mail_of(app, row, locale="en"):
    from types import SimpleNamespace

    from portal.notifications import service as notifications

    with app.test_request_context():
        return "\n".join(notifications._render(row, SimpleNamespace(locale=locale, first_name="Ala"),
                                               world_tenant()))


def _substitute_refused_after_the_announcement(world, answered_on: date) -> None:
    """An order placed, the end announced (ends 2024-06-15), a substitute offered on 2024-06-10 and refused."""
    order = _place(world)
    _announce(world)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 6, 10), rules=world["rules"],
                            clock=world["clock"])
    orders.answer_substitute(order, accept=False, on=answered_on, rules=world["rules"], clock=world["clock"])
    db.session.commit()


def world_tenant():
    from types import SimpleNamespace

    return SimpleNamespace(slug="manufacturer", name="Termovia", kind="loyalty")


def test_P41_the_cancellation_notice_says_until_when_restored_points_can_be_spent(world, app):
    """A participant told "your points are back" after the end is announced must learn by when to order: through
    the 7th day after the end after a refused substitute, the day before the end otherwise."""
    _substitute_refused_after_the_announcement(world, date(2024, 6, 12))
    row = _cancelled_notice(world)
    assert row.params["usable_until"] == "2024-06-22" and not row.params.get("lapsed")
    assert "until 2024-06-22" in _mail_of(app, row)
    assert "22" in _mail_of(app, row, "pl")

    other = _place(world, "R-C", day=date(2024, 3, 2))
    orders.cancel(other, on=date(2024, 6, 12), rules=world["rules"], clock=world["clock"], reason="out of stock")
    db.session.commit()
    row = _cancelled_notice(world)
    assert row.params["usable_until"] == "2024-06-14"
    assert "until 2024-06-14" in _mail_of(app, row)


def test_P41_points_restored_after_the_post_end_window_are_not_announced_as_usable(world, app):
    """Seed §7.5: restored points must be used within 7 days of the end, on pain of §7.4 — points that come back
    later have already lapsed, and the notice says so instead of "your points are back"."""
    _substitute_refused_after_the_announcement(world, date(2024, 6, 24))
    row = _cancelled_notice(world)
    assert row.params["lapsed"] is True
    text = _mail_of(app, row)
    assert "back on your account" not in text and "expired" in text and "2024-06-22" in text


def test_P22_points_restored_after_their_two_years_are_told_as_expired(world, app):
    order = _place(world)  # drawn from lots earned 2024-02-01, valid through 2026-01-31
    orders.cancel(order, on=date(2026, 2, 3), rules=world["rules"], clock=world["clock"], reason="out of stock")
    db.session.commit()
    row = _cancelled_notice(world)
    assert row.params == {"order": order.id, "points": 100, "usable_until": "2026-01-31", "lapsed": True}
    assert "expired" in _mail_of(app, row) and "2026-01-31" in _mail_of(app, row)


def test_P23_a_cancellation_with_no_end_announced_names_no_deadline(world, app):
    order = _place(world)
    orders.cancel(order, on=date(2024, 3, 5), rules=world["rules"], clock=world["clock"], reason="out of stock")
    db.session.commit()
    row = _cancelled_notice(world)
    assert "usable_until" not in row.params and "back on your account" in _mail_of(app, row)


def test_P25_an_order_is_not_shipped_before_the_participant_gives_an_address(programme, clock):
    """Seed §5 pkt 7: rewards go by courier "pod adres Uczestnika wskazany na Platformie" — with none given, the
    fulfilment step says so instead of recording a shipment to nowhere."""
    programme.join("bez@example.com", address=None)
    for i in range(1, 4):
        programme.device("bez@example.com", f"SN-B{i}", "2024-02-01")
    _add_reward("R-A", 100, "50.00", kind="tools")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        installer = members.by_email("bez@example.com")
        rules = rules_on(date(2024, 3, 1))
        order = orders.place(installer, orders.reward_by_code("R-A"), on=date(2024, 3, 1), rules=rules, clock=clock)
        db.session.commit()
        with pytest.raises(DomainError, match="no delivery address") as refused:
            orders.ship(order, on=date(2024, 3, 2), clock=clock)
        assert refused.value.rule == "P-25"
        db.session.rollback()
        orders.set_delivery_address(installer, "ul. Polna 1, 00-001 Warszawa")
        orders.ship(order, on=date(2024, 3, 2), clock=clock)
        assert order.state == "shipped"


def test_P41_an_order_after_the_seven_days_says_the_window_closed(world):
    """A participant with points restored after the end who comes back on the 8th day is told that the window for
    those points closed on the 7th, not only that the programme ended."""
    _substitute_refused_after_the_announcement(world, date(2024, 6, 12))
    late = world["programme"].order("ala@example.com", "R-A", "2024-06-23")
    assert late.exit_code == 1 and "2024-06-22" in late.output and "P-41" in late.output


def test_P40_a_device_registered_after_the_end_is_refused_as_ended_not_ending(world):
    _announce(world)  # announced 2024-03-10: devices until 2024-03-31, the end on 2024-06-15
    during = world["programme"].devices("ala@example.com,SN-LATE-1,TV-KOND-24C,FD612,2024-04-01,2024-04-01")
    assert during.exit_code == 1 and "is ending" in during.output and "2024-03-31" in during.output
    after = world["programme"].devices("ala@example.com,SN-LATE-2,TV-KOND-24C,FD612,2024-06-20,2024-06-20")
    assert after.exit_code == 1 and "ended on 2024-06-15" in after.output and "2024-03-31" in after.output


def test_P41_the_points_page_speaks_of_the_end_in_the_past_once_it_has_come(app, client, programme):
    from portal.core.clock import as_of
    from tests.loyalty.test_labels_pl import _installer_with_points

    _installer_with_points(app, client, programme)
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-10",
                         "--ends-on", "2024-06-15").exit_code == 0
    app.extensions["clock"] = as_of(date(2024, 6, 1))
    before = client.get("/t/manufacturer/points").get_data(as_text=True)
    app.extensions["clock"] = as_of(date(2024, 6, 16))
    after = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "Program kończy się 2024-06-15" in before
    assert "Program zakończył się 2024-06-15" in after and "kończy się" not in after


def test_P09_P08_the_participant_is_told_of_points_taken_back_and_until_when_to_complain(world):
    from portal.loyalty.models import Device
    from portal.loyalty.service import devices
    from portal.notifications.models import Notification

    members.revoke_points(world["installer"], 50, reason="bonus credited twice", on=date(2024, 3, 1),
                          rules=world["rules"])
    device = db.session.scalars(select(Device).where(Device.serial == "SN-1")).one()
    devices.revoke_points(device, on=date(2024, 3, 4), reason="device installed abroad", rules=world["rules"])
    db.session.commit()
    told = db.session.scalars(select(Notification).where(Notification.kind == "points_revoked")
                              .order_by(Notification.id)).all()
    assert [(n.params["points"], n.params["reason"], n.params["complain_by"]) for n in told] == [
        (50, "bonus credited twice", "2024-03-31"), (120, "device installed abroad", "2024-04-03")]


@pytest.mark.parametrize("tampered", ["", "maybe"])
def test_P23_a_substitute_answer_that_is_neither_button_decides_nothing(world, app, tampered):
    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from tests.factories import PASSWORD, login

    order = _place(world)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    db.session.get(User, world["installer"].user_id).password_hash = hash_password(PASSWORD)
    db.session.commit()
    order_id = order.id
    client = app.test_client()
    assert login(client, world["tenant"], "ala@example.com").status_code == 302
    assert client.post("/t/manufacturer/accept", data={"accept": "y"}).status_code == 302  # the terms, first
    answer = client.post(f"/t/manufacturer/orders/{order_id}/substitute", data={"accept": tampered},
                         follow_redirects=True)
    assert "Accept or refuse the substitute." in answer.get_data(as_text=True) or \
        "Przyjmij albo odrzuć" in answer.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(RewardOrder, order_id).state == "substitute_offered"  # still the participant's choice


def test_P22_P23_a_cancellation_whose_points_partly_came_back_expired_says_how_many_are_usable(world, app):
    """The points of an order come from several lots (the soonest-expiring first); each comes back with its own
    expiry. Those whose expiry passed while the order was open lapse at once — the notice says how many are back to
    spend, and how many came back expired, not "all of them are back"."""
    world["programme"].device("ala@example.com", "SN-4", "2024-06-01")  # 120 more points, valid through 2026-05-31
    _add_reward("R-E", 400, "50.00", kind="tools")
    order = _place(world, "R-E", day=date(2024, 7, 1))  # 360 from the February lots, 40 from June's
    orders.cancel(order, on=date(2026, 2, 3), rules=world["rules"], clock=world["clock"], reason="out of stock")
    db.session.commit()
    balance = ledger.balance(world["installer"].id, as_of=date(2026, 2, 3), end=None, rules=world["rules"])
    assert balance == 120  # 80 of June's never spent, 40 back
    row = _cancelled_notice(world)
    assert row.params == {"order": order.id, "points": 400, "expired": 360, "expired_until": "2026-01-31"}
    text = _mail_of(app, row)
    assert "40 points are back on your account" in text
    assert "The other 360 points" in text and "2026-01-31" in text
    polish = _mail_of(app, row, "pl")
    assert "zwrócono 40 pkt" in polish and "Pozostałe 360 pkt" in polish
