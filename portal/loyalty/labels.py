"""Installer-programme codes in the reader's language (see ``portal.core.labels``).

Statuses, status criteria and device models are named by the organiser in the programme definition
(``name_pl`` / ``name_en``); those names win, the product's labels below stand in where a definition has none.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core import labels
from portal.core.labels import label, localised

INSTALLER_STATUSES = {
    "installer": _l("Installer"),
    "authorised": _l("Authorised Installer"),
    "premium": _l("Authorised Installer Premium"),
    "excluded": _l("excluded"),
    "pending": _l("waiting for the organiser's decision"),
}
APPROVALS = {"approved": _l("approved"), "pending": _l("waiting for the organiser's decision"),
             "refused": _l("refused by the organiser")}
CRITERIA = {
    "device_points": _l("points from registered devices"),
    "sales_activity": _l("sales activity"),
    "training": _l("Authorised Installer training"),
    "promotional_activity": _l("promotional activity"),
}
EXCLUSION_GROUNDS = {
    "not_activated": _l("the account was not activated within 3 months"),
    "no_points": _l("no points within 3 months of registration"),
    "false_data": _l("false information"),
    "rules_breach": _l("breach of the programme terms"),
}
ORDER_STATES = {
    "placed": _l("placed"),
    "substitute_offered": _l("substitute offered"),
    "withheld": _l("withheld"),
    "shipped": _l("shipped"),
    "delivery_failed": _l("delivery failed"),
    "delivered": _l("delivered"),
    "cancelled": _l("cancelled"),
    "forfeited": _l("forfeited"),
}
REWARD_KINDS = {
    "power_tools": _l("power tools"),
    "measuring": _l("measuring instruments"),
    "hand_tools": _l("hand tools"),
    "workwear": _l("workwear"),
    "electronics": _l("electronics"),
    "training": _l("training"),
    "leisure": _l("leisure"),
}
LEDGER_KINDS = {
    "earn": _l("earned"),
    "opening": _l("opening balance"),
    "refund": _l("restored"),
    "adjust": _l("adjusted"),
    "redeem": _l("spent on a reward"),
    "expire": _l("expired"),
    "forfeit": _l("forfeited"),
    "revoke": _l("revoked by the organiser"),
}
TITLES_LOST = {"authorisation": _l("the authorisation (certificate) — back to Installer"),
               "leader": _l("the installation leader title — back to Authorised Installer")}
TITLES_GRANTED = {"authorisation": _l("the authorisation (certificate) — Authorised Installer"),
                  "leader": _l("the installation leader title — Authorised Installer Premium")}
COMPLAINT_KINDS = {"points": _l("Points credited"), "programme": _l("The programme")}
DECISIONS = {"upheld": _l("Upheld"), "refused": _l("Refused")}

labels.register("installer.status", INSTALLER_STATUSES)
labels.register("installer.approval", APPROVALS)
labels.register("installer.criterion", CRITERIA)
labels.register("installer.exclusion_ground", EXCLUSION_GROUNDS)
labels.register("order.state", ORDER_STATES)
labels.register("reward.kind", REWARD_KINDS)
labels.register("points.kind", LEDGER_KINDS)
labels.register("complaint.kind", COMPLAINT_KINDS)
labels.register("complaint.decision", DECISIONS)


@labels.resolver("installer.status")
def _status(code: str) -> str | None:
    return labels.named_in_definition(labels.definition().get("statuses"), code)


@labels.resolver("installer.criterion")
def _criterion(code: str) -> str | None:
    return labels.named_in_definition(labels.definition().get("status_criteria"), code)


@labels.resolver("device.model")
def _model(code: str) -> str | None:
    return labels.named_in_definition(labels.definition().get("device_models"), code)


@labels.resolver("loyalty.campaign")
def _campaign(code: str) -> str | None:
    return labels.named_in_definition(labels.definition().get("bonus_campaigns"), code)


_CRITERIA_MET = re.compile(r"criteria met: (?P<codes>.*)")


def status_reason(stored: str | None) -> str:
    """``Installer.status_reason`` (English, written by ``members.evaluate_status``) in the reader's language."""
    text = (stored or "").strip()
    match = _CRITERIA_MET.fullmatch(text)
    if match:
        codes = [c.strip() for c in match["codes"].split(",") if c.strip()]
        return _("criteria met: %(criteria)s", criteria="; ".join(label(c, "installer.criterion") for c in codes))
    known = {"the authorisation (training) was withdrawn": _("the authorisation (training) was withdrawn"),
             "the authorisation certificate was withdrawn": _("the authorisation certificate was withdrawn"),
             "the installation leader title was withdrawn": _("the installation leader title was withdrawn"),
             "the authorisation certificate was granted": _("the authorisation certificate was granted"),
             "the installation leader title was granted": _("the installation leader title was granted")}
    return known.get(text, text)


def reward_name(reward) -> str:
    """A reward's name in the reader's language, the other language's when it has none, else its code."""
    return localised(reward)


def reward_named(code: str | None) -> str:
    """The name of the reward with this code (notices keep the code); the code when there is no such reward."""
    if not code:
        return ""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.loyalty.models import Reward

    try:
        reward = db.session.scalars(select(Reward).where(Reward.code == code)).first()
    except Exception:  # noqa: BLE001 - no tenant in scope (the tenant guard): the code is still a name
        return str(code)
    return reward_name(reward) if reward is not None else str(code)


def model_choices(codes) -> list[tuple[str, str]]:
    """Device-model choices: the model's name with its code (installers read both on the device's plate)."""
    out = []
    for code in sorted(codes):
        name = label(code, "device.model")
        out.append((code, f"{name} ({code})" if name != code else code))
    return out


FILTERS = {"status_reason": status_reason, "reward_name": reward_name, "reward_named": reward_named}
