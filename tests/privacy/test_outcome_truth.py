"""What a requester and the DPO are told about a finished request is what the platform does: the day an access
bundle is ready until (G-04) and why each record kept after an erasure is kept (G-05)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, User
from portal.core.clock import FixedClock, set_clock
from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy import export, requests
from portal.privacy.labels import request_outcome
from portal.tenancy.guard import use_tenant
from tests import factories

WARSAW = ZoneInfo("Europe/Warsaw")


def _local(*args) -> FixedClock:
    return FixedClock(datetime(*args, tzinfo=WARSAW).astimezone(ZoneInfo("UTC")))


def _access_bundle(app, tenant, clock: FixedClock) -> tuple[str, str]:
    """An access request filed and processed at ``clock``; its outcome and the bundle's token."""
    set_clock(clock)
    user = factories.user(tenant, PARTICIPANT, email="ola@example.com")
    with use_tenant(tenant.id):
        row, _ = requests.file("access", channel="dpo", clock=clock, user=db.session.get(User, user.id),
                               verified=True, note="letter")
        outcome = requests.process(row, clock=clock, tenant_name="Alpha")
        token = db.session.scalars(select(Notification).where(Notification.kind == "request_bundle")).one() \
            .params["token"]
        db.session.commit()
    return outcome, token


def _works(tenant, token: str, *args) -> bool:
    with use_tenant(tenant.id):
        return export.open_bundle(token, clock=_local(*args)) is not None


def test_G04_the_bundle_works_through_the_whole_last_day_its_outcome_names(app, tenant_a):
    """Built at 13:00 on 2 May, the outcome says "until 2024-05-09": the link still works at 13:00 and at 23:59 on
    9 May (not only 168 hours), and is gone from midnight."""
    outcome, token = _access_bundle(app, tenant_a, _local(2024, 5, 2, 13, 0))
    assert outcome == "bundle ready until 2024-05-09"
    assert _works(tenant_a, token, 2024, 5, 9, 13, 0, 1)
    assert _works(tenant_a, token, 2024, 5, 9, 23, 59, 59)
    assert not _works(tenant_a, token, 2024, 5, 10, 0, 0, 0)


def test_G04_the_last_day_is_the_organisers_own_day_not_utcs(app, tenant_a):
    """Built at 00:30 on 3 May in Warsaw (22:30 on 2 May in UTC), the seventh day is 10 May, in Warsaw."""
    outcome, token = _access_bundle(app, tenant_a, _local(2024, 5, 3, 0, 30))
    assert outcome == "bundle ready until 2024-05-10"
    assert _works(tenant_a, token, 2024, 5, 10, 23, 0)
    assert not _works(tenant_a, token, 2024, 5, 11, 0, 0)


def test_G04_the_outcome_reads_as_the_day_the_link_ends(app, tenant_a):
    outcome, _ = _access_bundle(app, tenant_a, _local(2024, 5, 2, 13, 0))
    assert request_outcome(outcome) == "the data bundle is ready to download until 2024-05-09"


def _erased(app, tenant, canary: str):
    """A subject with tax records of 2025 and an earlier access request, erased: the request row, as closed."""
    from portal.privacy.models import DataSubjectRequest
    from tests.privacy.test_erasure import _recent_tax_records
    from tests.privacy.test_erasure_reach import _carry_out

    clock = app.extensions["clock"]
    subject = factories.subject_everywhere(tenant, canary)
    email = subject.email
    _recent_tax_records(tenant, subject)
    _carry_out(tenant, "access", subject, clock)
    done = _carry_out(tenant, "erasure", subject, clock)
    with use_tenant(tenant.id):
        return db.session.get(DataSubjectRequest, done.id), email


def _parts(text: str) -> dict[str, str]:
    """What an outcome says is kept for each reason: {reason: the records named after it}."""
    import re

    return {m["reason"]: m["kept"] for m in re.finditer(r"kept for (?P<reason>[^:]+): (?P<kept>.*?)(?=; kept for|$)",
                                                        text)}


def test_G05_the_erasure_outcome_names_each_kept_records_own_reason(app, tenant_a):
    """The tax and accounting records are kept for a legal obligation, the requests for accountability (art.
    5(2)): the answer says so of each, rather than lumping the requests under the legal obligation."""
    done, _ = _erased(app, tenant_a, "zzreason1")
    parts = _parts(done.outcome)
    assert set(parts) == {"legal obligation", "accountability"}, done.outcome
    assert "settlement_lines (partner_nip) until 2030-12-31" in parts["legal obligation"]
    assert "subject_requests" not in parts["legal obligation"]
    assert parts["accountability"].startswith("subject_requests (requester_email, requester_name, details) until ")


def test_G05_the_requester_and_the_dpo_read_each_reason_in_words(app, client, tenant_a):
    from portal.accounts.models import DPO

    done, _ = _erased(app, tenant_a, "zzreason2")
    shown = str(request_outcome(done.outcome))
    legal, accountability = shown.split("; kept for accountability")
    assert "settlement statements" in legal and "data-protection requests" not in legal
    assert "data-protection requests" in accountability and "5(2)" in accountability
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    factories.login(client, tenant_a, dpo.email)
    page = client.get(f"/t/alpha/dpo/requests/{done.reference}").get_data(as_text=True)
    assert "; kept for accountability" in page


def test_G05_an_erasure_answered_before_reads_with_each_records_reason_too(app):
    """Answers stored before the reasons were told apart named the requests under the legal obligation: they read
    with each record's reason as well."""
    stored = ("erased; kept for legal obligation: settlement_lines (partner_nip) until 2023-12-31; subject_requests "
              "(requester_email, requester_name, details) until 2029-03-02")
    legal, accountability = str(request_outcome(stored)).split("; kept for accountability")
    assert legal.startswith("erased; kept for a legal obligation: settlement statements")
    assert "data-protection requests" not in legal and "data-protection requests" in accountability


def test_G05_the_same_address_asking_again_hears_each_kept_records_reason(app, tenant_a):
    """A later request from the erased address is told what is still kept and why: the tax records, no longer
    linked to the address, for a legal obligation; the requests, which still name it, for accountability."""
    done, email = _erased(app, tenant_a, "zzreason3")
    clock = app.extensions["clock"]
    with use_tenant(tenant_a.id):
        row, _ = requests.file("access", channel="dpo", clock=clock, email=email, verified=True, note="letter")
        outcome = requests.process(row, clock=clock, tenant_name="Alpha")
        db.session.commit()
    parts = _parts(outcome)
    assert set(parts) == {"a legal obligation, no longer linked to this address", "accountability"}, outcome
    assert "subject_requests" not in parts["a legal obligation, no longer linked to this address"]
    assert "subject_requests" in parts["accountability"]
    shown = str(request_outcome(outcome))
    assert "settlement statements" in shown and "data-protection requests" in shown and "5(2)" in shown


def test_G05_an_address_erased_with_nothing_kept_is_told_so(app):
    shown = str(request_outcome("the data of this person was erased on 2026-03-02 (DSR-2026-00002); nothing is kept"))
    assert shown == "the data of this person was erased on 2026-03-02 (DSR-2026-00002); nothing is kept"
    assert str(request_outcome("erased; kept for legal obligation: nothing")) == \
        "erased; kept for a legal obligation: nothing"


def test_G05_the_dpo_sees_where_the_residues_are_not_only_how_many(app, client, tenant_a):
    """Someone else's record still naming the subject after the erasure: the DPO's page names the record and its
    field (not the value), so the DPO can look at it before closing the request."""
    from portal.accounts.models import DPO
    from tests.privacy.test_erasure_reach import _carry_out

    subject = factories.subject_everywhere(tenant_a, "zzwhere1")
    other = factories.user(tenant_a, PARTICIPANT, email="other@alpha.example")
    note = factories.notification(other, note=f"call {subject.email} back")
    done = _carry_out(tenant_a, "erasure", subject, app.extensions["clock"])
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    factories.login(client, tenant_a, dpo.email)
    page = client.get(f"/t/alpha/dpo/requests/{done.reference}").get_data(as_text=True)
    assert "Residues found by the scan: 1" in page
    assert f"Notices #{note.id}" in page and subject.email not in page


def test_G05_an_erasure_the_dpo_closes_after_checking_residues_still_tells_what_is_kept(app, tenant_a):
    """The scan found residues, the DPO checked them and closes with its own words: the requester is still told
    which records are kept, why and until when — as when the erasure closes by itself."""
    from portal.notifications import service as notifications
    from portal.privacy.models import DataSubjectRequest
    from tests.privacy.test_erasure import _recent_tax_records
    from tests.privacy.test_erasure_reach import _carry_out

    clock = app.extensions["clock"]
    subject = factories.subject_everywhere(tenant_a, "zzclose1")
    _recent_tax_records(tenant_a, subject)
    other = factories.user(tenant_a, PARTICIPANT, email="other@alpha.example")
    factories.notification(other, note=f"call {subject.email} back")
    done = _carry_out(tenant_a, "erasure", subject, clock)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, done.id)
        assert row.status == "open" and row.residues == 1
        requests.close(row, "Checked: the note was removed.", clock=clock)
        db.session.commit()
        told = db.session.scalars(select(Notification).where(Notification.kind == "request_completed")
                                  .order_by(Notification.id.desc())).first()
        _subject, body = notifications._render(told, None, tenant_a)
    assert "Checked: the note was removed." in body and "2030-12-31" in body


def test_G05_an_erasure_that_closes_by_itself_tells_what_is_kept_once(app, tenant_a):
    """The completion mail names the kept records once, not the outcome and then the same words again."""
    from portal.notifications import service as notifications
    from tests.privacy.test_erasure import _recent_tax_records
    from tests.privacy.test_erasure_reach import _carry_out

    clock = app.extensions["clock"]
    subject = factories.subject_everywhere(tenant_a, "zzonce1")
    _recent_tax_records(tenant_a, subject)
    done = _carry_out(tenant_a, "erasure", subject, clock)
    with use_tenant(tenant_a.id):
        assert done.status == "done"
        told = db.session.scalars(select(Notification).where(Notification.kind == "request_completed")
                                  .order_by(Notification.id.desc())).first()
        _subject, body = notifications._render(told, None, tenant_a)
    assert body.count("kept for a legal obligation") == 1, body


def test_S10_G05_a_polish_dpo_reads_the_api_note_and_the_erasure_effects_in_polish(app, client, tenant_a):
    """The platform's own words on the request page are translated: the API's identity note and the records an
    erasure touched (by their names, not the tables')."""
    from portal.accounts.models import DPO
    from portal.privacy.labels import API_FILED
    from tests.privacy.test_erasure_reach import _carry_out

    subject = factories.subject_everywhere(tenant_a, "zzpl1")
    done = _carry_out(tenant_a, "erasure", subject, app.extensions["clock"])
    with use_tenant(tenant_a.id):
        row = db.session.get(type(done), done.id)
        row.verification_note = API_FILED
        db.session.commit()
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="pl")
    factories.login(client, tenant_a, dpo.email)
    page = client.get(f"/t/alpha/dpo/requests/{done.reference}").get_data(as_text=True)
    assert API_FILED not in page and "przez API" in page
    assert "<li>users:" not in page and "export_bundles" not in page and "Konto:" in page


def test_G04_an_access_bundle_of_a_partner_with_lead_notices_is_built(app, tenant_a):
    """The bundle's summary lists the person's notices as they read them — the lead notices too, which speak as the
    organiser's programme does (a referral or a lead): the request completes, it does not fail in the worker."""
    from tests.privacy.test_erasure_reach import _carry_out

    subject = factories.subject_everywhere(tenant_a, "zzlead1")
    for kind in ("lead_received", "lead_qualified", "lead_rejected"):
        factories.notification(subject, kind, ref="L-1", due_on="2026-03-09", reason="no licences")
    done = _carry_out(tenant_a, "access", subject, app.extensions["clock"])
    assert done.status == "done", done.outcome
    import zipfile

    from portal.privacy.models import ExportBundle

    with use_tenant(tenant_a.id):
        bundle = db.session.scalars(select(ExportBundle).order_by(ExportBundle.id.desc())).first()
        summary = zipfile.ZipFile(export.bundle_path(bundle.filename)).read("summary.html").decode()
    assert "L-1" in summary


def _contract_ended(tenant) -> None:
    """The organiser's contract ended on 28 April 2024: its export window closes on 5 May, deletion by 12 May."""
    from datetime import date

    from portal.operator import contracts

    contract = contracts.create(tenant.id, starts_on=date(2023, 5, 1), term_months=12)
    contract.ended_on, contract.export_until, contract.delete_by = date(2024, 4, 28), date(2024, 5, 5), \
        date(2024, 5, 12)
    db.session.commit()


def test_G04_C04_a_bundle_built_after_the_contract_ended_is_ready_only_until_the_tenant_is_deleted(app, tenant_a):
    """The organiser's contract ended: its data goes after the export window (C-04). A bundle built on 2 May, with
    the window's last day 5 May, cannot be ready until 9 May: the requester is told 5 May, in the outcome and in
    the mail, and the link works until then."""
    _contract_ended(tenant_a)
    outcome, token = _access_bundle(app, tenant_a, _local(2024, 5, 2, 13, 0))
    assert outcome == "bundle ready until 2024-05-05"
    assert _works(tenant_a, token, 2024, 5, 5, 23, 59, 59) and not _works(tenant_a, token, 2024, 5, 6, 0, 0, 1)
    from portal.notifications.service import _render

    with use_tenant(tenant_a.id):
        mail = db.session.scalars(select(Notification).where(Notification.kind == "request_bundle")).one()
        mail.locale = "en"
        _subject, text = _render(mail, db.session.get(User, mail.user_id), tenant_a)
        mail.locale = "pl"
        _subject, polish = _render(mail, db.session.get(User, mail.user_id), tenant_a)
    assert "until 2024-05-05" in text and "7 days" not in text
    assert "do 2024-05-05" in polish and "7 dni" not in polish


def test_G04_C04_a_bundle_built_after_the_export_window_still_works_the_day_it_is_built(app, tenant_a):
    """Built on 10 May, after the window closed on 5 May but before the daily deletion ran: the link is not dead
    when it is sent — it works through that day."""
    _contract_ended(tenant_a)
    outcome, token = _access_bundle(app, tenant_a, _local(2024, 5, 10, 9, 0))
    assert outcome == "bundle ready until 2024-05-10"
    assert _works(tenant_a, token, 2024, 5, 10, 23, 59, 59)
