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
ACTORS = {"user": _l("user"), "operator": _l("operator"), "system": _l("system"), "api_token": _l("API token")}
ERASURE_EFFECTS = {"deleted": _l("deleted"), "masked": _l("masked")}
PROFILE_FIELDS = {"first_name": _l("First name"), "last_name": _l("Last name"), "phone": _l("Phone"),
                  "company_name": _l("Company name"), "nip": _l("Company NIP"), "locale": _l("Language"),
                  "email": _l("E-mail address"),  # e-mail: a contact person's (G-06), an account's is its login
                  "delivery_address": _l("Delivery address"), "home_address": _l("Home address")}
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
# G-12: the GDPR's own duties are legal obligations (art. 6(1)(c)) too, but not tax law: the basis and purpose of a
# group of columns with ``basis="legal_obligation"`` follow the duty its table serves (``registers.DUTIES``)
LEGAL_DUTIES = {
    "tax": LEGAL_BASES["legal_obligation"],
    "requests": _l("GDPR art. 6(1)(c) with art. 12–22 and 5(2): answering data-subject requests and showing how "
                   "each was answered"),
    "consent_proof": _l("GDPR art. 6(1)(c) with art. 7(1): showing that a person consented"),
    "notices": _l("GDPR art. 6(1)(c) with art. 12(3) and 34: telling people about their requests and about "
                  "breaches"),
    "dpo": _l("GDPR art. 6(1)(c) with art. 37(7): publishing the data-protection officer's contact details"),
    "other": _l("GDPR art. 6(1)(c): a legal obligation of the controller"),
}
DUTY_PURPOSES = {
    "tax": _l("tax and accounting records: the data for the tax forms of the rewards paid and the settlement "
              "statements"),
    "requests": _l("answering data-subject requests and keeping the record of how each was handled"),
    "consent_proof": _l("keeping the proof of each consent given and withdrawn"),
    "notices": _l("sending the answers to requests and the breach notices to the person's address"),
    "dpo": _l("naming the organiser's data-protection officer and how to reach them"),
    "other": _l("what the law requires the organiser to keep"),
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
    "account.created": _l("account created (admin, staff or DPO)"),
    "account.deactivated": _l("account deactivated"),
    "account.login": _l("logged in"),
    "account.password_reset": _l("password reset"),
    "account.password_reset_requested": _l("password reset requested"),
    "account.reactivated": _l("account reactivated"),
    "account.registered": _l("account registered"),
    "account.role_changed": _l("role changed"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "breach.updated": _l("breach record updated"),
    "breach.recorded": _l("breach recorded in the register"),
    "bundle.downloaded": _l("data bundle downloaded"),
    "contact.erased": _l("a contact person's details erased"),
    "complaint.decided": _l("complaint decided"),
    "complaint.filed": _l("complaint filed"),
    "consent.given": _l("consent given"),
    "consent.withdrawn": _l("consent withdrawn"),
    "customer.flagged": _l("customer fact recorded"),
    "customer.unflagged": _l("customer fact removed"),
    "device.registered": _l("device registered"),
    "document.published": _l("new version of the terms or information clause published"),
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
    "settlement.tie_decided": _l("top-partner tie decided"),
    "subprocessor.consent": _l("consent to a sub-processor"),
    "subprocessor.objection": _l("objection to a sub-processor"),
    "subject.erased": _l("personal data erased"),
    "subject.restriction_lifted": _l("restriction lifted"),
    "tenant.exported": _l("organiser's data exported"),
}

AUDIT_OBJECTS = {
    "api_token": _l("API token"), "breach_record": _l("breach record"), "complaint": _l("complaint"),
    "consent": _l("consent"), "customer_fact": _l("customer fact"), "device": _l("device"),
    "document": _l("terms or information clause (version)"),
    "export_bundle": _l("data bundle"), "installer": _l("participant"), "lead": _l("lead"), "partner": _l("partner"),
    "programme_version": _l("programme version"), "reward": _l("reward"), "reward_order": _l("reward order"),
    "sale": _l("sale"), "settlement": _l("settlement"), "subject_request": _l("data-protection request"),
    "sub_processor": _l("sub-processor"), "tenant": _l("organiser"), "user": _l("account"),
}

# G-04: the access bundle's readable summary — each table and column the subject gets, named for a person (the
# columns not named here are technical: they stay in data.json and the CSVs, see ``export.technical``)
LANGUAGE_NAMES = {"pl": _l("Polish"), "en": _l("English")}
ROLE_NAMES = {"participant": _l("participant"), "admin": _l("administrator"), "staff": _l("staff"),
              "dpo": _l("data-protection officer")}
BUNDLE_TABLES = {
    "users": _l("Account"),
    "password_reset_tokens": _l("Password reset links"),
    "consents": _l("Consents"),
    "installers": _l("Participation"),
    "installer_statuses": _l("Statuses held"),
    "status_evidence": _l("Status criteria recorded"),
    "devices": _l("Devices"),
    "points_lots": _l("Points earned"),
    "points_entries": _l("Points history"),
    "reward_orders": _l("Reward orders"),
    "complaints": _l("Complaints"),
    "partners": _l("Partner"),
    "leads": _l("Leads"),
    "settlement_lines": _l("Settlement statements"),
    "notifications": _l("Notices"),
    "subject_requests": _l("Data-protection requests"),
    "audit_entries": _l("Activity log"),
}
# what an erasure touched (``ErasureLog.counts``): the subject's records by their names, and two that are not tables
ERASURE_TABLES = {**BUNDLE_TABLES, "contact_person": _l("Named as a contact person in others' records"),
                  "export_bundles": _l("Earlier access bundles"), "api_tokens": _l("API tokens")}
_CONTACT_PERSON = {"first_name": _l("Contact person's first name"), "last_name": _l("Contact person's last name"),
                   "phone": _l("Contact person's phone"), "email": _l("Contact person's e-mail address")}
_RESTRICTED_SINCE = _l("Processing restricted since")
BUNDLE_COLUMNS = {
    "audit_entries.at": _l("When"), "audit_entries.action": _l("What was done"),
    "audit_entries.object_type": _l("On what"),
    "users.email": PROFILE_FIELDS["email"],  # first: the login
    **{f"users.{name}": text for name, text in PROFILE_FIELDS.items()},
    "users.role": _l("Role"),
    "users.is_active_account": _l("Account active"),
    "users.created_at": _l("Account created"),
    "users.restricted_at": _RESTRICTED_SINCE,
    "users.marketing_objection_at": _l("Objected to marketing contact on"),
    "users.erased_at": _l("Erased on"),
    "users.last_login_at": _l("Last logged in"),
    "password_reset_tokens.expires_at": _l("Link valid until"),
    "password_reset_tokens.used_at": _l("Link used"),
    "consents.kind": _l("Consent to"),
    "consents.version": _l("Version of the text"),
    "consents.channel": _l("Given through"),
    "consents.given_at": _l("Given"),
    "consents.withdrawn_at": _l("Withdrawn"),
    "installers.business": _l("Taking part as a business"),
    "installers.employee": _l("Employed by an installation company"),
    "installers.declared_heating": _l("Declared installing or servicing heating devices at joining"),
    "installers.declared_adult": _l("Declared being of age at joining"),
    "installers.status": _l("Status"),
    "installers.status_reason": _l("Why this status"),
    "installers.approval": _l("Organiser's acceptance"),
    "installers.registered_on": _l("Registered"),
    "installers.approved_on": _l("Accepted"),
    "installers.activated_on": _l("Active since"),
    "installers.excluded_on": _l("Excluded on"),
    "installers.exclusion_ground": _l("Ground for the exclusion"),
    "installers.exclusion_note": _l("Note on the exclusion"),
    "installers.left_on": _l("Left the programme"),
    "installers.tax_id": _l("NIP or PESEL"),
    "installers.home_address": _l("Home address"),
    "installers.birth_date": _l("Date of birth"),
    "installers.tax_first_name": _l("First name (for the tax form)"),
    "installers.tax_last_name": _l("Last name (for the tax form)"),
    "installers.delivery_address": _l("Delivery address"),
    "installers.employer_acceptance_file": _l("Employer's acceptance (file)"),
    "installer_statuses.status": _l("Status"),
    "installer_statuses.from_on": _l("From"),
    "status_evidence.criterion": _l("Criterion"),
    "status_evidence.recorded_on": _l("Recorded"),
    "status_evidence.revoked_on": _l("Revoked"),
    "status_evidence.note": _l("Note"),
    "devices.serial": _l("Serial number"),
    "devices.model_code": _l("Model"),
    "devices.production_code": _l("Production code"),
    "devices.installed_on": _l("Installed"),
    "devices.registered_on": _l("Registered"),
    "devices.points": _l("Points"),
    "devices.proof_files": _l("Proof of installation (files in this archive)"),
    "devices.proof_requested_on": _l("Proof requested on"),
    "points_lots.earned_on": _l("Earned"),
    "points_lots.points": _l("Points"),
    "points_lots.remaining": _l("Points left"),
    "points_lots.expires_on": _l("Expire on"),
    "points_lots.after_end": _l("Earned after the programme's end"),
    "points_entries.on": _l("Date"),
    "points_entries.kind": _l("Entry"),
    "points_entries.points": _l("Points"),
    "points_entries.expires_on": _l("Expire on"),
    "points_entries.after_end": _l("After the programme's end"),
    "points_entries.note": _l("Note"),
    "reward_orders.reward_id": _l("Reward"),
    "reward_orders.points": _l("Points"),
    "reward_orders.gross_value": _l("Gross value"),
    "reward_orders.state": _l("State"),
    "reward_orders.ordered_on": _l("Ordered"),
    "reward_orders.substitute_id": _l("Substitute offered"),
    "reward_orders.informed_on": _l("Told of the substitute on"),
    "reward_orders.restore_by": _l("Answer due by"),
    "reward_orders.shipped_on": _l("Shipped"),
    "reward_orders.failed_deliveries": _l("Failed deliveries"),
    "reward_orders.last_failed_on": _l("Last failed delivery"),
    "reward_orders.delivered_on": _l("Delivered"),
    "reward_orders.receipt_confirmed": _l("Receipt confirmed"),
    "reward_orders.closed_on": _l("Closed"),
    "reward_orders.note": _l("Note"),
    "complaints.kind": _l("Complaint about"),
    "complaints.text": _l("What you wrote"),
    "complaints.filed_on": _l("Filed"),
    "complaints.decide_by": _l("Decision due by"),
    "complaints.decided_on": _l("Decided"),
    "complaints.decision": _l("Decision"),
    "complaints.answer": _l("Answer"),
    "complaints.notified_on": _l("You were told on"),
    "partners.nip": _l("NIP"),
    "partners.name": _l("Company name"),
    "partners.address": _l("Address"),
    **{f"partners.contact_{name}": text for name, text in _CONTACT_PERSON.items()},
    "partners.flags": _l("Flags"),
    "partners.excluded_at": _l("Excluded on"),
    "partners.exclusion_reason": _l("Reason for the exclusion"),
    "partners.created_at": _l("Joined"),
    "partners.restricted_at": _RESTRICTED_SINCE,
    "partners.consent_withdrawn_at": _l("Consent withdrawn on"),
    "leads.ref": _l("Reference"),
    "leads.family": _l("Product family"),
    "leads.plan": _l("Plan"),
    "leads.billing": _l("Billing"),
    "leads.licences": _l("Licences"),
    "leads.pcs": _l("Computers"),
    "leads.term_months": _l("Term (months)"),
    **{f"leads.contact_{name}": text for name, text in _CONTACT_PERSON.items()},
    **{f"leads.customer_contact_{name}": text for name, text in _CONTACT_PERSON.items()},
    "leads.submitted_on": _l("Submitted"),
    "leads.due_on": _l("Decision due by"),
    "leads.carried_over": _l("Carried over"),
    "leads.status": _l("Status"),
    "leads.decided_on": _l("Decided"),
    "leads.decision_reason": _l("Reason for the decision"),
    "leads.vendor_consent_at": _l("Consent to passing it to the vendor given"),
    "leads.reminded_on": _l("Reminder sent"),
    "settlement_lines.ref": _l("Lead"),
    "settlement_lines.partner_nip": _l("NIP"),
    "settlement_lines.line": _l("Line"),
    "settlement_lines.base": _l("Base"),
    "settlement_lines.rate": _l("Rate"),
    "settlement_lines.amount": _l("Amount"),
    "settlement_lines.status": _l("Status"),
    "settlement_lines.reason": _l("Why"),
    "settlement_lines.transaction_date": _l("Transaction date"),
    "notifications.created_at": _l("Date"),
    "notifications.kind": _l("Notice"),
    "notifications.to_email": _l("Sent to"),
    "notifications.read_at": _l("Read"),
    "notifications.sent_at": _l("E-mailed"),
    "subject_requests.reference": _l("Reference"),
    "subject_requests.kind": _l("Request"),
    "subject_requests.channel": _l("Filed"),
    "subject_requests.requester_email": PROFILE_FIELDS["email"],
    "subject_requests.requester_name": _l("Name"),
    "subject_requests.details": _l("What the request said"),
    "subject_requests.received_on": _l("Received"),
    "subject_requests.due_on": _l("Answer due by"),
    "subject_requests.extended_to": _l("Deadline extended to"),
    "subject_requests.extension_reason": _l("Why the deadline was extended"),
    "subject_requests.verification": _l("Identity"),
    "subject_requests.verification_note": _l("How the identity was confirmed"),
    "subject_requests.status": _l("Status"),
    "subject_requests.outcome": _l("Outcome"),
    "subject_requests.closed_on": _l("Closed"),
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
                      ("erasure.effect", ERASURE_EFFECTS), ("erasure.table", ERASURE_TABLES),
                      ("profile.field", PROFILE_FIELDS), ("data.category", DATA_CATEGORIES),
                      ("data.basis", LEGAL_BASES), ("data.retention", RETENTIONS), ("kept.table", KEPT_TABLES),
                      ("data.duty", LEGAL_DUTIES), ("data.duty_purpose", DUTY_PURPOSES),
                      ("bundle.table", BUNDLE_TABLES), ("bundle.column", BUNDLE_COLUMNS),
                      ("bundle.language", LANGUAGE_NAMES), ("bundle.role", ROLE_NAMES),
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


def _kept(items: list[str]) -> str:
    """Kept records in words: the table and its columns by name, until the deletion date."""
    return "; ".join(_kept_item(item) for item in items)


def _kept_item(item: str) -> str:
    match = _KEPT_ITEM.fullmatch(item)
    return _("%(table)s (%(columns)s) until %(day)s", table=label(match["table"], "kept.table"),
             columns=", ".join(label(c.strip(), "kept.column") for c in match["columns"].split(",")),
             day=match["day"]) if match else item


_KEPT_ITEM = re.compile(r"(?P<table>\S+) \((?P<columns>[^)]*)\) until (?P<day>\S+)")
_KEPT_HEADING = re.compile(r"kept for (?:legal obligation|a legal obligation, no longer linked to this address|"
                           r"accountability): ")
ACCOUNTABLE_TABLES = {"subject_requests"}  # kept to show how the requests were handled (``erasure.REQUESTS_KEPT``)


def _kept_by_reason(text: str) -> tuple[list[str], list[str]]:
    """G-05: the records an erasure's answer names, split by their own reason — (legal obligation, accountability).
    The reason is the record's (the requests are kept for accountability, GDPR art. 5(2); the rest for the tax and
    accounting law), not the heading it was written under: answers written before the two were told apart put the
    requests under the legal obligation too."""
    legal: list[str] = []
    accountable: list[str] = []
    for item in text.split("; "):
        item = _KEPT_HEADING.sub("", item, count=1)
        if item in ("nothing", "nothing is kept"):
            continue
        match = _KEPT_ITEM.fullmatch(item)
        (accountable if match and match["table"] in ACCOUNTABLE_TABLES else legal).append(item)
    return legal, accountable


def _erased(kept: str) -> str:
    """An erasure's answer: what is kept for a legal obligation ("nothing" when nothing at all is), then what is
    kept for accountability."""
    legal, accountable = _kept_by_reason(kept)
    if not legal and accountable:
        return _("erased; kept for accountability, to show how the requests were handled (GDPR art. 5(2)): "
                 "%(kept)s", kept=_kept(accountable))
    parts = [_("erased; kept for a legal obligation: %(kept)s", kept=_kept(legal) or _("nothing"))]
    if accountable:
        parts.append(_("kept for accountability, to show how the requests were handled (GDPR art. 5(2)): %(kept)s",
                       kept=_kept(accountable)))
    return "; ".join(parts)


def _erased_earlier(match: re.Match) -> str:
    """A later request from an erased address: when, by which request, and what is still kept and why."""
    parts = [_("the data of this person was erased on %(day)s (%(ref)s)", day=match["day"], ref=match["ref"])]
    legal, accountable = _kept_by_reason(match["kept"])
    if legal:
        parts.append(_("kept for a legal obligation, no longer linked to this address: %(kept)s", kept=_kept(legal)))
    if accountable:
        parts.append(_("kept for accountability, to show how the requests were handled (GDPR art. 5(2)): %(kept)s",
                       kept=_kept(accountable)))
    return "; ".join(parts if len(parts) > 1 else [*parts, _("nothing is kept")])


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
    (r"erased again; the earlier scan found (?P<n>\d+) residue\(s\), which the DPO checks before closing the request",
     lambda m: ngettext("erased again; the earlier scan found %(num)d residue, which the DPO checks before closing "
                        "the request",
                        "erased again; the earlier scan found %(num)d residues, which the DPO checks before closing "
                        "the request", int(m["n"]))),
    (r"erased; (?P<kept>kept for (?:legal obligation|accountability): .*)", lambda m: _erased(m["kept"])),
    (r"the data of this person was erased on (?P<day>\S+) \((?P<ref>[^)]+)\); (?P<kept>.*)", _erased_earlier),
    (r"processing restricted: no notices, left out of settlements and status changes until lifted",
     lambda m: _("processing restricted: no notices, left out of settlements and status changes until lifted")),
    (r"objection to marketing contact recorded and honoured",
     lambda m: _("objection to marketing contact recorded and honoured")),
    (r"(?P<n>\d+) consent\(s\) withdrawn",
     lambda m: ngettext("%(num)d consent withdrawn", "%(num)d consents withdrawn", int(m["n"]))),
    (r"to be corrected by the DPO", lambda m: _("to be corrected by the DPO")),
    (r"an erasure of this person's data is under way \((?P<ref>[^)]+)\): the DPO answers",
     lambda m: _("an erasure of this person's data is under way (%(ref)s): the DPO answers", ref=m["ref"])),
    (r"no optional consent \(marketing, transfer to the vendor\) is in force; the consent to the programme's own "
     r"processing ends with leaving the programme: the DPO answers",
     lambda m: _("no optional consent (marketing, transfer to the vendor) is in force; the consent to the "
                 "programme's own processing ends with leaving the programme: the DPO answers")),
    (r"contact details erased in (?P<n>\d+) record\(s\)(?:; (?P<kept>kept for accountability: .+))?",
     lambda m: "; ".join([ngettext("contact details erased in %(num)d record",
                                   "contact details erased in %(num)d records", int(m["n"]))]
                         + ([_("kept for accountability, to show how the requests were handled (GDPR art. 5(2)): "
                               "%(kept)s", kept=_kept(_kept_by_reason(m["kept"])[1]))] if m["kept"] else []))),
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
API_FILED = "identity checked by the organiser before filing through the API"  # the API's, when it gives none
_VERIFIED_BY_CHANNEL = re.compile(r"verified by the (?P<channel>\S+) channel")


def verification_note(stored: str | None) -> str:
    """How the identity was confirmed: the platform's own notes translated, the DPO's note as written."""
    text = (stored or "").strip()
    if text == "verified by the one-time e-mail link":
        return _("by the one-time e-mail link")
    if text == DPO_FILED:
        return _("filed by the data-protection officer from a verified letter or e-mail")
    if text == API_FILED:
        return _("identity checked by the organiser before filing the request through the API")
    match = _VERIFIED_BY_CHANNEL.fullmatch(text)
    if match:
        return str(label(match["channel"], "request.channel"))
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
