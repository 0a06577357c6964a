"""G-04: a bundle's zip is deleted after its 7 days. A zip whose job died after writing it but before its row was
committed (the worker killed, the database gone) has no row to expire it: the platform's daily jobs delete such a
file once it is an hour old, so no copy of a subject's data outlives its link."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.privacy.export import bundle_path
from portal.privacy.models import ExportBundle
from portal.tenancy.guard import use_tenant
from tests import factories


def _age(path, clock, hours: float) -> None:
    stamp = (clock.now() - timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


def test_G04_a_zip_without_its_bundle_row_is_deleted_by_the_daily_jobs_and_a_live_one_is_kept(app, tenant_a, clock):
    factories.user(tenant_a, email="ala@example.com")
    runner = app.test_cli_runner()
    ref = runner.invoke(args=["privacy", "request", "alpha", "--kind", "access", "--email", "ala@example.com"])
    assert ref.exit_code == 0, ref.output
    processed = runner.invoke(args=["privacy", "process", "alpha", ref.output.strip()])
    assert processed.exit_code == 0, processed.output
    db.session.rollback()
    with use_tenant(tenant_a.id):
        live = bundle_path(db.session.scalars(select(ExportBundle.filename)).one())
    assert live.is_file()
    orphan = live.with_name("0" * 32 + ".zip")
    orphan.write_bytes(b"PK the subject's data")
    fresh = live.with_name("1" * 32 + ".zip")  # a job still writing its row: too young to judge
    fresh.write_bytes(b"PK")
    _age(live, clock, 2)
    _age(orphan, clock, 2)
    _age(fresh, clock, 0.1)

    done = runner.invoke(args=["jobs", "run"])  # every tenant and the platform, on the test clock's day

    assert done.exit_code == 0, done.output
    assert not orphan.exists()
    assert live.is_file() and fresh.is_file()
