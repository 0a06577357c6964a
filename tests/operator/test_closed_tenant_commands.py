"""C-04 (README: "On a tenant whose contract has ended, every write command exits 1"): loading an organiser's
folder again — `tenants create`, `demo seed` — writes nothing into an organiser that is read-only, nor into one
deleted after its contract (its name is not used again); `demo seed` leaves such an organiser as it is and seeds
the others."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.clock import as_of
from portal.extensions import db
from portal.programmes.models import ProgrammeVersion
from portal.tenancy.guard import across_tenants
from portal.tenancy.models import Tenant

ROOT = Path(__file__).resolve().parents[2]
FOLDER = str(ROOT / "tenants" / "manufacturer")


def _count(model, slug: str) -> int:
    with across_tenants("the test counts a tenant's rows"):
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        return db.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant_id))


def test_C04_a_closed_organiser_is_not_loaded_again(app, tmp_path):
    app.extensions["clock"] = as_of(date(2026, 12, 7))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", FOLDER]).exit_code == 0
    ended = runner.invoke(args=["contracts", "end", "manufacturer", "--on", "2026-12-07"])
    assert ended.exit_code == 0, ended.output
    versions = _count(ProgrammeVersion, "manufacturer")
    again = runner.invoke(args=["tenants", "create", FOLDER])
    assert again.exit_code == 1 and "C-04" in again.output and "read-only" in again.output, again.output
    assert _count(ProgrammeVersion, "manufacturer") == versions
    app.extensions["clock"] = as_of(date(2026, 12, 22))
    assert runner.invoke(args=["jobs", "run", "--as-of", "2026-12-22"]).exit_code == 0
    assert db.session.scalar(select(Tenant.status).where(Tenant.slug == "manufacturer")) == "deleted"
    gone = runner.invoke(args=["tenants", "create", FOLDER])
    assert gone.exit_code == 1 and "deleted" in gone.output, gone.output
    seeded = runner.invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    assert _count(User, "manufacturer") == 0 and _count(ProgrammeVersion, "manufacturer") == 0
    assert _count(User, "distributor") > 0  # the other organisers are seeded
