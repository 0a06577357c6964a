"""Contracts and fees against the vendor's terms, as a later audit found them (C-01, C-02, C-04; FORMATS exit
codes): a renewal counts from the day after the previous term (art. 112 KC), partners without an account are stored
participants (OWU V.5), the last month is billed by the days served (OWU VIII.4), and the discount reclaimed on an
early termination for the organiser's fault is proportional by days (OWU VIII.7) and said where the end is made."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.operator import contracts

# C-01 (OWU VIII.1; art. 112 KC): each renewal starts the day after the previous term's last day

def test_C01_a_renewed_term_runs_its_months_from_the_day_after_the_previous_end(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 8, 31), term_months=6)
    assert contract.current_end == date(2025, 2, 28)  # no 31 Feb: the first term runs to February's last day
    contracts.renew_due(as_of=date(2025, 3, 1))
    # the renewal starts 2025-03-01; six months from it end on 2025-08-31 (not 2025-08-30, counted from 31 Aug)
    assert contract.current_end == date(2025, 8, 31)
    assert contracts.notice_deadline(contract) == date(2025, 8, 1)  # 30 days before 31 Aug
    contracts.renew_due(as_of=date(2025, 9, 1))
    assert contract.current_end == date(2026, 2, 28)  # from 2025-09-01: six months end on 2026-02-28


def test_C01_the_cli_shows_the_renewed_term_from_the_day_after_the_end(app, tenant_a):
    runner = app.test_cli_runner()
    signed = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2024-08-31", "--term", "6",
                                 "--as-of", "2024-08-31"])
    assert signed.exit_code == 0 and "term ends 2025-02-28" in signed.output
    assert runner.invoke(args=["jobs", "run", "alpha", "--as-of", "2025-03-01"]).exit_code == 0
    db.session.rollback()
    contract = contracts.of_tenant(tenant_a.id)
    assert contract.current_end == date(2025, 8, 31)
    assert contracts.notice_deadline(contract) == date(2025, 8, 1)


def test_C01_a_notice_replayed_after_the_renewal_is_against_the_chained_term(app, tenant_a):
    """A later day ran first (2025-09-05 renewed twice); a notice received on 2025-07-20, before the 2025-08-01
    deadline of the term 2025-03-01 … 2025-08-31, ends the contract on 2025-08-31."""
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 8, 31), term_months=6)
    contracts.renew_due(as_of=date(2025, 9, 5))
    assert contract.current_end == date(2026, 2, 28)
    contracts.give_notice(contract, date(2025, 7, 20))
    assert contract.current_end == date(2025, 8, 31) and not contract.auto_renew
