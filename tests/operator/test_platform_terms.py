"""Platform and tenancy against the vendor's terms (OWU VIII, V.4; DPA §9.3), as the C-01 … C-04 audit found them:
the notice deadline shown where the operator reads it, the minimum commitment of a tier once reached kept after
participants leave, the conditions of each termination ground checked on its day, the organiser's written notice
recorded, and a deleted tenant's queued jobs gone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import redis
from sqlalchemy import update

from portal.accounts.models import Operator, User
from portal.accounts.passwords import hash_password
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
    assert "2000.00 PLN" in row and "tier 2" in row  # one participant left, 4 were stored in January
    assert "1000.00 PLN" not in html


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
