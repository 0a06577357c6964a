"""Audit against the manufacturer's seed (§5 pkt 7 and 12, SPEC P-25, P-28), driven through the commands of
FORMATS.md as an examiner would, with the service's fulfilment steps where no command exists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import RewardOrder
from portal.loyalty.service import orders
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
