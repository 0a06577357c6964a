"""Each right as a DPO, a participant and a person without an account would exercise it (G-01 … G-12)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rq import SimpleWorker
from sqlalchemy import select

from portal.accounts.models import DPO, PARTICIPANT, User
from portal.core import queue
from portal.core.clock import as_of
from portal.extensions import db
from portal.privacy import consents, export, requests
from portal.privacy.models import DataSubjectRequest, ExportBundle
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.factories import BUSINESS


def _run_worker():
    SimpleWorker([queue.queue("privacy"), queue.queue("mail")], connection=queue.connection()).work(burst=True)


def _file_on(app, tenant, day: date, email: str = "ala@example.com", kind: str = "access") -> DataSubjectRequest:
    app.extensions["clock"] = as_of(day)
    with use_tenant(tenant.id):
        row, _ = requests.file(kind, channel="dpo", clock=app.extensions["clock"], email=email, verified=True,
                               note="letter signed in person")
        db.session.commit()
        return row


def test_G03_received_31_january_is_due_on_the_last_day_of_february(app, tenant_a):
    factories.user(tenant_a, email="ala@example.com")
    assert _file_on(app, tenant_a, date(2027, 1, 31)).due_on == date(2027, 2, 28)
    assert _file_on(app, tenant_a, date(2028, 1, 31)).due_on == date(2028, 2, 29)  # a leap year
    assert _file_on(app, tenant_a, date(2027, 3, 31)).due_on == date(2027, 4, 30)


def test_G03_extension_never_goes_beyond_three_months_from_receipt(app, tenant_a):
    from portal.core.errors import DomainError

    factories.user(tenant_a, email="ala@example.com")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    row = _file_on(app, tenant_a, date(2027, 11, 30))
    clock = app.extensions["clock"]
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        for months in (0, 3):
            try:
                requests.extend(row, months, "many records", actor=dpo, clock=clock)
            except DomainError as error:
                assert error.field == "months"
            else:
                raise AssertionError(f"an extension by {months} months was accepted")
        requests.extend(row, 2, "many records", actor=dpo, clock=clock)
        assert requests.deadline(row) == date(2028, 2, 29)
        try:
            requests.extend(row, 1, "still more", actor=dpo, clock=clock)
        except DomainError:
            pass
        else:
            raise AssertionError("a second extension was accepted")
        assert requests.deadline(row) == date(2028, 2, 29)


def test_G03_dpo_enters_a_letter_with_the_day_it_was_received(app, client, tenant_a, clock):
    factories.user(tenant_a, email="ala@example.com")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, dpo.email)
    today = clock.today()
    received = today - timedelta(days=5)
    response = client.post("/t/alpha/dpo/requests", data={"kind": "access", "email": "ala@example.com",
                                                          "note": "signed letter", "received_on": received.isoformat()})
    assert response.status_code == 302
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
    assert row.received_on == received
    assert row.due_on == date(received.year + (received.month == 12), received.month % 12 + 1, received.day)


def test_G03_a_receipt_day_in_the_future_is_refused_next_to_the_field(app, client, tenant_a, clock):
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, dpo.email)
    tomorrow = clock.today() + timedelta(days=1)
    response = client.post("/t/alpha/dpo/requests", data={"kind": "access", "email": "ala@example.com",
                                                          "note": "signed letter", "received_on": tomorrow.isoformat()})
    assert response.status_code == 422
    assert "future" in response.get_data(as_text=True)
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(DataSubjectRequest)).all() == []


def test_G03_queue_is_sorted_by_the_deadline_in_force_and_flags_overdue(app, client, tenant_a):
    factories.user(tenant_a, email="ala@example.com")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    first = _file_on(app, tenant_a, date(2026, 1, 10))  # extended to 10 April
    late = _file_on(app, tenant_a, date(2026, 1, 20))  # due 20 February: overdue on 1 March
    middle = _file_on(app, tenant_a, date(2026, 2, 25))  # due 25 March
    clock = app.extensions["clock"] = as_of(date(2026, 2, 1))
    with use_tenant(tenant_a.id):
        requests.extend(db.session.get(DataSubjectRequest, first.id), 2, "many records", actor=dpo, clock=clock)
        db.session.commit()
    app.extensions["clock"] = as_of(date(2026, 3, 1))
    factories.login(client, tenant_a, dpo.email)
    page = client.get("/t/alpha/dpo/requests").get_data(as_text=True)
    order = [page.index(r.reference) for r in (late, middle, first)]
    assert order == sorted(order)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", page, re.S)
    overdue = [r for r in rows if "overdue" in r]
    assert len(overdue) == 1 and late.reference in overdue[0]


def _bundle_for(app, client, tenant, email: str) -> tuple[str, ExportBundle]:
    user = factories.user(tenant, PARTICIPANT, email=email)
    factories.login(client, tenant, user.email)
    client.post("/t/alpha/my-data", data={"action": "download"})
    _run_worker()
    with use_tenant(tenant.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
        bundle = db.session.scalars(select(ExportBundle)).one()
        token, found = export.build(row.id, user.id, tenant_name="Alpha", clock=app.extensions["clock"])[1], bundle
        db.session.commit()
    return token, found


def test_G04_bundle_is_for_its_requester_only_and_gone_after_seven_days(app, client, tenant_a, clock):
    token, _ = _bundle_for(app, client, tenant_a, "ola@example.com")
    client.post("/t/alpha/logout")
    other = factories.user(tenant_a, PARTICIPANT, email="eva@example.com")
    factories.login(client, tenant_a, other.email)
    assert client.get(f"/t/alpha/privacy/bundle/{token}").status_code == 404  # another participant
    client.post("/t/alpha/logout")
    factories.login(client, tenant_a, "ola@example.com")
    # the link works through the end of the 7th day in the organiser's zone (the day it was said to be ready until)
    zone = ZoneInfo(tenant_a.timezone)
    clock.at = datetime.combine(clock.today(tenant_a.timezone) + timedelta(days=8), time(0, 0), zone)
    assert client.get(f"/t/alpha/privacy/bundle/{token}").status_code == 404  # expired after its 7th local day
    app.test_cli_runner().invoke(args=["jobs", "run", "alpha"])
    with use_tenant(tenant_a.id):
        bundles = db.session.scalars(select(ExportBundle)).all()
    assert bundles and all(b.deleted_at is not None for b in bundles)
    assert not any(export.bundle_path(b.filename).exists() for b in bundles)


def test_G05_dpo_sees_on_the_request_page_what_was_kept_and_until_when(app, client, tenant_a):
    from sqlalchemy import update

    from portal.leads.models import Settlement

    subject = factories.subject_everywhere(tenant_a, "kkcanary5")
    with use_tenant(tenant_a.id):
        db.session.execute(update(Settlement).values(as_of=date(2025, 10, 1)))
        db.session.commit()
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    runner = app.test_cli_runner()
    ref = runner.invoke(args=["privacy", "request", "alpha", "--kind", "erasure", "--email",
                              subject.email]).output.strip()
    assert runner.invoke(args=["privacy", "process", "alpha", ref]).exit_code == 0
    factories.login(client, tenant_a, dpo.email)
    page = client.get(f"/t/alpha/dpo/requests/{ref}").get_data(as_text=True)
    assert "settlement statements" in page and "partner&#39;s NIP" in page and "2030-12-31" in page
    assert "legal obligation" in page


def test_G01_public_form_is_reachable_from_the_tenants_pages(app, client, tenant_a):
    page = client.get("/t/alpha/login").get_data(as_text=True)
    assert 'href="/t/alpha/privacy/request"' in page


def test_G01_my_data_page_reaches_every_right_the_information_clause_promises(app, client, tenant_a, clock):
    user = factories.user(tenant_a, PARTICIPANT, email="ala@example.com")
    with use_tenant(tenant_a.id):
        consents.give(db.session.get(User, user.id), "marketing", version=1, text_sha256="ab" * 32, channel="web",
                      clock=clock)
        db.session.commit()
    factories.login(client, tenant_a, user.email)
    page = client.get("/t/alpha/my-data").get_data(as_text=True)
    for action in ("download", "portability", "restrict", "object", "delete", "withdraw:marketing"):
        assert f'value="{action}"' in page, action  # access, portability, restriction, objection, erasure, consent
    assert 'href="/t/alpha/profile"' in page  # rectification
    assert "uodo.gov.pl" in page and "Stawki 2" in page  # complaint to the supervisory authority


def test_G08_participant_sees_each_consents_version_hash_and_channel(app, client, tenant_a, clock):
    user = factories.user(tenant_a, PARTICIPANT, email="ala@example.com")
    with use_tenant(tenant_a.id):
        consents.give(db.session.get(User, user.id), "marketing", version=3, text_sha256="c0ffee" + "0" * 58,
                      channel="web", clock=clock)
        db.session.commit()
    factories.login(client, tenant_a, user.email)
    page = client.get("/t/alpha/my-data").get_data(as_text=True)
    assert "c0ffee" in page


def test_G08_dpo_sees_the_consent_ledger_with_hash_channel_and_withdrawal(app, client, tenant_a, clock):
    user = factories.user(tenant_a, PARTICIPANT, email="ala@example.com")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    with use_tenant(tenant_a.id):
        subject = db.session.get(User, user.id)
        consents.give(subject, "marketing", version=2, text_sha256="beef" + "1" * 60, channel="web", clock=clock)
        consents.withdraw(subject, "marketing", clock=clock)
        db.session.commit()
    factories.login(client, tenant_a, dpo.email)
    response = client.get("/t/alpha/dpo/consents?email=ala@example.com")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "beef" in page and "Marketing contact" in page
    rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "beef" in r]
    assert len(rows) == 1 and rows[0].count("<td>") >= 6


def test_G08_consent_ledger_is_for_the_dpo_only(app, client, tenant_a):
    user = factories.user(tenant_a, PARTICIPANT, email="ala@example.com")
    factories.login(client, tenant_a, user.email)
    assert client.get("/t/alpha/dpo/consents").status_code == 403


def test_G07_dpo_request_page_flags_a_restricted_subject(app, client, tenant_a):
    user = factories.user(tenant_a, PARTICIPANT, email="ala@example.com")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    runner = app.test_cli_runner()
    restrict = runner.invoke(args=["privacy", "request", "alpha", "--kind", "restriction", "--email",
                                   user.email]).output.strip()
    runner.invoke(args=["privacy", "process", "alpha", restrict])
    access = runner.invoke(args=["privacy", "request", "alpha", "--kind", "access", "--email",
                                 user.email]).output.strip()
    factories.login(client, tenant_a, dpo.email)
    page = client.get(f"/t/alpha/dpo/requests/{access}").get_data(as_text=True)
    assert "Processing of this person's data is restricted" in page


def test_G04_bundle_file_on_disk_is_named_by_no_personal_value(app, client, tenant_a):
    _, bundle = _bundle_for(app, client, tenant_a, "ola@example.com")
    assert "ola" not in bundle.filename and Path(bundle.filename).suffix == ".zip"


def test_G07_organisers_participant_list_and_page_flag_a_restricted_participant(app, client, tmp_path):
    from portal.accounts.models import STAFF
    from portal.loyalty.models import Installer
    from tests.loyalty.conftest import Programme

    Programme(app, tmp_path)
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    from portal.tenancy import service as tenants

    tenant = tenants.by_slug("manufacturer")
    user = factories.user(tenant, PARTICIPANT, email="ala@installer.example")
    factories.login(client, tenant, user.email)
    join = {**BUSINESS, "installs_heating": "y", "adult": "y", "delivery_address": "ul. Polna 1, 00-950 Warszawa"}
    assert client.post("/t/manufacturer/installer/join", data=join).status_code == 302
    client.post("/t/manufacturer/logout")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)
    with use_tenant(tenant.id):
        installer_id = db.session.scalars(select(Installer.id)).one()
    flag = 'class="flag restricted"'
    assert flag not in client.get("/t/manufacturer/installers").get_data(as_text=True)
    runner = app.test_cli_runner()
    ref = runner.invoke(args=["privacy", "request", "manufacturer", "--kind", "restriction", "--email",
                              user.email]).output.strip()
    assert runner.invoke(args=["privacy", "process", "manufacturer", ref]).exit_code == 0
    assert flag in client.get("/t/manufacturer/installers").get_data(as_text=True)
    assert flag in client.get(f"/t/manufacturer/installers/{installer_id}").get_data(as_text=True)


def test_G12_records_of_processing_say_what_art_30_asks_of_the_tenant(app, client, tenant_a, clock):
    """Art. 30(1): controller and DPO, purposes, categories of people and of data, recipients, transfers outside
    the EEA, erasure time limits, security measures."""
    from portal.operator import register

    register.add_subprocessor({"name": "Mailhost Sp. z o.o.", "purpose": "sending e-mail", "location": "Poland"},
                              clock=clock)
    db.session.commit()
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, dpo.email)
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/t/alpha/dpo/records").get_data(as_text=True)))
    assert tenant_a.legal_name in page and tenant_a.nip in page and "iod@alpha.example" in page  # (a)
    assert "Purpose" in page and "marketing contact" in page  # (b) a purpose per legal basis
    assert "Categories of people" in page and "contact persons" in page and "participants" in page  # (c)
    assert "Mailhost Sp. z o.o." in page and "sending e-mail" in page and "tax authorities" in page  # (d)
    assert "Transfers outside the EEA" in page and "none" in page  # (e)
    assert "5 years after the end of the tax year" in page  # (f)
    assert "Security measures" in page  # (g)
    pdf = client.get("/t/alpha/dpo/records.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_G02_an_unconfirmed_request_keeps_no_personal_data_once_it_expires(app, client, tenant_a, clock):
    client.post("/t/alpha/privacy/request", data={"kind": "access", "email": "who@example.com", "name": "Jan Nowak",
                                                  "details": "my leads"})
    client.post("/t/alpha/privacy/request", data={"kind": "erasure", "email": "other@example.com", "name": "Ewa"})
    with use_tenant(tenant_a.id):
        second = db.session.scalars(select(DataSubjectRequest).where(
            DataSubjectRequest.kind == "erasure")).one().reference
    for _ in range(6):  # wrong links until the request expires
        client.get(f"/t/alpha/privacy/verify/{second}/nope")
    clock.advance(days=8)
    app.test_cli_runner().invoke(args=["jobs", "run", "alpha"])
    with use_tenant(tenant_a.id):
        rows = db.session.scalars(select(DataSubjectRequest)).all()
    assert [r.status for r in rows] == ["expired", "expired"]
    for row in rows:
        assert (row.requester_email, row.requester_name, row.details) == (None, None, None)
        assert row.reference.startswith("DSR-") and row.closed_on is not None


def test_G11_dpo_pages_through_the_whole_audit_log(app, client, tenant_a):
    from portal.privacy.models import AuditEntry

    user = factories.user(tenant_a, email="ala@example.com")
    for n in range(210):
        factories.audit_entry(user, f"test.action{n:03d}")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, dpo.email)
    with use_tenant(tenant_a.id):
        total = len(db.session.scalars(select(AuditEntry.id)).all())
    seen: list[str] = []
    path = "/t/alpha/dpo/audit?action=test."
    while path:
        page = client.get(path).get_data(as_text=True)
        seen += re.findall(r"<code>(test\.action\d+)</code>", page)
        found = re.search(r'href="([^"]*before=\d+[^"]*)"', page)
        path = found.group(1).replace("&amp;", "&") if found else None
    assert total > 210 and len(seen) == 210 and len(set(seen)) == 210
    assert seen[0] == "test.action209" and seen[-1] == "test.action000"  # newest first
    assert client.get("/t/alpha/dpo/audit?before=x").status_code == 400


MARKETING = "I want to hear about further campaigns by e-mail."


def test_G08_participant_gives_the_optional_marketing_consent_with_its_text_hash_and_withdraws_it(app, client,
                                                                                                 tenant_a):
    import hashlib

    from portal.privacy.models import Consent

    user = factories.user(tenant_a, PARTICIPANT, email="ala@example.com")
    factories.login(client, tenant_a, user.email)
    assert 'value="give:marketing"' not in client.get("/t/alpha/my-data").get_data(as_text=True)  # none asked for
    factories.programme_version(tenant_a, {"programme": {"code": "probe"}, "consents": [
        {"code": "marketing", "kind": "marketing", "required": False, "scope": "registration",
         "text_pl": "Chcę otrzymywać informacje o kolejnych kampaniach.", "text_en": MARKETING}]})
    page = client.get("/t/alpha/my-data").get_data(as_text=True)
    assert MARKETING in page and 'value="give:marketing"' in page
    assert client.post("/t/alpha/my-data", data={"action": "give:marketing"}).status_code == 302
    with use_tenant(tenant_a.id):
        given = db.session.scalars(select(Consent).where(Consent.kind == "marketing")).one()
    assert given.text_sha256 == hashlib.sha256(MARKETING.encode()).hexdigest() and given.channel == "web"
    assert given.withdrawn_at is None
    page = client.get("/t/alpha/my-data").get_data(as_text=True)
    assert 'value="withdraw:marketing"' in page and 'value="give:marketing"' not in page
    client.post("/t/alpha/my-data", data={"action": "withdraw:marketing"})
    with use_tenant(tenant_a.id):
        assert consents.active(user.id, "marketing") is None
    assert 'value="give:marketing"' in client.get("/t/alpha/my-data").get_data(as_text=True)


def test_G07_organisers_partner_list_flags_a_partner_whose_processing_is_restricted(app, client, tmp_path):
    from portal.accounts.models import STAFF
    from portal.leads.service import partners
    from portal.leads.service.programme import rules_on
    from tests.leads.conftest import Campaign, nip

    Campaign(app, tmp_path)
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    from portal.tenancy import service as tenants

    tenant = tenants.by_slug("distributor")
    user = factories.user(tenant, PARTICIPANT, email="p1@partner.example.com")
    with use_tenant(tenant.id):
        partners.join({"nip": nip(1), "name": "Partner 1", "address": "ul. Długa 5, Warszawa",
                       "contact_first_name": "Ewa", "contact_last_name": "Lis", "contact_phone": "+48 600 100 200",
                       "contact_email": "ewa1@partner.example.com"}, rules_on(date(2018, 8, 10)),
                      tenant_id=tenant.id, user_id=user.id)
        db.session.commit()
    staff = factories.user(tenant, STAFF, email="staff@distributor.test.example")
    factories.login(client, tenant, staff.email)
    flag = 'class="flag restricted"'
    assert "Partner 1" in (page := client.get("/t/distributor/partners").get_data(as_text=True))
    assert flag not in page
    runner = app.test_cli_runner()
    ref = runner.invoke(args=["privacy", "request", "distributor", "--kind", "restriction", "--email",
                              user.email]).output.strip()
    assert runner.invoke(args=["privacy", "process", "distributor", ref]).exit_code == 0
    assert flag in client.get("/t/distributor/partners").get_data(as_text=True)


def test_G08_the_consent_ledger_pages_through_every_record_and_finds_by_the_start_of_an_address(app, client,
                                                                                                tenant_a, clock):
    """No consent silently beyond a fixed number of rows: the page says there are older ones and links them; the
    DPO finds a person by the start of their address."""
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    with use_tenant(tenant_a.id):
        for n in range(130):
            subject = factories.user(tenant_a, PARTICIPANT, email=f"p{n:03d}@example.com")
            consents.give(subject, "marketing", version=1, text_sha256=f"{n:04d}" + "0" * 60, channel="web",
                          clock=clock)
            clock.advance(minutes=1)
        db.session.commit()
    factories.login(client, tenant_a, dpo.email)
    seen, url = set(), "/t/alpha/dpo/consents"
    for _ in range(10):
        page = client.get(url).get_data(as_text=True)
        seen |= set(re.findall(r"p\d{3}@example\.com", page))
        older = re.search(r'href="([^"]*before=[^"]+)"', page)
        if older is None:
            break
        url = older.group(1).replace("&amp;", "&")
    assert len(seen) == 130
    found = client.get("/t/alpha/dpo/consents?email=p000").get_data(as_text=True)
    assert "p000@example.com" in found and "p001@example.com" not in found
