"""One factory per model, used by the tests (and by the isolation and erasure sweeps)."""

from __future__ import annotations

import itertools

from stdnum.pl import nip as nip_number

from portal.accounts import service as accounts
from portal.accounts.models import PARTICIPANT
from portal.core.clock import get_clock
from portal.extensions import db
from portal.notifications import service as notifications
from portal.privacy import audit, consents
from portal.programmes import documents
from portal.programmes import service as programmes
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def valid_nip(seed: int) -> str:
    """A 10-digit NIP with a correct checksum, different for each seed."""
    for n in itertools.count(seed * 7919 % 10**8 + 10**8):
        base = f"{n:09d}"[:9]
        weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
        check = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
        if check < 10 and nip_number.is_valid(base + str(check)):
            return base + str(check)
    raise AssertionError("unreachable")


# P-01: the joining form's fields of a business, which joins with its NIP
BUSINESS = {"business": "y", "nip": valid_nip(4000)}


def tenant(slug: str, *, kind: str = "distributor", locale: str = "en"):
    t = tenants.upsert({"slug": slug, "name": f"Org {slug}", "kind": kind, "legal_name": f"{slug} Sp. z o.o.",
                        "nip": valid_nip(len(slug) + 11), "address": "ul. Testowa 1, Warszawa",
                        "dpo_name": "Inspektor", "dpo_email": f"iod@{slug}.example", "locale": locale})
    with use_tenant(t.id):
        for kind_ in ("terms", "privacy"):
            documents.publish(t.id, kind_, {"pl": f"{kind_} {slug} v1 (pl)", "en": f"{kind_} {slug} v1 (en)"},
                              clock=get_clock())
    db.session.commit()
    return t


def user(t, role: str = PARTICIPANT, *, email: str | None = None, password: str = PASSWORD, **fields):
    with use_tenant(t.id):
        fields.setdefault("locale", t.locale)
        u = accounts.create_user(t.id, email=email or f"user{next(_seq)}@{t.slug}.example", password=password,
                                 role=role, first_name=fields.pop("first_name", "Jan"),
                                 last_name=fields.pop("last_name", "Kowalski"), **fields)
        if role == PARTICIPANT:
            for kind in ("terms", "privacy"):
                doc = documents.current(kind, u.locale)
                consents.give(u, kind, version=doc.version, text_sha256=doc.sha256, channel="web",
                              clock=get_clock())
    db.session.commit()
    return u


def notification(u, kind: str = "account_registered", **params):
    with use_tenant(u.tenant_id):
        row = notifications.notify(u, kind, clock=get_clock(), **params)
    db.session.commit()
    return row


def audit_entry(u, action: str = "test.action"):
    with use_tenant(u.tenant_id):
        entry = audit.record(u, action, "user", u.id)
    db.session.commit()
    return entry


def programme_version(t, data: dict, text: str | None = None):
    """A version of ``data``; its text (whose digest names the version's definition, as a loaded file's does)
    defaults to the definition itself."""
    import json
    from datetime import date

    text = text if text is not None else json.dumps(data, sort_keys=True, default=str)

    with use_tenant(t.id):
        v = programmes.add_version(t.id, data, text, effective_from=date(2026, 1, 1), clock=get_clock())
    db.session.commit()
    return v


def login(client, t, email: str, password: str = PASSWORD):
    return client.post(f"/t/{t.slug}/login", data={"email": email, "password": password})


def subject_everywhere(t, canary: str):
    """A participant with a row in every table the data map links to a subject, every personal text column
    holding ``canary`` (the erasure completeness test). The lead's customer contact is another person: their phone
    does not contain the subject's as a substring, so a residue scan does not mistake one for the other. Returns the
    user."""
    from datetime import date
    from decimal import Decimal

    from portal.leads.models import Lead, Partner, Settlement, SettlementLine
    from portal.loyalty.models import Complaint, Device, Installer, InstallerStatus, Reward, RewardOrder, StatusEvidence

    n = next(_seq)
    u = user(t, email=f"{canary}@example.com", first_name=f"{canary}F", last_name=f"{canary}L",
             phone=f"+48{canary}", company_name=f"{canary} Co", nip=valid_nip(500 + n))
    with use_tenant(t.id):
        notification(u, "account_registered", note=canary)
        u = db.session.merge(u)
        db.session.add(PasswordResetTokenFactory(t, u))
        partner = Partner(tenant_id=t.id, user_id=u.id, nip=valid_nip(600 + n), name=f"{canary} Partner",
                          address=f"{canary} street", contact_first_name=f"{canary}CF", contact_last_name=f"{canary}CL",
                          contact_phone=f"+48{canary}1", contact_email=f"{canary}.c@example.com",
                          exclusion_reason=f"{canary} reason")
        db.session.add(partner)
        db.session.flush()
        lead = Lead(tenant_id=t.id, ref=f"R{n}", partner_id=partner.id, customer_nip=valid_nip(700 + n),
                    customer_name=f"{canary} Customer", customer_address=f"{canary} road", family="O365", plan="E3",
                    billing="annual", licences=5, pcs=5, contact_first_name=f"{canary}LF",
                    contact_last_name=f"{canary}LL", contact_phone=f"+48{canary}2",
                    contact_email=f"{canary}.l@example.com", customer_contact_first_name=f"{canary}KF",
                    customer_contact_last_name=f"{canary}KL", customer_contact_phone=f"+49{canary}3",
                    customer_contact_email=f"{canary}.k@example.com", submitted_on=date(2018, 8, 10),
                    due_on=date(2018, 8, 17), decision_reason=f"{canary} decision")
        db.session.add(lead)
        settlement = Settlement(tenant_id=t.id, period=n, as_of=date(2018, 10, 1))
        db.session.add(settlement)
        db.session.flush()
        db.session.add(SettlementLine(tenant_id=t.id, settlement_id=settlement.id, partner_id=partner.id,
                                      partner_nip=partner.nip, lead_id=lead.id, ref=lead.ref, line="reward",
                                      rule="L-11", base=Decimal("1.00"), rate=Decimal("0.1"), amount=Decimal("0.10"),
                                      status="payable", reason="r"))
        installer = Installer(tenant_id=t.id, user_id=u.id, registered_on=date(2024, 1, 1),
                              exclusion_note=f"{canary} note", tax_id=valid_nip(800 + n),
                              home_address=f"{canary} home", birth_date=date(1980, 1, 1),
                              delivery_address=f"{canary} delivery", employee=True,
                              employer_acceptance_file=f"acceptance{t.id}x{n}.pdf")  # P-29, written below
        db.session.add(installer)
        db.session.flush()
        db.session.add(StatusEvidence(tenant_id=t.id, installer_id=installer.id, criterion="training",
                                      recorded_on=date(2024, 1, 2), note=f"{canary} evidence"))
        db.session.add(InstallerStatus(tenant_id=t.id, installer_id=installer.id, status="installer",
                                       from_on=date(2024, 1, 1)))
        from pathlib import Path

        from flask import current_app

        proofs = Path(current_app.config["UPLOAD_DIR"]) / str(t.id) / "proofs"  # a proof file of the device (P-10)
        proofs.mkdir(parents=True, exist_ok=True)
        proof = f"proof{t.id}x{n}.pdf"
        (proofs / proof).write_bytes(b"%PDF-1.4 " + canary.encode())
        (proofs / installer.employer_acceptance_file).write_bytes(b"%PDF-1.4 acceptance " + canary.encode())
        db.session.add(Device(tenant_id=t.id, installer_id=installer.id, serial=f"S{n}", model_code="M",
                              production_code="FD600", installed_on=date(2024, 1, 1), registered_on=date(2024, 1, 2),
                              points=10, proof_files=[proof]))
        from portal.loyalty.service import ledger

        ledger.open_lot(installer.id, 10, kind="earn", on=date(2024, 1, 2), expires_on=date(2026, 1, 2),
                        tenant_id=t.id, source="device", note=f"{canary} points")
        reward = Reward(tenant_id=t.id, code=f"RW{n}", kind="k", name_pl="n", name_en="n", points=1,
                        gross_value=Decimal("1.00"), delivery_days=1, stock=1)
        db.session.add(reward)
        db.session.flush()
        db.session.add(RewardOrder(tenant_id=t.id, installer_id=installer.id, reward_id=reward.id, points=1,
                                   gross_value=Decimal("1.00"), ordered_on=date(2024, 1, 3), note=f"{canary} order"))
        db.session.add(Complaint(tenant_id=t.id, installer_id=installer.id, kind="programme", text=f"{canary} text",
                                 filed_on=date(2024, 1, 3), decide_by=date(2024, 1, 17), answer=f"{canary} answer"))
    db.session.commit()
    return u


def PasswordResetTokenFactory(t, u):  # noqa: N802 - reads as the model it builds
    from datetime import UTC, datetime

    from portal.accounts.models import PasswordResetToken

    return PasswordResetToken(tenant_id=t.id, user_id=u.id, token_sha256=f"{u.id:064d}",
                              expires_at=datetime(2030, 1, 1, tzinfo=UTC))
