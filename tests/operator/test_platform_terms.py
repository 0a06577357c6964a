"""Platform and tenancy against the vendor's terms (OWU VIII, V.4; DPA §9.3), as the C-01 … C-04 audit found them:
the notice deadline shown where the operator reads it, the minimum commitment of a tier once reached kept after
participants leave, the conditions of each termination ground checked on its day, the organiser's written notice
recorded, and a deleted tenant's queued jobs gone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import redis
from sqlalchemy import update

from portal.accounts.models import Operator, User
from portal.accounts.passwords import hash_password
from portal.core.errors import DomainError
from portal.extensions import db
from portal.operator import contracts, offboarding, register
from portal.tenancy.models import Tenant
from tests import factories

TODAY = date(2026, 3, 2)  # tests/conftest START
EMAIL, PASSWORD = "op@platform.example", "operator-pass-1"
PRICING = {"tiers": [{"contacts_max": 2, "monthly_fee": "1000.00"}, {"contacts_max": None, "monthly_fee": "2000.00"}],
           "premium_rate": "0.05"}


def _operator(client) -> None:
    db.session.add(Operator(email=EMAIL, name="Op", password_hash=hash_password(PASSWORD)))
    db.session.commit()
    assert client.post("/operator/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    client.post("/lang/en")


def _participant(tenant, joined: date, erased: date | None = None) -> User:
    from portal.tenancy.guard import use_tenant

    user = factories.user(tenant)
    with use_tenant(tenant.id):
        db.session.execute(update(User).where(User.id == user.id).values(
            created_at=datetime(joined.year, joined.month, joined.day, 10, tzinfo=UTC),
            erased_at=datetime(erased.year, erased.month, erased.day, 10, tzinfo=UTC) if erased else None))
        db.session.commit()
    return user


# C-01 (OWU VIII.1): "na co najmniej 30 dni przed końcem obowiązywania Umowy"

def test_C01_tenants_page_shows_the_last_day_for_the_notice_not_the_end_of_the_term(app, client, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    _operator(client)
    html = client.get("/operator/").get_data(as_text=True)
    assert "notice by 2026-12-01" in html  # 30 days before the last day of the term, 2026-12-31
    assert "notice by 2026-12-31" not in html


# C-02 (OWU V.4): "opłata za ten próg staje się minimalną miesięczną kwotą zobowiązania"

def test_C02_fee_statement_keeps_a_reached_tier_after_participants_are_erased(app, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=3, pricing=PRICING)
    db.session.commit()
    _participant(tenant_a, date(2026, 1, 5))
    _participant(tenant_a, date(2026, 1, 5))
    _participant(tenant_a, date(2026, 1, 20), erased=date(2026, 2, 10))  # 3 in January: the second tier
    lines = register.fee_statement(tenant_a.id, until=date(2026, 3, 31))
    assert [(ln.contacts, ln.tier) for ln in lines] == [(3, 1), (3, 1), (2, 1)]  # Feb: 3 until the 10th
    assert [ln.fee for ln in lines] == [Decimal("2000.00")] * 3  # never below the tier reached in January


def test_C02_tenants_page_fee_is_never_below_the_highest_tier_reached(app, client, tenant_a, clock):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=3, pricing=PRICING)
    db.session.commit()
    for _ in range(3):
        _participant(tenant_a, date(2026, 1, 5), erased=date(2026, 2, 1))
    _participant(tenant_a, date(2026, 1, 5))
    _operator(client)
    html = client.get("/operator/").get_data(as_text=True)
    row = re.search(r"<tr><td>Org alpha.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[3] == "1"  # usage: the participants stored today (the erased ones are not contacts any more)
    assert "PLN2,000.00" in row and "tier 2" in row  # one participant left, 4 were stored in January
    assert "PLN1,000.00" not in html


# C-04 (DPA §9.3, SPEC: "database rows, uploaded files, queued jobs and cached keys")

def test_C04_deletion_removes_the_tenants_queued_privacy_request_jobs(app, tenant_a, tenant_b, clock):
    from portal.core import queue
    from portal.privacy.models import DataSubjectRequest
    from portal.tenancy.guard import use_tenant

    ids = {}
    for tenant in (tenant_a, tenant_b):
        with use_tenant(tenant.id):
            rows = [DataSubjectRequest(tenant_id=tenant.id, reference=f"R-{tenant.slug}-{n}", kind="access",
                                       channel="dpo", received_on=TODAY, due_on=TODAY) for n in range(2)]
            db.session.add_all(rows)
            db.session.commit()
            ids[tenant.id] = [r.id for r in rows]
    assert ids[tenant_a.id] and ids[tenant_b.id]
    for ids_ in ids.values():
        for request_id in ids_:
            queue.enqueue("worker.jobs.process_request", request_id, queue_name="privacy",
                          job_id=f"request-{request_id}")
    offboarding.delete_tenant(tenant_a.id, clock=clock)
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    queued = {j.decode() for j in connection.lrange("rq:queue:privacy", 0, -1)}
    assert not any(f"request-{i}" in queued or connection.exists(f"rq:job:request-{i}") for i in ids[tenant_a.id])
    assert all(f"request-{i}" in queued for i in ids[tenant_b.id])  # the other tenant's jobs stay
    assert db.session.get(Tenant, tenant_a.id).status == "deleted"


# C-03 (OWU VIII.2): "nie usunięcia jej przez SALESmanago w terminie 7 dni od dnia przyjęcia zgłoszenia"
# (OWU VIII.3a): "opóźnienie płatności przekracza 30 dni"

@pytest.fixture
def signed(app, tenant_a):
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    return contract


def test_C03_organiser_terminates_only_after_an_outage_is_not_fixed_within_7_days(app, tenant_a, signed):
    with pytest.raises(DomainError, match="2026-03-03") as refused:  # accepted 23 Feb: the 7 days run to 2 March
        contracts.end(signed, on=TODAY, ground="customer_outage_not_fixed", since=date(2026, 2, 23))
    assert refused.value.field == "since" and signed.ended_on is None
    contracts.end(signed, on=TODAY, ground="customer_outage_not_fixed", since=date(2026, 2, 22))  # day 8
    assert signed.ended_on == TODAY and not signed.customer_fault


def test_C03_platform_terminates_for_payment_only_after_more_than_30_days_of_delay(app, tenant_a, signed):
    with pytest.raises(DomainError, match="2026-03-03") as refused:  # due 31 Jan: day 30 of the delay is 2 March
        contracts.end(signed, on=TODAY, ground="payment_delay_over_30_days", since=date(2026, 1, 31))
    assert refused.value.field == "since" and signed.ended_on is None
    contracts.end(signed, on=TODAY, ground="payment_delay_over_30_days", since=date(2026, 1, 30))  # 31 days late
    assert signed.ended_on == TODAY and signed.customer_fault


def test_C03_end_page_asks_for_the_day_the_ground_counts_from_next_to_the_field(app, client, tenant_a, signed):
    _operator(client)
    url = f"/operator/tenants/{tenant_a.id}/end"
    assert 'name="since"' in client.get(url).get_data(as_text=True)
    early = client.post(url, data={"ground": "payment_delay_over_30_days", "on": TODAY.isoformat(),
                                   "since": "2026-02-15", "confirm": "alpha"})
    html = early.get_data(as_text=True)
    assert early.status_code == 422 and 'id="since-error"' in html and "2026-03-18" in html
    garbled = client.post(url, data={"ground": "customer_outage_not_fixed", "on": TODAY.isoformat(),
                                     "since": "1.02.2026", "confirm": "alpha"})
    assert garbled.status_code == 422 and "Enter the date as YYYY-MM-DD." in garbled.get_data(as_text=True)
    db.session.expire_all()
    assert contracts.of_tenant(tenant_a.id).ended_on is None
    done = client.post(url, data={"ground": "payment_delay_over_30_days", "on": TODAY.isoformat(),
                                  "since": "2026-01-15", "confirm": "alpha"})
    assert done.status_code == 302
    db.session.expire_all()
    assert contracts.of_tenant(tenant_a.id).end_ground == "payment_delay_over_30_days"


def test_C03_cli_checks_the_ground_against_its_day(app, tenant_a, signed):
    runner = app.test_cli_runner()
    early = runner.invoke(args=["contracts", "end", "alpha", "--on", TODAY.isoformat(), "--ground",
                                "customer_outage_not_fixed", "--since", "2026-02-28"])
    assert early.exit_code == 1 and "C-03" in early.stderr
    done = runner.invoke(args=["contracts", "end", "alpha", "--on", TODAY.isoformat(), "--ground",
                               "customer_outage_not_fixed", "--since", "2026-02-20"])
    assert done.exit_code == 0, done.stderr


# C-01: the organiser's written notice of non-renewal, recorded by the operator

def test_C01_written_notice_on_the_last_day_stops_the_renewal_and_the_term_end_closes_the_contract(app, tenant_a,
                                                                                                  signed, clock):
    runner = app.test_cli_runner()
    ahead = runner.invoke(args=["contracts", "notice", "alpha", "--on", "2026-03-03"])
    assert ahead.exit_code == 1 and "after today (2026-03-02)" in ahead.stderr  # not received yet
    late = runner.invoke(args=["contracts", "notice", "alpha", "--on", "2026-12-02", "--as-of", "2026-12-02"])
    assert late.exit_code == 1 and "2026-12-01" in late.stderr  # 29 days before 31 December: too late
    db.session.expire_all()
    assert contracts.of_tenant(tenant_a.id).auto_renew
    done = runner.invoke(args=["contracts", "notice", "alpha", "--on", "2026-12-01", "--as-of", "2026-12-01"])
    assert done.exit_code == 0, done.stderr
    assert "2026-12-31" in done.stdout
    db.session.expire_all()
    contract = contracts.of_tenant(tenant_a.id)
    assert contract.notice_given_on == date(2026, 12, 1) and not contract.auto_renew
    offboarding.apply_contract_ends(as_of=date(2027, 1, 1), clock=clock)
    assert contract.ended_on == date(2026, 12, 31) and contract.current_end == date(2026, 12, 31)
    assert db.session.get(Tenant, tenant_a.id).status == "read_only"


def test_C01_without_notice_the_contract_renews_term_after_term(app, tenant_a, clock):
    contract = contracts.create(tenant_a.id, starts_on=date(2025, 3, 1), term_months=6)
    db.session.commit()
    offboarding.apply_contract_ends(as_of=date(2026, 3, 2), clock=clock)
    assert contract.current_end == date(2026, 8, 31) and contract.ended_on is None
    with pytest.raises(DomainError, match="2026-08-01"):
        contracts.give_notice(contract, date(2026, 8, 2))


def test_C01_operator_records_the_contract_terms(app, tenant_a):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2026-04-01", "--term", "6"])
    assert result.exit_code == 0, result.stderr
    contract = contracts.of_tenant(tenant_a.id)
    assert (contract.starts_on, contract.term_months, contract.current_end) == (date(2026, 4, 1), 6,
                                                                                date(2026, 9, 30))
    for term in ("0", "121", "99999999999"):  # the order form's page takes 1 to 120 months; so does the command
        bad = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2026-04-01", "--term", term])
        assert bad.exit_code == 1 and "C-01" in bad.stderr and "1 to 120" in bad.stderr, (term, bad.output)
    assert contracts.of_tenant(tenant_a.id).term_months == 6


# C-04: "the tenant becomes read-only" — the daily jobs stop changing its programme; only the purges run

def test_C04_daily_jobs_leave_a_read_only_tenants_programme_alone(app, tenant_a, tenant_b):
    from sqlalchemy import select

    from portal.accounts.models import ADMIN
    from portal.notifications.models import Notification
    from portal.tenancy.guard import use_tenant

    for tenant, canary in ((tenant_a, "ggcanary"), (tenant_b, "hhcanary")):
        factories.subject_everywhere(tenant, canary)
        factories.user(tenant, ADMIN, email=f"admin@{tenant.slug}.example")
    db.session.execute(update(Tenant).where(Tenant.id == tenant_a.id).values(status="read_only"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--as-of", "2026-06-01"])
    assert result.exit_code == 0, result.output
    kinds = {}
    for tenant in (tenant_a, tenant_b):
        with use_tenant(tenant.id):
            kinds[tenant.slug] = set(db.session.scalars(select(Notification.kind)))
    assert "review_deadline" in kinds["beta"]  # the running tenant's admins are reminded of overdue leads
    assert "review_deadline" not in kinds["alpha"]  # the ended one's are not: its programme no longer runs


# C-05 (DPA §4.11.2): "Zgłoszenie to powinno zawierać: opis charakteru naruszenia (…), dane punktu kontaktowego
# (…), wskazanie prawdopodobnych konsekwencji naruszenia oraz środków" — the notice itself, also for a DPO who has
# no account to open the register with

def test_C05_the_breach_notice_itself_carries_the_required_content_and_the_72_hour_deadline(app, tenant_a, clock):
    from types import SimpleNamespace

    from sqlalchemy import select

    from portal.notifications import service as notifications
    from portal.notifications.models import Notification
    from portal.operator import breaches
    from portal.tenancy.guard import use_tenant

    breaches.record({"nature": "lost laptop", "categories": "e-mail addresses", "contact": "security@platform.example",
                     "consequences": "phishing risk", "measures": "disk encrypted", "people": 12, "records": 34},
                    [tenant_a.id], clock=clock)
    db.session.commit()
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(Notification).where(Notification.kind == "breach_notice")).one()
    assert row.to_email == "iod@alpha.example"  # the contract's DPO, with no account on the platform
    with app.test_request_context():
        for locale in ("en", "pl"):
            _, body = notifications._render(row, SimpleNamespace(locale=locale, first_name=""), tenant_a)
            for text in ("lost laptop", "e-mail addresses", "12", "34", "security@platform.example", "phishing risk",
                         "disk encrypted", "2026-03-05 10:00"):  # told 2 March 09:00 UTC, + 72 h, Warsaw time
                assert text in body, (locale, text)


# C-02 (OWU VIII.7): "roszczenie o zwrot przyznanej Klientowi ulgi pomniejszonej o proporcjonalną jej wartość za
# okres od dnia zawarcia Umowy do dnia jej wygaśnięcia" — the operator sees the amount before confirming

def test_C02_end_summary_gives_the_discount_reclaimed_for_the_unexpired_months(app, client, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    db.session.commit()
    _operator(client)
    url = f"/operator/tenants/{tenant_a.id}/end/summary"
    fault = client.post(url, data={"ground": "law_breach", "on": "2026-07-01"}).get_data(as_text=True)
    assert "PLN3,008.22" in fault  # 1000 list fee − 50 % = 500 a month, 6000 a term × 183 / 365 days unexpired
    outage = client.post(url, data={"ground": "customer_outage_not_fixed", "on": "2026-07-01"}).get_data(as_text=True)
    assert "PLN" not in outage and "term discount" not in outage


@pytest.mark.parametrize(("starts_on", "term_months", "terms", "last_day"), [
    (date(2027, 1, 31), 1, 1, date(2027, 2, 28)),  # no 31 Feb: the term runs to the month's last day
    (date(2028, 1, 30), 1, 1, date(2028, 2, 29)),  # leap year
    (date(2027, 1, 28), 1, 1, date(2027, 2, 27)),
    (date(2027, 1, 31), 1, 2, date(2027, 3, 31)),  # the second term runs a month from 1 Mar, the day after 28 Feb
    (date(2026, 9, 1), 6, 1, date(2027, 2, 28)),
    (date(2026, 8, 31), 6, 1, date(2027, 2, 28)),
    (date(2026, 8, 31), 6, 2, date(2027, 8, 31)),  # renewed from 1 Mar 2027 (art. 112 KC), not from 31 Aug
])
def test_C01_a_term_of_months_ends_the_day_before_the_same_date_or_at_a_short_months_end(starts_on, term_months,
                                                                                          terms, last_day):
    assert contracts.term_end(starts_on, term_months, terms) == last_day


def test_C01_a_first_signing_of_an_old_contract_names_the_term_running_today_and_again_the_same(app, tenant_a):
    """Signed today (2026-12-07) for a contract that started 2024-03-01 for 12 months: the term running now ends
    2027-02-28 — the first signing says so, not the long-gone 2025-02-28, and signing it again says the same."""
    from portal.core.clock import as_of

    app.extensions["clock"] = as_of(date(2026, 12, 7))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2024-03-01", "--term", "12"])
    again = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2024-03-01", "--term", "12"])
    assert first.exit_code == again.exit_code == 0
    assert "term ends 2027-02-28" in first.output and first.output == again.output, (first.output, again.output)
    assert contracts.of_tenant(tenant_a.id).current_end == date(2027, 2, 28)
