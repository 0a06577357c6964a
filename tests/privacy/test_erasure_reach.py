"""G-04 / G-05: what belongs to whom. An account holder's erasure also reaches the records naming them as someone
else's contact person and the access bundles made for them earlier; their access bundle holds those records, but
not the other people in their own rows (a lead's customer contact, GDPR art. 15(4)). A retained record is kept
through its deletion date. An erasure the scan found residues after is not closed by running it again."""

from __future__ import annotations

import json
import zipfile
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.leads.models import Lead
from portal.notifications.models import Notification
from portal.privacy import erasure, export, requests
from portal.privacy.models import DataSubjectRequest, ErasureLog, ExportBundle
from portal.tenancy.guard import use_tenant
from tests import factories


def _carry_out(tenant, kind: str, user, clock) -> DataSubjectRequest:
    with use_tenant(tenant.id):
        row, _ = requests.file(kind, channel="dpo", clock=clock, user=user, verified=True, note="known to the DPO")
        requests.process(row, clock=clock, tenant_name=tenant.name)
        db.session.commit()
        return db.session.get(DataSubjectRequest, row.id)


def _bundle(tenant) -> dict:
    with use_tenant(tenant.id):
        bundle = db.session.scalars(select(ExportBundle).order_by(ExportBundle.id.desc())).first()
        return json.loads(zipfile.ZipFile(export.bundle_path(bundle.filename)).read("data.json"))


def _name_as_customer_contact(tenant, canary: str, subject) -> None:
    """Someone else's lead names the subject as its customer's contact person."""
    with use_tenant(tenant.id):
        lead = db.session.scalars(select(Lead).where(Lead.customer_name == f"{canary} Customer")).one()
        lead.customer_contact_email, lead.customer_contact_phone = subject.email, subject.phone
        lead.customer_contact_first_name, lead.customer_contact_last_name = subject.first_name, subject.last_name
        db.session.commit()


def test_G04_a_partners_bundle_leaves_out_the_customer_contact_it_named(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzreach1")
    assert _carry_out(tenant_a, "access", subject, clock).status == "done"
    data = _bundle(tenant_a)
    lead = data["leads"][0]
    assert lead["contact_email"] == "zzreach1.l@example.com"  # the partner's own contact person on its lead
    assert "zzreach1.k@example.com" not in json.dumps(data)  # the customer's contact person is someone else
    assert not {"customer_contact_first_name", "customer_contact_phone", "customer_name"} & set(lead)


def test_G04_G05_an_account_holder_named_as_a_contact_elsewhere_gets_and_loses_those_records(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzreach2")
    factories.subject_everywhere(tenant_a, "yyother2")
    _name_as_customer_contact(tenant_a, "yyother2", subject)
    _carry_out(tenant_a, "access", subject, clock)
    named = _bundle(tenant_a)["leads" + export.AS_CONTACT]
    assert [r["customer_contact_email"] for r in named] == [subject.email]
    done = _carry_out(tenant_a, "erasure", subject, clock)
    assert done.status == "done" and done.residues == 0, done.outcome
    with use_tenant(tenant_a.id):
        other = db.session.scalars(select(Lead).where(Lead.customer_name == "yyother2 Customer")).one()
        assert "zzreach2" not in " ".join((other.customer_contact_email, other.customer_contact_phone,
                                           other.customer_contact_first_name, other.customer_contact_last_name))
        assert other.contact_email == "yyother2.l@example.com"  # the other partner's own data stays


def test_G05_erasure_deletes_the_bundles_made_for_the_subject_before(app, client, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzreach3")
    _carry_out(tenant_a, "access", subject, clock)
    with use_tenant(tenant_a.id):
        bundle = db.session.scalars(select(ExportBundle)).one()
        path = export.bundle_path(bundle.filename)
        token = db.session.scalars(select(Notification.params).where(Notification.kind == "request_bundle")).one()
    assert path.exists()
    token = (token or {}).get("token")
    _carry_out(tenant_a, "erasure", subject, clock)
    assert not path.exists()  # not left until its link would have expired
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(ExportBundle)).one().deleted_at is not None
    if token:  # the mail was not out yet: its link leads nowhere now
        assert client.get(f"/t/alpha/privacy/bundle/{token}").status_code == 404


def test_G05_a_contact_persons_erasure_deletes_their_bundle(app, tenant_a, clock):
    factories.subject_everywhere(tenant_a, "zzreach4")
    with use_tenant(tenant_a.id):
        for kind in ("access", "erasure"):
            row, token = requests.file(kind, channel="public", clock=clock, email="zzreach4.k@example.com")
            assert requests.verify(row, token, clock=clock)
            requests.process(row, clock=clock, tenant_name=tenant_a.name)
            db.session.commit()
        bundle = db.session.scalars(select(ExportBundle)).one()
        assert bundle.deleted_at is not None and not export.bundle_path(bundle.filename).exists()


def test_G05_a_retained_record_is_kept_through_its_deletion_date(app, tenant_a, clock):
    from tests.privacy.test_erasure import _recent_tax_records

    subject = factories.subject_everywhere(tenant_a, "zzreach5")
    _recent_tax_records(tenant_a, subject)  # delivered and settled in 2025: kept until 2030-12-31
    with use_tenant(tenant_a.id):
        log = erasure.erase(subject.id, clock=clock)
        db.session.commit()
        last = max(r["delete_on"] for r in log.retained)
        assert last == "2030-12-31"
        days = (date.fromisoformat(last) - clock.today()).days
        clock.advance(days=days)  # the deletion date itself: still kept
        assert erasure.purge_retained(clock=clock) == 0
        clock.advance(days=1)
        assert erasure.purge_retained(clock=clock) == len(log.retained)


def test_G05_running_an_erasure_again_does_not_close_what_its_scan_found(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzreach6")
    factories.subject_everywhere(tenant_a, "yyother6")
    with use_tenant(tenant_a.id):  # someone wrote the subject's e-mail into a note on another participant's lead
        lead = db.session.scalars(select(Lead).where(Lead.customer_name == "yyother6 Customer")).one()
        lead.decision_reason = f"call {subject.email} first"
        db.session.commit()
    first = _carry_out(tenant_a, "erasure", subject, clock)
    assert first.status == "open" and first.residues == 1
    clock.advance(hours=1)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, first.id)
        answer = requests.process(row, clock=clock, tenant_name=tenant_a.name)
        db.session.commit()
        row = db.session.get(DataSubjectRequest, first.id)
        assert row.status == "open" and row.residues == 1 and "DPO" in answer
        assert len(db.session.scalars(select(ErasureLog)).all()) == 2


def test_G04_after_an_erasure_the_same_address_is_told_what_is_still_kept(app, tenant_a, clock):
    from tests.privacy.test_erasure import _recent_tax_records

    subject = factories.subject_everywhere(tenant_a, "zzreach7")
    email = subject.email
    _recent_tax_records(tenant_a, subject)
    assert _carry_out(tenant_a, "erasure", subject, clock).status == "done"
    with use_tenant(tenant_a.id):
        row, _ = requests.file("access", channel="dpo", clock=clock, email=email, verified=True, note="letter")
        requests.process(row, clock=clock, tenant_name=tenant_a.name)
        db.session.commit()
        outcome = db.session.get(DataSubjectRequest, row.id).outcome
    assert "was erased on" in outcome and "no account" not in outcome
    assert "installers (" in outcome and "until 2030-12-31" in outcome


def test_G11_a_request_the_dpo_files_is_not_logged_as_filed_by_the_subject(app, tenant_a, clock):
    from portal.privacy.models import AuditEntry

    subject = factories.subject_everywhere(tenant_a, "zzreach8")
    row = _carry_out(tenant_a, "access", subject, clock)
    with use_tenant(tenant_a.id):
        filed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "request.filed",
                                                            AuditEntry.object_id == row.id)).one()
        assert (filed.actor_kind, filed.actor_id) == ("system", None)


def test_G04_the_bundle_holds_the_subjects_own_requests_and_nobody_elses(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzreach7")
    other = factories.subject_everywhere(tenant_a, "yyother7")
    _carry_out(tenant_a, "objection", other, clock)
    _carry_out(tenant_a, "objection", subject, clock)
    access = _carry_out(tenant_a, "access", subject, clock)
    data = _bundle(tenant_a)
    kinds = sorted(row["kind"] for row in data["subject_requests"])
    assert kinds == ["access", "objection"]  # "every table in the data map": the requests are the subject's data
    assert access.reference in json.dumps(data) and other.email not in json.dumps(data)


def test_G05_the_requests_kept_after_an_erasure_are_named_with_their_deletion_date(app, tenant_a, clock):
    """The requests keep the address for three years after they are closed (accountability, art. 5(2)); the
    erasure's answer says so instead of "nothing", and the DPO sees it among the kept records."""
    subject = factories.subject_everywhere(tenant_a, "zzreach8")
    _carry_out(tenant_a, "access", subject, clock)
    done = _carry_out(tenant_a, "erasure", subject, clock)
    today = clock.today()
    until = today.replace(year=today.year + 3).isoformat()
    assert f"subject_requests (requester_email, requester_name, details) until {until}" in done.outcome
    with use_tenant(tenant_a.id):
        log = db.session.scalars(select(ErasureLog).where(ErasureLog.request_id == done.id)).one()
        kept = [r for r in log.retained if r["table"] == "subject_requests"]
        assert kept and kept[0]["rows"] == 2 and kept[0]["delete_on"] == until


def test_G05_each_settlement_line_is_kept_for_its_own_tax_year(app, tenant_a, clock):
    """A partner settled in 2018 and again in 2025: the 2018 line's tax years ended on 2023-12-31, so its NIP is
    erased with the rest; the 2025 line keeps it until 2030-12-31, and only it is named as kept. When that day has
    passed, the purge erases that line."""
    from decimal import Decimal

    from portal.leads.models import Partner, Settlement, SettlementLine

    subject = factories.subject_everywhere(tenant_a, "zzreach7")
    with use_tenant(tenant_a.id):
        partner = db.session.scalars(select(Partner).where(Partner.user_id == subject.id)).one()
        old = db.session.scalars(select(SettlementLine).where(SettlementLine.partner_id == partner.id)).one()
        settlement = Settlement(tenant_id=tenant_a.id, period=7, as_of=date(2025, 10, 1))
        db.session.add(settlement)
        db.session.flush()
        recent = SettlementLine(tenant_id=tenant_a.id, settlement_id=settlement.id, partner_id=partner.id,
                                partner_nip=partner.nip, ref="R-2025", line="reward", rule="L-11",
                                base=Decimal("1.00"), rate=Decimal("0.1"), amount=Decimal("0.10"), status="payable",
                                reason="r")
        db.session.add(recent)
        db.session.commit()
        nip, old_id, recent_id = partner.nip, old.id, recent.id
        log = erasure.erase(subject.id, clock=clock)
        db.session.commit()
        kept = [r for r in log.retained if r["table"] == "settlement_lines"]
        assert [(r["rows"], r["delete_on"]) for r in kept] == [(1, "2030-12-31")]
        assert db.session.get(SettlementLine, recent_id).partner_nip == nip
        assert db.session.get(SettlementLine, old_id).partner_nip != nip
        clock.advance(days=(date(2031, 1, 1) - clock.today()).days)
        assert erasure.purge_retained(clock=clock) >= 1
        db.session.commit()
        assert db.session.get(SettlementLine, recent_id).partner_nip != nip
