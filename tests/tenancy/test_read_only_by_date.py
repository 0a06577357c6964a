"""C-04: a tenant is read-only from the first day after its contract ended, by the date — on its pages and over the
API as in the commands — not only once the daily job has turned its status."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts.models import ADMIN
from portal.extensions import db
from portal.operator import contracts
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.api.conftest import make_token


def ended_contract(app, tenant, clock, *, in_days: int = 0):
    """A contract from the 1st of this month, ended by mutual consent ``in_days`` from today; returns today."""
    today = clock.today(tenant.timezone)
    contracts.create(tenant.id, starts_on=today.replace(day=1), term_months=12,
                     pricing={"tiers": [{"contacts_max": None, "monthly_fee": "1000.00"}], "premium_rate": "0"})
    db.session.commit()
    ended = app.test_cli_runner().invoke(args=["contracts", "end", tenant.slug, "--on",
                                               (today + timedelta(days=in_days)).isoformat(), "--ground", "mutual"])
    assert ended.exit_code == 0, ended.output
    return today


def test_C04_pages_and_api_refuse_writes_on_the_first_read_only_day_before_the_daily_job(app, client, tenant_a,
                                                                                            clock):
    ended_contract(app, tenant_a, clock, in_days=1)
    admin = factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    token = make_token(tenant_a)
    write = {"Authorization": f"Bearer {token}"}

    # the day before the end the tenant still works
    assert db.session.get(Tenant, tenant_a.id).status == "active"
    before = client.post("/api/v1/participants", headers=write, json={})
    assert before.status_code != 403

    clock.at = clock.at + timedelta(days=2)  # the end day has passed; no daily job has run
    assert db.session.get(Tenant, tenant_a.id).status == "active"
    answer = client.post("/api/v1/participants", headers=write, json={})
    assert answer.status_code == 403 and answer.get_json()["type"].endswith("tenant-read-only")
    factories.login(client, tenant_a, admin.email)
    assert client.post("/t/alpha/api-tokens", data={"name": "x"}).status_code == 423
    assert client.get("/t/alpha/export").status_code == 200  # reading and the export go on


def test_C04_G01_data_subjects_rights_are_served_while_the_tenant_is_read_only(app, client, tenant_a, clock):
    """The organiser stays the controller until its data is deleted: a request received in the export window is
    filed and answered — over the API, on the DPO's page and on the participant's own page — as the privacy
    commands already allow; only the programme's data stays unchanged."""
    from portal.accounts.models import DPO, PARTICIPANT

    ended_contract(app, tenant_a, clock)
    clock.at = clock.at + timedelta(days=1)
    person = factories.user(tenant_a, PARTICIPANT, email="ola@alpha.example")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    write = {"Authorization": f"Bearer {make_token(tenant_a)}"}
    filed = client.post("/api/v1/privacy/requests", headers=write | {"Idempotency-Key": "dsr-1"},
                        json={"kind": "access", "email": person.email, "verified": True, "note": "ID checked"})
    assert filed.status_code == 201, filed.get_json()
    reference = filed.get_json()["reference"]
    processed = client.post(f"/api/v1/privacy/requests/{reference}/process", headers=write | {"Idempotency-Key": "p-1"},
                            json={})
    assert processed.status_code in (200, 202), processed.get_json()
    assert client.post("/api/v1/participants", headers=write | {"Idempotency-Key": "w-1"}, json={}).status_code == 403

    factories.login(client, tenant_a, person.email)
    mine = client.post("/t/alpha/my-data", data={"action": "restriction"})
    assert mine.status_code != 423
    client.post("/t/alpha/logout")
    factories.login(client, tenant_a, dpo.email)
    page = client.post("/t/alpha/dpo/requests", data={"email": "list@alpha.example", "kind": "access"})
    assert page.status_code != 423


def test_C04_a_read_only_tenant_takes_no_new_consent_and_keeps_the_accounts_language(app, client, tenant_a, clock):
    """Withdrawing a consent is a right and is served; giving a new marketing consent is new processing for a
    programme that has ended, and the language switch (a page outside the tenant) changes this session's pages but
    no longer writes to the ended tenant's account."""
    from portal.accounts.models import PARTICIPANT, User
    from portal.privacy import consents

    ended_contract(app, tenant_a, clock)
    clock.at = clock.at + timedelta(days=1)
    person = factories.user(tenant_a, PARTICIPANT, email="ola@alpha.example", locale="en")
    factories.login(client, tenant_a, person.email)
    page = client.get("/t/alpha/my-data").get_data(as_text=True)
    assert 'value="give:marketing"' not in page
    assert client.post("/t/alpha/my-data", data={"action": "give:marketing"}).status_code == 423
    assert client.post("/lang/pl", data={"next": "/t/alpha/"}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant_a.id):
        assert consents.active(person.id, "marketing") is None
        assert db.session.get(User, person.id).locale == "en"
