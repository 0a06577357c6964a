"""P-21 / P-07 through the commands: an order placed with an earlier ``--as-of`` than one already on the ledger (a
replayed day) spends only the points still left, so the two never take the same points."""

from __future__ import annotations

from tests.loyalty.test_programme_commands import _add_reward


def test_P21_an_order_replayed_on_an_earlier_day_spends_only_what_is_left(programme):
    programme.join("ala@example.com")
    for i in range(3):
        programme.device("ala@example.com", f"SN-{i}", "2024-02-01")  # 360 points
    _add_reward("R-200", 200, "80.00")
    first = programme.order("ala@example.com", "R-200", "2024-03-10")
    assert first.exit_code == 0, first.output
    earlier = programme.order("ala@example.com", "R-200", "2024-03-01")
    assert earlier.exit_code == 1 and "P-21" in earlier.output and "160" in earlier.output
    assert programme.statement("ala@example.com", "2024-03-30")["balance"] == 160

