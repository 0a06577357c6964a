"""Each right from intake to answer (G-01 … G-09), through the commands and the pages."""

from __future__ import annotations

import email
import email.header
import io
import zipfile
from datetime import date

import pytest
from rq import SimpleWorker
from sqlalchemy import select, update

from portal.accounts.models import DPO, PARTICIPANT, User
from portal.core import queue
from portal.extensions import db
from portal.leads.models import Settlement
from portal.notifications.models import Notification
from portal.privacy.models import Consent, DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories


def _run_worker():
    SimpleWorker([queue.queue("privacy"), queue.queue("mail")], connection=queue.connection()).work(burst=True)


def test_G01_G03_dpo_files_by_command_with_a_reference_due_in_a_month(app, tenant_a):
    factories.user(tenant_a, email="ala@example.com")
    result = app.test_cli_runner().invoke(args=["privacy", "request", "alpha", "--kind", "access", "--email",
                                                "ala@example.com"])
    assert result.exit_code == 0 and result.output.startswith("DSR-2026-")
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
    assert row.due_on.isoformat() == "2026-04-02" and row.verification == "verified"


@pytest.mark.parametrize("address", ["a" * 250 + "@x.example.com", "not-an-address@", "two@@x.example"])
def test_G01_a_request_for_an_address_no_mailbox_can_have_is_refused(app, tenant_a, address):
    result = app.test_cli_runner().invoke(args=["privacy", "request", "alpha", "--kind", "access", "--email",
                                                address])
    assert result.exit_code == 1 and "254" in result.output
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(DataSubjectRequest)).all() == []


def test_G05_erasure_by_command_closes_with_zero_residues(app, tenant_a):
    user = factories.subject_everywhere(tenant_a, "qqcanary9")
    with use_tenant(tenant_a.id):  # a settlement of last year: its partner's NIP is kept for the tax years
        db.session.execute(update(Settlement).values(as_of=date(2025, 10, 1)))
        db.session.commit()
    runner = app.test_cli_runner()
    ref = runner.invoke(args=["privacy", "request", "alpha", "--kind", "erasure", "--email", user.email]).output.strip()
    result = runner.invoke(args=["privacy", "process", "alpha", ref])
    assert result.exit_code == 0 and "erased" in result.output and "settlement_lines" in result.output
    db.session.rollback()
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
        erased = db.session.get(User, user.id)
        assert row.status == "done" and row.residues == 0
        assert erased.email.startswith("erased-") and not erased.is_active_account


def test_G04_access_from_my_data_page_builds_a_zip_the_requester_downloads(app, client, tenant_a):
    user = factories.user(tenant_a, PARTICIPANT, email="ola@example.com", first_name="Ola")
    factories.login(client, tenant_a, user.email)
    assert client.post("/t/alpha/my-data", data={"action": "download"}).status_code == 302
    _run_worker()
    with use_tenant(tenant_a.id):
        note = db.session.scalars(select(Notification).where(Notification.kind == "request_bundle")).one()
        token = note.params.get("token")
    if token is None:  # mailed already: the token left the row, read it from the mail
        import glob
        from email import message_from_bytes
        from email.policy import default
        from pathlib import Path

        mails = [message_from_bytes(Path(p).read_bytes(), policy=default).get_content()
                 for p in glob.glob(app.config["MAIL_URL"].removeprefix("file://") + "/*.eml")]
        token = next(m.split("/privacy/bundle/")[1].split()[0] for m in mails if "/privacy/bundle/" in m)
    response = client.get(f"/t/alpha/privacy/bundle/{token}")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {"data.json", "summary.html", "csv/users.csv"} <= set(archive.namelist())
    assert "ola@example.com" in archive.read("data.json").decode()
    client.post("/t/alpha/logout")
    assert client.get(f"/t/alpha/privacy/bundle/{token}").status_code == 404  # not for anybody else


def test_G04_my_data_page_links_the_ready_bundle_for_its_requester_only(app, client, tenant_a, clock):
    """"Ready to download until …" comes with the download on the page itself (the mail is not the only way in); the
    link serves the requester's own session, nobody else's, and ends with the bundle's 7 days."""
    import re
    from datetime import timedelta

    user = factories.user(tenant_a, PARTICIPANT, email="ola@example.com", first_name="Ola")
    other = factories.user(tenant_a, PARTICIPANT, email="ewa@example.com")
    factories.login(client, tenant_a, user.email)
    client.post("/t/alpha/my-data", data={"action": "download"})
    _run_worker()
    page = client.get("/t/alpha/my-data").get_data(as_text=True)
    link = re.search(r'href="(/t/alpha/my-data/requests/[^"]+/bundle)"', page)
    assert link, page
    response = client.get(link.group(1))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "ola@example.com" in zipfile.ZipFile(io.BytesIO(response.data)).read("data.json").decode()
    client.post("/t/alpha/logout")
    factories.login(client, tenant_a, other.email)
    assert client.get(link.group(1)).status_code == 404
    client.post("/t/alpha/logout")
    factories.login(client, tenant_a, user.email)
    clock.at = clock.at + timedelta(days=8)
    assert client.get(link.group(1)).status_code == 404
    assert "/bundle" not in client.get("/t/alpha/my-data").get_data(as_text=True)


def test_G02_public_request_is_verified_by_a_one_time_link(app, client, tenant_a):
    response = client.post("/t/alpha/privacy/request", data={"kind": "access", "email": "contact@example.com",
                                                             "name": "Kontakt"})
    assert response.status_code == 200 and "DSR-" in response.get_data(as_text=True)
    with use_tenant(tenant_a.id):
        note = db.session.scalars(select(Notification).where(Notification.kind == "request_verify")).one()
        row = db.session.scalars(select(DataSubjectRequest)).one()
        token, ref = note.params["token"], row.reference
    assert row.verification == "pending" and row.verify_sha256 != token
    assert client.get(f"/t/alpha/privacy/verify/{ref}/wrong-token").status_code == 400
    assert client.get(f"/t/alpha/privacy/verify/{ref}/{token}").status_code == 200
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(DataSubjectRequest)).one().verification == "verified"


def test_G02_wrong_links_from_a_stranger_do_not_wipe_the_request(app, client, tenant_a):
    """References are sequential: someone guessing one and sending wrong links must not expire (and so wipe)
    another person's request — the requester's own link still confirms it."""
    client.post("/t/alpha/privacy/request", data={"kind": "erasure", "email": "x@example.com"})
    with use_tenant(tenant_a.id):
        ref = db.session.scalars(select(DataSubjectRequest)).one().reference
        token = db.session.scalars(select(Notification)).one().params["token"]
    for _ in range(6):
        assert client.get(f"/t/alpha/privacy/verify/{ref}/nope").status_code == 400
    assert client.get(f"/t/alpha/privacy/verify/{ref}/{token}").status_code in (200, 302)
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
        assert (row.status, row.verification, row.requester_email) == ("open", "verified", "x@example.com")


def test_G02_unverified_requests_expire_after_seven_days(app, client, tenant_a, clock):
    client.post("/t/alpha/privacy/request", data={"kind": "access", "email": "x@example.com"})
    clock.advance(days=8)
    app.test_cli_runner().invoke(args=["jobs", "run", "alpha"])
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(DataSubjectRequest)).one().status == "expired"


def test_G03_dpo_extends_with_a_reason_sent_to_the_requester(app, client, tenant_a):
    user = factories.user(tenant_a, email="ala@example.com")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    ref = app.test_cli_runner().invoke(args=["privacy", "request", "alpha", "--kind", "access", "--email",
                                             user.email]).output.strip()
    factories.login(client, tenant_a, dpo.email)
    assert ref in client.get("/t/alpha/dpo/requests").get_data(as_text=True)
    client.post(f"/t/alpha/dpo/requests/{ref}", data={"action": "extend", "extend-months": "2",
                                                      "extend-reason": "many records"})
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
        told = db.session.scalars(select(Notification).where(Notification.kind == "request_extended")).one()
    assert row.extended_to.isoformat() == "2026-06-02" and told.params["reason"] == "many records"


def test_G07_restricted_subject_gets_no_notices(app, tenant_a):
    user = factories.user(tenant_a, email="ala@example.com")
    runner = app.test_cli_runner()
    ref = runner.invoke(args=["privacy", "request", "alpha", "--kind", "restriction", "--email", user.email]).output
    runner.invoke(args=["privacy", "process", "alpha", ref.strip()])
    db.session.rollback()
    factories.notification(db.session.get(User, user.id), "account_registered")
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                             Notification.kind == "account_registered")).all() == []


def test_G08_G09_withdrawal_and_objection_take_effect_at_once(app, client, tenant_a, clock):
    from portal.privacy import consents

    user = factories.user(tenant_a, email="ala@example.com")
    with use_tenant(tenant_a.id):
        consents.give(db.session.get(User, user.id), "marketing", version=None, text_sha256="x" * 64, channel="web",
                      clock=clock)
        db.session.commit()
    factories.login(client, tenant_a, user.email)
    client.post("/t/alpha/my-data", data={"action": "withdraw:marketing"})
    with use_tenant(tenant_a.id):
        marketing = db.session.scalars(select(Consent).where(Consent.kind == "marketing")).one()
        terms = db.session.scalars(select(Consent).where(Consent.kind == "terms")).one()
    assert marketing.withdrawn_at is not None and terms.withdrawn_at is None


def test_dpo_console_is_for_the_dpo_only(app, client, tenant_a):
    from portal.accounts.models import STAFF

    staff = factories.user(tenant_a, STAFF, email="staff@alpha.example")
    factories.login(client, tenant_a, staff.email)
    assert client.get("/t/alpha/dpo/requests").status_code == 403
    assert client.get("/t/alpha/dpo/audit").status_code == 403


def test_G06_rectification_is_audited_without_the_values(app, client, tenant_a):
    from portal.privacy.models import AuditEntry

    user = factories.user(tenant_a, email="ala@example.com", first_name="Alla")
    factories.login(client, tenant_a, user.email)
    response = client.post("/t/alpha/profile", data={"first_name": "Ala", "last_name": "Kowalska", "phone": "",
                                                     "company_name": "", "nip": "", "locale": "en"})
    assert response.status_code == 302
    with use_tenant(tenant_a.id):
        assert db.session.get(User, user.id).first_name == "Ala"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action.startswith("rectified"))).one()
    assert "first_name" in entry.action and "Alla" not in entry.action and "Ala," not in entry.action


def test_G06_dpo_corrects_the_data_and_closes_the_request(app, client, tenant_a):
    user = factories.user(tenant_a, email="ala@example.com", first_name="Alla")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    ref = app.test_cli_runner().invoke(args=["privacy", "request", "alpha", "--kind", "rectification", "--email",
                                             user.email]).output.strip()
    factories.login(client, tenant_a, dpo.email)
    client.post(f"/t/alpha/dpo/requests/{ref}", data={"action": "rectify", "first_name": "Ala"})
    with use_tenant(tenant_a.id):
        assert db.session.get(User, user.id).first_name == "Ala"
        row = db.session.scalars(select(DataSubjectRequest)).one()
    assert row.status == "done" and row.outcome == "corrected: first_name"


def test_G01_public_requester_gets_the_answer_at_the_address_given(app, client, tenant_a):
    client.post("/t/alpha/privacy/request", data={"kind": "objection", "email": "contact@example.com"})
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
        token = db.session.scalars(select(Notification).where(Notification.kind == "request_verify")).one()
        ref, secret = row.reference, token.params["token"]
    client.get(f"/t/alpha/privacy/verify/{ref}/{secret}")
    _run_worker()
    with use_tenant(tenant_a.id):
        answer = db.session.scalars(select(Notification).where(Notification.kind == "request_completed")).one()
    assert answer.user_id is None and answer.mail_state == "sent" and answer.to_email is None  # sent, then forgotten


def test_G03_dpo_is_reminded_of_requests_due_within_three_days(app, tenant_a, clock):
    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.user(tenant_a, email="ala@example.com")
    runner = app.test_cli_runner()
    runner.invoke(args=["privacy", "request", "alpha", "--kind", "access", "--email", "ala@example.com"])
    clock.advance(days=29)
    first = runner.invoke(args=["jobs", "run", "alpha"])
    again = runner.invoke(args=["jobs", "run", "alpha"])  # the same day again: one reminder
    assert "privacy_request_reminders tenant=" in first.output and "changed=1" in first.output
    assert all(line.endswith("changed=0") for line in again.output.splitlines()), again.output  # FORMATS: no change
    db.session.rollback()
    with use_tenant(tenant_a.id):
        assert len(db.session.scalars(select(Notification).where(Notification.kind == "requests_due")).all()) == 1


def test_G12_records_of_processing_as_a_page_and_a_pdf(app, client, tenant_a):
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, dpo.email)
    page = client.get("/t/alpha/dpo/records").get_data(as_text=True)
    assert "users.email" in page and "contract" in page.lower()
    pdf = client.get("/t/alpha/dpo/records.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_C05_dpo_records_the_authority_notice_and_the_decision_on_telling_people(app, client, tenant_a, clock):
    from portal.operator import breaches
    from portal.privacy.models import BreachRecord

    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    breaches.record({"nature": "lost laptop", "contact": "sec@platform.example", "consequences": "low",
                     "measures": "encrypted"}, [tenant_a.id], clock=clock)
    db.session.commit()
    factories.login(client, tenant_a, dpo.email)
    with use_tenant(tenant_a.id):
        breach_id = db.session.scalars(select(BreachRecord.id)).one()
    assert "lost laptop" in client.get("/t/alpha/dpo/breaches").get_data(as_text=True)
    client.post("/t/alpha/dpo/breaches", data={"breach_id": breach_id, "authority": "1",
                                               "decision": "low risk: no notice to people (art. 34(3)(a))"})
    with use_tenant(tenant_a.id):
        row = db.session.get(BreachRecord, breach_id)
    assert row.authority_notified_at is not None and row.subjects_decision.startswith("low risk")


def test_G07_restriction_from_the_page_and_lifted_by_the_dpo(app, client, tenant_a):
    user = factories.user(tenant_a, email="ala@example.com")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, user.email)
    client.post("/t/alpha/my-data", data={"action": "restrict"})
    _run_worker()
    db.session.rollback()
    with use_tenant(tenant_a.id):
        assert db.session.get(User, user.id).restricted_at is not None
        ref = db.session.scalars(select(DataSubjectRequest.reference)).one()
    client.post("/t/alpha/logout")
    factories.login(client, tenant_a, dpo.email)
    client.post(f"/t/alpha/dpo/requests/{ref}", data={"action": "lift"})
    with use_tenant(tenant_a.id):
        assert db.session.get(User, user.id).restricted_at is None


def test_G09_objection_from_the_page_ends_marketing_contact(app, client, tenant_a, clock):
    from portal.privacy import consents

    user = factories.user(tenant_a, email="ala@example.com")
    with use_tenant(tenant_a.id):
        consents.give(db.session.get(User, user.id), "marketing", version=None, text_sha256="y" * 64, channel="web",
                      clock=clock)
        db.session.commit()
    factories.login(client, tenant_a, user.email)
    client.post("/t/alpha/my-data", data={"action": "object"})
    _run_worker()
    db.session.rollback()
    with use_tenant(tenant_a.id):
        assert db.session.get(User, user.id).marketing_objection_at is not None
        assert consents.active(user.id, "marketing") is None


def test_G01_a_request_whose_number_is_taken_gets_the_next_one_instead_of_failing(app, tenant_a, clock):
    from portal.privacy import requests

    with use_tenant(tenant_a.id):
        first, _ = requests.file("access", channel="dpo", clock=clock, email="ala@example.com", verified=True)
        # a request filed at the same instant by another process took the number this one would get next
        db.session.add(DataSubjectRequest(reference=f"DSR-{clock.today().year}-00002", kind="objection",
                                          channel="dpo", requester_email="ola@example.com",
                                          received_on=clock.today(), due_on=first.due_on))
        db.session.flush()
        db.session.execute(update(DataSubjectRequest).where(DataSubjectRequest.id != first.id)
                           .values(reference=f"DSR-{clock.today().year}-00003"))
        second, _ = requests.file("erasure", channel="dpo", clock=clock, email="ela@example.com", verified=True)
        db.session.commit()
        references = sorted(db.session.scalars(select(DataSubjectRequest.reference)))
    assert second.reference == f"DSR-{clock.today().year}-00004"
    assert references == [f"DSR-{clock.today().year}-0000{n}" for n in (1, 3, 4)]


def test_G02_S9_a_public_request_the_dpo_verifies_by_hand_is_acknowledged_to_the_requester_once(app, client,
                                                                                                   tenant_a):
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    client.post("/t/alpha/privacy/request", data={"kind": "access", "email": "letter@example.com"})
    with use_tenant(tenant_a.id):
        ref = db.session.scalars(select(DataSubjectRequest)).one().reference
    factories.login(client, tenant_a, dpo.email)
    for _ in range(2):  # a second confirmation changes nothing
        client.post(f"/t/alpha/dpo/requests/{ref}", data={"action": "verify", "verify-note": "ID card seen"})
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
        told = list(db.session.scalars(select(Notification).where(Notification.kind == "request_received")))
    assert row.verification == "verified"
    assert [(n.to_email, n.params["reference"], n.params["due"]) for n in told] == [
        ("letter@example.com", ref, row.due_on.isoformat())]


def test_G03_dpo_pages_through_every_open_request_and_sees_the_recently_closed(app, client, tenant_a, clock):
    from portal.privacy import requests

    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    with use_tenant(tenant_a.id):
        rows = [requests.file("objection", channel="dpo", clock=clock, email=f"p{n}@example.com", verified=True)[0]
                for n in range(102)]
        requests.close(rows[0], "answered by letter", clock=clock)
        db.session.commit()
        last = rows[-1].reference
    factories.login(client, tenant_a, dpo.email)
    first = client.get("/t/alpha/dpo/requests").get_data(as_text=True)
    assert "1–100 of 101" in first and "page=2" in first and last not in first.split("Recently closed")[0]
    assert rows[0].reference in first.split("Recently closed")[1]  # the answered one, with its status
    second = client.get("/t/alpha/dpo/requests?page=2").get_data(as_text=True)
    assert last in second and "101–101 of 101" in second
    assert client.get("/t/alpha/dpo/requests?page=x").status_code == 200  # a garbled page is the first


def test_G07_the_subject_is_told_when_the_restriction_is_lifted(app, client, tenant_a, smtp):
    """GDPR art. 18(3): a subject who obtained a restriction is informed when it is lifted — in the notices and by
    mail, in the subject's language, although a restricted subject otherwise gets no notices (G-07)."""
    smtp.start()
    app.config["MAIL_URL"] = smtp.url
    users = {"ala@example.com": factories.user(tenant_a, email="ala@example.com", locale="en"),
             "ola@example.com": factories.user(tenant_a, email="ola@example.com", locale="pl")}
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    for address in users:
        factories.login(client, tenant_a, address)
        client.post("/t/alpha/my-data", data={"action": "restrict"})
        client.post("/t/alpha/logout")
    _run_worker()
    db.session.rollback()
    with use_tenant(tenant_a.id):
        refs = list(db.session.scalars(select(DataSubjectRequest.reference)))
    factories.login(client, tenant_a, dpo.email)
    for ref in refs:
        assert client.post(f"/t/alpha/dpo/requests/{ref}", data={"action": "lift"}).status_code == 302
    client.post("/t/alpha/logout")
    before = len(smtp.inbox.messages)
    _run_worker()

    def subjects(address: str) -> list[str]:
        return [str(email.header.make_header(email.header.decode_header(
            email.message_from_bytes(m.content)["Subject"])))
            for m in smtp.inbox.messages[before:] if m.rcpt_tos == [address]]

    assert subjects("ala@example.com") == ["The restriction of the processing of your data has been lifted"]
    assert subjects("ola@example.com") == ["Ograniczenie przetwarzania Twoich danych zostało zniesione"]
    factories.login(client, tenant_a, "ala@example.com")
    page = client.get("/t/alpha/notices").get_data(as_text=True)
    assert "restriction of the processing of your data has been lifted as of 2026-03-02" in page.lower()


def test_G06_the_dpo_corrects_an_account_holders_address_and_an_installers_addresses(app, client, tenant_a):
    """The e-mail address (the login) and, for an installer, the delivery and home addresses are personal data the
    person may have corrected (art. 16); another account's address is refused at the field."""
    from datetime import date

    from portal.loyalty.models import Installer

    user = factories.user(tenant_a, email="ala.old@example.com")
    factories.user(tenant_a, email="taken@example.com")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    with use_tenant(tenant_a.id):
        db.session.add(Installer(tenant_id=tenant_a.id, user_id=user.id, registered_on=date(2026, 1, 2),
                                 delivery_address="ul. Stara 1, 00-001 Warszawa"))
        db.session.commit()
    ref = app.test_cli_runner().invoke(args=["privacy", "request", "alpha", "--kind", "rectification", "--email",
                                             user.email]).output.strip()
    factories.login(client, tenant_a, dpo.email)
    page = client.get(f"/t/alpha/dpo/requests/{ref}").get_data(as_text=True)
    assert 'name="email"' in page and 'name="delivery_address"' in page and "ul. Stara 1" in page
    taken = client.post(f"/t/alpha/dpo/requests/{ref}", data={"action": "rectify", "email": "taken@example.com"},
                        follow_redirects=True)
    assert "already" in taken.get_data(as_text=True)
    client.post(f"/t/alpha/dpo/requests/{ref}", data={"action": "rectify", "email": "Ala.New@example.com",
                                                      "delivery_address": "ul. Nowa 2, 00-002 Warszawa"})
    with use_tenant(tenant_a.id):
        assert db.session.get(User, user.id).email == "ala.new@example.com"
        assert db.session.scalars(select(Installer)).one().delivery_address == "ul. Nowa 2, 00-002 Warszawa"
        row = db.session.scalars(select(DataSubjectRequest)).one()
    assert row.status == "done" and row.outcome == "corrected: email, delivery_address"


def test_G06_a_correction_that_changes_nothing_does_not_close_the_request(app, client, tenant_a):
    user = factories.user(tenant_a, email="ala@example.com", first_name="Ala")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    ref = app.test_cli_runner().invoke(args=["privacy", "request", "alpha", "--kind", "rectification", "--email",
                                             user.email]).output.strip()
    factories.login(client, tenant_a, dpo.email)
    answer = client.post(f"/t/alpha/dpo/requests/{ref}", data={"action": "rectify", "first_name": "Ala"},
                         follow_redirects=True)
    assert "Nothing differs" in answer.get_data(as_text=True)
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(DataSubjectRequest)).one().status == "open"


def test_G03_a_refused_request_is_answered_as_refused_with_the_remedies(app, tenant_a, clock):
    """GDPR art. 12(4): not "completed" — the requester reads that nothing was done, why, and that they may complain
    to the supervisory authority (UODO) and go to court."""
    from portal.notifications.service import _render
    from portal.privacy import requests

    user = factories.user(tenant_a, email="ala@example.com", locale="pl")
    with use_tenant(tenant_a.id):
        row, _token = requests.file("erasure", channel="account", user=db.session.get(User, user.id), clock=clock)
        requests.close(row, "wniosek oczywiście nieuzasadniony", clock=clock, rejected=True)
        db.session.commit()
        note = db.session.scalars(select(Notification).where(Notification.kind == "request_completed")).one()
        subject, body = _render(note, db.session.get(User, user.id), tenant_a)
    assert "nie został zrealizowany" in subject and "zrealizowany:" not in body
    assert "Prezesa Urzędu Ochrony Danych Osobowych" in body and "sądem" in body


def test_G01_the_language_the_dpo_picks_for_the_answers_is_the_account_holders_too(app, client, tenant_a):
    """§9: a Polish account holder writes in English; the DPO enters the request with English answers — the
    acknowledgement is in English, not in the account's language."""
    from portal.notifications.service import _render

    holder = factories.user(tenant_a, email="ola@example.com", locale="pl")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    factories.login(client, tenant_a, dpo.email)
    answer = client.post("/t/alpha/dpo/requests", data={"kind": "access", "email": holder.email, "locale": "en",
                                                        "note": "letter signed, address matches the account"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    with use_tenant(tenant_a.id):
        told = db.session.scalars(select(Notification).where(Notification.kind == "request_received",
                                                             Notification.user_id == holder.id)).one()
        subject, body = _render(told, holder, tenant_a)
    assert "Request" in subject and "Wniosek" not in subject + body, subject


def test_G02_a_backdated_request_gets_the_links_seven_days_from_when_it_is_sent(app, tenant_a, clock):
    """A request received ten days ago, filed today unverified: its link is mailed today and works for 7 days from
    today (as the mail says), while the deadline still counts from receipt (G-03)."""
    from datetime import timedelta

    from portal.core.clock import FixedClock
    from portal.privacy import requests
    from portal.tenancy.service import local_today

    today = local_today(clock)
    with use_tenant(tenant_a.id):
        row, token = requests.file("erasure", channel="public", clock=clock, email="late@example.com",
                                   received_on=today - timedelta(days=10))
        db.session.commit()
        assert row.received_on == today - timedelta(days=10)
        week_on = FixedClock(clock.now() + timedelta(days=7))
        assert requests.expire_unverified(clock=week_on) == 0
        assert requests.verify(row, token, clock=week_on) is True
        db.session.commit()
    with use_tenant(tenant_a.id):
        other, _ = requests.file("erasure", channel="public", clock=clock, email="later@example.com",
                                 received_on=today - timedelta(days=10))
        db.session.commit()
        assert requests.expire_unverified(clock=FixedClock(clock.now() + timedelta(days=8))) == 1
