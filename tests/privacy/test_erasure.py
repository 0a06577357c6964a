"""Erasure that leaves nothing behind (G-05), proven with canaries in every personal column (G-10)."""

from __future__ import annotations

import json

from sqlalchemy import JSON, String, Text, select

from portal.extensions import db
from portal.privacy import erasure, export
from portal.privacy.datamap import personal_columns
from portal.privacy.models import ErasureLog
from portal.privacy.subjects import NOT_SUBJECT_DATA, ROOT, links, unlinked_personal_tables
from portal.tenancy.guard import use_tenant
from tests import factories

RETAINED = {("settlement_lines", "partner_nip"), ("installers", "tax_id"), ("installers", "home_address"),
            ("installers", "birth_date")}


def _third_party() -> set[tuple[str, str]]:
    """Columns about someone else than the row's subject (a lead's customer): the subject's erasure leaves them."""
    return {(t, e.column) for t, entries in personal_columns(db.metadata).items() for e in entries if e.third_party}


def _dump(tenant_id: int, canary: str) -> set[tuple[str, str]]:
    """(table, column) of every text/JSON value in the tenant still holding the canary."""
    hits = set()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if "tenant_id" not in table.columns:
                continue
            cols = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not cols:
                continue
            for row in conn.execute(select(*cols).where(table.c.tenant_id == tenant_id)):
                for column, value in zip(cols, row, strict=True):
                    text = json.dumps(value) if isinstance(value, dict | list) else str(value or "")
                    if canary in text:
                        hits.add((table.name, column.name))
    return hits


def test_G10_every_table_with_personal_data_is_reachable_from_its_subject(app):
    assert unlinked_personal_tables() == []
    personal = set(personal_columns(db.metadata))
    assert personal <= set(links()) | {ROOT} | NOT_SUBJECT_DATA


def test_G05_erasure_leaves_no_canary_except_legally_retained_and_touches_nobody_else(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzcanary1")
    factories.subject_everywhere(tenant_a, "yycanary2")  # another participant, who must stay untouched
    seeded = _dump(tenant_a.id, "zzcanary1")
    text_tables = {t for t, entries in personal_columns(db.metadata).items()
                   if any(not isinstance(db.metadata.tables[t].c[e.column].type, __import__("sqlalchemy").Date)
                          and e.column not in ("given_at", "withdrawn_at", "last_login_at") for e in entries)}
    # settlement_lines holds only the partner's NIP (a real checksum, no canary): legally retained anyway
    assert {t for t, _ in seeded} >= text_tables - NOT_SUBJECT_DATA - {"settlement_lines"}
    others_before = _dump(tenant_a.id, "yycanary2")
    with use_tenant(tenant_a.id):
        log = erasure.erase(subject.id, clock=clock)
        db.session.commit()
        counts, residues = log.counts, log.residues
    left = _dump(tenant_a.id, "zzcanary1")
    assert left <= RETAINED | _third_party()
    assert {("leads", "customer_nip"), ("leads", "customer_name")} & _third_party() and \
        ("leads", "customer_name") in left  # G-05/L-04: the customer the partner registered is not the partner's
    assert residues == 0
    assert _dump(tenant_a.id, "yycanary2") == others_before
    assert counts["notifications"] == {"deleted": 1}
    assert counts["consents"] == {"deleted": 2}
    assert counts["complaints"] == {"deleted": 1}
    assert counts["password_reset_tokens"] == {"deleted": 1}
    assert counts["users"] == {"masked": 1} and counts["partners"] == {"masked": 1} and counts["leads"] == {"masked": 1}
    with use_tenant(tenant_a.id):
        again = erasure.erase(subject.id, clock=clock)  # idempotent
        assert again.residues == 0 and all(v in ({"masked": 0}, {"deleted": 0}) for v in again.counts.values())


def _recent_tax_records(tenant, subject) -> None:
    """The subject's reward delivered in 2025 and its settlement of 2025: both kept until 2030 (test_retention.py
    covers records whose years are over, and subjects without any)."""
    from datetime import date

    from sqlalchemy import update

    from portal.leads.models import Settlement
    from portal.loyalty.models import Installer, RewardOrder

    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer).where(Installer.user_id == subject.id)).one()
        db.session.execute(update(RewardOrder).where(RewardOrder.installer_id == installer.id)
                           .values(state="delivered", delivered_on=date(2025, 6, 1)))
        db.session.execute(update(Settlement).values(as_of=date(2025, 10, 1)))
        db.session.commit()


def test_G05_retained_records_are_marked_with_their_reason_and_deletion_date(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzcanary3")
    _recent_tax_records(tenant_a, subject)
    with use_tenant(tenant_a.id):
        log = erasure.erase(subject.id, clock=clock)
    tables = {r["table"]: r for r in log.retained}
    assert tables["settlement_lines"]["columns"] == ["partner_nip"]
    assert "legal obligation" in tables["settlement_lines"]["reason"]
    assert tables["settlement_lines"]["delete_on"] == "2030-12-31"
    assert tables["installers"]["delete_on"] == "2030-12-31"


def test_G05_backup_replay_erases_the_subject_again(app, tenant_a, clock):
    from portal.accounts.models import User

    subject = factories.subject_everywhere(tenant_a, "zzcanary4")
    snapshot = {}
    with use_tenant(tenant_a.id):
        user = db.session.get(User, subject.id)
        snapshot = {c: getattr(user, c) for c in ("email", "first_name", "last_name", "phone", "nip")}
        erasure.erase(subject.id, clock=clock)
        db.session.commit()
        # the "restore": the old row comes back from the backup; the erasure log survives (kept apart)
        user = db.session.get(User, subject.id)
        for key, value in snapshot.items():
            setattr(user, key, value)
        db.session.commit()
        assert ("users", "email") in _dump(tenant_a.id, "zzcanary4")  # restored from the backup
        assert erasure.replay(clock=clock) == [subject.id]
        db.session.commit()
    assert _dump(tenant_a.id, "zzcanary4") <= RETAINED | _third_party()


def test_G04_access_bundle_holds_every_table_the_data_map_links(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzcanary5")
    with use_tenant(tenant_a.id):
        data = export.gather(subject.id)
    expected = (set(links()) | {ROOT}) - {"password_reset_tokens"}
    assert expected - set(data) == set()
    assert all("password_hash" not in row for row in data["users"])
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(ErasureLog)).all() == []


def test_G05_a_crash_in_the_middle_of_an_erasure_is_finished_by_the_retry(app, tenant_a, clock, monkeypatch):
    """The erasure is one transaction: a worker killed half-way leaves nothing half-done, the retry does it all."""
    from portal.accounts.models import User
    from portal.privacy import requests
    from worker import jobs

    subject = factories.subject_everywhere(tenant_a, "zzcanary6")
    with use_tenant(tenant_a.id):
        row, _ = requests.file("erasure", channel="dpo", clock=clock, email=subject.email, verified=True, note="id")
        db.session.commit()
        request_id = row.id
    real = erasure._delete_files
    state = {"calls": 0}

    def killed(owned):
        state["calls"] += 1
        if state["calls"] == 1:
            raise SystemExit("worker killed")
        return real(owned)

    monkeypatch.setattr(erasure, "_delete_files", killed)
    try:
        jobs.process_request(request_id)
    except SystemExit:
        db.session.rollback()
    with use_tenant(tenant_a.id):
        assert db.session.get(User, subject.id).erased_at is None  # nothing half-done
    assert jobs.process_request(request_id).startswith("erased")
    # the answer goes to the requester's address; once it is mailed the outbox forgets the address
    from rq import SimpleWorker

    from portal.core import queue

    SimpleWorker([queue.queue("mail")], connection=queue.connection()).work(burst=True)
    # the request record keeps the requester's address for the request retention period, then is reduced
    assert _dump(tenant_a.id, "zzcanary6") <= RETAINED | _third_party() | {("subject_requests", "requester_email")}


def test_G05_a_namesake_does_not_block_the_erasure_but_a_note_naming_the_subject_does(app, tenant_a, clock):
    from portal.leads.models import Lead

    subject = factories.user(tenant_a, email="ewa.nowak@example.com", first_name="Ewa", last_name="Nowak",
                             phone="+48 601 111 222")
    factories.user(tenant_a, email="other@example.com", first_name="Ewa", last_name="Nowak")  # a namesake
    with use_tenant(tenant_a.id):
        clean = erasure.erase(subject.id, clock=clock)
        assert clean.residues == 0
    other = factories.subject_everywhere(tenant_a, "zzcanary7")
    with use_tenant(tenant_a.id):
        from datetime import date

        from portal.leads.models import Partner

        stranger = Partner(tenant_id=tenant_a.id, nip=factories.valid_nip(999), name="Someone else", address="a",
                           contact_first_name="A", contact_last_name="B", contact_phone="1",
                           contact_email="b@example.com")
        db.session.add(stranger)
        db.session.flush()
        db.session.add(Lead(tenant_id=tenant_a.id, ref="NOTE1", partner_id=stranger.id, customer_nip="1",
                            customer_name="c", customer_address="a", family="O365", plan="E3", billing="annual",
                            licences=5, pcs=5, submitted_on=date(2018, 8, 10), due_on=date(2018, 8, 17),
                            decision_reason=f"called {other.first_name} {other.last_name} twice"))
        db.session.commit()
        log = erasure.erase(other.id, clock=clock)
    assert log.residues == 1  # the note in someone else's lead: the DPO must look before closing
    # G-05: the DPO is shown where (record and field, never the value) to look before closing
    with use_tenant(tenant_a.id):
        lead_id = db.session.scalar(select(Lead.id).where(Lead.ref == "NOTE1"))
    assert log.residue_rows == [{"table": "leads", "id": lead_id, "columns": ["decision_reason"]}]


def test_G05_legally_retained_records_are_erased_when_their_date_comes(app, tenant_a, clock):
    subject = factories.subject_everywhere(tenant_a, "zzcanary8")
    _recent_tax_records(tenant_a, subject)  # both kept until 31 December 2030
    with use_tenant(tenant_a.id):
        erasure.erase(subject.id, clock=clock)
        db.session.commit()
        kept = _dump(tenant_a.id, "zzcanary8")
        clock.advance(days=365 * 4)
        assert erasure.purge_retained(clock=clock) == 0  # not yet
        clock.advance(days=365 * 2 + 10)  # past 31 December, 5 years after the tax year
        assert erasure.purge_retained(clock=clock) == 2
        db.session.commit()
        assert erasure.purge_retained(clock=clock) == 0
        log = db.session.scalars(select(ErasureLog)).one()
    assert all(r.get("deleted_on") for r in log.retained)
    assert ("installers", "home_address") in kept  # kept for the tax years …
    assert _dump(tenant_a.id, "zzcanary8") <= _third_party()  # … and gone after them (the customer is not the subject)
