"""The installer programme through the commands of FORMATS.md, checked by hand against SPEC §6."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.loyalty.models import Reward
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant


def _reward(code: str, **changes) -> None:
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        reward = db.session.scalars(select(Reward).where(Reward.code == code)).one()
        for key, value in changes.items():
            setattr(reward, key, value)
        db.session.commit()


def _add_reward(code: str, points: int, gross: str, kind: str = "test", stock: int = 10) -> None:
    from decimal import Decimal

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        db.session.add(Reward(tenant_id=tenant.id, code=code, kind=kind, name_pl=code, name_en=code, points=points,
                              gross_value=Decimal(gross), delivery_days=7, stock=stock))
        db.session.commit()


def test_P05_device_earns_its_models_points_once_per_serial(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    again = programme.devices("ala@example.com,SN-1,TV-KOND-24C,FD612,2024-02-01,2024-02-02")
    assert again.exit_code == 1 and "P-05" in again.output and "already registered" in again.output
    assert programme.statement("ala@example.com", "2024-02-05")["balance"] == 120


def test_P05_old_production_code_and_early_installation_earn_nothing(programme):
    programme.join("ala@example.com")
    result = programme.devices("ala@example.com,SN-1,TV-KOND-24C,FD516,2016-03-01,2024-02-01",
                               "ala@example.com,SN-2,TV-KOND-24C,FD612,2015-12-31,2024-02-01",
                               "ala@example.com,SN-3,TV-KOND-24C,XX612,2016-03-01,2024-02-01",
                               "ala@example.com,SN-4,NO-SUCH-MODEL,FD612,2016-03-01,2024-02-01")
    assert result.exit_code == 1
    assert "line 2: P-05: Only devices with production code FD517 or newer" in result.output
    assert "line 3: P-05: Only devices installed on or after 2016-01-01" in result.output
    assert "line 4: P-05:" in result.output
    assert "line 5: P-04:" in result.output


def test_P05_production_year_is_read_from_the_installation_date(programme):
    """FD0xx installed in 2020 is from 2020, newer than FD517 (2015); FD9xx installed in 2016 is from 2009."""
    programme.join("ala@example.com")
    assert programme.devices("ala@example.com,SN-20,TV-KOND-24C,FD012,2020-05-01,2024-02-01").exit_code == 0
    assert programme.devices("ala@example.com,SN-09,TV-KOND-24C,FD912,2016-05-01,2024-02-01").exit_code == 1


def test_P22_points_expire_two_years_after_accrual(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    programme.device("ala@example.com", "SN-2", "2024-06-01")
    before = programme.statement("ala@example.com", "2026-01-31")
    assert before["balance"] == 240 and before["expiring_30_days"] == 120
    assert [lot["expires_on"] for lot in before["lots"]] == ["2026-02-01", "2026-06-01"]
    programme.jobs("2026-02-01")
    programme.jobs("2026-02-01")  # replaying a day changes nothing
    after = programme.statement("ala@example.com", "2026-02-01")
    assert after["balance"] == 120 and after["lots"] == [
        {"earned_on": "2024-06-01", "expires_on": "2026-06-01", "points": 120, "remaining": 120}]


def test_P21_order_spends_the_soonest_expiring_points_first(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    programme.device("ala@example.com", "SN-2", "2024-06-01")
    _add_reward("R-TEST-150", 150, "100.00")
    result = programme.order("ala@example.com", "R-TEST-150", "2024-07-01")
    assert result.exit_code == 0 and result.output.strip().isdigit()
    lots = programme.statement("ala@example.com", "2024-07-01")["lots"]
    assert lots == [{"earned_on": "2024-06-01", "expires_on": "2026-06-01", "points": 120, "remaining": 90}]


def test_P21_not_enough_points_is_refused_without_top_up(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    _add_reward("R-TEST-150", 150, "100.00")
    result = programme.order("ala@example.com", "R-TEST-150", "2024-07-01")
    assert result.exit_code == 1 and "P-21" in result.output and "you have 120" in result.output
    assert programme.statement("ala@example.com", "2024-07-01")["balance"] == 120


def _delivered_in_2024() -> None:
    """The organiser ships and delivers the participant's one order (the fulfilment page's steps)."""
    from datetime import date

    from portal.core.clock import as_of
    from portal.loyalty.models import RewardOrder
    from portal.loyalty.service import orders

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
        orders.ship(order, on=date(2024, 3, 5), clock=as_of(date(2024, 3, 5)))
        orders.delivered(order, on=date(2024, 3, 8), confirmed=True)
        db.session.commit()


def test_P28_annual_gross_cap_shows_the_remaining_allowance(programme):
    programme.join("ala@example.com")
    for i in range(1, 4):
        programme.device("ala@example.com", f"SN-{i}", "2024-02-01")
    _add_reward("R-BIG", 100, "17500.00")
    _add_reward("R-SMALL", 100, "600.00")
    assert programme.order("ala@example.com", "R-BIG", "2024-03-01").exit_code == 0
    refused = programme.order("ala@example.com", "R-SMALL", "2024-03-02")
    assert refused.exit_code == 1 and "P-28" in refused.output and "PLN500.00 is left" in refused.output
    _delivered_in_2024()  # received in 2024: it no longer counts once that year is over (seed §5 pkt 12)
    assert programme.order("ala@example.com", "R-SMALL", "2025-01-02").exit_code == 0  # a new calendar year
    assert programme.statement("ala@example.com", "2025-01-02")["reward_value_this_year"] == "600.00"


def test_P29_non_business_participant_needs_pit8c_data_before_a_reward(programme):
    programme.join("jan@example.com", business="no")
    programme.device("jan@example.com", "SN-1", "2024-02-01")
    _add_reward("R-TEST-100", 100, "50.00")
    result = programme.order("jan@example.com", "R-TEST-100", "2024-03-01")
    assert result.exit_code == 1 and "P-29" in result.output and "PIT-8C" in result.output


def test_P32_not_activated_or_no_points_within_three_months_excludes(programme):
    programme.participants("idle@example.com,A,B,5252248481,yes,installer,2024-01-10,",
                           "quiet@example.com,C,D,5252248481,yes,installer,2024-01-10,2024-01-11")
    programme.join("busy@example.com")
    programme.device("busy@example.com", "SN-1", "2024-03-01")
    programme.jobs("2024-04-10")  # exactly 3 months: not yet
    assert programme.statement("idle@example.com", "2024-04-10")["status"] == "installer"
    programme.jobs("2024-04-11")
    assert programme.statement("idle@example.com", "2024-04-11")["status"] == "excluded"
    assert programme.statement("quiet@example.com", "2024-04-11")["status"] == "excluded"
    assert programme.statement("busy@example.com", "2024-04-11")["status"] == "installer"
    refused = programme.order("idle@example.com", "R-WKRETARKA-18V", "2024-04-12")
    assert refused.exit_code == 1 and "P-32" in refused.output


def test_P02_status_from_the_import_and_statement(programme):
    programme.join("lider@example.com", status="premium")
    assert programme.statement("lider@example.com", "2024-02-01")["status"] == "premium"


def test_P40_P41_programme_end_closes_joining_registrations_and_expires_points(programme):
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    short = programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15", "--ends-on", "2024-06-01")
    assert short.exit_code == 1 and "P-40" in short.output
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15",
                         "--ends-on", "2024-06-15").exit_code == 0
    late_join = programme.participants("new@example.com,A,B,5252248481,yes,installer,2024-03-20,2024-03-20")
    assert late_join.exit_code == 1 and "P-40" in late_join.output
    assert programme.devices("ala@example.com,SN-2,TV-KOND-24C,FD612,2024-03-20,2024-03-31").exit_code == 0
    april = programme.devices("ala@example.com,SN-3,TV-KOND-24C,FD612,2024-03-20,2024-04-01")
    assert april.exit_code == 1 and "P-40" in april.output
    assert programme.statement("ala@example.com", "2024-06-14")["balance"] == 240
    assert programme.statement("ala@example.com", "2024-06-15")["balance"] == 0


def test_opening_balances_keep_their_original_accrual_dates(programme):
    programme.join("ala@example.com")
    path = programme.csv("email,points,earned_on", ["ala@example.com,500,2023-01-15"])
    assert programme.run("points", "import-opening", "manufacturer", path).exit_code == 0
    assert programme.statement("ala@example.com", "2025-01-14")["balance"] == 500
    assert programme.statement("ala@example.com", "2025-01-15")["balance"] == 0


def test_statement_of_an_unknown_participant_exits_1(programme):
    result = programme.run("points", "statement", "manufacturer", "nobody@example.com", "--as-of", "2024-01-01",
                           "--json")
    assert result.exit_code == 1 and "No participant" in result.output


def test_P32_a_participant_who_earned_points_late_is_not_excluded_by_a_later_check(programme):
    programme.participants("late@example.com,E,F,5252248481,yes,installer,2024-01-10,2024-01-11")
    programme.device("late@example.com", "SN-LATE", "2024-05-02")  # after the 3 months, before any check ran
    programme.jobs("2024-06-01")
    statement = programme.statement("late@example.com", "2024-06-01")
    assert statement["status"] == "installer" and statement["balance"] > 0


def test_P32_an_imported_participant_who_logs_in_has_activated_the_account(programme, app, client):
    """Seed §6.2.1: the ground is an account not activated within 3 months. An imported participant without an
    activation date activates it by logging in: three months on, no points is the ground, not activation."""
    from datetime import date

    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from portal.core.clock import as_of
    from portal.extensions import db
    from portal.loyalty.models import Installer
    from portal.tenancy.guard import use_tenant
    from portal.tenancy.models import Tenant
    from tests import factories

    programme.participants("idle@example.com,A,B,5252248481,yes,installer,2024-01-10,")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        user = db.session.scalars(select(User).where(User.email == "idle@example.com")).one()
        user.password_hash = hash_password(factories.PASSWORD)
        db.session.commit()
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    assert factories.login(client, tenant, "idle@example.com").status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Installer)).one().activated_on == date(2024, 2, 1)
    programme.jobs("2024-04-11")
    db.session.rollback()
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Installer)).one().exclusion_ground == "no_points"


def test_P01_S9_an_imported_participant_reads_the_organisers_language(programme):
    """An English-speaking organiser's imported installers get their mails in English until they choose."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.tenancy.guard import use_tenant
    from portal.tenancy.models import Tenant

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    tenant.locale = "en"
    db.session.commit()
    programme.join("eng@example.com")
    with use_tenant(tenant.id):
        assert db.session.scalars(select(User).where(User.email == "eng@example.com")).one().locale == "en"


def test_P07_an_opening_balance_is_taken_over_once_and_its_points_are_plain_digits(programme):
    """The other system's balance is credited once: the same file loaded again is refused row by row and changes
    nothing; one file may still give a participant several lots. "1_000" or "١٢٣" is no number of points."""
    programme.join("ala@example.com")
    path = programme.csv("email,points,earned_on", ["ala@example.com,500,2023-01-15", "ala@example.com,100,2023-02-01"])
    assert programme.run("points", "import-opening", "manufacturer", path, "--as-of", "2024-01-10").exit_code == 0
    again = programme.run("points", "import-opening", "manufacturer", path, "--as-of", "2024-01-10")
    assert again.exit_code == 1 and "line 2" in again.output and "once" in again.output, again.output
    assert programme.statement("ala@example.com", "2024-01-10")["balance"] == 600
    programme.join("ola@example.com", business="no")
    for points in ("1_000", "١٢٣", "-5", "5.0"):
        odd = programme.csv("email,points,earned_on", [f"ola@example.com,{points},2023-01-15"])
        result = programme.run("points", "import-opening", "manufacturer", odd, "--as-of", "2024-01-10")
        assert result.exit_code == 1 and "whole number" in result.output, (points, result.output)
    assert programme.statement("ola@example.com", "2024-01-10")["balance"] == 0
