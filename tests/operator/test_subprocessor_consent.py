"""C-07, DPA §4.7–4.8: a new sub-processor is announced to every organiser's DPO 7 days ahead, and the platform
entrusts none of an organiser's data to it before that organiser consents ("nie powierzy danych osobowych przed
uzyskaniem zgody"). The DPO consents or objects on the records of processing; the records list the sub-processors in
use for the organiser apart from those awaiting its answer or objected to. Sub-processors listed before the
organiser joined are part of its agreement."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts.models import DPO
from portal.core.clock import as_of
from portal.extensions import db
from portal.notifications.models import Notification
from portal.operator import register
from portal.privacy import registers
from portal.tenancy.guard import use_tenant
from tests import factories

LATER = as_of(date(2026, 4, 1))


def _announce(name="MailCo", location="Warszawa, Polska", clock=LATER):
    row = register.add_subprocessor({"name": name, "purpose": "e-mail delivery", "location": location}, clock=clock)
    db.session.commit()
    return row


def _names(record, key):
    return [s.name for s in record[key]]


def test_C07_a_new_subprocessor_awaits_each_organisers_consent_before_it_is_used(app, tenant_a, tenant_b):
    row = _announce()
    with use_tenant(tenant_a.id):
        record = registers.controller_record(tenant_a)
        assert _names(record, "subprocessors") == [] and _names(record, "awaiting") == ["MailCo"]
        register.answer_subprocessor(tenant_a, row.id, "consent", clock=as_of(date(2026, 4, 3)))
        db.session.commit()
        record = registers.controller_record(tenant_a)
        assert _names(record, "subprocessors") == ["MailCo"] and _names(record, "awaiting") == []
    with use_tenant(tenant_b.id):
        register.answer_subprocessor(tenant_b, row.id, "objection", clock=as_of(date(2026, 4, 3)))
        db.session.commit()
        record = registers.controller_record(tenant_b)
        assert _names(record, "subprocessors") == [] and _names(record, "objected") == ["MailCo"]
    assert register.answers_counts()[row.id] == {"consent": 1, "objection": 1}


def test_C07_subprocessors_listed_before_the_organiser_joined_are_part_of_its_agreement(app, clock):
    _announce(name="HostCo", clock=as_of(date(2025, 1, 1)))
    tenant = factories.tenant("gamma", kind="distributor")
    with use_tenant(tenant.id):
        record = registers.controller_record(tenant)
        assert _names(record, "subprocessors") == ["HostCo"] and _names(record, "awaiting") == []


def test_C07_the_notice_says_the_data_waits_for_the_organisers_consent(app, tenant_a):
    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    _announce()
    with use_tenant(tenant_a.id):
        notice = db.session.scalars(select(Notification).where(Notification.kind == "subprocessor_notice")).one()
        from portal.notifications.service import _render

        notice.locale = "en"
        _subject, text = _render(notice, None, tenant_a)
        notice.locale = "pl"
        _subject, polish = _render(notice, None, tenant_a)
    assert "zgod" in polish and "rejestr" in polish.lower()
    assert "consent" in text and "records of processing" in text


def test_C07_the_dpo_consents_or_objects_on_the_records_page(app, client, tenant_a):
    row = _announce()
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, dpo.email)
    page = client.get("/t/alpha/dpo/records").get_data(as_text=True)
    assert f'name="subprocessor_id" value="{row.id}"' in page

    def answer(value, subprocessor_id=row.id):
        return client.post("/t/alpha/dpo/subprocessors", data={"answer": value, "subprocessor_id": subprocessor_id})

    assert answer("maybe").status_code == 400
    assert answer("consent", 999999).status_code == 404 and answer("consent", "x").status_code == 404
    assert answer("consent").status_code == 302
    page = client.get("/t/alpha/dpo/records").get_data(as_text=True)
    assert "MailCo" in page and 'value="consent"' not in page
    assert 'value="objection">Withdraw consent' in page  # a consent given may be withdrawn from the list in use
    assert answer("objection").status_code == 302  # the organiser may change its answer: the latest stands
    with use_tenant(tenant_a.id):
        assert _names(registers.controller_record(tenant_a), "objected") == ["MailCo"]


def test_C07_a_subprocessor_announced_later_the_day_an_organiser_joined_awaits_its_consent(app):
    """Joined at 08:00, told at 14:00 of a new sub-processor ("none of your data goes to it before you consent"):
    the record must not list it as part of the agreement the organiser joined under. One that joined after the
    announcement, the same day, joined with it on the list."""
    from datetime import UTC, datetime

    from portal.core.clock import FixedClock

    app.extensions["clock"] = FixedClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    early = factories.tenant("gamma", kind="distributor")
    factories.user(early, DPO, email="dpo@gamma.example")
    _announce(clock=FixedClock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC)))
    app.extensions["clock"] = FixedClock(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    late = factories.tenant("delta", kind="distributor")
    with use_tenant(early.id):
        assert db.session.scalars(select(Notification).where(Notification.kind == "subprocessor_notice")).all()
        record = registers.controller_record(early)
        assert _names(record, "subprocessors") == [] and _names(record, "awaiting") == ["MailCo"]
    with use_tenant(late.id):
        record = registers.controller_record(late)
        assert _names(record, "subprocessors") == ["MailCo"] and _names(record, "awaiting") == []
