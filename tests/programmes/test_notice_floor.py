"""E-02: a change that reduces participants' rights needs notice — point-table cuts 7 days ahead (P-04), the
programme's end at least 3 months ahead (P-40). A new version cannot shorten the notice it is itself judged by:
the period is the longest of the version in force, the new version and the seed's minimum."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal.accounts.models import ADMIN
from portal.core.clock import as_of
from portal.extensions import db
from portal.programmes import definition
from portal.programmes.changes import notice_problems
from portal.programmes.models import ProgrammeVersion
from portal.programmes.toml_text import dumps
from portal.tenancy.guard import use_tenant
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 2)
MODELS = [{"code": "A", "points": 100}]


def _loyalty(notice_days=None, end_months=None, ends_on=None, points=100) -> dict:
    loyalty: dict = {}
    if notice_days is not None:
        loyalty["points_table_notice_days"] = notice_days
    if end_months is not None:
        loyalty["end"] = {"notice_months": end_months}
    programme = {"type": "loyalty", **({"ends_on": ends_on} if ends_on else {})}
    return {"programme": programme, "loyalty": loyalty, "device_models": [{"code": "A", "points": points}]}


def test_E02_P04_a_new_version_setting_its_notice_to_zero_still_needs_seven_days():
    problems = notice_problems(_loyalty(notice_days=7), _loyalty(notice_days=0, points=10), TODAY, TODAY)
    assert len(problems) == 1 and problems[0].startswith("P-04:")
    assert "7 days" in problems[0] and "2026-03-09" in problems[0]
    assert notice_problems(_loyalty(notice_days=7), _loyalty(notice_days=0, points=10), date(2026, 3, 9), TODAY) == []


def test_E02_P04_the_seed_minimum_holds_even_when_neither_version_says_more():
    problems = notice_problems(_loyalty(notice_days=0), _loyalty(notice_days=0, points=10), TODAY, TODAY)
    assert len(problems) == 1 and problems[0].startswith("P-04:") and "7 days" in problems[0]


def test_E02_P04_a_longer_notice_promised_by_the_version_in_force_is_kept():
    problems = notice_problems(_loyalty(notice_days=14), _loyalty(notice_days=7, points=10), date(2026, 3, 10), TODAY)
    assert len(problems) == 1 and "14 days" in problems[0] and "2026-03-16" in problems[0]


def test_E02_P40_ending_in_eight_days_with_notice_months_zero_is_refused():
    problems = notice_problems(_loyalty(end_months=3), _loyalty(end_months=0, ends_on="2026-03-10"), TODAY, TODAY)
    assert len(problems) == 1 and problems[0].startswith("P-40:")
    assert "3 months" in problems[0] and "2026-06-02" in problems[0]
    assert notice_problems(_loyalty(end_months=3), _loyalty(end_months=0, ends_on="2026-06-02"), TODAY, TODAY) == []


def test_E02_P40_a_longer_end_notice_in_force_is_kept():
    problems = notice_problems(_loyalty(end_months=4), _loyalty(end_months=3, ends_on="2026-06-15"), TODAY, TODAY)
    assert len(problems) == 1 and "4 months" in problems[0] and "2026-07-02" in problems[0]


def _manufacturer(app):
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / "manufacturer")])
    assert result.exit_code == 0, result.output
    from portal.tenancy.models import Tenant

    return db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()


def _source() -> str:
    return dumps(definition.to_json(definition.read(ROOT / "tenants/manufacturer/programme.toml")[0]))


def _versions(tenant) -> int:
    with use_tenant(tenant.id):
        return len(list(db.session.scalars(select(ProgrammeVersion))))


def test_E02_P04_editor_refuses_a_points_cut_whose_definition_drops_the_notice_to_zero(app, client):
    app.extensions["clock"] = as_of(date(2024, 5, 1))
    tenant = _manufacturer(app)
    before = _versions(tenant)
    admin = factories.user(tenant, ADMIN, email="admin@manufacturer.test.example")
    factories.login(client, tenant, admin.email)
    source = _source()
    assert "points_table_notice_days = 7" in source
    cut = source.replace("points = 120", "points = 100", 1).replace("points_table_notice_days = 7",
                                                                       "points_table_notice_days = 0")
    early = client.post("/t/manufacturer/programme", data={"text": cut, "action": "publish",
                                                           "effective_from": "2024-05-02"})
    html = early.get_data(as_text=True)
    assert early.status_code == 422 and "P-04" in html and "2024-05-08" in html
    assert _versions(tenant) == before
    ok = client.post("/t/manufacturer/programme", data={"text": cut, "action": "publish",
                                                        "effective_from": "2024-05-08"})
    assert ok.status_code == 302 and _versions(tenant) == before + 1


def test_E02_P40_loading_an_end_in_eight_days_with_notice_months_zero_is_refused(app, tmp_path):
    tenant = _manufacturer(app)
    before = _versions(tenant)
    source = _source()
    assert "notice_months = 3" in source
    ending = source.replace("notice_months = 3", "notice_months = 0").replace(
        "starts_on = 2016-01-01", "starts_on = 2016-01-01\nends_on = 2024-05-09", 1)
    path = tmp_path / "programme.toml"
    path.write_text(ending)
    result = app.test_cli_runner().invoke(args=["programme", "load", "manufacturer", str(path), "--as-of",
                                                "2024-05-01", "--effective-from", "2024-05-08"])
    assert result.exit_code == 1 and "P-40" in result.output and "2024-08-01" in result.output, result.output
    assert _versions(tenant) == before


def test_P40_an_end_published_in_the_definition_is_announced_like_the_end_page(app, tmp_path):
    """The end written into a published definition is the programme's end: joining closes, devices count until the
    month's end, participants are told — as when the organiser announces it on the end page."""
    from portal.loyalty.service.programme import end, joining_closed
    from portal.notifications.models import Notification

    tenant = _manufacturer(app)
    installer = factories.user(tenant, "participant", email="inst@manufacturer.test.example")
    with use_tenant(tenant.id):
        from portal.loyalty.models import Installer

        db.session.add(Installer(tenant_id=tenant.id, user_id=installer.id, registered_on=date(2024, 1, 2)))
        db.session.commit()
    ending = _source().replace("starts_on = 2016-01-01", "starts_on = 2016-01-01\nends_on = 2024-09-30", 1)
    path = tmp_path / "programme.toml"
    path.write_text(ending)
    args = ["programme", "load", "manufacturer", str(path), "--as-of", "2024-05-01"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    with use_tenant(tenant.id):
        row = end()
        assert (row.announced_on, row.ends_on) == (date(2024, 5, 1), date(2024, 9, 30))
        assert joining_closed(date(2024, 5, 1))
        told = db.session.scalars(select(Notification).where(Notification.user_id == installer.id,
                                                             Notification.kind == "programme_ending")).all()
        assert len(told) == 1
    # publishing the same end again announces nothing twice; another end than the announced one is refused
    assert app.test_cli_runner().invoke(args=args).exit_code == 0
    path.write_text(ending.replace("ends_on = 2024-09-30", "ends_on = 2024-10-31"))
    moved = app.test_cli_runner().invoke(args=args)
    assert moved.exit_code == 1 and "2024-09-30" in moved.output, moved.output
    with use_tenant(tenant.id):
        assert end().ends_on == date(2024, 9, 30)
        assert len(db.session.scalars(select(Notification).where(Notification.kind == "programme_ending")).all()) == 1


def test_L30_a_lead_campaign_may_end_early_when_its_pool_of_funds_runs_out():
    """Seed 000: the campaign runs for its dates "or until the pool of funds is used up", and its terms may change at
    any time: the 3 months' notice of an end is the installer programme's (P-40), not a lead campaign's."""
    campaign = {"programme": {"type": "lead_reward", "ends_on": "2018-12-27"}, "lead": {}}
    earlier = {"programme": {"type": "lead_reward", "ends_on": "2018-11-15"}, "lead": {}}
    assert notice_problems(campaign, earlier, date(2018, 11, 10), date(2018, 11, 10)) == []
