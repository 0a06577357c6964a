"""The lead-reward rules in force on a day (L-30: each lead is settled by the version in force at qualification)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.leads.rules import LeadRules
from portal.programmes import service as programmes
from portal.programmes.models import ProgrammeVersion


def _parse(definition: dict) -> LeadRules | None:
    return LeadRules.parse(definition) if programmes.programme_type(definition) == "lead_reward" else None


def rules_of(version: ProgrammeVersion) -> LeadRules:
    rules = programmes.parsed((version.id, version.sha256), _parse)
    if rules is None:
        raise DomainError(_("This organiser runs no lead-reward programme."))
    return rules


def version_on(day: date) -> ProgrammeVersion:
    version = programmes.in_force(day)
    if version is None or version.definition.get("programme", {}).get("type") != "lead_reward":
        raise DomainError(_("This organiser runs no lead-reward programme."))
    return version


def rules_on(day: date) -> LeadRules:
    key = programmes.version_key(day)
    rules = programmes.parsed(key, _parse) if key is not None else None
    if rules is None:
        raise DomainError(_("This organiser runs no lead-reward programme."))
    return rules


def restamp_from(day: date) -> int:
    """L-30: a lead is settled by the version in force on the day it was decided. A version published with an
    earlier effective day (a change backdated in the editor) is that version for the leads decided since, as the
    editor's preview showed; the leads decided before keep theirs, and so does a lead an approved settlement has
    listed (its statement is frozen). Returns how many leads changed version."""
    from portal.leads.models import Lead, Settlement, SettlementLine

    settled = select(SettlementLine.lead_id).join(Settlement, Settlement.id == SettlementLine.settlement_id).where(
        Settlement.status == "approved", SettlementLine.lead_id.is_not(None))
    changed, versions = 0, {}  # one lookup per day decided, not per lead
    for lead in db.session.scalars(select(Lead).where(Lead.decided_on.is_not(None), Lead.decided_on >= day,
                                                      Lead.id.not_in(settled))):
        version = versions.get(lead.decided_on) or versions.setdefault(lead.decided_on, version_on(lead.decided_on))
        if lead.programme_version_id != version.id:
            lead.programme_version_id, changed = version.id, changed + 1
    return changed
