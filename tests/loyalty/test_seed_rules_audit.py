"""Audit against the manufacturer's seed (§5 pkt 7 and 12, SPEC P-25, P-28), driven through the commands of
FORMATS.md as an examiner would, with the service's fulfilment steps where no command exists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import Installer, RewardOrder
from portal.loyalty.service import members, orders
from portal.loyalty.service.programme import rules_on as programme_rules
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.loyalty.test_programme_commands import _add_reward


def _tenant() -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()


def _deliver(order_id: int, shipped: str, delivered: str) -> None:
    """The organiser ships and delivers an order (the fulfilment page's and the API's steps)."""
    with use_tenant(_tenant().id):
        order = db.session.get(RewardOrder, order_id)
        orders.ship(order, on=date.fromisoformat(shipped), clock=as_of(date.fromisoformat(shipped)))
        orders.delivered(order, on=date.fromisoformat(delivered), confirmed=True)
        db.session.commit()


def _rich(programme, email: str = "ala@example.com") -> None:
    programme.join(email, registered_on="2024-01-10")
    for i in range(1, 4):
        programme.device(email, f"SN-{email[:3]}-{i}", "2024-02-01")  # 3 × 120 = 360 points


# ---------------------------------------------------------------- P-28: rewards *received* in a calendar year


def test_P28_a_reward_ordered_in_december_and_received_in_january_counts_in_january(programme):
    """§5 pkt 12: "Nagród otrzymanych … w jednym roku kalendarzowym" — the year the reward is received."""
    _rich(programme)
    _add_reward("R-BIG", 100, "17500.00")
    _add_reward("R-SMALL", 100, "600.00")
    placed = programme.order("ala@example.com", "R-BIG", "2024-12-20")
    assert placed.exit_code == 0, placed.output
    assert programme.statement("ala@example.com", "2024-12-31")["reward_value_this_year"] == "17500.00"
    _deliver(int(placed.output.strip()), "2024-12-30", "2025-01-03")
    assert programme.statement("ala@example.com", "2025-01-05")["reward_value_this_year"] == "17500.00"
    refused = programme.order("ala@example.com", "R-SMALL", "2025-01-05")
    assert refused.exit_code == 1 and "P-28" in refused.output and "PLN500.00 is left" in refused.output
    # replayed, 31 December still shows the order open and counted in the year it was placed
    assert programme.statement("ala@example.com", "2024-12-31")["reward_value_this_year"] == "17500.00"


def test_P28_a_reward_received_in_the_year_it_was_ordered_leaves_the_next_year_free(programme):
    _rich(programme)
    _add_reward("R-BIG", 100, "17500.00")
    _add_reward("R-SMALL", 100, "600.00")
    placed = programme.order("ala@example.com", "R-BIG", "2024-12-02")
    _deliver(int(placed.output.strip()), "2024-12-03", "2024-12-31")
    assert programme.order("ala@example.com", "R-SMALL", "2025-01-01").exit_code == 0
    assert programme.statement("ala@example.com", "2025-01-01")["reward_value_this_year"] == "600.00"


def test_P28_exactly_18000_is_allowed_one_grosz_more_is_refused(programme):
    """"nie może przekroczyć kwoty 18 tys. PLN": 18,000.00 itself is within the limit."""
    _rich(programme)
    _add_reward("R-A", 100, "17000.00")
    _add_reward("R-B", 100, "1000.00")
    _add_reward("R-C", 100, "0.01")
    assert programme.order("ala@example.com", "R-A", "2024-03-01").exit_code == 0
    assert programme.order("ala@example.com", "R-B", "2024-03-01").exit_code == 0
    refused = programme.order("ala@example.com", "R-C", "2024-03-01")
    assert refused.exit_code == 1 and "P-28" in refused.output and "PLN0.00 is left" in refused.output
    assert programme.statement("ala@example.com", "2024-03-01")["reward_value_this_year"] == "18000.00"


def test_P28_a_replayed_statement_counts_only_the_orders_placed_by_that_day(programme):
    _rich(programme)
    _add_reward("R-A", 100, "500.00")
    assert programme.order("ala@example.com", "R-A", "2024-06-01").exit_code == 0
    assert programme.statement("ala@example.com", "2024-05-31")["reward_value_this_year"] == "0.00"
    assert programme.statement("ala@example.com", "2024-06-01")["reward_value_this_year"] == "500.00"


# ---------------------------------------------------------------- P-25: the participant's address on the platform


def _installer(email: str) -> Installer:
    db.session.rollback()
    with use_tenant(_tenant().id):
        return members.by_email(email)


def _orders() -> list[RewardOrder]:
    db.session.rollback()
    with use_tenant(_tenant().id):
        return list(db.session.scalars(select(RewardOrder)))


def test_P25_the_order_command_takes_the_delivery_address_and_keeps_it_on_the_platform(programme):
    """§5 pkt 7: rewards go by courier to the participant's address given on the platform."""
    _rich(programme)
    _add_reward("R1", 100, "40.00")
    result = programme.run("rewards", "order", "manufacturer", "--participant", "ala@example.com", "--reward", "R1",
                           "--as-of", "2024-03-01", "--delivery-address", "  ul. Polna 1, 00-001 Warszawa ")
    assert result.exit_code == 0 and result.output.strip().isdigit(), result.output
    installer = _installer("ala@example.com")
    assert installer.delivery_address == "ul. Polna 1, 00-001 Warszawa"
    with use_tenant(_tenant().id):
        assert orders.delivery_addresses([installer.id]) == {installer.id: "ul. Polna 1, 00-001 Warszawa"}


def test_P25_a_blank_or_too_long_delivery_address_exits_1_and_nothing_is_written(programme):
    programme.join("ala@example.com", address=None)
    for i in range(1, 4):
        programme.device("ala@example.com", f"SN-ala-{i}", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    for address in ("   ", "x" * 301):
        result = programme.run("rewards", "order", "manufacturer", "--participant", "ala@example.com", "--reward",
                               "R1", "--as-of", "2024-03-01", "--delivery-address", address)
        assert result.exit_code == 1 and "P-25" in result.output, result.output
    assert _orders() == [] and _installer("ala@example.com").delivery_address is None
    assert programme.statement("ala@example.com", "2024-03-01")["balance"] == 360


def test_P25_the_order_command_without_the_option_still_orders_as_formats_md_describes(programme):
    """FORMATS.md's signature is kept: the option is optional (the participants import has no address column)."""
    _rich(programme)
    _add_reward("R1", 100, "40.00")
    result = programme.order("ala@example.com", "R1", "2024-03-01")
    assert result.exit_code == 0 and result.output.strip().isdigit(), result.output


def test_P25_a_non_business_participants_home_address_serves_for_delivery(programme):
    """The home address given for PIT-8C (P-29) is the participant's address on the platform: the courier uses it
    when no separate delivery address was given, on the fulfilment page, the API and the participant's own order."""
    programme.join("jan@example.com", business="no", address=None)
    programme.device("jan@example.com", "SN-J1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    with use_tenant(_tenant().id):
        installer = members.by_email("jan@example.com")
        members.set_tax_data(installer, tax_id="44051401359", home_address=" ul. Domowa 2, 30-001 Kraków ",
                             birth_date=date(1944, 5, 14), on=date(2024, 2, 2))
        db.session.commit()
    with use_tenant(_tenant().id):
        installer = members.by_email("jan@example.com")
        placed = orders.place(installer, orders.reward_by_code("R1"), on=date(2024, 3, 1),
                              rules=programme_rules(date(2024, 3, 1)), clock=as_of(date(2024, 3, 1)),
                              require_address=True)
        assert orders.delivery_addresses([installer.id]) == {installer.id: "ul. Domowa 2, 30-001 Kraków"}
        assert placed.id is not None
        db.session.rollback()


def test_P25_the_participants_import_may_carry_the_delivery_address(programme):
    path = programme.csv("email,first_name,last_name,nip,business,status,registered_on,activated_on,delivery_address",
                         ["ala@example.com,Ala,Nowak,5252248481,yes,installer,2024-01-10,2024-01-10,"
                          "\"ul. Polna 1, 00-001 Warszawa\"",
                          "ola@example.com,Ola,Nowak,5252248481,yes,installer,2024-01-10,2024-01-10,"])
    assert programme.run("participants", "import", "manufacturer", path).exit_code == 0
    assert _installer("ala@example.com").delivery_address == "ul. Polna 1, 00-001 Warszawa"
    assert _installer("ola@example.com").delivery_address is None
    bad = programme.csv("email,first_name,last_name,nip,business,status,registered_on,activated_on,delivery_address",
                        ["ewa@example.com,Ewa,Nowak,5252248481,yes,installer,2024-01-10,2024-01-10," + "x" * 301])
    result = programme.run("participants", "import", "manufacturer", bad)
    assert result.exit_code == 1 and "line 2" in result.output and "P-25" in result.output
    assert _installer("ewa@example.com") is None


def test_P25_the_points_page_shows_the_home_address_as_where_rewards_go(app, client, programme):
    """The page is in Polish (the organiser's locale): "bez niego nie można zamawiać nagród" notes no address."""
    from portal.accounts.models import PARTICIPANT
    from tests import factories

    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = _tenant()
    user = factories.user(tenant, PARTICIPANT, email="jan@installer.example")
    factories.login(client, tenant, user.email)
    assert client.post("/t/manufacturer/installer/join",
                       data={"business": "", "installs_heating": "y", "adult": "y"}).status_code == 302
    assert "bez niego nie można zamawiać nagród" in client.get("/t/manufacturer/points").get_data(as_text=True)
    with use_tenant(tenant.id):
        installer = members.by_email("jan@installer.example")
        members.set_tax_data(installer, tax_id="44051401359", home_address="ul. Domowa 2, 30-001 Kraków",
                             birth_date=date(1944, 5, 14), on=date(2024, 2, 1))
        db.session.commit()
    page = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "ul. Domowa 2, 30-001 Kraków" in page and "bez niego nie można zamawiać nagród" not in page


# ---------------------------------------------------------------- P-01, P-32: the participants import's days


def test_P01_P32_the_import_refuses_a_registration_or_activation_that_has_not_happened_or_comes_first(programme):
    header = "email,first_name,last_name,nip,business,status,registered_on,activated_on"
    result = programme.run("participants", "import", "manufacturer",
                           programme.csv(header, ["a@example.com,A,B,5252248481,yes,installer,2024-03-01,",
                                                  "b@example.com,A,B,5252248481,yes,installer,2024-02-01,2024-01-31",
                                                  "c@example.com,A,B,5252248481,yes,installer,2024-02-01,2024-02-16",
                                                  "d@example.com,A,B,5252248481,yes,installer,2024-02-15,2024-02-15"]),
                           "--as-of", "2024-02-15")
    assert result.exit_code == 1
    assert "line 2: P-01: The registration date cannot be later than today (2024-02-15)" in result.output
    assert ("line 3: P-32: The activation date cannot be earlier than the registration date (2024-02-01)"
            in result.output)
    assert "line 4: P-32: The activation date cannot be later than today (2024-02-15)" in result.output
    assert "line 5" not in result.output
    assert _installer("d@example.com") is None  # all or nothing


# ---------------------------------------------------------------- edge days computed by hand from the seed


def test_P22_points_earned_on_29_february_expire_on_28_february_two_years_later(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-29")
    s = programme.statement("ala@example.com", "2026-02-27")
    assert s["balance"] == 120 and s["lots"][0]["expires_on"] == "2026-02-28"
    assert programme.statement("ala@example.com", "2026-01-29")["expiring_30_days"] == 120
    assert programme.statement("ala@example.com", "2026-01-28")["expiring_30_days"] == 0
    programme.jobs("2026-02-27")
    assert programme.statement("ala@example.com", "2026-02-27")["balance"] == 120
    programme.jobs("2026-02-28")
    assert programme.statement("ala@example.com", "2026-02-28")["balance"] == 0


def test_P32_three_months_from_30_november_end_on_29_february_of_a_leap_year(programme):
    programme.participants("idle@example.com,A,B,5252248481,yes,installer,2023-11-30,2023-11-30")
    programme.jobs("2024-02-29")
    assert programme.statement("idle@example.com", "2024-02-29")["status"] == "installer"
    programme.jobs("2024-03-01")
    assert programme.statement("idle@example.com", "2024-03-01")["status"] == "excluded"


def test_P40_P41_announced_in_a_leap_february_registrations_until_the_29th_points_until_the_end(programme):
    programme.join("ala@example.com")
    bad = programme.run("programme", "announce-end", "manufacturer", "--on", "2024-02-10", "--ends-on", "2024-05-09")
    assert bad.exit_code == 1, bad.output
    ok = programme.run("programme", "announce-end", "manufacturer", "--on", "2024-02-10", "--ends-on", "2024-05-10")
    assert ok.exit_code == 0, ok.output
    assert programme.devices("ala@example.com,SN-2,TV-KOND-24C,FD612,2024-02-20,2024-02-29").exit_code == 0
    r = programme.devices("ala@example.com,SN-3,TV-KOND-24C,FD612,2024-02-20,2024-03-01")
    assert r.exit_code == 1 and "P-40" in r.output
    s = programme.statement("ala@example.com", "2024-05-09")
    assert s["balance"] == 120 and s["lots"][0]["expires_on"] == "2024-05-10"
    r = programme.order("ala@example.com", "R-KURTKA", "2024-05-10")
    assert r.exit_code == 1 and "P-41" in r.output, r.output


def test_P40_three_months_notice_from_30_november_reach_28_february(programme):
    bad = programme.run("programme", "announce-end", "manufacturer", "--on", "2024-11-30", "--ends-on", "2025-02-27")
    assert bad.exit_code == 1
    ok = programme.run("programme", "announce-end", "manufacturer", "--on", "2024-11-30", "--ends-on", "2025-02-28")
    assert ok.exit_code == 0, ok.output


def test_P21_exactly_the_rewards_points_are_enough(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    _add_reward("R-120", 120, "60.00")
    assert programme.order("ala@example.com", "R-120", "2024-02-01").exit_code == 0
    assert programme.statement("ala@example.com", "2024-02-01")["balance"] == 0


def test_P03_training_and_exactly_the_preset_1500_device_points_give_the_authorised_status(programme):
    programme.join("ala@example.com", registered_on="2024-01-02")
    with use_tenant(_tenant().id):
        members.record_evidence(members.by_email("ala@example.com"), "training", on=date(2024, 1, 2))
        db.session.commit()
    for i, m in enumerate(["TV-KOND-PRO-100"] * 3 + ["TV-KOND-30C", "TV-KOND-35S"]):
        programme.device("ala@example.com", f"SN-{i}", "2024-02-01", model=m)
    programme.jobs("2024-02-01")
    assert programme.statement("ala@example.com", "2024-02-01")["status"] == "installer"  # 1490
    programme.device("ala@example.com", "SN-X", "2024-02-02", model="TV-STER-RF")
    programme.jobs("2024-02-02")
    assert programme.statement("ala@example.com", "2024-02-02")["status"] == "authorised"  # 1500


def test_P06_campaign_points_for_heat_pumps_installed_inside_its_window_only(programme):
    programme.join("ala@example.com", registered_on="2018-01-02")
    programme.device("ala@example.com", "SN-1", "2019-01-02", model="TV-POMPA-7", code="FD812",
                     installed_on="2018-11-30")
    programme.device("ala@example.com", "SN-2", "2019-01-02", model="TV-POMPA-7", code="FD812",
                     installed_on="2018-12-01")
    programme.device("ala@example.com", "SN-3", "2019-01-02", model="TV-POMPA-7", code="FD812",
                     installed_on="2018-09-01")
    assert programme.statement("ala@example.com", "2019-01-02")["balance"] == 400 + 300 + 400


def test_P05_production_code_FD517_installed_on_the_first_day_earns(programme):
    programme.join("ala@example.com")
    assert programme.devices("ala@example.com,SN-1,TV-KOND-24C,FD517,2016-01-01,2024-02-01").exit_code == 0


def test_P23_an_unanswered_substitute_restores_the_points_on_the_21st_day(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    _add_reward("RA", 100, "40.00", kind="x")
    _add_reward("RB", 100, "40.00", kind="x")
    oid = int(programme.order("ala@example.com", "RA", "2024-03-01").output.strip())
    with use_tenant(_tenant().id):
        order = db.session.get(RewardOrder, oid)
        orders.offer_substitute(order, orders.reward_by_code("RB"), on=date(2024, 3, 10),
                                rules=programme_rules(date(2024, 3, 10)), clock=as_of(date(2024, 3, 10)))
        assert order.restore_by == date(2024, 3, 31)
        db.session.commit()
    programme.jobs("2024-03-30")
    assert programme.statement("ala@example.com", "2024-03-30")["balance"] == 20
    programme.jobs("2024-03-31")
    assert programme.statement("ala@example.com", "2024-03-31")["balance"] == 120


def test_P29_the_pit8c_list_holds_a_reward_in_the_year_it_was_received(programme):
    programme.join("jan@example.com", business="no")
    programme.device("jan@example.com", "SN-1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    with use_tenant(_tenant().id):
        inst = members.by_email("jan@example.com")
        members.set_tax_data(inst, tax_id="44051401359", home_address="ul. X 1", birth_date=date(1944, 5, 14),
                             on=date(2024, 2, 1))
        db.session.commit()
    oid = int(programme.order("jan@example.com", "R1", "2024-12-30").output.strip())
    with use_tenant(_tenant().id):
        o = db.session.get(RewardOrder, oid)
        orders.ship(o, on=date(2024, 12, 31), clock=as_of(date(2024, 12, 31)))
        orders.delivered(o, on=date(2025, 1, 2), confirmed=True)
        db.session.commit()
        assert orders.pit8c_rows(2024) == []
        assert [r["gross_value"] for r in orders.pit8c_rows(2025)] == ["40.00"]


def test_P07_an_opening_balance_dated_after_today_is_refused(programme):
    programme.join("ala@example.com")
    path = programme.csv("email,points,earned_on", ["ala@example.com,500,2024-03-02"])
    result = programme.run("points", "import-opening", "manufacturer", path, "--as-of", "2024-03-01")
    assert result.exit_code == 1 and "line 2: P-07: earned_on cannot be later than today (2024-03-01)" in result.output
    assert programme.statement("ala@example.com", "2024-03-05")["balance"] == 0


def test_P08_a_points_complaint_runs_from_the_accrual_day_to_the_30th_day_after(programme):
    """§4 pkt 7: "nie później niż w terminie 30 dni od dnia naliczenia": accrued 1 February, the 2 March filing is
    the last one accepted; one dated before the accrual is about points not credited yet."""
    import pytest

    from portal.core.errors import DomainError
    from portal.loyalty.models import PointsEntry
    from portal.loyalty.service import complaints

    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    with use_tenant(_tenant().id):
        installer = members.by_email("ala@example.com")
        entry = db.session.scalars(select(PointsEntry).where(PointsEntry.installer_id == installer.id)).one()
        rules = programme_rules(date(2024, 3, 2))
        complaints.file(installer, kind="points", text="120, not 140", on=date(2024, 3, 2), rules=rules,
                        entry_id=entry.id)
        for day, field in ((date(2024, 3, 3), "entry_id"), (date(2024, 1, 31), "on")):
            with pytest.raises(DomainError) as refused:
                complaints.file(installer, kind="points", text="late or early", on=day, rules=rules, entry_id=entry.id)
            assert (refused.value.field, refused.value.rule) == (field, "P-08")
        db.session.rollback()


def test_P40_a_statement_replayed_before_the_announcement_shows_the_two_year_expiry(programme):
    """Before the end was announced nobody knew of it: the lot expired 2 years after its accrual (P-22); from the
    announcement on, it expires with the end (P-41)."""
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15",
                         "--ends-on", "2024-06-15").exit_code == 0
    assert programme.statement("ala@example.com", "2024-03-14")["lots"][0]["expires_on"] == "2026-02-01"
    assert programme.statement("ala@example.com", "2024-03-15")["lots"][0]["expires_on"] == "2024-06-15"
    assert programme.statement("ala@example.com", "2024-05-16")["expiring_30_days"] == 120
