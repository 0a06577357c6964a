"""The navigation every feature hangs its pages on: (endpoint, label, roles), in display order."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]


ITEMS: list[NavItem] = [
    NavItem("accounts.participant_dashboard", _l("My programme"), (PARTICIPANT,)),
    NavItem("accounts.admin_dashboard", _l("Administration"), (ADMIN,)),
    NavItem("accounts.staff_dashboard", _l("Operations"), (ADMIN, STAFF)),
    NavItem("accounts.dpo_dashboard", _l("Privacy"), (DPO,)),
    NavItem("accounts.notices", _l("Notices"), (ADMIN, STAFF, DPO, PARTICIPANT)),
]


def for_role(role: str) -> list[NavItem]:
    return [item for item in ITEMS if role in item.roles]
