"""E-02 when an organiser's folder is loaded again (`flask tenants create` on an existing tenant): the changed
definition is a change like any other — published from today, checked against the notice periods and announced to
the participants — never a silent new version back-dated to the edition's start."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.programmes.models import ProgrammeVersion
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _folder(tmp_path) -> Path:
    folder = tmp_path / "manufacturer"
    shutil.copytree(ROOT / "tenants" / "manufacturer", folder)
    return folder


def _versions(slug: str) -> list[ProgrammeVersion]:
    with use_tenant(tenants.by_slug(slug).id):
        return list(db.session.scalars(select(ProgrammeVersion).order_by(ProgrammeVersion.version)))


def test_E02_P04_loading_a_points_cut_again_is_refused_inside_the_notice_period(app, tmp_path):
    folder = _folder(tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(folder)]).exit_code == 0
    toml = folder / "programme.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("points = 120", "points = 60", 1), encoding="utf-8")

    again = runner.invoke(args=["tenants", "create", str(folder)])

    assert again.exit_code == 1
    assert "P-04" in again.output
    assert len(_versions("manufacturer")) == 1


def test_E02_loading_a_change_again_publishes_it_from_today_and_tells_the_participants(app, tmp_path, clock):
    folder = _folder(tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(folder)]).exit_code == 0
    tenant = tenants.by_slug("manufacturer")
    factories.user(tenant, email="ala@installer.example")
    toml = folder / "programme.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'name_en = "Termovia Kond 24 C' in text  # a change needing no notice (a points change needs 7 days, P-04)
    toml.write_text(text.replace('name_en = "Termovia Kond 24 C', 'name_en = "Termovia Kond 24 C (2024)', 1),
                    encoding="utf-8")

    again = runner.invoke(args=["tenants", "create", str(folder)])

    assert again.exit_code == 0, again.output
    versions = _versions("manufacturer")
    assert len(versions) == 2 and versions[-1].effective_from == clock.today()
    with use_tenant(tenant.id):
        told = db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "programme_changed"))
    assert told == 1


def test_E02_a_changed_programme_code_on_an_existing_tenant_is_refused_not_added_back_dated(app, tmp_path):
    folder = _folder(tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(folder)]).exit_code == 0
    toml = folder / "programme.toml"
    text = toml.read_text(encoding="utf-8")
    code = text.split('code = "', 1)[1].split('"', 1)[0]
    toml.write_text(text.replace(f'code = "{code}"', 'code = "ANOTHER-2099"', 1), encoding="utf-8")

    again = runner.invoke(args=["tenants", "create", str(folder)])

    assert again.exit_code == 1 and "another programme" in again.output
    assert len(_versions("manufacturer")) == 1


def test_E02_demo_seed_over_a_preset_changed_inside_its_notice_exits_1_with_the_reason(app, tmp_path, monkeypatch):
    tenants_dir = tmp_path / "tenants"
    folder = _folder(tenants_dir)
    monkeypatch.setattr("portal.demo.cli.tenants_dir", lambda: tenants_dir)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    toml = folder / "programme.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("points = 120", "points = 60", 1), encoding="utf-8")

    again = runner.invoke(args=["demo", "seed"])

    assert again.exit_code == 1 and "P-04" in again.output
    assert again.exception is None or isinstance(again.exception, SystemExit)
