"""G-04: the access bundle's summary is for a person to read — in their language, by what the data is, fields in
words, yes/no, amounts and dates as the reader writes them, no technical columns — while data.json and the CSVs
stay complete and machine-readable (JSON text in CSV cells, time stamps with their offset)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date
from html import unescape

from portal.core.clock import as_of
from portal.extensions import db
from portal.privacy import export, requests
from portal.tenancy.guard import use_tenant
from tests import factories

TECHNICAL = ("session_epoch", "text_sha256", "claimed_at", "mail_state", "last_error", "verify_sha256",
             "next_attempt_at", "token_sha256")


def _text(html: str) -> str:
    body = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))).replace("\xa0", " ")


def _bundle(tenant, user_id, *, data=None) -> zipfile.ZipFile:
    from portal.accounts.models import User

    with use_tenant(tenant.id):
        clock = as_of(date(2026, 3, 2))
        user = db.session.get(User, user_id) if user_id else None
        row, _ = requests.file("access", channel="account" if user else "dpo", clock=clock, user=user,
                               email=None if user else "kontakt@example.com", verified=True)
        bundle, _token = export.build(row.id, user_id, tenant_name=tenant.name, clock=clock, data=data)
        db.session.commit()
        return zipfile.ZipFile(export.bundle_path(bundle.filename))


def _subject(tenant):
    from portal.notifications import service as notifications

    user = factories.subject_everywhere(tenant, "qqsum7")
    with use_tenant(tenant.id):
        notifications.notify(db.session.merge(user), "lead_qualified", clock=as_of(date(2026, 3, 1)), ref="L-77")
        db.session.commit()
    return user


def test_G04_summary_is_sorted_by_what_the_data_is_with_fields_in_words(app, tenant_a):
    user = _subject(tenant_a)  # tenant_a and its participant read English
    archive = _bundle(tenant_a, user.id)
    html = archive.read("summary.html").decode()
    text = _text(html)
    assert 'lang="en"' in html
    for section in ("Your account", "Your programme", "Consents", "Your requests", "Notices"):
        assert section in text
    assert "E-mail address" in text and "qqsum7@example.com" in text and "First name" in text
    assert "Lead L-77 was qualified." in text  # a notice as the person saw it, not its parameters
    assert "PLN1.00" in text  # an amount as the reader writes it
    assert "January 2, 2024" in text  # a date in words
    assert " yes " in f" {text} " or " no " in f" {text} "
    assert "reward for a lead" in text  # a settlement line's code in words
    for raw in (*TECHNICAL, "{'", "'ref'", " True ", " False ", "account_registered", "tenant_id",
                "12345.67", "2024-01-02"):
        assert raw not in text, raw


def test_G04_summary_for_a_polish_participant_uses_polish_notation(app):
    tenant = factories.tenant("alpha", locale="pl")
    user = _subject(tenant)
    html = archive_html = _bundle(tenant, user.id).read("summary.html").decode()
    text = _text(archive_html)
    assert 'lang="pl"' in html
    assert "1,00 zł" in text  # the reader's notation for money
    assert "2 stycznia 2024" in text  # and for dates
    assert "Adres e-mail" in text and "Imię" in text  # field names translated already
    for raw in (*TECHNICAL, "{'", " True ", "payable", "2024-01-02"):
        assert raw not in text, raw


def test_G04_summary_headings_in_polish(app):
    # needs the Polish catalogue: the summary's headings are new texts
    tenant = factories.tenant("alpha", locale="pl")
    user = _subject(tenant)
    text = _text(_bundle(tenant, user.id).read("summary.html").decode())
    assert "Your data at" not in text and "Your account" not in text and "Notices" not in text


def test_G04_summary_for_a_requester_without_an_account_is_in_the_tenants_language(app):
    tenant = factories.tenant("alpha", locale="pl")
    found = {"partners": [{"id": 1, "contact_first_name": "Jan", "contact_last_name": "Kowalski",
                           "contact_phone": "+48500100200", "contact_email": "kontakt@example.com"}]}
    html = _bundle(tenant, None, data=found).read("summary.html").decode()
    text = _text(html)
    assert 'lang="pl"' in html
    assert "Jan" in text and "kontakt@example.com" in text
    assert "contact_first_name" not in text and "partners" not in text


def test_G04_the_bundle_summary_of_a_contact_person_says_where_they_are_named(app, tenant_a):
    found = {"partners": [{"id": 1, "contact_first_name": "Jan", "contact_email": "kontakt@example.com"}]}
    text = _text(_bundle(tenant_a, None, data=found).read("summary.html").decode())
    assert "named as a contact person" in text and "Contact person's first name" in text


def test_G04_json_and_csv_stay_complete_with_json_cells_and_time_zones(app, tenant_a):
    user = _subject(tenant_a)
    archive = _bundle(tenant_a, user.id)
    data = json.loads(archive.read("data.json"))
    assert "session_epoch" in data["users"][0] and "claimed_at" in data["notifications"][0]  # the machine part
    assert data["notifications"][0]["params"] == {"note": "qqsum7"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", data["users"][0]["created_at"])
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/notifications.csv").decode())))
    assert {json.dumps(json.loads(r["params"]), sort_keys=True) for r in rows} >= {
        json.dumps({"note": "qqsum7"}), json.dumps({"ref": "L-77"})}
    assert all("'" not in r["params"] for r in rows)
    assert rows[0]["created_at"].endswith("+00:00")
    devices = list(csv.DictReader(io.StringIO(archive.read("csv/devices.csv").decode())))
    assert json.loads(devices[0]["proof_files"])[0].endswith(".pdf")


def test_G04_C04_the_tenants_export_writes_json_cells_and_time_zones_too(app, tenant_a):
    from portal.operator.offboarding import tenant_export

    _subject(tenant_a)
    archive = zipfile.ZipFile(io.BytesIO(tenant_export(tenant_a.id)))
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/notifications.csv").decode())))
    assert {r["params"] for r in rows} >= {json.dumps({"ref": "L-77"})}
    assert rows[0]["created_at"].endswith("+00:00")
    stored = json.loads(archive.read("json/notifications.json"))
    assert {"ref": "L-77"} in [r["params"] for r in stored]


def test_G04_every_column_a_subject_gets_is_named_in_words_or_left_to_the_machine_part(app):
    """A new column forces a choice: a readable name in the summary, or technical (JSON and CSV only)."""
    from portal.privacy.subjects import ROOT, links, models_by_table

    tables = models_by_table()
    unnamed = [f"{t}.{c.name}" for t in sorted({ROOT, "subject_requests", *links()})
               for c in tables[t].__table__.columns
               if not export.summary_column(t, c.name) and not export.technical(t, c.name)]
    assert unnamed == []


def test_G04_the_summary_says_why_on_what_basis_how_long_to_whom_and_what_rights(app, tenant_a):
    """GDPR art. 15(1): with a copy of the data the person learns the purposes and legal basis, how long it is
    kept, who receives it, where it came from, their rights and where to complain — from the data map, for the
    kinds of data the bundle holds."""
    user = _subject(tenant_a)
    text = _text(_bundle(tenant_a, user.id).read("summary.html").decode())
    assert "How your data is processed" in text
    assert "Legal basis" in text and "performance of the programme terms" in text
    assert "while the account exists" in text  # the retention of account data, in words
    assert "password hashes" in text  # held (never given in the copy), so its category is named
    assert "tax authorities" in text  # a recipient
    assert "alpha Sp. z o.o." in text and "iod@alpha.example" in text  # the controller and its DPO
    assert "President of the Personal Data Protection Office" in text  # where to complain (art. 77)
    for right in ("rectification", "erasure", "restriction", "object", "portability"):
        assert right in text, right


def test_G04_G11_the_bundle_holds_what_the_audit_log_says_the_person_did_and_what_was_done_to_their_account(
        app, tenant_a):
    """The audit log records who did what (ids only); the entries of the person's own actions and of what was done
    to their account are data about them: the bundle gives them (when, what), never who else acted."""
    from portal.accounts.models import STAFF
    from portal.privacy import audit

    user = _subject(tenant_a)
    staff = factories.user(tenant_a, STAFF, email="staff@alpha.example")
    with use_tenant(tenant_a.id):
        audit.record(user, "consent.given", "consent", 1)
        audit.record(staff, "account.deactivated", "user", user.id)
        audit.record(staff, "lead.qualified", "lead", 999)  # someone else's business
        db.session.commit()
    archive = _bundle(tenant_a, user.id)
    rows = json.loads(archive.read("data.json"))["audit_entries"]
    actions = [r["action"] for r in rows]
    assert "consent.given" in actions and "account.deactivated" in actions and "lead.qualified" not in actions
    assert all("actor_id" not in r for r in rows)
    text = _text(archive.read("summary.html").decode())
    assert "Your activity" in text and "account deactivated" in text


def test_G04_summary_is_in_the_language_the_request_was_filed_in(app):
    """§9: a contact person who filed in English at a Polish organiser is mailed in English (the request's
    language); the summary of the bundle those mails link to is in English too, not the organiser's Polish."""
    tenant = factories.tenant("alpha", locale="pl")
    found = {"partners": [{"id": 1, "contact_first_name": "Jan", "contact_email": "kontakt@example.com"}]}
    with use_tenant(tenant.id):
        clock = as_of(date(2026, 3, 2))
        row, _ = requests.file("access", channel="dpo", clock=clock, email="kontakt@example.com", verified=True)
        row.locale = "en"  # as the public form stores it when filed in English
        bundle, _token = export.build(row.id, None, tenant_name=tenant.name, clock=clock, data=found)
        db.session.commit()
    html = zipfile.ZipFile(export.bundle_path(bundle.filename)).read("summary.html").decode()
    assert 'lang="en"' in html and "named as a contact person" in _text(html)


def test_G04_a_contact_persons_summary_speaks_of_her_contact_details_only(app, tenant_a):
    """GDPR art. 15(1)(a)–(d): a customer's contact person named on a lead is told why her contact details are
    processed — not the partner's consent to pass a lead on (which she never gave) nor tax data she has none of."""
    found = {"leads": [{"id": 1, "customer_contact_first_name": "Ewa", "customer_contact_last_name": "Klient",
                        "customer_contact_phone": "+48500100200", "customer_contact_email": "kontakt@example.com"}]}
    text = _text(_bundle(tenant_a, None, data=found).read("summary.html").decode())
    assert "How your data is processed" in text and "performance of the programme terms" in text
    assert "consent, withdrawable" not in text
    assert "tax authorities" not in text and "tax identifiers" not in text
