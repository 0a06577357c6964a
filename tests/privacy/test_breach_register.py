"""G-12 (GDPR art. 33(5)): the organiser's DPO documents every breach — also one on the organiser's own side, which
the platform's operator never hears of — with its 72-hour deadline counted from the discovery; a deadline passed
without the authority being notified is flagged in the register."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select

from portal.accounts.models import DPO
from portal.core.clock import utc
from portal.extensions import db
from portal.privacy.models import BreachRecord
from portal.tenancy.guard import use_tenant
from tests import factories

FORM = {"action": "record", "nature": "a staff laptop with an export was stolen", "contact": "dpo@alpha.example",
        "consequences": "names and e-mails of 40 participants may be read",
        "measures": "disk encrypted; passwords reset",
        "people": "40", "records": ""}


def _dpo(client, tenant):
    dpo = factories.user(tenant, DPO, email="dpo@alpha.example", locale="en")
    factories.login(client, tenant, dpo.email)


def test_G12_the_dpo_records_the_organisers_own_breach_with_its_72_hours(app, client, tenant_a, clock):
    _dpo(client, tenant_a)
    found = clock.now().astimezone(UTC) - timedelta(hours=5)
    local = found.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Warsaw")).strftime("%Y-%m-%dT%H:%M")
    answer = client.post("/t/alpha/dpo/breaches", data={**FORM, "discovered_at": local})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    db.session.rollback()
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(BreachRecord)).one()
        assert row.platform_breach_id is None and (row.people, row.records) == (40, None)
        assert abs(utc(row.authority_due_at) - (found + timedelta(hours=72))) < timedelta(minutes=1)
    page = client.get("/t/alpha/dpo/breaches").get_data(as_text=True)
    assert "a staff laptop with an export was stolen" in page and "overdue" not in page


def test_G12_a_breach_without_its_nature_is_refused_next_to_the_field(app, client, tenant_a):
    _dpo(client, tenant_a)
    answer = client.post("/t/alpha/dpo/breaches", data={**FORM, "nature": " ", "people": "many"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="nature-error"' in html and 'id="people-error"' in html
    db.session.rollback()
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(BreachRecord)).all() == []


def test_G12_a_passed_72_hour_deadline_without_a_notice_is_flagged(app, client, tenant_a, clock):
    _dpo(client, tenant_a)
    assert client.post("/t/alpha/dpo/breaches", data=FORM).status_code == 302
    clock.advance(hours=73)
    page = client.get("/t/alpha/dpo/breaches").get_data(as_text=True)
    assert "overdue" in page
    db.session.rollback()
    with use_tenant(tenant_a.id):
        breach_id = db.session.scalars(select(BreachRecord)).one().id
    client.post("/t/alpha/dpo/breaches", data={"breach_id": breach_id, "authority": "1"})
    assert "overdue" not in client.get("/t/alpha/dpo/breaches").get_data(as_text=True)


def test_G12_a_discovery_in_the_future_is_refused(app, client, tenant_a, clock):
    _dpo(client, tenant_a)
    later = (clock.now() + timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    answer = client.post("/t/alpha/dpo/breaches", data={**FORM, "discovered_at": later})
    assert answer.status_code == 422 and 'id="discovered_at-error"' in answer.get_data(as_text=True)
