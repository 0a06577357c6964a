"""Contract end and renewal, as the audit found them (C-01, C-04): no end date in the past from any path, the export
and deletion windows counted from the date the contract expired (DPA §9.3), term ends computed from the start date
so renewals do not drift at month ends, and access bundles deleted with the tenant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.operator import contracts, offboarding
from portal.operator.models import Contract, DeletionCertificate
from portal.privacy import requests
from portal.privacy.models import ExportBundle
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories

TODAY = date(2026, 3, 2)  # tests/conftest START


def _state(tenant_id: int) -> tuple:
    db.session.expire_all()
    contract = contracts.of_tenant(tenant_id)
    return (db.session.get(Tenant, tenant_id).status, contract.ended_on if contract else None,
            contract.export_until if contract else None)


# C-04: no end date before today, whichever path ends the contract

def test_C04_cli_refuses_an_end_date_in_the_past_and_changes_nothing(app, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["contracts", "end", "alpha", "--on", "2026-03-01"])
    assert result.exit_code == 1
    assert "2026-03-02" in result.stderr and "C-04" in result.stderr
    assert "export until" not in result.stdout
    assert _state(tenant_a.id) == ("active", None, None)


def test_C04_cli_refuses_a_past_date_for_a_tenant_without_a_contract_and_stores_none(app, tenant_a):
    result = app.test_cli_runner().invoke(args=["contracts", "end", "alpha", "--on", "2025-01-01"])
    assert result.exit_code == 1 and "C-04" in result.stderr
    db.session.expire_all()
    assert db.session.scalars(select(Contract).where(Contract.tenant_id == tenant_a.id)).all() == []
    assert db.session.get(Tenant, tenant_a.id).status == "active"


def test_C04_cli_ends_today_and_later_as_before(app, tenant_a, tenant_b):
    runner = app.test_cli_runner()
    today = runner.invoke(args=["contracts", "end", "alpha", "--on", TODAY.isoformat()])
    assert today.exit_code == 0, today.stderr
    assert _state(tenant_a.id) == ("read_only", TODAY, date(2026, 3, 9))
    later = runner.invoke(args=["contracts", "end", "beta", "--on", "2026-04-01"])
    assert later.exit_code == 0, later.stderr
    assert _state(tenant_b.id) == ("active", date(2026, 4, 1), date(2026, 4, 8))


def test_C04_the_service_refuses_a_past_end_date_with_field_and_rule(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    with pytest.raises(DomainError) as caught:
        contracts.end(contract, on=date(2026, 3, 1), ground="law_breach")
    assert caught.value.rule == "C-04" and caught.value.field == "on"
    assert contract.ended_on is None and contract.export_until is None and contract.delete_by is None


def test_C04_a_term_found_expired_late_still_ends_on_its_own_date(app, tenant_a):
    """The daily job may run (or be replayed) after the term's end: the expiry is not refused as a past date."""
    contract = contracts.create(tenant_a.id, starts_on=date(2025, 1, 1), term_months=12)
    contracts.give_notice(contract, date(2025, 11, 1))
    contracts.renew_due(as_of=date(2026, 2, 10))
    assert (contract.ended_on, contract.end_ground) == (date(2025, 12, 31), "expiry")


# C-04: 7 days to export and deletion 14 days after the date the contract (and so the DPA) expired

def test_C04_an_expired_term_counts_export_and_deletion_from_its_last_day(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2025, 1, 1), term_months=12)
    contracts.give_notice(contract, date(2025, 11, 1))
    contracts.renew_due(as_of=date(2026, 1, 1))
    assert contract.ended_on == date(2025, 12, 31)  # the date of expiry: the last day of the term
    assert contract.export_until == date(2026, 1, 7)  # 7 days from it
    assert contract.delete_by == date(2026, 1, 14)  # "14 dni po dacie wygaśnięcia"


def test_C04_a_termination_counts_from_its_end_date_the_same_way(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    contracts.end(contract, on=date(2026, 4, 10), ground="payment_delay_over_30_days")
    assert (contract.export_until, contract.delete_by) == (date(2026, 4, 17), date(2026, 4, 24))


def test_C04_expired_term_read_only_from_the_next_day_export_for_7_days_then_deleted(app, tenant_a, clock):
    factories.subject_everywhere(tenant_a, "eecanary")
    contract = contracts.create(tenant_a.id, starts_on=date(2025, 1, 1), term_months=12)
    contracts.give_notice(contract, date(2025, 11, 1))
    db.session.commit()
    offboarding.apply_contract_ends(as_of=date(2025, 12, 31), clock=as_of(date(2025, 12, 31)))
    assert db.session.get(Tenant, tenant_a.id).status == "active"  # the last day of the term is still served
    offboarding.apply_contract_ends(as_of=date(2026, 1, 1), clock=as_of(date(2026, 1, 1)))
    assert db.session.get(Tenant, tenant_a.id).status == "read_only"
    offboarding.apply_contract_ends(as_of=date(2026, 1, 7), clock=as_of(date(2026, 1, 7)))
    assert db.session.get(Tenant, tenant_a.id).status == "read_only"  # day 7 after expiry: export still possible
    offboarding.apply_contract_ends(as_of=date(2026, 1, 8), clock=as_of(date(2026, 1, 8)))
    db.session.commit()
    assert db.session.get(Tenant, tenant_a.id).status == "deleted"
    assert offboarding.remaining_rows(tenant_a.id) == 0


# C-01: each term ends at start + k·term − 1 day, so renewals do not drift at month ends

def test_C01_six_month_term_renews_to_the_end_of_august_not_the_28th(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 9, 1), term_months=6)
    assert contract.current_end == date(2025, 2, 28)
    contracts.renew_due(as_of=date(2025, 3, 1))
    assert contract.current_end == date(2025, 8, 31)
    assert contracts.notice_deadline(contract) == date(2025, 8, 1)  # 30 days before the corrected end
    contracts.renew_due(as_of=date(2025, 9, 1))
    assert contract.current_end == date(2026, 2, 28)


def test_C01_monthly_terms_keep_ending_on_the_last_day_of_each_month(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 1, 1), term_months=1)
    ends = []
    for day in (date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)):
        contracts.renew_due(as_of=day)
        ends.append(contract.current_end)
    assert ends == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31)]
    with pytest.raises(DomainError, match="2024-05-01"):
        contracts.give_notice(contract, date(2024, 5, 2))  # the deadline follows the corrected end


def test_C01_renewal_after_several_missed_terms_lands_on_the_term_holding_the_day(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 1, 31), term_months=1)
    contracts.renew_due(as_of=date(2024, 6, 15))
    assert contract.current_end == date(2024, 6, 30)  # 2024-01-31 + 5 months: no 31 June, so to the month's end
    assert contracts.renew_due(as_of=date(2024, 6, 30)) == 0  # still inside the term: nothing to renew


def test_C01_a_drifted_end_is_put_back_on_the_start_based_end_at_the_next_renewal(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 9, 1), term_months=6)
    contract.current_end = date(2025, 8, 28)  # what the old renewal stored
    contracts.renew_due(as_of=date(2025, 8, 30))
    assert contract.current_end == date(2025, 8, 31)


# C-04: access bundles on disk go with the tenant

def _bundle(tenant, email: str) -> Path:
    from flask import current_app

    factories.user(tenant, email=email, first_name="Ola")
    day = as_of(TODAY)
    with use_tenant(tenant.id):
        row, _token = requests.file("access", channel="dpo", clock=day, email=email, verified=True, note="x")
        requests.process(row, clock=day, tenant_name=tenant.name)
        bundle = db.session.scalars(select(ExportBundle).where(ExportBundle.request_id == row.id)).one()
        db.session.commit()
        return Path(current_app.config["UPLOAD_DIR"]) / "exports" / bundle.filename


def test_C04_tenant_deletion_removes_its_access_bundles_and_counts_them(app, tenant_a, tenant_b, clock):
    mine = [_bundle(tenant_a, "ola@example.com"), _bundle(tenant_a, "ela@example.com")]
    other = _bundle(tenant_b, "ula@example.com")
    assert all(p.exists() for p in [*mine, other])
    certificate = offboarding.delete_tenant(tenant_a.id, clock=clock)
    assert not any(p.exists() for p in mine)
    assert other.exists()  # another tenant's bundle stays
    assert certificate.files == 2 and certificate.counts["export_bundles"] == 2


def test_C04_bundle_deletion_finishes_after_a_crash_and_counts_each_file_once(app, tenant_a, clock, monkeypatch):
    paths = [_bundle(tenant_a, "ola@example.com"), _bundle(tenant_a, "ela@example.com")]
    original = Path.unlink
    calls = {"n": 0}

    def crash_on_the_second(self, *args, **kwargs):
        if self in paths:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("worker killed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", crash_on_the_second)
    with pytest.raises(RuntimeError):
        offboarding.delete_tenant(tenant_a.id, clock=clock)
    monkeypatch.undo()
    db.session.rollback()
    assert sum(p.exists() for p in paths) == 1
    certificate = offboarding.delete_tenant(tenant_a.id, clock=clock)
    assert not any(p.exists() for p in paths)
    assert certificate.finished_at is not None and certificate.files == 2
    assert offboarding.remaining_rows(tenant_a.id) == 0
    assert db.session.scalars(select(DeletionCertificate)).one().files == 2


def test_C04_a_bundle_already_purged_is_not_counted_again(app, tenant_a, clock):
    from portal.privacy import export

    path = _bundle(tenant_a, "ola@example.com")
    with use_tenant(tenant_a.id):
        assert export.purge_expired(clock=as_of(date(2026, 4, 1))) == 1
        db.session.commit()
    assert not path.exists()
    certificate = offboarding.delete_tenant(tenant_a.id, clock=clock)
    assert certificate.files == 0 and certificate.counts["export_bundles"] == 1


def test_C04_tenant_deletion_removes_its_staged_import_files(app, tenant_a, tenant_b, clock):
    """A sales-import preview never committed leaves its file under UPLOAD_DIR/imports/<tenant>: it holds the
    vendor's report (customers' NIPs), so it goes with the tenant's other files and is counted once."""
    from flask import current_app

    root = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    for tenant in (tenant_a, tenant_b):
        (root / str(tenant.id)).mkdir(parents=True, exist_ok=True)
        (root / str(tenant.id) / "staged.csv").write_text("ref,transaction_date\n", encoding="utf-8")
    certificate = offboarding.delete_tenant(tenant_a.id, clock=clock)
    assert not (root / str(tenant_a.id)).exists() and certificate.files == 1
    assert (root / str(tenant_b.id) / "staged.csv").exists()
