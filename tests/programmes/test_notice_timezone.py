"""E-02 / E-04: a notice period counts from the organiser's day, in the tenant's time zone — not Warsaw's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from portal.core.clock import FixedClock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.programmes import changes
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant

ROOT = Path(__file__).resolve().parents[2]
# 16:00 UTC on 1 March 2024: still the 1st in Warsaw (17:00), already the 2nd in Tokyo (01:00)
LATE = FixedClock(datetime(2024, 3, 1, 16, 0, tzinfo=UTC))


@pytest.fixture()
def tokyo(app):
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / "manufacturer")])
    assert result.exit_code == 0, result.output
    tenant = tenants.by_slug("manufacturer")
    tenant.timezone = "Asia/Tokyo"
    db.session.commit()
    return tenant


def _cut() -> str:
    return (ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8") \
        .replace("points = 120\n", "points = 100\n", 1)


def test_E02_E04_a_point_cut_counts_seven_days_from_the_tenants_own_day(tokyo):
    with use_tenant(tokyo.id), pytest.raises(DomainError, match="2024-03-09"):
        changes.publish(tokyo.id, _cut(), effective_from=date(2024, 3, 8), clock=LATE)
    db.session.rollback()
    with use_tenant(tokyo.id):
        version = changes.publish(tokyo.id, _cut(), effective_from=date(2024, 3, 9), clock=LATE)
    assert version.effective_from == date(2024, 3, 9)


def test_E02_E04_programme_load_takes_effect_on_the_tenants_today_by_default(app, tokyo, tmp_path):
    path = tmp_path / "programme.toml"
    path.write_text((ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8")
                    .replace('name_en = "Termovia Installer Club"', 'name_en = "The Termovia Installer Club"'),
                    encoding="utf-8")  # a change that needs no notice
    from portal.core import clock as clocks

    clocks.set_clock(LATE)
    result = app.test_cli_runner().invoke(args=["programme", "load", "manufacturer", str(path)])
    assert result.exit_code == 0, result.output
    assert "from 2024-03-02" in result.output


def test_E02_P04_a_change_is_judged_against_the_version_in_force_the_day_before(tokyo):
    """Today 120 points are in force; a rise to 500 is scheduled from the 8th (seven days' notice). A version from
    the 9th that keeps 500 changes no points participants will have the day before it — no notice needed — while
    one from the 4th that changes them (to 301) must wait seven days from today."""
    clock = FixedClock(datetime(2024, 3, 1, 3, 0, tzinfo=UTC))  # 2024-03-01 in Tokyo
    base = (ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8")
    with use_tenant(tokyo.id):
        changes.publish(tokyo.id, base.replace("points = 120\n", "points = 500\n", 1),
                        effective_from=date(2024, 3, 8), clock=clock)
        db.session.commit()
    with use_tenant(tokyo.id), pytest.raises(DomainError, match="2024-03-08"):
        changes.publish(tokyo.id, base.replace("points = 120\n", "points = 301\n", 1),
                        effective_from=date(2024, 3, 4), clock=clock)
    db.session.rollback()
    with use_tenant(tokyo.id):
        later = changes.publish(tokyo.id, base.replace("points = 120\n", "points = 500\n", 1)
                                + "\n# the same points, another text\n", effective_from=date(2024, 3, 9), clock=clock)
    assert later.effective_from == date(2024, 3, 9)


def test_P04_a_rise_of_a_models_points_is_announced_seven_days_ahead_too(tokyo):
    """Seed §4.3: "zmiany ogłoszonej punktacji" — any change of the announced points, not only a cut, is announced
    at least 7 days before it applies; a model new to the table has no announced points to change."""
    clock = FixedClock(datetime(2024, 3, 1, 3, 0, tzinfo=UTC))
    base = (ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8")
    rise = base.replace("points = 120\n", "points = 170\n", 1)
    with use_tenant(tokyo.id), pytest.raises(DomainError, match="2024-03-08"):
        changes.publish(tokyo.id, rise, effective_from=date(2024, 3, 1), clock=clock)
    db.session.rollback()
    new_model = base + ('\n[[device_models]]\ncode = "TV-NOWY-1"\ncategory = "condensing_boiler"\n'
                        'name_pl = "Nowy"\nname_en = "New"\npoints = 90\n')
    with use_tenant(tokyo.id):
        assert changes.publish(tokyo.id, new_model, effective_from=date(2024, 3, 1), clock=clock)
        db.session.rollback()
        assert changes.publish(tokyo.id, rise, effective_from=date(2024, 3, 8), clock=clock)
