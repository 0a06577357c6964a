"""Contracts and fees against the vendor's terms, as a later audit found them (C-01, C-02, C-04; FORMATS exit
codes): a renewal counts from the day after the previous term (art. 112 KC), partners without an account are stored
participants (OWU V.5), the last month is billed by the days served (OWU VIII.4), and the discount reclaimed on an
early termination for the organiser's fault is proportional by days (OWU VIII.7) and said where the end is made."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.extensions import db
from portal.operator import contracts, register
from portal.tenancy.models import Tenant
from tests import factories

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


# C-02 (OWU V.5): "opłaty są oparte na liczbie kontaktów przechowywanych w bazie danych Systemu" — every participant
# stored counts, with an account or without one (a partner imported from the organiser's list)

SMALL = {"tiers": [{"contacts_max": 2, "monthly_fee": "1000.00"}, {"contacts_max": None, "monthly_fee": "2000.00"}],
         "premium_rate": "0.05"}
ROOT = Path(__file__).resolve().parents[2]


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def _partner(tenant, seed: int, created: date, user_id: int | None = None) -> None:
    from portal.leads.models import Partner

    db.session.add(Partner(tenant_id=tenant.id, user_id=user_id, nip=factories.valid_nip(seed), name=f"P{seed}",
                           address="ul. A 1", contact_first_name="Ewa", contact_last_name="Nowak",
                           contact_phone="+48 600 100 300", contact_email=f"p{seed}@agency.example.com",
                           created_at=_at(created)))
    db.session.commit()


def _account(tenant, created: date, erased: date | None = None):
    from portal.tenancy.guard import use_tenant

    user = factories.user(tenant)
    with use_tenant(tenant.id):
        db.session.execute(update(User).where(User.id == user.id).values(
            created_at=_at(created), erased_at=_at(erased) if erased else None))
        db.session.commit()
    return user


def test_C02_partners_without_an_account_are_counted_as_stored_participants(app, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=3, pricing=SMALL)
    db.session.commit()
    for seed in range(3):
        _partner(tenant_a, 800 + seed, date(2026, 2, 10))  # imported, no account
    lines = register.fee_statement(tenant_a.id, until=date(2026, 3, 31))
    assert [(ln.contacts, ln.tier) for ln in lines] == [(0, 0), (3, 1), (3, 1)]
    assert [ln.fee for ln in lines] == [Decimal("1000.00"), Decimal("2000.00"), Decimal("2000.00")]  # 3 months: 0 %


def test_C02_a_partner_with_an_account_is_one_participant_counted_from_when_it_was_first_stored(app, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=3, pricing=SMALL)
    db.session.commit()
    user = _account(tenant_a, date(2026, 2, 1))
    _partner(tenant_a, 810, date(2026, 1, 20), user_id=user.id)  # imported in January, its account made in February
    lines = register.fee_statement(tenant_a.id, until=date(2026, 2, 28))
    assert [ln.contacts for ln in lines] == [1, 1]  # one participant, from 20 January, never two


def test_C02_an_erased_partner_account_still_counts_to_its_erasure_day_and_its_tier_stays(app, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=3, pricing=SMALL)
    db.session.commit()
    _partner(tenant_a, 820, date(2026, 1, 5))
    _partner(tenant_a, 821, date(2026, 1, 5))
    gone = _account(tenant_a, date(2026, 1, 5), erased=date(2026, 2, 10))
    _partner(tenant_a, 822, date(2026, 1, 5), user_id=gone.id)
    lines = register.fee_statement(tenant_a.id, until=date(2026, 3, 31))
    assert [(ln.contacts, ln.tier) for ln in lines] == [(3, 1), (3, 1), (2, 1)]  # Feb: 3 until the 10th
    assert [ln.fee for ln in lines] == [Decimal("2000.00")] * 3  # the tier reached in January stays the minimum


def test_C02_tenants_page_usage_and_fee_count_imported_partners(app, client, tenant_a):
    from tests.operator.test_platform_terms import _operator

    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=3, pricing=SMALL)
    db.session.commit()
    for seed in range(3):
        _partner(tenant_a, 830 + seed, date(2026, 1, 5))
    _account(tenant_a, date(2026, 1, 5), erased=date(2026, 2, 1))  # erased: no contact any more today
    _operator(client)
    html = client.get("/operator/").get_data(as_text=True)
    row = re.search(r"<tr><td>Org alpha.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[3] == "3"  # the three partners stored today
    assert "PLN2,000.00" in row and "tier 2" in row


def test_C02_partners_imported_by_the_cli_are_billed_in_the_operator_fee_csv(app, client, tmp_path):
    from tests.operator.test_platform_terms import _operator

    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    assert runner.invoke(args=["contracts", "sign", "saas-vendor", "--starts", "2026-01-01", "--term", "3"]
                         ).exit_code == 0
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "saas-vendor")).one()
    contracts.of_tenant(tenant.id).pricing = SMALL
    db.session.commit()
    path = tmp_path / "partners.csv"
    rows = [f"{factories.valid_nip(840 + i)},Agencja {i},ul. A {i},Ewa,Nowak,+48 600 100 30{i},e{i}@ag.example.com,"
            for i in range(3)]
    header = "nip,name,address,contact_first_name,contact_last_name,contact_phone,contact_email,flags"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["participants", "import", "saas-vendor", str(path)])
    assert result.exit_code == 0, result.output
    _operator(client)
    csv = client.get(f"/operator/tenants/{tenant.id}/fees?format=csv").get_data(as_text=True).splitlines()
    assert csv[1:] == ["2026-01,0,1,1000.00,0,0.00,0.00,1000.00,31,", "2026-02,0,1,1000.00,0,0.00,0.00,1000.00,28,",
                       "2026-03,3,2,2000.00,0,0.00,0.00,2000.00,31,"]  # imported on 2 March (the tests' today)


# C-02/C-04 (OWU VIII.4): "Klient jest obowiązany do zapłaty wynagrodzenia … za każdy dzień, w którym usługa była
# wykonywana" — the statement stops at the contract's end and bills the last month by the days served

def _ended_on_15_august(app, tenant):
    """The default tiers (990.00 a month for up to 1,000 participants), 12 months from 2024-01-01: 50 % off, 495.00
    a month; ended by the platform on 2024-08-15 for invoices unpaid since 2024-07-01."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contracts", "sign", tenant.slug, "--starts", "2024-01-01", "--term", "12",
                               "--as-of", "2024-01-01"]).exit_code == 0
    return runner.invoke(args=["contracts", "end", tenant.slug, "--on", "2024-08-15", "--ground",
                               "payment_delay_over_30_days", "--since", "2024-07-01", "--as-of", "2024-08-15"])


def test_C02_C04_fee_statement_stops_at_the_contracts_end_and_bills_its_last_days(app, tenant_a):
    assert _ended_on_15_august(app, tenant_a).exit_code == 0
    lines = register.fee_statement(tenant_a.id, until=date(2024, 10, 20))
    assert [ln.month for ln in lines] == [date(2024, m, 1) for m in range(1, 9)]  # nothing after August
    assert all(ln.fee == Decimal("495.00") and ln.days == ln.month_days for ln in lines[:-1])
    august = lines[-1]
    assert (august.days, august.month_days) == (15, 31)  # 1 … 15 August: the end day is served
    assert august.list_fee == Decimal("479.03")  # 990 × 15 / 31 = 479.0322…
    assert august.fee == Decimal("239.52")  # 495 × 15 / 31 = 239.5161…
    assert august.discount == Decimal("239.51")  # what is left between them: the columns add up to the cent


def test_C02_C04_operator_fee_csv_after_the_end_bills_no_later_month(app, client, tenant_a):
    from portal.core.clock import as_of, set_clock
    from tests.operator.test_platform_terms import _operator

    assert _ended_on_15_august(app, tenant_a).exit_code == 0
    set_clock(as_of(date(2024, 10, 20), "Europe/Warsaw"))
    _operator(client)
    rows = client.get(f"/operator/tenants/{tenant_a.id}/fees?format=csv").get_data(as_text=True).splitlines()
    assert rows[0].endswith(",fee,days,premium_from")
    assert [r[:7] for r in rows[1:]] == [f"2024-0{m}" for m in range(1, 9)]
    assert rows[-1] == "2024-08,0,1,479.03,0,0.50,239.51,239.52,15,"
    assert rows[1] == "2024-01,0,1,990.00,0,0.50,495.00,495.00,31,"


# C-02 (OWU VIII.7): "zwrot przyznanej Klientowi ulgi pomniejszonej o proporcjonalną jej wartość za okres od dnia
# zawarcia Umowy do dnia jej wygaśnięcia" — the term's discount × the days after the end day to the term's last day
# ÷ the term's days; the contract is in force through its end day, so that day is served

def test_C02_reclaim_is_the_terms_discount_for_the_days_after_the_end(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 1, 1), term_months=12)
    contract.customer_fault = True
    # 495.00 a month × 12 = 5940.00; served 2024-01-01 … 2024-08-15 = 228 of 366 days; 138 unexpired
    assert contracts.discount_reclaim(contract, Decimal("495.00"), on=date(2024, 8, 15)) == Decimal("2239.67")
    # the day before the last: 1 day of 366 unexpired — 5940 × 1 / 366 = 16.229…
    assert contracts.discount_reclaim(contract, Decimal("495.00"), on=date(2024, 12, 30)) == Decimal("16.23")
    assert contracts.discount_reclaim(contract, Decimal("495.00"), on=date(2024, 12, 31)) == Decimal("0.00")
    summary = contracts.end_summary(contract, on=date(2024, 12, 31), ground="law_breach")
    assert summary.customer_fault and not summary.discount_reclaimed  # nothing of the term is left unexpired


def test_C02_cli_end_prints_the_discount_reclaimed(app, tenant_a):
    result = _ended_on_15_august(app, tenant_a)
    assert result.exit_code == 0, result.output
    assert "2024-08-15" in result.output and "2239.67 PLN" in result.output  # 5940.00 × 138 / 366


def test_C02_cli_end_without_the_organisers_fault_reclaims_nothing(app, tenant_a):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2024-01-01", "--term", "12",
                               "--as-of", "2024-01-01"]).exit_code == 0
    result = runner.invoke(args=["contracts", "end", "alpha", "--on", "2024-08-15", "--ground",
                                 "customer_outage_not_fixed", "--as-of", "2024-08-15"])
    assert result.exit_code == 0 and "reclaim" not in result.output and "PLN" not in result.output


def test_C01_C02_reclaim_of_a_renewed_term_counts_the_renewed_terms_days(app, tenant_a):
    """Renewed 2025-03-01 … 2025-08-31 (184 days), 6 months at 30 %: 990.00 × 0.30 = 297.00 a month, 1782.00 for the
    term; ended 2025-06-30, so 1 July … 31 August (62 days) are unexpired: 1782 × 62 / 184 = 600.456…"""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2024-08-31", "--term", "6",
                               "--as-of", "2024-08-31"]).exit_code == 0
    assert runner.invoke(args=["jobs", "run", "alpha", "--as-of", "2025-03-01"]).exit_code == 0
    result = runner.invoke(args=["contracts", "end", "alpha", "--on", "2025-06-30", "--ground", "law_breach",
                                 "--as-of", "2025-06-30"])
    assert result.exit_code == 0, result.output
    assert "600.46 PLN" in result.output


def test_C02_the_organisers_notice_carries_the_reclaimed_discount(app, tenant_a):
    from portal.accounts.models import ADMIN
    from portal.notifications.models import Notification
    from portal.tenancy.guard import use_tenant

    factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    assert _ended_on_15_august(app, tenant_a).exit_code == 0
    db.session.rollback()
    with use_tenant(tenant_a.id):
        rows = list(db.session.scalars(select(Notification).where(Notification.kind == "contract_ended")))
        params = [n.params for n in rows]
        from portal.notifications.service import _render

        mailed = [_render(n, None, tenant_a)[1] for n in rows]
    assert params and all(p["discount_reclaim"] == "2239.67" for p in params)
    said = {"en": "PLN2,239.67", "pl": "2\u00a0239,67\u00a0zł"}  # E-04: in the reader's notation
    assert all(said.get(n.locale, said["pl"]) in body for n, body in zip(rows, mailed, strict=True))  # its language


def test_C02_operator_page_says_the_reclaimed_discount_once_the_end_is_confirmed(app, client, tenant_a):
    """12 months from 2026-01-01 at 495.00 a month (5940.00); ended today, 2026-03-02: 61 of 365 days served, 304
    unexpired: 5940 × 304 / 365 = 4947.287…"""
    from tests.operator.test_platform_terms import _operator

    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    _operator(client)
    url = f"/operator/tenants/{tenant_a.id}/end"
    preview = client.post(f"{url}/summary", data={"ground": "law_breach", "on": "2026-03-02"}).get_data(as_text=True)
    assert "PLN4,947.29" in preview
    done = client.post(url, data={"ground": "law_breach", "on": "2026-03-02", "confirm": "alpha"},
                       follow_redirects=True)
    assert done.status_code == 200 and "PLN4,947.29" in done.get_data(as_text=True)


# FORMATS.md: "2 on usage errors" — a ground that is not one of the terms' is a usage error, and changes nothing

def test_C03_cli_end_with_an_unknown_ground_is_a_usage_error(app, tenant_a):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2026-01-01", "--term", "12"]).exit_code == 0
    result = runner.invoke(args=["contracts", "end", "alpha", "--on", "2026-03-02", "--ground", "bogus"])
    assert result.exit_code == 2 and "payment_delay_over_30_days" in result.output  # the choices are listed
    db.session.rollback()
    assert contracts.of_tenant(tenant_a.id).ended_on is None


def test_C02_a_contract_starting_mid_month_bills_its_first_month_by_the_days_served(app, tenant_a):
    """Started 15 February 2026: February is billed for 14 of its 28 days, as the last month is (OWU VIII.4)."""
    contracts.create(tenant_a.id, starts_on=date(2026, 2, 15), term_months=24)
    db.session.commit()
    lines = register.fee_statement(tenant_a.id, until=date(2026, 3, 20))
    february, march = lines
    assert (february.days, february.month_days) == (14, 28)
    assert february.fee == Decimal("247.50") and february.list_fee == Decimal("495.00")  # 495 × 14/28; 990 × 14/28
    assert march.days == march.month_days == 31 and march.fee == Decimal("495.00")
