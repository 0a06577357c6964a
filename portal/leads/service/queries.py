"""Read models for the lead pages: a partner's leads, statements, the top-partner standings, choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select

from portal.extensions import db
from portal.leads.models import Lead, Partner, Settlement, SettlementLine
from portal.leads.service import settlement as settlement_service
from portal.leads.service.programme import version_on
from portal.privacy import audit


def partner_leads(partner_id: int, *, before: tuple[date, int] | None = None, limit: int = 25) -> list[Lead]:
    """Newest first, keyset-paginated on (submitted_on, id): the same speed with 10 or 100,000 leads."""
    query = select(Lead).where(Lead.partner_id == partner_id)
    if before is not None:
        day, last_id = before
        query = query.where(or_(Lead.submitted_on < day, and_(Lead.submitted_on == day, Lead.id < last_id)))
    return list(db.session.scalars(query.order_by(Lead.submitted_on.desc(), Lead.id.desc()).limit(limit)))


def decided_leads(status: str, *, before: tuple[date, int] | None = None, limit: int = 50) -> list[Lead]:
    """L-07: the leads decided one way, the latest decision first (keyset-paginated on (decided_on, id))."""
    query = select(Lead).where(Lead.status == status)
    if before is not None:
        day, last_id = before
        query = query.where(or_(Lead.decided_on < day, and_(Lead.decided_on == day, Lead.id < last_id)))
    return list(db.session.scalars(query.order_by(Lead.decided_on.desc(), Lead.id.desc()).limit(limit)))


def lead_history(lead: Lead) -> list[tuple[object, object]]:
    """L-07: what happened to a lead — (audit entry, the user who did it or None for the system), oldest first."""
    from portal.accounts.models import User

    entries = audit.history("lead", lead.id)
    ids = {e.actor_id for e in entries if e.actor_kind == "user" and e.actor_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [(e, users.get(e.actor_id) if e.actor_kind == "user" else None) for e in entries]


def counts_by_status(partner_id: int) -> dict[str, int]:
    rows = db.session.execute(select(Lead.status, func.count()).where(Lead.partner_id == partner_id)
                              .group_by(Lead.status))
    return dict(rows.all())


@dataclass
class Statement:
    settlement: Settlement
    lines: list[SettlementLine]

    @property
    def payable(self):
        return sum((ln.amount for ln in self.lines if ln.status == "payable"), start=0)

    @property
    def withheld(self):
        return sum((ln.amount for ln in self.lines if ln.status == "withheld"), start=0)


def statements(partner_id: int) -> list[Statement]:
    """The partner's lines in every settlement run so far (drafts are marked as such on the page)."""
    return [Statement(s, settlement_service.lines_of(s, partner_id)) for s in settlement_service.settlements()]


def standings(limit: int = 20) -> list[tuple[Partner, int]]:
    """L-16: partners by realised leads over the campaign, counted as the settlement counts them for the award
    (each lead once, however many periods listed it), up to the latest settlement run."""
    counts = settlement_service.standings()
    partners = {p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(list(counts))))}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], partners[item[0]].name))
    return [(partners[pid], n) for pid, n in ranked[:limit]]


def choices(day: date, locale: str) -> dict[str, list[tuple[str, str]]]:
    """Family and billing choices with their names from the programme definition, in the reader's language."""
    lead = version_on(day).definition.get("lead", {})
    key = f"name_{locale}"
    return {
        "family": [(f["code"], f.get(key) or f.get("name_pl") or f["code"]) for f in lead.get("families", [])],
        "billing": [(b["code"], b.get(key) or b.get("name_pl") or b["code"]) for b in lead.get("billing_models", [])],
    }


def lead_form_consent(day: date, locale: str) -> str | None:
    """The text of the programme's lead-form consent (L-21, or the §7 declaration) in the reader's language."""
    for consent in version_on(day).definition.get("consents", []):
        if consent.get("scope") == "lead_form":
            return consent.get(f"text_{locale}") or consent.get("text_pl") or None
    return None


def partners_page(*, after: str | None = None, limit: int = 50) -> list[Partner]:
    query = select(Partner)
    if after:
        query = query.where(Partner.nip > after)
    return list(db.session.scalars(query.order_by(Partner.nip).limit(limit)))
