"""Registers for the DPO: records of processing (art. 30) from the data map, and the breach register (G-12)."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

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
    "legitimate_interest": _l("security, fraud prevention and the defence of claims"),
}
SECURITY = _l("each organiser's data kept apart from every other's; passwords and one-time links stored only as "
              "hashes; an append-only audit log of who did what, by ids only; erasure and contract-end deletion "
              "driven by the data map; data bundles available for 7 days only")

# A column with ``basis="legal_obligation"`` serves the duty of its table: tax and accounting law for the PIT-8C
# data and the settlement statements, the GDPR's own duties for the rest (art. 5(2), 7(1), 12–22, 34, 37(7)). The
# data map has one basis code for all of them; the duty is read from here (see ``portal.privacy.labels``).
DUTIES = {"installers": "tax", "settlement_lines": "tax", "subject_requests": "requests",
          "consents": "consent_proof", "notifications": "notices", "tenants": "dpo"}

# the kinds of programme (``[programme] type``) and the packages whose tables only that kind has
PROGRAMME_PACKAGES = {"loyalty": "portal.loyalty.", "lead_reward": "portal.leads."}
# a tenant with no programme published yet: the kind its contract names
KIND_PROGRAMMES = {"manufacturer": "loyalty", "distributor": "lead_reward", "saas_vendor": "lead_reward"}


def duty(table: str, entry) -> str | None:
    """The legal duty a legal-obligation column serves (None for any other basis)."""
    if entry.basis != "legal_obligation":
        return None
    return "tax" if entry.retention == "tax_5y" else DUTIES.get(table, "other")


def _programme_of_tables() -> dict[str, str]:
    """Table → the kind of programme that alone has it."""
    found = {}
    for mapper in db.Model.registry.mappers:
        for kind, package in PROGRAMME_PACKAGES.items():
            if mapper.class_.__module__.startswith(package):
                found[mapper.local_table.name] = kind
    return found


def platform_tables() -> set[str]:
    """The platform's own tables (operators' accounts, sub-processors…): no tenant's data, so in no tenant's
    register. ``tenants`` is each tenant's own row (its DPO)."""
    return {t.name for t in db.metadata.sorted_tables if "tenant_id" not in t.columns and t.name != "tenants"}


def programme_types(tenant) -> set[str]:
    """The kinds of programme the tenant has run (every version published), else the kind its contract names."""
    from portal.programmes.models import ProgrammeVersion

    definitions = db.session.scalars(select(ProgrammeVersion.definition).where(
        ProgrammeVersion.tenant_id == tenant.id))
    kinds = {(d or {}).get("programme", {}).get("type") for d in definitions} & set(PROGRAMME_PACKAGES)
    return kinds or ({KIND_PROGRAMMES[tenant.kind]} if tenant.kind in KIND_PROGRAMMES else set())


def tables_in_scope(tenant) -> set[str]:
    """The tables of the tenant's register: the common ones and those of its kind of programme."""
    kinds = programme_types(tenant) | {None}  # None: a table every kind of programme has
    of_programme = _programme_of_tables()
    platform = platform_tables()
    return {t.name for t in db.metadata.sorted_tables if t.name not in platform and of_programme.get(t.name) in kinds}


def records_of_processing(tenant=None) -> list[dict]:
    """One group per category of data: which tables and columns hold it, for what purpose, on which basis, kept
    how long (C-08, art. 30(1)(b), (c), (f)). For a tenant: its own tables only (``tables_in_scope``); without one,
    every personal column of the data map."""
    scope = tables_in_scope(tenant) if tenant is not None else None
    groups: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for table, entries in personal_columns(db.metadata).items():
        if scope is not None and table not in scope:
            continue
        for e in entries:
            groups[(e.category, e.basis, duty(table, e) or "", e.retention)].append(f"{table}.{e.column}")
    out = []
    for (c, b, d, r), cols in sorted(groups.items()):
        basis = label(d, "data.duty") if d else label(b, "data.basis", BASES[b])
        purpose = label(d, "data.duty_purpose") if d else str(PURPOSES[b])
        out.append({"category": c, "category_text": label(c, "data.category", CATEGORIES[c]), "basis": basis,
                    "purpose": purpose, "retention": label(r, "data.retention", RETENTIONS[r]),
                    "columns": sorted(cols)})
    return out


def subject_information(tenant, columns: set[str]) -> dict:
    """GDPR art. 15(1) beside a subject's copy of their data (G-04): for the data ``columns`` ("table.column") hold,
    why and on which basis they are processed and how long they are kept (the data map, as in the records of
    processing), who receives them, and the controller and its DPO. By column, not by table: a contact person named
    on a lead is told about her contact details, not the partner's consents or tax data on the same row."""
    groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    categories = set()
    for group in records_of_processing(tenant):
        if set(group["columns"]) & columns:
            groups[(group["purpose"], group["basis"], group["retention"])].add(group["category_text"])
            categories.add(group["category"])
    record = controller_record(tenant)
    recipients = [r for r in record["recipients"] if r.receives is None or r.receives in categories]
    return {"groups": [{"purpose": p, "basis": b, "retention": r, "categories": sorted(c)}
                       for (p, b, r), c in sorted(groups.items())],
            "controller": record["controller"], "dpo": record["dpo"],
            "recipients": [*map(str, recipients), *(f"{s.name} ({s.purpose})" for s in record["subprocessors"])]}


class Recipient(NamedTuple):
    """A recipient of the records of processing; ``receives`` is the data category it gets, when only that one (a
    subject's own summary names it only when that category of theirs is held)."""

    text: str
    receives: str | None = None

    def __str__(self) -> str:
        return str(self.text)


def controller_record(tenant) -> dict:
    """G-12, art. 30(1)(a), (c), (d), (e), (g) for one tenant: the controller and its DPO, the categories of people,
    the recipients (the platform as processor and, listed apart, its sub-processors), transfers outside the EEA,
    the security measures. No personal data of participants."""
    from portal.operator import register
    from portal.privacy.contacts import CONTACTS

    tables = set(personal_columns(db.metadata)) & tables_in_scope(tenant)
    contacts = sorted({c.table for c in CONTACTS} & tables)
    requests = ["subject_requests"]
    accounts = sorted(tables - set(contacts) - set(requests) - {"tenants"})
    people = [(_("participants and the organiser's staff, through their accounts"), accounts)]
    if contacts:
        people.append((_("contact persons named by participants (a customer's or a partner's contact person)"),
                       contacts))
    people.append((_("people who filed a data-subject request"), requests))
    answered = register.subprocessors_of(tenant)  # C-07: only those this organiser's data may go to are in use
    subprocessors = answered["in_use"]
    recipients = [Recipient(_("the platform operator, as processor under the data-processing agreement, and its "
                              "sub-processors (listed apart)")),
                  Recipient(_("tax authorities, for the tax data of the rewards paid"), receives="tax")]
    if "leads" in tables and _passes_leads_to_a_vendor():  # L-21: the distributor's vendor verifies its leads
        recipients.append(Recipient(_("the vendor named in the programme, only with the participant's consent")))
    return {"controller": f"{tenant.legal_name}, NIP {tenant.nip}, {tenant.address}",
            "dpo": f"{tenant.dpo_name}, {tenant.dpo_email}", "people": people, "subprocessors": subprocessors,
            "awaiting": answered["awaiting"], "objected": answered["objected"],
            "consented": {s.id for s in answered["consented"]},
            "recipients": recipients, "outside_eea": [s for s in subprocessors if s.outside_eea],
            "security": str(SECURITY)}


def _passes_leads_to_a_vendor() -> bool:
    """L-21: the lead form of the organiser's programme asks for the consent to pass the lead to a vendor (as the
    lead rules read it: a lead form that words no statement of its own asks for that consent)."""
    from portal.leads.rules import lead_consent_kind
    from portal.programmes import service as programmes

    version = programmes.latest_version()
    return lead_consent_kind(version.definition if version is not None else {}) == "data_transfer"


def pdf_lines(tenant, record: dict) -> list[str]:
    """The records' heading lines in the PDF: the recipients, then the sub-processors on a line of their own."""
    subprocessors = "; ".join(f"{s.name} ({s.purpose}, {s.location})" for s in record["subprocessors"])
    return [_("Controller: %(org)s, NIP %(nip)s. Processor: the Programme Portal platform.",
              org=tenant.legal_name, nip=tenant.nip),
            f"{_('Data-protection officer')}: {record['dpo']}",
            f"{_('Categories of people')}: " + "; ".join(who for who, _where in record["people"]),
            f"{_('Recipients')}: " + "; ".join(str(r) for r in record["recipients"]),
            f"{_('Sub-processors')}: " + (subprocessors or _("none")),
            f"{_('Transfers outside the EEA')}: " + (", ".join(s.name for s in record["outside_eea"]) or _("none")),
            f"{_('Security measures')}: {record['security']}"]


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
