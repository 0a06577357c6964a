"""C-06 (DPA §5): a processing audit at most once a calendar year — the organiser's written questions, answered
within 30 days of their receipt, then, if it asks, an audit in another form (an inspection) starting no sooner
than 10 business days after that request. The operator records them on its audits page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.operator import register
from portal.operator.models import AuditRequest
from tests.operator.test_contract_end_page import _operator


def test_C06_a_letter_recorded_later_is_due_30_days_from_its_receipt(app, tenant_a):
    clock = as_of(date(2027, 3, 10))
    row = register.request_audit(tenant_a.id, "Q1", clock=clock, received_on=date(2027, 3, 1))
    assert (row.requested_on, row.answer_due) == (date(2027, 3, 1), date(2027, 3, 31))
    with pytest.raises(DomainError) as refused:
        register.request_audit(tenant_a.id, "Q2", clock=clock, received_on=date(2027, 3, 11))
    assert refused.value.field == "received_on"


def test_C06_once_a_calendar_year_counted_by_the_day_received(app, tenant_a):
    clock = as_of(date(2027, 1, 5))
    register.request_audit(tenant_a.id, "Q 2026", clock=clock, received_on=date(2026, 12, 30))
    register.request_audit(tenant_a.id, "Q 2027", clock=clock)  # a new calendar year: allowed
    with pytest.raises(DomainError, match="already requested this year"):
        register.request_audit(tenant_a.id, "Q again", clock=clock)


def test_C06_an_inspection_follows_the_answered_questionnaire_no_sooner_than_10_business_days(app, tenant_a):
    clock = as_of(date(2027, 4, 29))
    with pytest.raises(DomainError, match="once it is answered"):  # no questionnaire yet
        register.request_audit(tenant_a.id, "server room", clock=clock, form="inspection",
                               starts_on=date(2027, 6, 1))
    questions = register.request_audit(tenant_a.id, "Q1", clock=clock, received_on=date(2027, 3, 1))
    with pytest.raises(DomainError, match="once it is answered"):
        register.request_audit(tenant_a.id, "server room", clock=clock, form="inspection",
                               starts_on=date(2027, 6, 1))
    register.answer_audit(questions, "All answered", clock=clock)
    # received Thursday 29 April 2027; 3 May (a Monday) is a public holiday: the 10th business day is 14 May
    with pytest.raises(DomainError) as early:
        register.request_audit(tenant_a.id, "server room", clock=clock, form="inspection",
                               starts_on=date(2027, 5, 13))
    assert early.value.field == "starts_on" and "2027-05-14" in early.value.message
    inspection = register.request_audit(tenant_a.id, "server room", clock=clock, form="inspection",
                                        starts_on=date(2027, 5, 14))
    assert (inspection.form, inspection.starts_on) == ("inspection", date(2027, 5, 14))
    with pytest.raises(DomainError, match="already has an inspection"):
        register.request_audit(tenant_a.id, "again", clock=clock, form="inspection", starts_on=date(2027, 5, 3))
    with pytest.raises(DomainError, match="already answered"):
        register.answer_audit(questions, "twice", clock=clock)


def test_C06_audits_page_records_a_request_and_shows_refusals_next_to_their_field(app, client, tenant_a):
    _operator(client)
    page = client.get("/operator/audits").get_data(as_text=True)
    assert "Received on" in page and tenant_a.name in page
    empty = client.post("/operator/audits", data={"tenant_id": str(tenant_a.id), "form": "questionnaire",
                                                  "received_on": "1 March", "questionnaire": ""})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 422 and 'id="received_on-error"' in text and "YYYY-MM-DD" in text
    future = client.post("/operator/audits", data={"tenant_id": str(tenant_a.id), "form": "questionnaire",
                                                   "received_on": "2099-01-01", "questionnaire": "Q"})
    assert future.status_code == 422 and 'id="received_on-error"' in future.get_data(as_text=True)
    saved = client.post("/operator/audits", data={"tenant_id": str(tenant_a.id), "form": "questionnaire",
                                                  "questionnaire": "How are backups encrypted?"})
    assert saved.status_code == 302
    row = db.session.scalars(select(AuditRequest)).one()
    listing = client.get("/operator/audits").get_data(as_text=True)
    assert tenant_a.name in listing and "How are backups encrypted?" in listing
    blank = client.post("/operator/audits", data={"audit_id": str(row.id), "answer": " "})
    assert blank.status_code == 422 and f'id="ans-{row.id}-error"' in blank.get_data(as_text=True)
    assert client.post("/operator/audits", data={"audit_id": str(row.id), "answer": "AES-256"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AuditRequest, row.id).answer == "AES-256"


def test_C06_an_inspection_follows_a_questionnaire_answered_across_the_new_year(app, tenant_a):
    """DPA §5.3: after the questionnaire the organiser may ask for an inspection — one received in December and
    answered in January is followed by its inspection in January, without spending the new year's audit."""
    register.request_audit(tenant_a.id, "Q 2026", clock=as_of(date(2026, 12, 20)))
    row = db.session.scalars(select(AuditRequest)).one()
    register.answer_audit(row, "answers", clock=as_of(date(2027, 1, 8)))
    inspection = register.request_audit(tenant_a.id, "server room", clock=as_of(date(2027, 1, 12)),
                                        form="inspection", starts_on=date(2027, 2, 1))
    assert inspection.form == "inspection"
    with pytest.raises(DomainError, match="already has an inspection"):
        register.request_audit(tenant_a.id, "again", clock=as_of(date(2027, 1, 13)), form="inspection",
                               starts_on=date(2027, 2, 1))
    assert register.request_audit(tenant_a.id, "Q 2027", clock=as_of(date(2027, 3, 1))).form == "questionnaire"


def test_C06_an_inspection_takes_place_on_a_business_day(app, tenant_a):
    """DPA §5.4: audits take place during the platform's working hours — not on a weekend or a public holiday."""
    clock = as_of(date(2027, 4, 29))
    questions = register.request_audit(tenant_a.id, "Q1", clock=clock, received_on=date(2027, 3, 1))
    register.answer_audit(questions, "All answered", clock=clock)
    for day in (date(2027, 5, 15), date(2027, 5, 16), date(2027, 5, 27)):  # Saturday, Sunday, Corpus Christi
        with pytest.raises(DomainError) as refused:
            register.request_audit(tenant_a.id, "server room", clock=clock, form="inspection", starts_on=day)
        assert refused.value.field == "starts_on" and "business day" in refused.value.message
    assert register.request_audit(tenant_a.id, "server room", clock=clock, form="inspection",
                                  starts_on=date(2027, 5, 17)).starts_on == date(2027, 5, 17)


def test_C06_a_written_request_for_information_is_answered_within_14_days_whatever_the_audits(app, tenant_a):
    """DPA §4.2: on the organiser's written request the platform gives information about the processing, technical
    and organisational details included, within 14 days of receiving it — a duty apart from the yearly audit."""
    clock = as_of(date(2027, 6, 1))
    register.request_audit(tenant_a.id, "Q1", clock=clock, received_on=date(2027, 2, 1))
    first = register.request_audit(tenant_a.id, "Which backups hold our data?", clock=clock, form="information")
    assert (first.form, first.requested_on, first.answer_due) == ("information", date(2027, 6, 1), date(2027, 6, 15))
    second = register.request_audit(tenant_a.id, "Encryption at rest?", clock=clock, form="information",
                                    received_on=date(2027, 5, 30))
    assert second.answer_due == date(2027, 6, 13)
    with pytest.raises(DomainError) as empty:
        register.request_audit(tenant_a.id, " ", clock=clock, form="information")
    assert empty.value.field == "questionnaire" and "inspection" not in empty.value.message
    with pytest.raises(DomainError) as unanswered:
        register.answer_audit(first, " ", clock=clock)
    assert unanswered.value.message == "Write the answer."


def test_C06_the_audits_page_records_a_request_for_information_due_in_14_days(app, client, tenant_a):
    _operator(client)
    page = client.get("/operator/audits").get_data(as_text=True)
    assert 'value="information"' in page
    answer = client.post("/operator/audits", data={"tenant_id": tenant_a.id, "form": "information",
                                                   "received_on": "2026-03-01", "questionnaire": "Backups?"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    row = db.session.scalars(select(AuditRequest).where(AuditRequest.form == "information")).one()
    assert row.answer_due == date(2026, 3, 15)
    listed = client.get("/operator/audits").get_data(as_text=True)
    assert "request for information" in listed and "2026-03-15" in listed
