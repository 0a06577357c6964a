"""Hand-computed cases from the SaaS vendor's terms and DPA (seed 004), driven through the operator's commands."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.operator import contracts
from portal.tenancy.models import Tenant


def _status(tenant_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Tenant, tenant_id).status


def test_C04_contracts_end_replays_a_day_with_as_of_like_every_command(app, tenant_a):
    """FORMATS.md: ``--as-of DATE`` sets the clock for a command. Ended on 10 March as of 10 March: read-only at
    once, export until 17 March (7 days), deleted from the 18th, by 24 March (14 days) at the latest."""
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    runner = app.test_cli_runner()
    early = runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-03-09", "--as-of", "2026-03-10"])
    assert early.exit_code == 1 and "2026-03-10" in early.output
    done = runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-03-10", "--as-of", "2026-03-10"])
    assert done.exit_code == 0, done.output
    assert "export until 2026-03-17; deletion by 2026-03-24" in done.output
    assert _status(tenant_a.id) == "read_only"
    assert runner.invoke(args=["jobs", "run", "--as-of", "2026-03-17"]).exit_code == 0
    assert _status(tenant_a.id) == "read_only"  # the 7th day of the export window
    assert runner.invoke(args=["jobs", "run", "--as-of", "2026-03-18"]).exit_code == 0
    assert _status(tenant_a.id) == "deleted"


def test_C01_notice_and_terms_replay_a_day_with_as_of(app, tenant_a):
    runner = app.test_cli_runner()
    signed = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2025-01-01", "--term", "12",
                                 "--as-of", "2025-01-01"])
    assert signed.exit_code == 0 and "term ends 2025-12-31; notice of non-renewal by 2025-12-01" in signed.output
    late = runner.invoke(args=["contracts", "notice", "alpha", "--on", "2025-12-02", "--as-of", "2025-12-02"])
    assert late.exit_code == 1 and "2025-12-01" in late.output
