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
    assert refused.exit_code == 1 and "P-28" in refused.output and "500.00 PLN is left" in refused.output
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
    assert refused.exit_code == 1 and "P-28" in refused.output and "0.00 PLN is left" in refused.output
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
    _rich(programme)
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
    programme.join("jan@example.com", business="no")
    programme.device("jan@example.com", "SN-J1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    with use_tenant(_tenant().id):
        installer = members.by_email("jan@example.com")
        members.set_tax_data(installer, tax_id="44051401359", home_address=" ul. Domowa 2, 30-001 Kraków ",
                             birth_date=date(1980, 5, 5), on=date(2024, 2, 2))
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
                             birth_date=date(1980, 5, 5), on=date(2024, 2, 1))
        db.session.commit()
    page = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "ul. Domowa 2, 30-001 Kraków" in page and "bez niego nie można zamawiać nagród" not in page
