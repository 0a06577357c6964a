"""Contracts, fees and contract end (C-01 … C-05)."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

import pytest
import redis
from sqlalchemy import select

from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.operator import contracts, fees, offboarding
from portal.operator.models import DeletionCertificate
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories

PRICING = {"tiers": [{"contacts_max": 1000, "monthly_fee": "1000.00"}, {"contacts_max": 5000, "monthly_fee": "2000.00"},
                     {"contacts_max": None, "monthly_fee": "4000.00"}], "premium_rate": "0.05"}


def test_C01_notice_30_days_before_the_end_stops_the_renewal(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    assert contract.current_end == date(2026, 12, 31) and contracts.notice_deadline(contract) == date(2026, 12, 1)
    with pytest.raises(DomainError, match="C-01|renews"):
        contracts.give_notice(contract, date(2026, 12, 2))
    contracts.renew_due(as_of=date(2027, 1, 1))
    assert contract.current_end == date(2027, 12, 31)  # no notice: renewed for the same term


@pytest.mark.parametrize(("term", "rate", "fee"), [(3, "0", "1000.00"), (6, "0.30", "700.00"),
                                                   (11, "0.30", "700.00"), (12, "0.50", "500.00"),
                                                   (24, "0.50", "500.00")])
def test_C02_term_discounts_worked_examples(app, tenant_a, term, rate, fee):
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=term, pricing=PRICING)
    result = fees.monthly_fee(contract, date(2026, 2, 1), 800)
    assert result.discount_rate == Decimal(rate) and result.fee == Decimal(fee)


def test_C02_a_reached_tier_stays_the_minimum_and_the_premium_compounds(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    assert fees.monthly_fee(contract, date(2026, 3, 1), 3000).fee == Decimal("1000.00")  # tier 2: 2000 − 50 %
    assert fees.monthly_fee(contract, date(2026, 4, 1), 200).fee == Decimal("1000.00")  # still the minimum
    second_year = fees.monthly_fee(contract, date(2027, 2, 1), 200)
    assert second_year.premium_years == 1 and second_year.list_fee == Decimal("2100.00")
    assert second_year.fee == Decimal("1050.00")


def test_C02_discount_reclaimed_pro_rata_on_termination_for_the_customers_fault(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    contracts.end(contract, on=date(2026, 7, 1), ground="payment_delay_over_30_days")
    # OWU VIII.7 by days: 500.00 × 12 = 6000.00 for the term; 2 July … 31 December, 183 of 365 days, unexpired
    assert contracts.discount_reclaim(contract, Decimal("500.00"), on=date(2026, 7, 1)) == Decimal("3008.22")
    other = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    contracts.end(other, on=date(2026, 7, 1), ground="customer_outage_not_fixed")
    assert contracts.discount_reclaim(other, Decimal("500.00"), on=date(2026, 7, 1)) == Decimal("0.00")


def _seed(tenant, canary):
    user = factories.subject_everywhere(tenant, canary)
    factories.audit_entry(user)
    return user


def _snapshot(tenant_id: int) -> dict[str, list]:
    """Every row of every tenant-owned table of one tenant, as stored."""
    with db.engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(t.select().where(t.c.tenant_id == tenant_id)).all()), key=repr)
                for t in offboarding.tenant_tables()}


def _anywhere(text_value: str) -> list[str]:
    """Tables in the whole database with any text holding ``text_value``."""
    from sqlalchemy import JSON, String, Text

    found = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if any(text_value in repr(tuple(row)) for row in conn.execute(select(*cols)).all()) if cols else False:
                found.append(table.name)
    return found


def test_C04_contract_end_read_only_export_then_deletion_leaves_nothing(app, client, tenant_a, tenant_b, clock):
    from portal.accounts.models import ADMIN

    _seed(tenant_a, "aacanary")
    _seed(tenant_b, "bbcanary")
    with use_tenant(tenant_b.id):  # decided, so beta's own daily reminders leave it alone while alpha is deleted
        from sqlalchemy import update

        from portal.leads.models import Lead

        db.session.execute(update(Lead).values(status="qualified", decided_on=date(2018, 8, 13)))
        db.session.commit()
    admin = factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    before_b = offboarding.remaining_rows(tenant_b.id)
    snapshot_b = _snapshot(tenant_b.id)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-03-02"]).exit_code == 0
    # read-only: a write answers 423, an export still works
    factories.login(client, tenant_a, admin.email)
    assert client.post("/t/alpha/api-tokens", data={"name": "x"}).status_code == 423
    export = client.get("/t/alpha/export")
    assert export.status_code == 200 and export.mimetype == "application/zip"
    assert runner.invoke(args=["jobs", "run", "--as-of", "2026-03-09"]).exit_code == 0  # day 7: still there
    assert offboarding.remaining_rows(tenant_a.id) > 0
    assert runner.invoke(args=["jobs", "run", "--as-of", "2026-03-16"]).exit_code == 0  # day 14
    db.session.rollback()
    assert offboarding.remaining_rows(tenant_a.id) == 0
    assert offboarding.remaining_rows(tenant_b.id) == before_b
    assert _snapshot(tenant_b.id) == snapshot_b  # the other tenant, row for row, unchanged
    assert _anywhere("aacanary") == []  # nothing of the deleted tenant's people anywhere in the database
    certificate = db.session.scalars(select(DeletionCertificate)).one()
    assert certificate.finished_at is not None and certificate.digest and certificate.counts["users"] >= 2
    assert "aacanary" not in str(certificate.counts)
    tenant = db.session.get(Tenant, tenant_a.id)
    assert tenant.status == "deleted" and tenant.dpo_email == ""
    assert client.get("/t/alpha/").status_code == 404
    assert client.get("/t/beta/").status_code == 200
    # FORMATS.md: the tenant's daily jobs replayed for that day, or any later one, change nothing and succeed
    for day in ("2026-03-16", "2026-03-17"):
        again = runner.invoke(args=["jobs", "run", "alpha", "--as-of", day])
        assert again.exit_code == 0, again.output
        assert "deleted" in again.output and "2026-03-16" in again.output
    db.session.rollback()
    assert db.session.scalars(select(DeletionCertificate)).one().digest == certificate.digest
    assert not any(b"alpha" in k for k in redis.Redis.from_url(app.config["REDIS_URL"]).keys("*login:1:*"))


def test_C04_deletion_resumes_after_a_crash(app, tenant_a, clock, monkeypatch):
    _seed(tenant_a, "cccanary")
    calls = {"n": 0}
    original = db.session.commit

    def crash_after_three_batches():
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("worker killed")
        return original()

    monkeypatch.setattr(db.session, "commit", crash_after_three_batches)
    with pytest.raises(RuntimeError):
        offboarding.delete_tenant(tenant_a.id, clock=clock)
    monkeypatch.undo()
    db.session.rollback()
    assert db.session.scalars(select(DeletionCertificate)).one().finished_at is None
    offboarding.delete_tenant(tenant_a.id, clock=clock)
    assert offboarding.remaining_rows(tenant_a.id) == 0
    again = offboarding.delete_tenant(tenant_a.id, clock=clock)  # idempotent
    assert again.finished_at is not None


@pytest.mark.parametrize("crash", ["removing the uploads", "the last sweep of queued jobs"])
def test_C04_the_certificate_counts_each_uploaded_file_once_whatever_the_crash(app, tenant_a, clock, monkeypatch,
                                                                                crash):
    """C-04: the certificate says what was deleted. A worker killed after the tenant's upload folder was removed but
    before the count was committed must not leave a certificate saying no files were deleted (nor count them twice)."""
    import shutil
    from pathlib import Path

    from portal.privacy.models import ExportBundle

    factories.subject_everywhere(tenant_a, "cccanary")
    folder = Path(app.config["UPLOAD_DIR"]) / str(tenant_a.id)
    with use_tenant(tenant_a.id):
        bundles = len(db.session.scalars(select(ExportBundle.id).where(ExportBundle.deleted_at.is_(None))).all())
    expected = sum(1 for p in folder.rglob("*") if p.is_file()) + bundles
    assert expected > bundles
    if crash == "removing the uploads":
        real = shutil.rmtree

        def killed(path, *args, **kwargs):
            real(path, *args, **kwargs)
            raise RuntimeError("worker killed")

        monkeypatch.setattr(offboarding.shutil, "rmtree", killed)
    else:
        real_sweep, calls = offboarding._delete_redis, {"n": 0}

        def killed(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("worker killed")
            return real_sweep(*args, **kwargs)

        monkeypatch.setattr(offboarding, "_delete_redis", killed)
    with pytest.raises(RuntimeError):
        offboarding.delete_tenant(tenant_a.id, clock=clock)
    monkeypatch.undo()
    db.session.rollback()
    certificate = offboarding.delete_tenant(tenant_a.id, clock=clock)
    assert not folder.exists() and certificate.finished_at is not None
    assert certificate.files == expected


def test_C05_breach_is_told_to_each_affected_dpo_with_the_72_hour_deadline(app, tenant_a, tenant_b, clock):
    from portal.accounts.models import DPO
    from portal.notifications.models import Notification
    from portal.operator import breaches
    from portal.privacy.models import BreachRecord

    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.user(tenant_b, DPO, email="dpo@beta.example")
    breach = breaches.record({"nature": "lost laptop", "contact": "security@platform.example",
                              "consequences": "low", "measures": "disk encrypted", "people": 10, "records": 20},
                             [tenant_a.id], clock=clock)
    db.session.commit()
    assert breaches.deadline_met(breach)
    with use_tenant(tenant_a.id):
        record = db.session.scalars(select(BreachRecord)).one()
        assert (record.authority_due_at - record.discovered_at).total_seconds() == 72 * 3600
        assert db.session.scalars(select(Notification).where(Notification.kind == "breach_notice")).one()
    with use_tenant(tenant_b.id):
        assert db.session.scalars(select(BreachRecord)).all() == []


def test_operator_pages_show_no_participant_data(app, client, tenant_a):
    from portal.accounts.models import Operator
    from portal.accounts.passwords import hash_password

    factories.subject_everywhere(tenant_a, "ddcanary")
    db.session.add(Operator(email="op@platform.example", name="Op", password_hash=hash_password("operator-pass-1")))
    db.session.commit()
    client.post("/operator/login", data={"email": "op@platform.example", "password": "operator-pass-1"})
    for path in ("/operator/", "/operator/jobs", "/operator/breaches", "/operator/certificates"):
        page = client.get(path)
        assert page.status_code == 200 and "ddcanary" not in page.get_data(as_text=True), path


def test_C07_new_subprocessor_is_announced_to_every_dpo_seven_days_ahead(app, tenant_a, tenant_b, clock):
    from portal.accounts.models import DPO
    from portal.notifications.models import Notification
    from portal.operator import register

    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.user(tenant_b, DPO, email="dpo@beta.example")
    row = register.add_subprocessor({"name": "MailCo", "purpose": "e-mail delivery", "location": "PL"}, clock=clock)
    assert (row.effective_from - row.announced_on).days == 7
    for tenant in (tenant_a, tenant_b):
        with use_tenant(tenant.id):
            assert db.session.scalars(select(Notification).where(Notification.kind == "subprocessor_notice")).one()
    with pytest.raises(DomainError, match="EEA"):
        register.add_subprocessor({"name": "Far", "purpose": "x", "location": "US", "outside_eea": "1"}, clock=clock)


def test_C07_the_operator_configures_transfers_outside_the_eea_in_the_environment(monkeypatch, tmp_path):
    """DPA §6: no transfer outside the EEA "unless configured" — a real deployment configures it in its
    environment, as every other setting (README's table)."""
    from portal.config import from_environment

    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path))
    assert from_environment(str(tmp_path))["ALLOW_TRANSFERS_OUTSIDE_EEA"] is False
    monkeypatch.setenv("ALLOW_TRANSFERS_OUTSIDE_EEA", "1")
    assert from_environment(str(tmp_path))["ALLOW_TRANSFERS_OUTSIDE_EEA"] is True


def test_C06_audit_at_most_once_a_year_answered_within_30_days(app, tenant_a, clock):
    from portal.operator import register

    first = register.request_audit(tenant_a.id, "Q1", clock=clock)
    assert (first.answer_due - first.requested_on).days == 30
    with pytest.raises(DomainError, match="already requested this year"):
        register.request_audit(tenant_a.id, "Q2", clock=clock)


def test_C02_monthly_fee_statement_follows_the_participant_count(app, tenant_a, clock):
    from portal.operator import register

    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    factories.user(tenant_a)
    lines = register.fee_statement(tenant_a.id, until=date(2026, 3, 31))
    assert [ln.month.month for ln in lines] == [1, 2, 3]
    assert [ln.contacts for ln in lines] == [0, 0, 1]  # the participant joined on 2 March
    assert all(ln.fee == Decimal("500.00") for ln in lines)


def test_C01_a_notice_replayed_after_a_later_days_renewal_is_against_the_term_it_was_received_in(app, tenant_a):
    """Days replayed out of order: the 2027-01-05 run recorded the renewal first; the notice received on
    2026-11-20, before the 2026-12-01 deadline, still ends the contract on 2026-12-31 (OWU VIII.1)."""
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    contracts.renew_due(as_of=date(2027, 1, 5))
    assert contract.current_end == date(2027, 12, 31)
    contracts.give_notice(contract, date(2026, 11, 20))
    assert contract.current_end == date(2026, 12, 31) and not contract.auto_renew


def test_C01_a_late_notice_replayed_after_the_renewal_is_still_late(app, tenant_b):
    contract = contracts.create(tenant_b.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    contracts.renew_due(as_of=date(2027, 1, 5))
    with pytest.raises(DomainError, match="2026-12-01"):
        contracts.give_notice(contract, date(2026, 12, 15))
    assert contract.current_end == date(2027, 12, 31) and contract.auto_renew  # a refused notice changes nothing


def test_C01_C04_corrected_terms_of_a_renewed_contract_keep_its_running_term_and_the_tenant(app, tenant_a, clock):
    """Re-saving the order form's terms after a renewal and a notice: the end stays the renewed term's last day —
    never a past day that would close the contract and delete the organiser's data the next morning."""
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 1, 1), term_months=12, pricing=PRICING)
    contracts.renew_due(as_of=date(2025, 1, 1))
    contracts.give_notice(contract, date(2025, 10, 1))
    assert contract.current_end == date(2025, 12, 31)
    clock.at = as_of(date(2025, 10, 15)).at
    contracts.sign(tenant_a.id, starts_on=date(2024, 1, 1), term_months=12, pricing=PRICING)
    assert contract.current_end == date(2025, 12, 31) and contract.notice_given_on == date(2025, 10, 1)
    offboarding.apply_contract_ends(as_of=date(2025, 10, 16), clock=clock)
    assert contract.ended_on is None and db.session.get(Tenant, tenant_a.id).status == "active"


def test_C01_corrected_terms_without_a_notice_end_with_the_term_running_today(app, tenant_a, clock):
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 1, 1), term_months=12, pricing=PRICING)
    clock.at = as_of(date(2025, 3, 1)).at
    contracts.sign(tenant_a.id, starts_on=date(2024, 1, 1), term_months=6, pricing=PRICING)
    # 6-month terms from 2024-01-01: … 2025-01-01 – 2025-06-30 runs on 2025-03-01
    assert contract.current_end == date(2025, 6, 30) and contracts.notice_deadline(contract) == date(2025, 5, 31)


@pytest.mark.parametrize(("stored_utc", "month"), [("2026-01-31T23:30:00+00:00", 2),   # 00:30 on 1 Feb in Warsaw
                                                   ("2026-06-30T22:30:00+00:00", 7),   # 00:30 on 1 Jul (summer time)
                                                   ("2026-01-31T22:30:00+00:00", 1)])  # 23:30 on 31 Jan
def test_C02_E04_a_participant_counts_from_the_organisers_day_not_the_utc_day(app, tenant_a, stored_utc, month):
    """A participant stored at half past midnight in Warsaw belongs to that day's month (E-04): counting it in the
    month before could lift that month's tier, which then stays the minimum (OWU V.4)."""
    from datetime import datetime

    from portal.operator import register

    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    user = factories.user(tenant_a)
    user.created_at = datetime.fromisoformat(stored_utc)
    db.session.flush()
    lines = register.fee_statement(tenant_a.id, until=date(2026, 7, 31))
    assert next(ln.month.month for ln in lines if ln.contacts) == month


def test_C05_a_dpo_who_restricted_their_own_data_still_gets_the_breach_notice(app, tenant_a, clock):
    """G-07 restricts the processing of the DPO's own data as a data subject; the processor's duty to tell the
    controller of a breach (DPA §4.11) goes on, to the same account and its mail."""
    from datetime import datetime

    from portal.accounts.models import DPO
    from portal.notifications.models import Notification
    from portal.operator import breaches

    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    dpo.restricted_at = datetime(2026, 1, 2, tzinfo=UTC)
    db.session.commit()
    breaches.record({"nature": "lost laptop", "contact": "security@platform.example", "consequences": "low",
                     "measures": "disk encrypted"}, [tenant_a.id], clock=clock)
    db.session.commit()
    with use_tenant(tenant_a.id):
        notice = db.session.scalars(select(Notification).where(Notification.kind == "breach_notice")).one()
        assert notice.user_id == dpo.id and notice.mail_state == "pending"


def test_C01_C04_an_end_after_the_term_a_notice_closed_is_refused(app, tenant_a):
    """A notice of non-renewal ends the contract on its term's last day: no end can be set after it (the tenant would
    stay writable and billed, and be deleted weeks late); the term's own end stands."""
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    contracts.give_notice(contract, date(2026, 3, 2))
    with pytest.raises(DomainError, match="2026-12-31"):
        contracts.end(contract, on=date(2027, 2, 15), ground="mutual")
    assert contract.ended_on is None
    contracts.end(contract, on=date(2026, 12, 31), ground="expiry")
    assert contract.delete_by == date(2027, 1, 14)

