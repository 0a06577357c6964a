"""Programme definitions as data (E-01), the demo presets, and the operator commands around them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.programmes.models import ProgrammeVersion
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant

ROOT = Path(__file__).resolve().parents[2]


def test_E01_every_preset_definition_is_valid():
    from portal.programmes import definition

    for path in sorted((ROOT / "tenants").glob("*/programme.toml")):
        data, _ = definition.read(path)
        assert data["tenant"]["slug"] == path.parent.name


def test_demo_seed_creates_three_organisers_with_every_role_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    assert {t.kind for t in tenants} == {"distributor", "manufacturer", "saas_vendor"}
    from portal.accounts.models import User

    for tenant in tenants:
        with use_tenant(tenant.id):
            roles = sorted({u.role for u in db.session.scalars(select(User))})
            assert roles == ["admin", "dpo", "participant", "staff"]
            assert len(db.session.scalars(select(ProgrammeVersion)).all()) == 1


def test_demo_lead_campaigns_show_their_history_on_their_own_days(app, client):
    """The demo's lead campaigns ran in the past (the seed's dates): a lead qualified and sold on its days, one still
    waiting, and the first period's settlement drafted — so the statements and standings have something to show."""
    from portal.demo.service import DEMO_PASSWORD, demo_email
    from portal.leads.models import Lead, Settlement, SettlementLine

    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with use_tenant(db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one().id):
        leads = {lead.status: lead for lead in db.session.scalars(select(Lead))}
        assert set(leads) == {"qualified", "pending"} and str(leads["qualified"].decided_on) == "2018-08-03"
        run = db.session.scalars(select(Settlement)).one()
        lines = {(ln.line, str(ln.amount), ln.status) for ln in db.session.scalars(select(SettlementLine))}
    assert str(run.as_of) == "2018-10-05" and run.status == "draft"
    assert lines == {("reward", "1800.00", "payable"), ("new_partner_bonus", "365.00", "payable")}  # 15 % of 12,000
    assert client.post("/t/distributor/login", data={"email": demo_email("distributor", "participant1"),
                                                     "password": DEMO_PASSWORD}).status_code == 302
    client.post("/lang/en")
    assert "1,800.00" in client.get("/t/distributor/statements").get_data(as_text=True)


def test_demo_logins_work_for_every_role(app, client):
    from portal.demo.service import DEMO_PASSWORD, demo_email

    app.test_cli_runner().invoke(args=["demo", "seed"])
    for role, page in (("admin", "admin"), ("staff", "staff"), ("dpo", "dpo"), ("participant1", "participant")):
        response = client.post("/t/distributor/login", data={"email": demo_email("distributor", role),
                                                              "password": DEMO_PASSWORD})
        assert response.status_code == 302, role
        assert client.get(f"/t/distributor/{page}").status_code == 200, role
        client.post("/t/distributor/logout")
    response = client.post("/operator/login", data={"email": "operator@portal.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/operator/").get_data(as_text=True)
    assert "/t/distributor" in page and "/t/manufacturer" in page and "/t/saas-vendor" in page


def test_E01_invalid_definition_names_the_key_and_line_and_changes_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "seed"])
    good = (ROOT / "tenants" / "distributor" / "programme.toml").read_text()
    bad = good.replace('kind = "distributor"', 'kind = "wholesaler"', 1)
    path = tmp_path / "programme.toml"
    path.write_text(bad)
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if text.startswith('kind = "wholesaler"'))
    result = runner.invoke(args=["programme", "load", "distributor", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line}: tenant.kind: must be one of" in result.output
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    with use_tenant(tenant.id):
        assert len(db.session.scalars(select(ProgrammeVersion)).all()) == 1


def test_E01_toml_syntax_error_reports_its_line(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "seed"])
    path = tmp_path / "programme.toml"
    path.write_text('[tenant]\nslug = "distributor"\nname = \n')
    result = runner.invoke(args=["programme", "load", "distributor", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3" in result.output


def test_programme_load_adds_a_version_with_its_effective_date(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "seed"])
    text = (ROOT / "tenants" / "distributor" / "programme.toml").read_text()
    path = tmp_path / "programme.toml"
    path.write_text(text.replace('rate = "0.12"', 'rate = "0.13"', 1))  # a better rate: a change, no notice needed
    result = runner.invoke(args=["programme", "load", "distributor", str(path), "--effective-from", "2018-09-01"])
    assert result.exit_code == 0, result.output
    assert "version 2 from 2018-09-01" in result.output


def test_jobs_run_as_of_a_day_twice_changes_nothing_the_second_time(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "seed"])
    first = runner.invoke(args=["jobs", "run", "--as-of", "2026-05-01"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["jobs", "run", "--as-of", "2026-05-01"])
    assert second.exit_code == 0
    assert all(line.endswith("changed=0") for line in second.output.strip().splitlines()), second.output


def test_jobs_run_for_an_unknown_tenant_exits_1(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "nobody", "--as-of", "2026-05-01"])
    assert result.exit_code == 1 and "no tenant" in result.output


def test_jobs_run_with_a_bad_date_is_a_usage_error(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--as-of", "01.05.2026"])
    assert result.exit_code == 2


def test_E02_programme_load_as_of_a_day_counts_the_notice_period_from_it(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "seed"])
    text = (ROOT / "tenants" / "manufacturer" / "programme.toml").read_text()
    path = tmp_path / "programme.toml"
    path.write_text(text.replace("points = 120", "points = 100", 1))  # a cut of a device's points: 7 days' notice
    early = runner.invoke(args=["programme", "load", "manufacturer", str(path), "--as-of", "2018-05-03",
                                "--effective-from", "2018-05-09"])
    assert early.exit_code == 1 and "P-04" in early.output
    ok = runner.invoke(args=["programme", "load", "manufacturer", str(path), "--as-of", "2018-05-03",
                             "--effective-from", "2018-05-10"])
    assert ok.exit_code == 0, ok.output
    assert "from 2018-05-10" in ok.output


def test_E01_an_unknown_realisation_setting_is_refused_with_its_line(app, tmp_path):
    """A misspelt condition must not be dropped silently: the campaign would pay leads it means to refuse."""
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "seed"])
    good = (ROOT / "tenants" / "distributor" / "programme.toml").read_text()
    bad = good.replace("require_new_tenant = true", "require_new_customer = true", 1)
    path = tmp_path / "programme.toml"
    path.write_text(bad)
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if text.startswith("require_new_customer"))
    result = runner.invoke(args=["programme", "load", "distributor", str(path)])
    assert result.exit_code == 1
    assert f"{path}:{line}: lead.realisation.require_new_customer: is not a realisation setting" in result.output


def test_E01_S9_a_definition_loaded_again_with_only_a_comment_added_is_no_new_version(app, tmp_path):
    """The loader judges a definition by what it says, as the editor does: a comment or a blank line more is the
    same definition — no new version, no 'the programme changes' notice to every participant."""
    from portal.notifications.models import Notification

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    text = (ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8")
    path = tmp_path / "programme.toml"
    path.write_text(text + "\n# reviewed by the legal team\n", encoding="utf-8")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        notices = len(db.session.scalars(select(Notification)).all())
    result = runner.invoke(args=["programme", "load", "manufacturer", str(path)])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    with use_tenant(tenant.id):
        assert len(db.session.scalars(select(ProgrammeVersion)).all()) == 1
        assert len(db.session.scalars(select(Notification)).all()) == notices
