"""Privacy codes and the outcomes the platform writes, in the reader's language (see ``portal.core.labels``).

Requests the platform carries out itself get an outcome written in English (``requests.process``): it is sent to
the requester and kept after the request's personal data are purged. Pages and notices show it through
``request_outcome``, which recognises those wordings; an answer the DPO wrote is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.core import labels
from portal.core.labels import label

REQUEST_KINDS = {
    "access": _l("access to data"),
    "portability": _l("data portability"),
    "erasure": _l("erasure of data"),
    "restriction": _l("restriction of processing"),
    "rectification": _l("rectification of data"),
    "objection": _l("objection to marketing contact"),
    "withdraw_consent": _l("withdrawal of consent"),
}
REQUEST_STATUSES = {"open": _l("open"), "done": _l("completed"), "rejected": _l("rejected"),
                    "expired": _l("expired (not confirmed)")}
REQUEST_CHANNELS = {"account": _l("from the account"), "public": _l("public form"),
                    "dpo": _l("entered by the DPO")}
VERIFICATIONS = {"pending": _l("not confirmed yet"), "verified": _l("confirmed"), "expired": _l("link expired")}
CONSENT_KINDS = {
    "terms": _l("Programme terms"),
    "privacy": _l("Privacy notice"),
    "vendor_transfer": _l("Passing lead data to the vendor"),
    "marketing": _l("Marketing contact"),
}
CONSENT_CHANNELS = {"web": _l("website"), "api": _l("API"), "import": _l("import"), "dpo": _l("DPO")}
ACTORS = {"user": _l("user"), "operator": _l("operator"), "system": _l("system")}
ERASURE_EFFECTS = {"deleted": _l("deleted"), "masked": _l("masked")}
PROFILE_FIELDS = {"first_name": _l("First name"), "last_name": _l("Last name"), "phone": _l("Phone"),
                  "company_name": _l("Company name"), "nip": _l("Company NIP"), "locale": _l("Language"),
                  "email": _l("E-mail address")}  # e-mail: a contact person's (G-06), an account's is its login
DATA_CATEGORIES = {
    "identity": _l("names and identifiers of a person"),
    "contact": _l("e-mail addresses, phone numbers, postal addresses"),
    "tax": _l("tax identifiers and data for tax forms (NIP, PESEL, PIT-8C)"),
    "credentials": _l("password hashes and secrets used to log in"),
    "behavioural": _l("what a person did in the programme: submissions, logins, choices"),
    "financial": _l("amounts owed or paid to a person"),
    "content": _l("free text a person wrote, which may name people"),
    "technical": _l("IP addresses and device data"),
}
LEGAL_BASES = {
    "contract": _l("GDPR art. 6(1)(b): performance of the programme terms"),
    "consent": _l("GDPR art. 6(1)(a): consent, withdrawable at any time"),
    "legal_obligation": _l("GDPR art. 6(1)(c): tax and accounting law"),
    "legitimate_interest": _l("GDPR art. 6(1)(f): security, fraud prevention, defence of claims"),
}
RETENTIONS = {
    "account": _l("while the account exists; erased on request or at contract end"),
    "tax_5y": _l("5 years after the end of the tax year (tax and accounting law)"),
    "audit": _l("platform audit retention (ids only, no personal values)"),
    "request": _l("the tenant's retention period for data-subject request records"),
    "short": _l("until used or expired (tokens, queued messages)"),
    "contract": _l("while the tenant's contract lasts"),
}
AUDIT_ACTIONS = {
    "account.login": _l("logged in"),
    "account.password_reset": _l("password reset"),
    "account.password_reset_requested": _l("password reset requested"),
    "account.registered": _l("account registered"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "breach.updated": _l("breach record updated"),
    "bundle.downloaded": _l("data bundle downloaded"),
    "contact.erased": _l("a contact person's details erased"),
    "complaint.decided": _l("complaint decided"),
    "complaint.filed": _l("complaint filed"),
    "consent.given": _l("consent given"),
    "consent.withdrawn": _l("consent withdrawn"),
    "customer.flagged": _l("customer fact recorded"),
    "customer.unflagged": _l("customer fact removed"),
    "device.registered": _l("device registered"),
    "device.proof_added": _l("proof of installation added"),
    "device.proof_requested": _l("proof of installation requested"),
    "installer.evidence": _l("status criterion recorded"),
    "installer.evidence_revoked": _l("status criterion revoked"),
    "installer.excluded": _l("participant excluded"),
    "installer.joined": _l("participant joined"),
    "installer.left": _l("participant left"),
    "installer.rejoined": _l("participant rejoined"),
    "installer.tax_data": _l("PIT-8C data given"),
    "installer.approved": _l("participant accepted by the organiser"),
    "installer.refused": _l("participant refused by the organiser"),
    "installer.delivery_address_saved": _l("delivery address saved"),
    "installer.title_granted": _l("status granted"),
    "installer.title_withdrawn": _l("status withdrawn"),
    "lead.submitted": _l("lead submitted"),
    "lead.qualified": _l("lead qualified"),
    "lead.rejected": _l("lead rejected"),
    "order.placed": _l("order placed"),
    "order.cancelled": _l("order cancelled"),
    "order.delivered": _l("order delivered"),
    "order.delivery_failed": _l("order delivery failed"),
    "order.delivery_failed_not_participant": _l("order delivery failed (not the participant's fault)"),
    "order.forfeited": _l("order forfeited"),
    "order.released": _l("order released"),
    "order.shipped": _l("order shipped"),
    "order.substitute_accepted": _l("substitute accepted"),
    "order.substitute_offered": _l("substitute offered"),
    "order.withheld": _l("order withheld"),
    "partner.excluded": _l("partner excluded"),
    "partner.flags": _l("partner flags changed"),
    "partner.joined": _l("partner joined"),
    "partner.updated": _l("partner updated"),
    "points.revoked": _l("points revoked"),
    "programme.published": _l("programme version published"),
    "request.closed": _l("request closed"),
    "request.expired": _l("expired (not confirmed)"),
    "request.extended": _l("deadline extended"),
    "request.filed": _l("request filed"),
    "request.verified": _l("identity confirmed by the e-mail link"),
    "request.verified_manually": _l("identity confirmed by the DPO"),
    "reward.saved": _l("reward added or changed in the catalogue"),
    "sale.recorded": _l("sale recorded"),
    "settlement.approved": _l("settlement approved"),
    "settlement.run": _l("settlement run"),
    "subject.erased": _l("personal data erased"),
    "subject.restriction_lifted": _l("restriction lifted"),
    "tenant.exported": _l("organiser's data exported"),
}

AUDIT_OBJECTS = {
    "api_token": _l("API token"), "breach_record": _l("breach record"), "complaint": _l("complaint"),
    "consent": _l("consent"), "customer_fact": _l("customer fact"), "device": _l("device"),
    "export_bundle": _l("data bundle"), "installer": _l("participant"), "lead": _l("lead"), "partner": _l("partner"),
    "programme_version": _l("programme version"), "reward": _l("reward"), "reward_order": _l("reward order"),
    "sale": _l("sale"), "settlement": _l("settlement"), "subject_request": _l("data-protection request"),
    "tenant": _l("organiser"), "user": _l("account"),
}

# the records an erasure keeps for a legal obligation (``erasure.erase``'s retained list), named for a reader
KEPT_TABLES = {
    "installers": _l("participant's PIT-8C data"),
    "settlement_lines": _l("settlement statements"),
    "subject_requests": _l("data-protection requests"),
}
KEPT_COLUMNS = {
    "tax_id": _l("NIP or PESEL"),
    "home_address": _l("home address"),
    "birth_date": _l("date of birth"),
    "tax_first_name": _l("first name"),
    "tax_last_name": _l("last name"),
    "partner_nip": _l("partner's NIP"),
    "requester_email": _l("e-mail address"),
    "requester_name": _l("name"),
    "details": _l("what the request said"),
}

for area, mapping in (("request.kind", REQUEST_KINDS), ("request.status", REQUEST_STATUSES),
                      ("request.channel", REQUEST_CHANNELS), ("request.verification", VERIFICATIONS),
                      ("consent.kind", CONSENT_KINDS), ("consent.channel", CONSENT_CHANNELS),
                      ("audit.actor", ACTORS), ("audit.action", AUDIT_ACTIONS), ("audit.object", AUDIT_OBJECTS),
                      ("erasure.effect", ERASURE_EFFECTS),
                      ("profile.field", PROFILE_FIELDS), ("data.category", DATA_CATEGORIES),
                      ("data.basis", LEGAL_BASES), ("data.retention", RETENTIONS), ("kept.table", KEPT_TABLES),
                      ("kept.column", KEPT_COLUMNS)):
    labels.register(area, mapping)


@labels.resolver("audit.action")
def _corrected(code: str) -> str | None:
    """G-06: a correction is recorded with the names of the fields corrected (never their values)."""
    for prefix in ("rectified:", "contact.rectified:"):
        if code.startswith(prefix):
            fields = ", ".join(labels.label(f, "profile.field") for f in code.removeprefix(prefix).split(",") if f)
            if prefix == "rectified:":
                return _("data corrected: %(fields)s", fields=fields)
            return _("a contact person's data corrected: %(fields)s", fields=fields)
    return None


def _kept(text: str) -> str:
    if text == "nothing":
        return _("nothing")
    items = []
    for item in text.split("; "):
        match = re.fullmatch(r"(?P<table>\S+) \((?P<columns>[^)]*)\) until (?P<day>\S+)", item)
        items.append(_("%(table)s (%(columns)s) until %(day)s", table=label(match["table"], "kept.table"),
                       columns=", ".join(label(c.strip(), "kept.column") for c in match["columns"].split(",")),
                       day=match["day"]) if match else item)
    return "; ".join(items)


def _corrected(text: str) -> str:
    if text == "nothing":
        return _("nothing")
    return ", ".join(label(name.strip(), "profile.field") for name in text.split(","))


# the outcomes ``requests.process`` and ``requests.rectify`` write
OUTCOMES: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [(re.compile(p), f) for p, f in (
    (r"no account or data of this person is held in this programme",
     lambda m: _("no account or data of this person is held in this programme")),
    (r"bundle ready until (?P<day>\S+)", lambda m: _("the data bundle is ready to download until %(day)s",
                                                     day=m["day"])),
    (r"erased, but the scan found (?P<n>\d+) residue\(s\): the request stays open",
     lambda m: ngettext("erased, but the scan found %(num)d residue: the request stays open",
                        "erased, but the scan found %(num)d residues: the request stays open", int(m["n"]))),
    (r"erased; kept for legal obligation: (?P<kept>.*)",
     lambda m: _("erased; kept for a legal obligation: %(kept)s", kept=_kept(m["kept"]))),
    (r"processing restricted: no notices, left out of settlements and status changes until lifted",
     lambda m: _("processing restricted: no notices, left out of settlements and status changes until lifted")),
    (r"objection to marketing contact recorded and honoured",
     lambda m: _("objection to marketing contact recorded and honoured")),
    (r"(?P<n>\d+) consent\(s\) withdrawn",
     lambda m: ngettext("%(num)d consent withdrawn", "%(num)d consents withdrawn", int(m["n"]))),
    (r"to be corrected by the DPO", lambda m: _("to be corrected by the DPO")),
    (r"contact details erased in (?P<n>\d+) record\(s\)",
     lambda m: ngettext("contact details erased in %(num)d record", "contact details erased in %(num)d records",
                        int(m["n"]))),
    (r"contact details found in (?P<n>\d+) record\(s\): the DPO answers",
     lambda m: ngettext("contact details found in %(num)d record: the DPO answers",
                        "contact details found in %(num)d records: the DPO answers", int(m["n"]))),
    (r"contact details corrected in (?P<n>\d+) record\(s\): (?P<fields>.*)",
     lambda m: ngettext("contact details corrected in %(num)d record: %(fields)s",
                        "contact details corrected in %(num)d records: %(fields)s", int(m["n"]),
                        fields=_corrected(m["fields"]))),
    (r"corrected: (?P<fields>.*)", lambda m: _("corrected: %(fields)s", fields=_corrected(m["fields"]))),
)]


def request_outcome(stored: str | None) -> str:
    """A request's outcome in the reader's language when the platform wrote it; the DPO's own answer as written."""
    text = (stored or "").strip()
    for pattern, say in OUTCOMES:
        match = pattern.fullmatch(text)
        if match:
            return say(match)
    return text


DPO_FILED = "filed by the DPO from a verified letter or e-mail"  # ``flask privacy request``'s note
_VERIFIED_BY_CHANNEL = re.compile(r"verified by the (?P<channel>\S+) channel")


def verification_note(stored: str | None) -> str:
    """How the identity was confirmed: the platform's own notes translated, the DPO's note as written."""
    text = (stored or "").strip()
    if text == "verified by the one-time e-mail link":
        return _("confirmed by the one-time e-mail link")
    if text == DPO_FILED:
        return _("filed by the data-protection officer from a verified letter or e-mail")
    match = _VERIFIED_BY_CHANNEL.fullmatch(text)
    if match:
        return _("confirmed by the channel: %(channel)s", channel=label(match["channel"], "request.channel"))
    return text


_RETAINED = "retained: legal obligation (tax and accounting, 5 years after the tax year)"


def retained_reason(stored: str | None) -> str:
    from portal.privacy.erasure import REQUESTS_KEPT

    if (stored or "").strip() == _RETAINED:
        return _("kept for a legal obligation (tax and accounting law, 5 years after the end of the tax year)")
    if (stored or "").strip() == REQUESTS_KEPT:
        return _("kept to show how the data-protection requests were handled (GDPR art. 5(2)), 3 years after each "
                 "is closed")
    return stored or ""


FILTERS = {"request_outcome": request_outcome, "verification_note": verification_note,
           "retained_reason": retained_reason}
