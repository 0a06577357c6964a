"""G-01 / G-04 / G-05 for people without an account: the public form is also for someone whose data the programme
holds only as a contact person — a customer's contact named in a lead, a partner's contact person. Such a request
is answered with that data, or carries the erasure out on it; "no data held" is said only when none is held."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from portal.extensions import db
from portal.leads.models import Lead, Partner
from portal.notifications.models import Notification
from portal.privacy import requests
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories


def _public(tenant, kind: str, email: str, clock) -> DataSubjectRequest:
    """Filed on the public form and verified through the link mailed to ``email``; then carried out."""
    with use_tenant(tenant.id):
        row, token = requests.file(kind, channel="public", clock=clock, email=email)
        assert requests.verify(row, token, clock=clock)
        requests.process(row, clock=clock, tenant_name=tenant.name)
        db.session.commit()
        return row


def test_G05_a_customers_contact_person_is_erased_from_the_leads(app, tenant_a, clock):
    factories.subject_everywhere(tenant_a, "zzcont1")
    row = _public(tenant_a, "erasure", "ZZcont1.k@example.com", clock)  # the address as the person types it
    db.session.rollback()
    with use_tenant(tenant_a.id):
        lead = db.session.scalars(select(Lead)).one()
        row = db.session.get(DataSubjectRequest, row.id)
        assert "zzcont1" not in " ".join(str(getattr(lead, c)) for c in (
            "customer_contact_first_name", "customer_contact_last_name", "customer_contact_phone",
            "customer_contact_email"))
        assert lead.customer_name == "zzcont1 Customer"  # the customer company is not the person
        assert lead.contact_email == "zzcont1.l@example.com"  # the partner's own contact person is someone else
        assert row.status == "done" and "1" in row.outcome and "no account" not in row.outcome


def test_G04_a_partners_contact_person_gets_their_data_by_a_one_time_link(app, client, tenant_a, clock):
    factories.subject_everywhere(tenant_a, "zzcont2")
    row = _public(tenant_a, "access", "zzcont2.c@example.com", clock)
    with use_tenant(tenant_a.id):
        note = db.session.scalars(select(Notification).where(Notification.kind == "request_bundle")).one()
        assert note.user_id is None and note.to_email == "zzcont2.c@example.com"
        token = note.params["token"]
        assert db.session.get(DataSubjectRequest, row.id).status == "done"
    answer = client.get(f"/t/alpha/privacy/bundle/{token}")  # no account to log in to: the link is the key
    assert answer.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(answer.data)).read("data.json"))
    assert data["partners"][0]["contact_first_name"] == "zzcont2CF"
    assert "zzcont2@example.com" not in json.dumps(data)  # the partner's account is someone else's data
    assert client.get(f"/t/alpha/privacy/bundle/{token}").status_code == 404  # once


def test_G01_no_data_held_only_when_none_is(app, tenant_a, clock):
    factories.subject_everywhere(tenant_a, "zzcont3")
    row = _public(tenant_a, "access", "stranger@example.com", clock)
    assert row.outcome.startswith("no account or data of this person is held")
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(Partner)).one().contact_email == "zzcont3.c@example.com"


def test_G06_the_dpo_corrects_a_contact_persons_details_in_every_record_naming_them(app, client, tenant_a, clock):
    from portal.accounts.models import DPO

    factories.subject_everywhere(tenant_a, "zzcont4")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    row = _public(tenant_a, "rectification", "zzcont4.k@example.com", clock)
    assert row.status == "open"  # found, left to the DPO
    factories.login(client, tenant_a, dpo.email)
    page = client.get(f"/t/alpha/dpo/requests/{row.reference}").get_data(as_text=True)
    assert 'name="last_name"' in page and "zzcont4.k@example.com" in page
    bad = client.post(f"/t/alpha/dpo/requests/{row.reference}", data={"action": "rectify", "email": "not-an-address"})
    assert bad.status_code in (200, 302)
    with use_tenant(tenant_a.id):
        db.session.expire_all()
        assert db.session.get(DataSubjectRequest, row.id).status == "open"  # refused: nothing changed
    client.post(f"/t/alpha/dpo/requests/{row.reference}",
                data={"action": "rectify", "last_name": "Nowak-Kowalska", "phone": "+48 600 000 111",
                      "first_name": "", "email": ""})
    with use_tenant(tenant_a.id):
        db.session.expire_all()
        lead = db.session.scalars(select(Lead)).one()
        done = db.session.get(DataSubjectRequest, row.id)
        assert (lead.customer_contact_last_name, lead.customer_contact_phone) == ("Nowak-Kowalska", "+48 600 000 111")
        assert lead.customer_contact_email == "zzcont4.k@example.com"  # a blank field keeps what was there
        assert lead.contact_last_name != "Nowak-Kowalska"  # the partner's own contact is someone else
        assert done.status == "done" and "last_name, phone" in done.outcome
        from portal.privacy.models import AuditEntry

        actions = [a.action for a in db.session.scalars(select(AuditEntry))]
    assert any(a.startswith("contact.rectified:") for a in actions)
    assert "Nowak" not in " ".join(actions)  # never the values


def test_G05_a_contact_persons_erasure_says_what_is_kept_and_why(app, tenant_a, clock):
    """As an account holder is told: the request records naming the person stay for accountability (GDPR art. 5(2)),
    until their own date — the DPO sees exactly what was kept and why."""
    from portal.privacy.labels import request_outcome

    factories.subject_everywhere(tenant_a, "zzcont3")
    row = _public(tenant_a, "erasure", "zzcont3.k@example.com", clock)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        assert row.status == "done"
        assert row.outcome.startswith("contact details erased in 1 record(s); kept for accountability: "
                                      "subject_requests (requester_email, requester_name, details) until ")
    with app.test_request_context():
        shown = request_outcome(row.outcome)  # the organiser's language: Polish
    assert "art. 5 ust. 2 RODO" in shown and "usunięto dane kontaktowe w 1 rekordzie" in shown


def test_G04_a_deactivated_account_holder_gets_the_bundle_by_a_one_time_link(app, client, tenant_a, clock):
    """An account the admin deactivated cannot log in: its holder's access request is answered at the address
    they verified, with the one-time link, as for someone without an account."""
    from portal.accounts.models import STAFF

    staff = factories.user(tenant_a, STAFF, email="former.staff@alpha.example")
    staff.is_active_account = False
    db.session.commit()
    row = _public(tenant_a, "access", "former.staff@alpha.example", clock)
    with use_tenant(tenant_a.id):
        assert db.session.get(DataSubjectRequest, row.id).user_id == staff.id
        note = db.session.scalars(select(Notification).where(Notification.kind == "request_bundle")).one()
        assert note.to_email == "former.staff@alpha.example"
        token = note.params["token"]
    assert client.get(f"/t/alpha/privacy/bundle/{token}").status_code == 200
    assert client.get(f"/t/alpha/privacy/bundle/{token}").status_code == 404  # once


def test_G05_G04_a_contact_person_asking_after_their_erasure_hears_what_is_still_kept(app, tenant_a, clock):
    """The requests naming the address are kept for accountability after a contact person's erasure, as after an
    account holder's: a later access request says so, not "nothing is kept"."""
    factories.subject_everywhere(tenant_a, "zzcont4")
    _public(tenant_a, "erasure", "zzcont4.k@example.com", clock)
    row = _public(tenant_a, "access", "zzcont4.k@example.com", clock)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        assert row.status == "done"
        assert "was erased on" in row.outcome and "nothing is kept" not in row.outcome
        assert "kept for accountability: subject_requests (requester_email, requester_name, details) until " \
            in row.outcome


def test_G05_a_contact_persons_erasure_scans_for_what_is_left_and_stays_open_while_it_finds_some(app, client,
                                                                                                  tenant_a, clock):
    """As an account's erasure: the contact columns are masked, and the scan looks for the person's address, phone
    and name everywhere else. A decision reason a reviewer wrote naming them ("agreed with zzcont5KF zzcont5KL …")
    is a residue: the request stays open, the DPO sees where, and closes it once that text is dealt with."""
    from portal.accounts.models import DPO

    factories.subject_everywhere(tenant_a, "zzcont5")
    with use_tenant(tenant_a.id):
        lead = db.session.scalars(select(Lead)).one()
        lead.decision_reason = "Agreed on the phone with zzcont5KF zzcont5KL."
        db.session.commit()
        lead_id = lead.id
    row = _public(tenant_a, "erasure", "zzcont5.k@example.com", clock)
    db.session.rollback()
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        assert row.status == "open" and row.residues == 1 and "residue" in row.outcome
        (log,) = requests.erasure_logs(row.id)
        assert log.residue_rows == [{"table": "leads", "id": lead_id, "columns": ["decision_reason"]}]
        assert log.counts["contact_person"] == {"masked": 1}
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, dpo.email)
    page = client.get(f"/t/alpha/dpo/requests/{row.reference}").get_data(as_text=True)
    assert f"#{lead_id} (leads.decision_reason)" in page


def test_G05_a_contact_persons_erasure_with_nothing_left_is_done_and_logged(app, tenant_a, clock):
    factories.subject_everywhere(tenant_a, "zzcont6")
    row = _public(tenant_a, "erasure", "zzcont6.k@example.com", clock)
    db.session.rollback()
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        assert row.status == "done" and row.residues == 0
        (log,) = requests.erasure_logs(row.id)
        assert log.user_id is None and log.residue_rows == [] and log.finished_at is not None


def test_G05_a_contact_persons_erasure_carried_out_again_stays_open_while_its_residues_wait(app, tenant_a, clock):
    """Run again (the DPO presses "carry it out" once more), the masked columns give the scan nothing to look for:
    the request must not close as "no data held" while what the first scan found is still to be checked."""
    factories.subject_everywhere(tenant_a, "zzcont8")
    with use_tenant(tenant_a.id):
        db.session.scalars(select(Lead)).one().decision_reason = "Agreed with zzcont8KF zzcont8KL."
        db.session.commit()
    row = _public(tenant_a, "erasure", "zzcont8.k@example.com", clock)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        requests.process(row, clock=clock, tenant_name=tenant_a.name)
        db.session.commit()
        assert row.status == "open" and row.residues == 1 and row.outcome.startswith("erased again")


def test_G05_a_contact_persons_erasure_is_replayed_after_a_restore(app, tenant_a, clock):
    from sqlalchemy import update

    from portal.privacy import erasure

    factories.subject_everywhere(tenant_a, "zzcont7")
    with use_tenant(tenant_a.id):
        before = db.session.execute(select(Lead.id, Lead.customer_contact_email)).all()
    _public(tenant_a, "erasure", "zzcont7.k@example.com", clock)
    with use_tenant(tenant_a.id):
        for lead_id, address in before:  # a backup from before the erasure is restored
            db.session.execute(update(Lead).where(Lead.id == lead_id).values(customer_contact_email=address))
        db.session.commit()
        assert erasure.replay(clock=clock) == ["zzcont7.k@example.com"]
        db.session.commit()
        assert "zzcont7.k@example.com" not in db.session.scalars(select(Lead.customer_contact_email)).all()
