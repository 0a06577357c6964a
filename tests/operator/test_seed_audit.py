"""Hand-computed cases from the SaaS vendor's terms and DPA (seed 004), driven through the operator's commands."""

from __future__ import annotations

from datetime import date

import pytest

from portal.core.errors import DomainError
from portal.extensions import db
from portal.operator import contracts
from portal.tenancy.models import Tenant
from tests import factories


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


def test_C03_expiry_is_the_end_of_the_term_not_any_day(app, tenant_a):
    """OWU VIII.1: the contract is for a fixed term and otherwise renews; it ends on expiry only on the term's last
    day (a 12-month term from 1 January 2026 ends 31 December 2026). Any other day needs a ground of VIII.2–3."""
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-06-30", "--ground", "expiry"])
    assert refused.exit_code == 1 and "2026-12-31" in refused.output
    db.session.expire_all()
    assert contracts.of_tenant(tenant_a.id).ended_on is None
    with pytest.raises(DomainError) as error:
        contracts.end(contract, on=date(2027, 1, 1), ground="expiry")
    assert (error.value.field, error.value.rule) == ("on", "C-03")
    done = runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-12-31", "--ground", "expiry"])
    assert done.exit_code == 0 and "export until 2027-01-07; deletion by 2027-01-14" in done.output


def test_C03_C04_the_command_without_a_ground_ends_on_any_day_and_calls_the_terms_end_an_expiry(app, tenant_a):
    """FORMATS.md's `flask contracts end SLUG --on DATE` names no ground: the term's last day is its expiry, another
    day an end by agreement; either way export for 7 days and deletion within 14."""
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    other = factories.tenant("beta")
    contracts.create(other.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-04-15"]).exit_code == 0
    assert runner.invoke(args=["contracts", "end", "beta", "--on", "2026-12-31"]).exit_code == 0
    db.session.expire_all()
    alpha, beta = contracts.of_tenant(tenant_a.id), contracts.of_tenant(other.id)
    assert (alpha.end_ground, alpha.export_until, alpha.delete_by) == ("mutual", date(2026, 4, 22), date(2026, 4, 29))
    assert (beta.end_ground, beta.export_until, beta.delete_by) == ("expiry", date(2027, 1, 7), date(2027, 1, 14))


def test_C04_a_term_ended_on_its_last_day_is_served_that_day_and_read_only_from_the_next(app, tenant_a):
    """Ending on expiry as of the term's last day: that day still belongs to the term (as when the daily job closes
    a term not renewed); a termination on a day takes effect that day."""
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    runner = app.test_cli_runner()
    done = runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-12-31", "--ground", "expiry",
                               "--as-of", "2026-12-31"])
    assert done.exit_code == 0, done.output
    assert _status(tenant_a.id) == "active"
    assert runner.invoke(args=["jobs", "run", "--as-of", "2026-12-31"]).exit_code == 0
    assert _status(tenant_a.id) == "active"
    assert runner.invoke(args=["jobs", "run", "--as-of", "2027-01-01"]).exit_code == 0
    assert _status(tenant_a.id) == "read_only"
