"""The lead-reward rules in force on a day (L-30: each lead is settled by the version in force at qualification)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from portal.core.errors import DomainError
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
