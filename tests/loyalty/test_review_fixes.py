"""Review fixes of the installer programme: fulfilment days never before the order or the shipment (P-25, P-30,
P-28), the yearly cap checked as the replayed day saw it (P-28), cancellations replayed as they were (P-28), NUL
characters refused by the imports (P-01, P-05, P-07), joining closed on the day of the import (P-40), the delivery
address (P-25), the complaint window of an opening balance (P-08)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accounts.models import STAFF, User
from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Complaint, Device, Installer, PointsEntry, RewardOrder
from portal.loyalty.service import complaints, members, orders
from portal.loyalty.service.programme import rules_on
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.loyalty.test_programme_commands import _add_reward

EMAIL = "ala@example.com"
HEADER = "email,first_name,last_name,nip,business,status,registered_on,activated_on"


def _tenant() -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()


def _count(model, *where) -> int:
    db.session.rollback()
    with use_tenant(_tenant().id):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _order_of(email: str = EMAIL) -> RewardOrder:
    installer = members.by_email(email)
    return db.session.scalars(select(RewardOrder).where(RewardOrder.installer_id == installer.id)
                              .order_by(RewardOrder.id.desc())).first()


def _placed(programme, day: str = "2024-03-01", gross: str = "40.00", devices: int = 1, code: str = "R1") -> None:
    programme.join(EMAIL)
    for n in range(devices):
        programme.device(EMAIL, f"SN-{n}", "2024-02-01")
    _add_reward(code, 100, gross)
    result = programme.order(EMAIL, code, day)
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- P-25 / P-30: fulfilment days


def test_P25_an_order_cannot_be_shipped_before_it_was_placed(programme, clock):
    _placed(programme, "2024-03-01")
    with use_tenant(_tenant().id):
        order = _order_of()
        with pytest.raises(DomainError) as refused:
            orders.ship(order, on=date(2024, 2, 29), clock=clock)
        assert (refused.value.field, refused.value.rule) == ("on", "P-25")
        assert "2024-03-01" in refused.value.message
        assert (order.state, order.shipped_on) == ("placed", None)
        orders.ship(order, on=date(2024, 3, 1), clock=clock)  # the day it was placed is fine
        assert order.state == "shipped"
        db.session.rollback()


def test_P30_an_order_cannot_be_delivered_before_it_was_shipped(programme, clock):
    """A delivery back-dated before the shipment would move the reward's value into another year (P-28)."""
    _placed(programme, "2024-12-20")
    with use_tenant(_tenant().id):
        order = _order_of()
        orders.ship(order, on=date(2025, 1, 2), clock=clock)
        with pytest.raises(DomainError) as refused:
            orders.delivered(order, on=date(2024, 12, 31), confirmed=True)
        assert (refused.value.field, refused.value.rule) == ("on", "P-30")
        assert "2025-01-02" in refused.value.message
        assert (order.state, order.delivered_on, order.closed_on) == ("shipped", None, None)
        orders.delivered(order, on=date(2025, 1, 2), confirmed=True)
        assert order.delivered_on == date(2025, 1, 2)
        db.session.rollback()


def test_P25_a_failed_delivery_cannot_be_dated_before_the_shipment(programme, clock):
    _placed(programme, "2024-03-01")
    with use_tenant(_tenant().id):
        order = _order_of()
        orders.ship(order, on=date(2024, 3, 5), clock=clock)
        with pytest.raises(DomainError) as refused:
            orders.delivery_failed(order, on=date(2024, 3, 4), rules=rules_on(date(2024, 3, 4)), clock=clock)
        assert (refused.value.field, refused.value.rule) == ("on", "P-25")
        assert (order.state, order.failed_deliveries) == ("shipped", 0)
        db.session.rollback()


def test_P25_a_reshipment_cannot_be_dated_before_the_failed_delivery(programme, clock):
    _placed(programme, "2024-03-01")
    with use_tenant(_tenant().id):
        order = _order_of()
        orders.ship(order, on=date(2024, 3, 5), clock=clock)
        orders.delivery_failed(order, on=date(2024, 3, 10), rules=rules_on(date(2024, 3, 10)), clock=clock)
        with pytest.raises(DomainError) as refused:
            orders.ship(order, on=date(2024, 3, 8), clock=clock)
        assert (refused.value.field, refused.value.rule) == ("on", "P-25")
        assert "2024-03-10" in refused.value.message
        assert (order.state, order.shipped_on) == ("delivery_failed", date(2024, 3, 5))
        orders.ship(order, on=date(2024, 3, 10), clock=clock)  # the same day as the failure is fine
        assert order.state == "shipped"
        db.session.rollback()


def test_P25_the_fulfilment_page_refuses_to_ship_before_the_order_day(app, client, programme):
    """The staff page ships "today": an order the organiser's command dated later is refused, nothing written."""
    _placed(programme, "2024-03-10")
    tenant = _tenant()
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)
    app.extensions["clock"] = as_of(date(2024, 3, 5))
    with use_tenant(tenant.id):
        order_id = _order_of().id
    db.session.rollback()
    response = client.post(f"/t/manufacturer/fulfilment/{order_id}/ship", follow_redirects=True)
    assert response.status_code == 200
    assert "Zamówienia nie można wysłać przed jego złożeniem (2024-03-10)." in response.get_data(as_text=True)
    db.session.rollback()
    with use_tenant(tenant.id):
        order = db.session.get(RewardOrder, order_id)
        assert (order.state, order.shipped_on) == ("placed", None)


# ---------------------------------------------------------------- P-28: the cap on a replayed day


def test_P28_an_order_replayed_before_a_new_year_delivery_counts_that_reward_in_the_old_year(programme, clock):
    """17,500 PLN ordered 2024-12-20 and delivered 2025-01-03: on 2024-12-31 it was not received yet and counted in
    2024, so a 600 PLN order dated 2024-12-31 would take the year over 18,000 as that day's statement shows it."""
    programme.join(EMAIL)
    for n in range(3):
        programme.device(EMAIL, f"SN-{n}", "2024-12-01")
    _add_reward("BIG", 100, "17500.00")
    _add_reward("R600", 100, "600.00")
    _add_reward("R500", 100, "500.00")
    assert programme.order(EMAIL, "BIG", "2024-12-20").exit_code == 0
    with use_tenant(_tenant().id):
        order = _order_of()
        orders.ship(order, on=date(2024, 12, 21), clock=clock)
        orders.delivered(order, on=date(2025, 1, 3), confirmed=True)
        db.session.commit()
    refused = programme.order(EMAIL, "R600", "2024-12-31")
    assert refused.exit_code == 1 and "P-28" in refused.output and "PLN500.00 is left" in refused.output
    assert programme.statement(EMAIL, "2024-12-31")["reward_value_this_year"] == "17500.00"
    allowed = programme.order(EMAIL, "R500", "2024-12-31")  # exactly up to the cap, as the day saw it
    assert allowed.exit_code == 0, allowed.output
    assert programme.statement(EMAIL, "2024-12-31")["reward_value_this_year"] == "18000.00"
    # the 500 PLN order, still on its way, will be received in 2025 at the earliest: it counts there too
    assert programme.statement(EMAIL, "2025-01-03")["reward_value_this_year"] == "18000.00"


def test_P28_an_order_of_an_earlier_year_still_on_its_way_counts_in_the_next_year(programme):
    """Not received by 1 January, the reward will be received in the new year at the earliest (seed §5 pkt 12:
    "otrzymanych"): it takes its place in the new year's allowance, so the two together cannot pass the limit."""
    programme.join(EMAIL)
    for n in range(3):
        programme.device(EMAIL, f"SN-{n}", "2024-12-01")
    _add_reward("BIG", 100, "17500.00")
    _add_reward("R600", 100, "600.00")
    assert programme.order(EMAIL, "BIG", "2024-12-20").exit_code == 0
    refused = programme.order(EMAIL, "R600", "2025-01-02")
    assert refused.exit_code == 1 and "P-28" in refused.output and "PLN500.00 is left" in refused.output
    assert programme.statement(EMAIL, "2025-01-02")["reward_value_this_year"] == "17500.00"


# ---------------------------------------------------------------- P-28: cancellations replayed


def test_P28_a_statement_replayed_before_a_cancellation_counts_the_order_that_was_open_then(programme, clock):
    _placed(programme, "2024-03-01")
    with use_tenant(_tenant().id):
        orders.cancel(_order_of(), on=date(2024, 3, 10), rules=rules_on(date(2024, 3, 10)), clock=clock,
                      reason="the participant asked")
        db.session.commit()
    assert programme.statement(EMAIL, "2024-02-29")["reward_value_this_year"] == "0.00"
    assert programme.statement(EMAIL, "2024-03-09")["reward_value_this_year"] == "40.00"
    assert programme.statement(EMAIL, "2024-03-10")["reward_value_this_year"] == "0.00"


def test_P28_a_statement_replayed_before_a_forfeit_counts_the_order_that_was_open_then(programme, clock):
    _placed(programme, "2024-03-01")
    with use_tenant(_tenant().id):
        order, rules = _order_of(), rules_on(date(2024, 3, 1))
        orders.ship(order, on=date(2024, 3, 2), clock=clock)
        orders.delivery_failed(order, on=date(2024, 3, 4), rules=rules, clock=clock)
        orders.ship(order, on=date(2024, 3, 5), clock=clock)
        orders.delivery_failed(order, on=date(2024, 3, 8), rules=rules, clock=clock)
        assert order.state == "forfeited"
        db.session.commit()
    assert programme.statement(EMAIL, "2024-03-07")["reward_value_this_year"] == "40.00"
    assert programme.statement(EMAIL, "2024-03-08")["reward_value_this_year"] == "0.00"


def test_P28_an_order_dated_while_a_later_cancelled_order_was_open_is_checked_as_that_day_saw_it(programme, clock):
    programme.join(EMAIL)
    for n in range(3):
        programme.device(EMAIL, f"SN-{n}", "2024-02-01")
    _add_reward("BIG", 100, "17500.00")
    _add_reward("R600", 100, "600.00")
    assert programme.order(EMAIL, "BIG", "2024-03-01").exit_code == 0
    with use_tenant(_tenant().id):
        orders.cancel(_order_of(), on=date(2024, 3, 10), rules=rules_on(date(2024, 3, 10)), clock=clock)
        db.session.commit()
    refused = programme.order(EMAIL, "R600", "2024-03-05")
    assert refused.exit_code == 1 and "P-28" in refused.output
    assert programme.order(EMAIL, "R600", "2024-03-10").exit_code == 0


# ---------------------------------------------------------------- NUL characters in the imports


def test_P01_participants_import_refuses_a_nul_character_naming_the_column(programme):
    result = programme.participants(f"{EMAIL},Jan\x00,Kowalski,5252248481,yes,installer,2024-01-10,2024-01-10",
                                    "ola@example.com,Ola,Nowak,,no,installer,2024-01-10,2024-01-10")
    assert result.exit_code == 1
    assert "line 2" in result.output and "first_name" in result.output and "NUL" in result.output
    assert "line 3" not in result.output
    assert _count(Installer) == 0 and _count(User, User.email.in_((EMAIL, "ola@example.com"))) == 0


def test_P01_participants_import_with_commit_valid_keeps_the_good_rows_and_refuses_the_nul_one(programme):
    path = programme.csv(HEADER + ",delivery_address",
                         [f"{EMAIL},Jan,Kowalski,5252248481,yes,installer,2024-01-10,2024-01-10,ul. Polna\x001",
                          "ola\x00@example.com,Ola,Nowak,,no,installer,2024-01-10,2024-01-10,",
                          "ewa@example.com,Ewa,Nowak,,no,installer,2024-01-10,2024-01-10,"])
    result = programme.run("participants", "import", "manufacturer", path, "--commit-valid")
    assert result.exit_code == 1
    assert "line 2" in result.output and "delivery_address" in result.output
    assert "line 3" in result.output and "email" in result.output
    assert _count(Installer) == 1
    with use_tenant(_tenant().id):
        assert members.by_email("ewa@example.com") is not None


def test_P05_devices_import_refuses_a_nul_character_naming_the_column(programme):
    programme.join(EMAIL)
    result = programme.devices(f"{EMAIL},SN\x001,TV-KOND-24C,FD612,2024-02-01,2024-02-01",
                               f"{EMAIL},SN-2,TV-KOND-24C,FD612,2024-02-01,2024-02-01")
    assert result.exit_code == 1 and "line 2" in result.output and "serial" in result.output
    assert "NUL" in result.output and "line 3" not in result.output
    assert _count(Device) == 0
    result = programme.devices("ala\x00@example.com,SN-1,TV-KOND-24C,FD612,2024-02-01,2024-02-01")
    assert result.exit_code == 1 and "email" in result.output and "NUL" in result.output


def test_P07_opening_import_refuses_a_nul_character_naming_the_column(programme):
    programme.join(EMAIL)
    path = programme.csv("email,points,earned_on", [f"{EMAIL}\x00,500,2024-01-15", f"{EMAIL},300,2024-01-15"])
    result = programme.run("points", "import-opening", "manufacturer", path)
    assert result.exit_code == 1 and "line 2" in result.output and "email" in result.output
    assert "NUL" in result.output and "line 3" not in result.output
    assert _count(PointsEntry) == 0


# ---------------------------------------------------------------- P-40: joining closed on the day of the import


def test_P40_after_the_announcement_a_registration_is_judged_on_its_own_day(programme):
    """Joining is closed from the announcement (seed §7 pkt 3): a registration dated after it is refused, one the
    organiser's system recorded before it is imported later with its day."""
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15",
                         "--ends-on", "2024-06-15").exit_code == 0
    after = programme.csv(HEADER, [f"{EMAIL},Jan,Kowalski,5252248481,yes,installer,2024-03-15,2024-03-15"])
    late = programme.run("participants", "import", "manufacturer", after, "--as-of", "2024-03-20")
    assert late.exit_code == 1 and "P-40" in late.output
    assert _count(Installer) == 0
    before = programme.csv(HEADER, [f"{EMAIL},Jan,Kowalski,5252248481,yes,installer,2024-03-10,2024-03-10"])
    recorded = programme.run("participants", "import", "manufacturer", before, "--as-of", "2024-03-20")
    assert recorded.exit_code == 0, recorded.output
    assert _count(Installer) == 1


# ---------------------------------------------------------------- P-25: the delivery address


def test_P25_an_imported_address_is_checked_after_trimming_and_a_blank_one_is_refused(programme):
    base = {"email": EMAIL, "first_name": "Jan", "last_name": "Kowalski", "nip": "5252248481", "business": "yes",
            "status": "installer", "registered_on": "2024-01-10", "activated_on": "2024-01-10"}
    tenant = _tenant()
    with use_tenant(tenant.id):
        rules = rules_on(date(2024, 1, 10))
        for address in ("   ", "x" * 301):
            with pytest.raises(DomainError) as refused:
                members.import_row({**base, "delivery_address": address}, tenant_id=tenant.id, rules=rules)
            assert (refused.value.field, refused.value.rule) == ("delivery_address", "P-25")
        padded = "  " + "x" * 300 + "  "
        installer = members.import_row({**base, "delivery_address": padded}, tenant_id=tenant.id, rules=rules)
        assert installer.delivery_address == "x" * 300
        db.session.rollback()


def test_P25_an_empty_address_cell_of_the_import_means_no_address(programme):
    path = programme.csv(HEADER + ",delivery_address",
                         [f"{EMAIL},Jan,Kowalski,5252248481,yes,installer,2024-01-10,2024-01-10,   "])
    result = programme.run("participants", "import", "manufacturer", path)
    assert result.exit_code == 0, result.output
    with use_tenant(_tenant().id):
        assert members.by_email(EMAIL).delivery_address is None


# ---------------------------------------------------------------- P-08: an opening balance's complaint window


def test_P08_an_opening_balance_can_be_complained_about_within_30_days_of_its_import(programme):
    """§4 pkt 7 counts from "naliczenia przez Organizatora na Platformie": a lot accrued elsewhere on 2024-01-15 and
    imported on 2024-03-20 was credited on the platform on 2024-03-20."""
    programme.join(EMAIL)
    path = programme.csv("email,points,earned_on", [f"{EMAIL},500,2024-01-15"])
    assert programme.run("points", "import-opening", "manufacturer", path, "--as-of", "2024-03-20").exit_code == 0
    with use_tenant(_tenant().id):
        installer = members.by_email(EMAIL)
        entry = db.session.scalars(select(PointsEntry).where(PointsEntry.installer_id == installer.id)).one()
        assert entry.on == date(2024, 1, 15)  # the lot keeps its accrual day (P-22)
        rules = rules_on(date(2024, 4, 19))
        complaints.file(installer, kind="points", text="500, not 600", on=date(2024, 4, 19), rules=rules,
                        entry_id=entry.id)
        for day, field in ((date(2024, 4, 20), "entry_id"), (date(2024, 1, 14), "on")):
            with pytest.raises(DomainError) as refused:
                complaints.file(installer, kind="points", text="late or early", on=day, rules=rules,
                                entry_id=entry.id)
            assert (refused.value.field, refused.value.rule) == (field, "P-08")
        db.session.commit()
    assert _count(Complaint) == 1


def test_P07_the_opening_import_refusal_goes_through_gettext(programme, monkeypatch):
    """The P-07 refusal is in the reader's language, like the other messages (gettext)."""
    from portal.loyalty import cli

    monkeypatch.setattr(cli, "_", lambda text, **params: "[pl] " + text % params)
    programme.join(EMAIL)
    path = programme.csv("email,points,earned_on", [f"{EMAIL},500,2024-03-02"])
    result = programme.run("points", "import-opening", "manufacturer", path, "--as-of", "2024-03-01")
    assert result.exit_code == 1 and "P-07: [pl] earned_on cannot be later than today (2024-03-01)" in result.output
