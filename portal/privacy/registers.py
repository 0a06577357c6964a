"""Registers for the DPO: records of processing (art. 30) from the data map, and the breach register (G-12)."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.labels import label
from portal.extensions import db
from portal.privacy.datamap import BASES, CATEGORIES, RETENTIONS, personal_columns
from portal.privacy.models import BreachRecord

PURPOSES = {
    "contract": _l("running the programme under its terms: accounts, submissions, points and rewards, settlements "
                   "and complaints"),
    "consent": _l("what the person agreed to: marketing contact, passing data to a vendor"),
    "legal_obligation": _l("tax and accounting records, answering data-subject requests, the breach register"),
    "legitimate_interest": _l("security, fraud prevention and the defence of claims"),
}
SECURITY = _l("each organiser's data kept apart from every other's; passwords and one-time links stored only as "
              "hashes; an append-only audit log of who did what, by ids only; erasure and contract-end deletion "
              "driven by the data map; data bundles available for 7 days only")


def records_of_processing() -> list[dict]:
    """One group per category of data: which tables and columns hold it, for what purpose, on which basis, kept
    how long (C-08, art. 30(1)(b), (c), (f))."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for table, entries in personal_columns(db.metadata).items():
        for e in entries:
            groups[(e.category, e.basis, e.retention)].append(f"{table}.{e.column}")
    return [{"category": c, "category_text": label(c, "data.category", CATEGORIES[c]),
             "basis": label(b, "data.basis", BASES[b]), "purpose": str(PURPOSES[b]),
             "retention": label(r, "data.retention", RETENTIONS[r]),
             "columns": sorted(cols)} for (c, b, r), cols in sorted(groups.items())]


def controller_record(tenant) -> dict:
    """G-12, art. 30(1)(a), (c), (d), (e), (g) for one tenant: the controller and its DPO, the categories of people,
    the recipients (the platform as processor and its sub-processors), transfers outside the EEA, the security
    measures. No personal data of participants."""
    from portal.operator import register
    from portal.privacy.contacts import CONTACTS

    tables = set(personal_columns(db.metadata))
    contacts = sorted({c.table for c in CONTACTS})
    requests = ["subject_requests"]
    accounts = sorted(tables - set(contacts) - set(requests) - {"tenants"})
    people = [(_("participants and the organiser's staff, through their accounts"), accounts),
              (_("contact persons named by participants (a customer's or a partner's contact person)"), contacts),
              (_("people who filed a data-subject request"), requests)]
    subprocessors = register.subprocessors()
    return {"controller": f"{tenant.legal_name}, NIP {tenant.nip}, {tenant.address}",
            "dpo": f"{tenant.dpo_name}, {tenant.dpo_email}", "people": people, "subprocessors": subprocessors,
            "recipients": [_("the platform operator, as processor under the data-processing agreement, and its "
                             "sub-processors listed below"),
                           _("tax authorities, for the tax data of the rewards paid"),
                           _("the vendor named in the programme, only with the participant's consent")],
            "outside_eea": [s for s in subprocessors if s.outside_eea], "security": str(SECURITY)}


def breaches() -> list[BreachRecord]:
    return list(db.session.scalars(select(BreachRecord).order_by(BreachRecord.discovered_at.desc())))


def record_breach_steps(breach_id: int, *, authority_notified: bool, subjects_decision: str, subjects_notified: bool,
                        clock, actor=None) -> BreachRecord:
    """C-05/G-12: the DPO's art. 33 notice to the authority (72 hours) and the art. 34 decision on telling people."""
    from portal.core.errors import NotFound
    from portal.privacy import audit

    row = db.session.get(BreachRecord, breach_id)
    if row is None:
        raise NotFound("No such breach.")
    if authority_notified and row.authority_notified_at is None:
        row.authority_notified_at = clock.now()
    if subjects_decision.strip():
        row.subjects_decision = subjects_decision.strip()
    if subjects_notified and row.subjects_notified_at is None:
        row.subjects_notified_at = clock.now()
    audit.record(actor, "breach.updated", "breach_record", row.id)
    return row
