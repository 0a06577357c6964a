"""Privacy pages speak the reader's language: request kinds, statuses, channels and the outcomes the platform
writes (G-01 … G-07), consents (G-08), the records of processing (G-10, G-12) and the audit trail — for the
participant and for the DPO, in Polish, never as stored codes or English sentences."""

from __future__ import annotations

import re

from rq import SimpleWorker
from sqlalchemy import select

from portal.accounts.models import DPO, PARTICIPANT, User
from portal.core import queue
from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _run_worker():
    SimpleWorker([queue.queue("privacy"), queue.queue("mail")], connection=queue.connection()).work(burst=True)


def _restricted(app, client, action: str = "restrict"):
    """A Polish participant restricts the processing of their data (or objects to marketing) from "my data"; the
    worker carries it out."""
    tenant = factories.tenant("alpha", locale="pl")
    user = factories.user(tenant, PARTICIPANT, email="ola@example.com", first_name="Ola")
    factories.login(client, tenant, user.email)
    assert client.post("/t/alpha/my-data", data={"action": action}).status_code == 302
    _run_worker()
    db.session.rollback()
    with use_tenant(tenant.id):
        row = db.session.scalars(select(DataSubjectRequest)).one()
    assert row.status == "done"
    return tenant, user, row


def test_G01_G07_G08_my_data_in_polish_names_the_request_its_outcome_and_the_consents(app, client):
    _restricted(app, client)
    page = _text(client.get("/t/alpha/my-data").get_data(as_text=True))
    assert ("ograniczenie przetwarzania — zrealizowany: przetwarzanie ograniczone: do zniesienia ograniczenia bez "
            "powiadomień, rozliczeń i zmian statusu") in page
    assert "Regulamin programu" in page and "Informacja o przetwarzaniu danych" in page
    assert "strona internetowa" in page
    for raw in (" restriction ", " done", "processing restricted", " terms ", " privacy ", " web "):
        assert raw not in page


def test_G01_G03_dpo_console_and_request_page_in_polish(app, client):
    tenant, _user, row = _restricted(app, client)
    client.post("/t/alpha/logout")
    dpo = factories.user(tenant, DPO, email="iod@alpha.example")
    factories.login(client, tenant, dpo.email)
    detail = _text(client.get(f"/t/alpha/dpo/requests/{row.reference}").get_data(as_text=True))
    assert f"{row.reference} — ograniczenie przetwarzania" in detail
    assert "(z konta)" in detail
    assert "potwierdzona (z konta)" in detail
    assert "zrealizowany: przetwarzanie ograniczone" in detail
    assert "złożenie wniosku (użytkownik" in detail and "zamknięcie wniosku" in detail
    for raw in ("verified", "restriction", "request.filed", "request.closed", "(user", "account"):
        assert raw not in detail
    audit = _text(client.get("/t/alpha/dpo/audit").get_data(as_text=True))
    assert "złożenie wniosku request.filed" in audit  # the label, with the code the filter takes


def test_G01_console_lists_open_requests_by_kind_channel_and_identity_in_polish(app, client):
    tenant = factories.tenant("alpha", locale="pl")
    client.post("/t/alpha/privacy/request", data={"kind": "portability", "email": "kontakt@example.com",
                                                  "name": "Kontakt"})
    dpo = factories.user(tenant, DPO, email="iod@alpha.example")
    factories.login(client, tenant, dpo.email)
    console = _text(client.get("/t/alpha/dpo/requests").get_data(as_text=True))
    assert "przeniesienie danych formularz publiczny jeszcze niepotwierdzona" in console
    assert "portability" not in console.replace('value="portability"', "") and " public " not in console


def test_G10_G12_records_of_processing_in_polish_on_the_page_and_in_the_pdf(app, client):
    from flask_babel import force_locale

    from portal.privacy.registers import records_of_processing

    tenant = factories.tenant("alpha", locale="pl")
    dpo = factories.user(tenant, DPO, email="iod@alpha.example")
    factories.login(client, tenant, dpo.email)
    page = _text(client.get("/t/alpha/dpo/records").get_data(as_text=True))
    assert "RODO art. 6 ust. 1 lit. b: wykonanie regulaminu programu" in page
    assert "5 lat od końca roku podatkowego" in page and "users.email" in page
    assert "RODO art. 6 ust. 1 lit. c: przepisy podatkowe i rachunkowe" in page and "tax and accounting law" not in page
    with app.test_request_context("/"), force_locale("pl"), use_tenant(tenant.id):
        groups = records_of_processing(tenant)  # what the PDF prints, too
    assert all(not g["basis"].startswith("GDPR") for g in groups if "tax" in g["retention"] or "podatk" in g["basis"])


def test_G12_records_of_processing_name_the_gdprs_own_duties_in_polish(app, client):
    # needs the Polish catalogue: the bases of the GDPR's own duties (art. 7(1), 12–22, 37(7)) are new texts
    from flask_babel import force_locale

    from portal.privacy.registers import records_of_processing

    tenant = factories.tenant("alpha", locale="pl")
    dpo = factories.user(tenant, DPO, email="iod@alpha.example")
    factories.login(client, tenant, dpo.email)
    page = _text(client.get("/t/alpha/dpo/records").get_data(as_text=True))
    assert "GDPR art." not in page
    with app.test_request_context("/"), force_locale("pl"), use_tenant(tenant.id):
        groups = records_of_processing(tenant)
    assert all(not g["basis"].startswith("GDPR") for g in groups)


def test_G07_completion_notice_and_mail_give_the_outcome_in_polish(app, client):
    from portal.notifications.service import _render

    tenant, user, _row = _restricted(app, client, "object")  # a restricted person gets no notices
    notices = _text(client.get("/t/alpha/notices").get_data(as_text=True))
    assert "sprzeciw wobec kontaktu marketingowego został zapisany i uwzględniony" in notices
    assert "recorded and honoured" not in notices
    with use_tenant(tenant.id):
        note = db.session.scalars(select(Notification).where(Notification.kind == "request_completed")).one()
        _subject, body = _render(note, db.session.get(User, user.id), tenant)
    assert "zrealizowany: sprzeciw wobec kontaktu marketingowego został zapisany i uwzględniony" in body


def test_G01_G05_the_dpo_filed_note_and_the_kept_requests_read_in_polish(app):
    from flask_babel import force_locale

    from portal.privacy.erasure import REQUESTS_KEPT
    from portal.privacy.labels import DPO_FILED, retained_reason, verification_note

    with app.test_request_context(), force_locale("pl"):
        assert verification_note(DPO_FILED).startswith("złożone przez inspektora ochrony danych")
        assert "art. 5 ust. 2 RODO" in retained_reason(REQUESTS_KEPT)


def test_G11_every_audited_action_and_object_has_a_name_for_the_reader():
    """The DPO's audit log names each action and object in words: every action the code records literally (and each
    dynamic one) has a label, and so does every kind of object."""
    from pathlib import Path

    from portal.core.labels import known
    from portal.privacy import labels as privacy_labels  # noqa: F401 - registers the areas

    root = Path(__file__).resolve().parents[2] / "portal"
    source = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    literal = set(re.findall(r'audit\.record\([^,]+, *"([a-z_.]+)", *"([a-z_]+)"', source))
    dynamic = set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source)) | {
        "installer.approved", "installer.refused", "order.delivery_failed_not_participant"}
    actions, objects = known("audit.action"), known("audit.object")
    missing = sorted({a for a, _ in literal} - set(actions)) + sorted(dynamic - set(actions))
    assert missing == []
    assert sorted({o for _, o in literal} - set(objects)) == []


def test_G11_audit_log_in_polish_names_objects_and_corrections(app, client, tenant_a):
    from portal.privacy import audit

    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="pl")
    user = factories.user(tenant_a, PARTICIPANT, email="ola@alpha.example")
    with use_tenant(tenant_a.id):
        audit.record(None, "rectified:first_name,phone", "user", user.id)
        audit.record(None, "installer.delivery_address_saved", "installer", 7)
        db.session.commit()
    factories.login(client, tenant_a, dpo.email)
    client.post("/lang/pl")
    page = _text(client.get("/t/alpha/dpo/audit").get_data(as_text=True))
    assert "konto" in page and f"user {user.id}" not in page
    assert "Imię" in page and "Telefon" in page
    assert "adresu dostawy" in page
    records = _text(client.get("/t/alpha/dpo/records").get_data(as_text=True))
    assert "behavioural —" not in records and "identity —" not in records


def test_G01_the_dpos_entry_form_speaks_of_the_requester(app, client, tenant_a):
    factories.login(client, tenant_a, factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en").email)
    page = _text(client.get("/t/alpha/dpo/requests").get_data(as_text=True))
    assert "The requester's e-mail" in page and "Your e-mail" not in page and "Access to my data" not in page
