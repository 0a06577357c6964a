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



def _expiries():
    from sqlalchemy import select

    from portal.extensions import db
    from portal.loyalty.models import PointsEntry
    from portal.tenancy.guard import across_tenants

    db.session.rollback()
    with across_tenants("the test reads the ledger"):
        return sorted((e.on.isoformat(), e.points) for e in db.session.scalars(
            select(PointsEntry).where(PointsEntry.kind == "expire")))


def test_P22_a_catch_up_run_dates_the_expiry_on_the_day_the_points_lapsed(programme):
    """Days skipped by the daily job: the ledger says when the points expired (as the 30-day notice did), not the
    day the job ran, so the statement and the P-08 complaint window agree with the notice."""
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-01-31")
    programme.jobs("2026-02-05")
    assert _expiries() == [("2026-01-31", -120)]


def test_P41_a_catch_up_run_after_the_end_dates_the_expiry_on_the_end_day(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    done = programme.run("programme", "announce-end", "manufacturer", "--on", "2024-02-05", "--ends-on", "2024-05-31")
    assert done.exit_code == 0, done.output
    programme.jobs("2024-05-30")
    assert _expiries() == []
    programme.jobs("2024-06-10")
    assert _expiries() == [("2024-05-31", -120)]


def test_P07_the_organisers_ledger_of_a_participant_lists_entries_by_their_day(programme, app):
    """An opening balance imported today with last year's accrual date sits in its place among the days."""
    import re

    from portal.accounts.models import STAFF
    from portal.tenancy import service as tenants
    from tests import factories

    programme.join("ala@example.com", registered_on="2024-01-10")
    programme.device("ala@example.com", "SN-1", "2024-03-01")
    path = programme.csv("email,points,earned_on", ["ala@example.com,50,2024-01-15"])
    assert programme.run("points", "import-opening", "manufacturer", path, "--as-of", "2024-03-05").exit_code == 0
    programme.device("ala@example.com", "SN-2", "2024-03-06")
    tenant = tenants.by_slug("manufacturer")
    client = app.test_client()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@manufacturer.example").email)
    page = client.get("/t/manufacturer/installers").get_data(as_text=True)
    link = re.search(r'href="(/t/manufacturer/installers/\d+)"', page).group(1)
    html = client.get(link).get_data(as_text=True)
    ledger = html.split('id="ledger"', 1)[1].split("</table>", 1)[0]
    days = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d)</td>", ledger)
    assert days and days == sorted(days, reverse=True), days


def test_P21_an_order_replayed_before_an_expiry_already_written_spends_the_points_that_day_held(programme):
    """The daily job of a later day expired what was left of a lot; an order replayed on a day before that expiry
    spends the points the statement shows for its day, and the expiry then takes only what the order left."""
    programme.join("ala@example.com")
    for i in range(3):
        programme.device("ala@example.com", f"SN-{i}", "2024-02-01")  # 360 points, expiring 2026-02-01
    _add_reward("R-200", 200, "80.00")
    programme.jobs("2026-03-01")
    assert _expiries() == [("2026-02-01", -120)] * 3
    assert programme.statement("ala@example.com", "2025-06-01")["balance"] == 360
    placed = programme.order("ala@example.com", "R-200", "2025-06-01")
    assert placed.exit_code == 0, placed.output
    assert programme.statement("ala@example.com", "2025-06-02")["balance"] == 160
    assert programme.statement("ala@example.com", "2026-03-01")["balance"] == 0
    assert sum(points for _, points in _expiries()) == -160  # the expiry takes only what the order left
    # the points the order took are not there twice: a second order for the same day finds 160
    again = programme.order("ala@example.com", "R-200", "2025-06-01")
    assert again.exit_code == 1 and "P-21" in again.output and "160" in again.output
    programme.jobs("2026-03-01")
    assert sum(points for _, points in _expiries()) == -160  # the job replayed changes nothing


def test_P09_a_device_revoked_on_a_day_before_an_expiry_already_written_takes_its_points_back(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")  # 120 points, expiring 2026-02-01
    programme.jobs("2026-03-01")
    result = programme.run("points", "revoke", "manufacturer", "ala@example.com", "--device", "SN-1", "--reason",
                           "installed twice", "--as-of", "2025-06-01")
    assert result.exit_code == 0, result.output
    assert "revoked 120 points" in result.output
    assert programme.statement("ala@example.com", "2025-06-02")["balance"] == 0
    assert sum(points for _, points in _expiries()) == 0  # nothing was left to expire
