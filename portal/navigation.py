"""The navigation every feature hangs its pages on: (endpoint, label, roles), in display order."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]
    programme: str | None = None  # shown only where the tenant runs this kind of programme
    referral_label: object = None  # what the SaaS vendor's referral programme calls it (SPEC §7)


ITEMS: list[NavItem] = [
    NavItem("accounts.participant_dashboard", _l("My programme"), (PARTICIPANT,)),
    NavItem("leads.my_leads", _l("My leads"), (PARTICIPANT,), "lead_reward", _l("My referrals")),
    NavItem("leads.statements", _l("Statements"), (PARTICIPANT,), "lead_reward"),
    NavItem("loyalty.points", _l("My points"), (PARTICIPANT,), "loyalty"),
    NavItem("loyalty.catalogue", _l("Rewards"), (PARTICIPANT,), "loyalty"),
    NavItem("accounts.admin_dashboard", _l("Administration"), (ADMIN,)),
    NavItem("programme_admin.edit", _l("Programme"), (ADMIN,)),
    NavItem("user_admin.users", _l("Users"), (ADMIN,)),
    NavItem("accounts.api_tokens", _l("API tokens"), (ADMIN, DPO)),
    NavItem("accounts.staff_dashboard", _l("Operations"), (ADMIN, STAFF)),
    NavItem("lead_admin.queue", _l("Review queue"), (ADMIN, STAFF), "lead_reward"),
    NavItem("lead_admin.partner_list", _l("Partners"), (ADMIN, STAFF), "lead_reward"),
    NavItem("lead_admin.customers", _l("Customer facts"), (ADMIN, STAFF), "lead_reward"),
    NavItem("lead_admin.sales_import", _l("Sales import"), (ADMIN, STAFF), "lead_reward"),
    NavItem("lead_admin.settlements", _l("Settlements"), (ADMIN, STAFF), "lead_reward"),
    NavItem("loyalty_admin.installers", _l("Participants"), (ADMIN, STAFF), "loyalty"),
    NavItem("loyalty_admin.catalogue", _l("Catalogue"), (ADMIN, STAFF), "loyalty"),
    NavItem("loyalty_admin.fulfilment", _l("Orders"), (ADMIN, STAFF), "loyalty"),
    NavItem("loyalty_admin.commission", _l("Complaints"), (ADMIN, STAFF), "loyalty"),
    NavItem("accounts.dpo_dashboard", _l("Privacy"), (DPO,)),
    NavItem("privacy.console", _l("Requests"), (DPO,)),
    NavItem("privacy.consent_records", _l("Consents"), (DPO,)),
    NavItem("privacy.records", _l("Records of processing"), (DPO,)),
    NavItem("privacy.breaches", _l("Breaches"), (DPO,)),
    NavItem("privacy.audit_log", _l("Audit log"), (DPO,)),
    NavItem("privacy.my_data", _l("My data"), (PARTICIPANT,)),
    NavItem("accounts.notices", _l("Notices"), (ADMIN, STAFF, DPO, PARTICIPANT)),
    NavItem("accounts.profile", _l("Profile"), (ADMIN, STAFF, DPO, PARTICIPANT)),
]


def for_role(role: str, programme: str | None = None, refers: bool = False) -> list[NavItem]:
    items = [item for item in ITEMS if role in item.roles and item.programme in (None, programme)]
    if refers:
        items = [replace(item, label=item.referral_label) if item.referral_label else item for item in items]
    return items
