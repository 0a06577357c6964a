"""C-05: the 24 hours to tell the DPOs run from the breach's discovery, which the operator enters (it is often
earlier than the moment the breach is recorded); a discovery in the future, or numbers that are not numbers, are
refused with the message next to the field and nothing recorded. The DPO's 72 hours (GDPR art. 33) run from the
moment the organiser was told."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select

from portal.accounts.models import DPO
from portal.core.clock import utc
from portal.extensions import db
from portal.operator.models import PlatformBreach
from portal.privacy.models import BreachRecord
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.operator.test_contract_end_page import _operator

FORM = {"nature": "lost laptop", "contact": "security@platform.example", "consequences": "low",
        "measures": "disk encrypted", "people": "10", "records": "20"}


def _post(client, tenant, **changes):
    return client.post("/operator/breaches", data={**FORM, "tenant": str(tenant.id), **changes})


def test_C05_a_breach_found_two_days_ago_is_recorded_as_told_late(app, client, tenant_a, clock):
    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    _operator(client)
    found = (clock.now() - timedelta(days=2)).astimezone(UTC)
    local = found.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Warsaw")).strftime("%Y-%m-%dT%H:%M")
    assert _post(client, tenant_a, discovered_at=local).status_code == 302
    db.session.rollback()
    breach = db.session.scalars(select(PlatformBreach)).one()
    assert abs(utc(breach.discovered_at) - found) < timedelta(minutes=1)
    page = client.get("/operator/breaches").get_data(as_text=True)
    assert "<td>no</td>" in page  # told after 48 hours: the 24-hour duty was missed
    with use_tenant(tenant_a.id):
        record = db.session.scalars(select(BreachRecord)).one()
        told = utc(breach.notified_at)
        assert utc(record.authority_due_at) - told == timedelta(hours=72)


def test_C05_a_discovery_in_the_future_is_refused_next_to_the_field(app, client, tenant_a, clock):
    _operator(client)
    later = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = _post(client, tenant_a, discovered_at=later)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="discovered_at-error"' in html and "lost laptop" in html  # the message, and what was typed kept
    db.session.rollback()
    assert db.session.scalars(select(PlatformBreach)).all() == []


def test_C05_numbers_that_are_not_numbers_are_refused_not_turned_into_zero(app, client, tenant_a):
    _operator(client)
    for field, value in (("people", "-5"), ("records", "abc")):
        response = _post(client, tenant_a, **{field: value})
        assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalars(select(PlatformBreach)).all() == []


def test_C05_recorded_now_when_no_discovery_is_given(app, client, tenant_a, clock):
    _operator(client)
    assert _post(client, tenant_a).status_code == 302
    db.session.rollback()
    breach = db.session.scalars(select(PlatformBreach)).one()
    assert utc(breach.discovered_at) == clock.now().astimezone(UTC)


def test_C05_numbers_not_known_yet_are_told_as_not_known_not_as_zero(app, client, tenant_a, clock):
    """DPA §4.11.2: the approximate number of people and records — when the operator does not know it yet, the DPO
    reads "not yet known", never "0 people"."""
    from portal.notifications.models import Notification

    factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    _operator(client)
    assert _post(client, tenant_a, people="", records=" ").status_code == 302
    db.session.rollback()
    breach = db.session.scalars(select(PlatformBreach)).one()
    assert (breach.people, breach.records) == (None, None)
    with use_tenant(tenant_a.id):
        record = db.session.scalars(select(BreachRecord)).one()
        assert (record.people, record.records) == (None, None)
        notice = db.session.scalars(select(Notification).where(Notification.kind == "breach_notice")).one()
        from portal.notifications.service import _render

        notice.locale = "en"
        text = _render(notice, None, tenant_a)[1]
        notice.locale = "pl"
        polish = _render(notice, None, tenant_a)[1]
    assert "people concerned: not yet known" in text and "records: not yet known" in text
    assert "osób, których dane dotyczą: jeszcze nieustalona" in polish


def test_C05_a_tenant_that_is_not_listed_is_a_message_not_a_500(app, client, tenant_a):
    _operator(client)
    response = client.post("/operator/breaches", data={**FORM, "tenant": ["999999", "99999999999999999999"]})
    assert response.status_code == 422 and 'id="tenants-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalars(select(PlatformBreach)).all() == []
