"""The lead-reward rules in force on a day (L-30: each lead is settled by the version in force at qualification)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.leads.rules import LeadRules
from portal.programmes import service as programmes
from portal.programmes.models import ProgrammeVersion


@lru_cache(maxsize=256)
def _parse(version_id: int, sha256: str, definition_json: str) -> LeadRules:  # noqa: ARG001 - cache keys
    import json

    return LeadRules.parse(json.loads(definition_json))


def rules_of(version: ProgrammeVersion) -> LeadRules:
    import json

    return _parse(version.id, version.sha256, json.dumps(version.definition, sort_keys=True))


def version_on(day: date) -> ProgrammeVersion:
    version = programmes.in_force(day)
    if version is None or version.definition.get("programme", {}).get("type") != "lead_reward":
        raise DomainError(_("This organiser runs no lead-reward programme."))
    return version


def rules_on(day: date) -> LeadRules:
    return rules_of(version_on(day))
