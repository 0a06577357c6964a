"""Data-subject requests (G-01 … G-09): intake, verification, deadlines, processing and the answer."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.core.clock import Clock
from portal.core.errors import DomainError, NotFound
from portal.core.locks import locked
from portal.core.validators import email_ok
from portal.extensions import db
from portal.notifications import service as notifications
from portal.privacy import audit, consents
from portal.privacy.models import REQUEST_KINDS, DataSubjectRequest
from portal.tenancy.service import local_day_span, local_today

LOCALES = ("pl", "en")
VERIFY_DAYS = 7
REQUEST_RETENTION_YEARS = 3
# the answers of a restriction and an objection, for an account and for a partner without one (labels translate them)
RESTRICTED = "processing restricted: no notices, left out of settlements and status changes until lifted"
OBJECTED = "objection to marketing contact recorded and honoured"


def _reference(on: date, skip: int = 0) -> str:
    count = db.session.scalar(select(func.count()).select_from(DataSubjectRequest)) or 0
    return f"DSR-{on.year}-{count + 1 + skip:05d}"


def _store(row: DataSubjectRequest, on: date) -> None:
    """Insert with the next free reference: two requests filed at the same instant (or a number taken) do not
    fail the second requester; it gets the next number."""
    for skip in range(20):
        row.reference = _reference(on, skip)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
            return
        except IntegrityError:
            continue
    raise DomainError(_("The request could not be numbered; please send it again."), rule="G-01")


def get(reference: str) -> DataSubjectRequest:
    row = db.session.scalars(select(DataSubjectRequest).where(DataSubjectRequest.reference == reference)).first()
    if row is None:
        raise NotFound(_("No request %(reference)s.", reference=reference))
    return row


def file(kind: str, *, channel: str, clock: Clock, user: User | None = None, email: str | None = None,
         name: str = "", details: str = "", verified: bool = False, note: str = "", actor=None,
         received_on: date | None = None, locale: str | None = None) -> tuple[DataSubjectRequest, str | None]:
    """G-01: from the account, the public form or the DPO. Due one month after receipt (G-03): a letter or e-mail
    the DPO enters later keeps the day it was received (``received_on``, never in the future). A public request
    gets a one-time verification link (G-02); the token is returned to be mailed, never stored in clear. Every mail
    about the request is in the requester's language (``locale``, else see ``_requester_locale``)."""
    if kind not in REQUEST_KINDS:
        raise DomainError(_("The kind of request is one of %(kinds)s.", kinds=", ".join(REQUEST_KINDS)), field="kind",
                          rule="G-01")
    # kept as given: contacts, consents and other requests are matched in this spelling; ``find_user`` normalises
    email = (email or (user.email if user else "") or "").strip().lower()
    if not email or "@" not in email:
        raise DomainError(_("Give the e-mail address the request is about."), field="email", rule="G-01")
    if len(email) > 254 or not email_ok(email):  # an address no account or mailbox can have (RFC 5321: 254)
        raise DomainError(_("Enter a valid e-mail address of at most 254 characters."), field="email", rule="G-01")
    if user is None:
        from portal.accounts.service import find_user

        user = find_user(email)
    today = local_today(clock)
    if received_on is not None and received_on > today:
        raise DomainError(_("The day the request was received cannot be in the future."), field="received_on",
                          rule="G-03")
    received = received_on or today
    token = None
    row = DataSubjectRequest(kind=kind, channel=channel,
                             user_id=user.id if user else None, requester_email=email, requester_name=name or None,
                             details=details or None, received_on=received,
                             due_on=received + relativedelta(months=1),
                             locale=locale if locale in LOCALES else _requester_locale(channel, user))
    if verified or channel == "account":
        row.verification, row.verification_note = "verified", note or f"verified by the {channel} channel"
    else:
        token = secrets.token_urlsafe(24)
        row.verify_sha256, row.link_sent_on = hashlib.sha256(token.encode()).hexdigest(), today
    _store(row, today)
    # G-11: who filed it — the person (account, public form), else the DPO acting (None: the DPO's command)
    audit.record(actor or (user if channel != "dpo" else None), "request.filed", "subject_request", row.id)
    if row.verification == "verified":
        _acknowledge(row, clock)
    return row, token


def _requester_locale(channel: str, user: User | None) -> str:
    """The language the requester reads (§9): the page's or the API call's when the requester files it there
    (the language chosen on the page, else the account's, else the organiser's; Accept-Language for the API);
    for a request the DPO enters, the account's language if the person has one, else the organiser's."""
    from flask import has_request_context
    from flask_babel import get_locale

    if channel != "dpo" and has_request_context():
        chosen = str(get_locale() or "")
        if chosen in LOCALES:
            return chosen
    if user is not None and user.locale in LOCALES:
        return user.locale
    return _tenant_locale()


def _tenant_locale(tenant_id: int | None = None) -> str:
    from portal.tenancy.guard import current_tenant_id
    from portal.tenancy.models import Tenant

    tenant = db.session.get(Tenant, tenant_id or current_tenant_id())
    return tenant.locale if tenant is not None and tenant.locale in LOCALES else "pl"


def locale_of(row: DataSubjectRequest) -> str:
    """The language of the mails about ``row``: the requester's, stored with it; a request filed before it was
    stored falls back to the organiser's."""
    return row.locale if row.locale in LOCALES else _tenant_locale(row.tenant_id)


def _acknowledge(row: DataSubjectRequest, clock: Clock, *, tell_dpo: bool = True) -> None:
    """SPEC §9, G-03: the requester is told the request is received, with its reference and due date (a public
    request once its e-mail link confirmed who asks); the DPO hears of a request it did not enter or verify
    itself."""
    _tell(row, "request_received", clock, request=row.kind, due=row.due_on.isoformat())
    if tell_dpo and row.channel != "dpo":  # the DPO who entered a request knows of it already
        from portal.tenancy.models import Tenant

        notifications.notify_dpo(db.session.get(Tenant, row.tenant_id), "request_filed", clock=clock,
                                 reference=row.reference, request=row.kind, due=row.due_on.isoformat())


def by_id(request_id: int) -> DataSubjectRequest | None:
    return db.session.get(DataSubjectRequest, request_id)


def of_user(user_id: int) -> list[DataSubjectRequest]:
    return list(db.session.scalars(select(DataSubjectRequest).where(DataSubjectRequest.user_id == user_id)
                                   .order_by(DataSubjectRequest.received_on.desc(), DataSubjectRequest.id.desc())))


def send_verification(row: DataSubjectRequest, token: str | None, *, tenant) -> None:
    """G-02: the one-time link goes to the e-mail given (through the outbox; the token leaves it once sent)."""
    if token is None:
        return
    from portal.core.clock import get_clock

    notifications.notify_address(row.tenant_id, row.requester_email, "request_verify",
                                 locale=row.locale if row.locale in LOCALES else tenant.locale,
                                 clock=get_clock(), reference=row.reference, token=token)


ERASED_AGAIN = "erased again; the earlier scan found {n} residue(s), which the DPO checks before closing the request"


def _residues_found_before(row: DataSubjectRequest) -> int:
    return max((earlier.residues for earlier in erasure_logs(row.id)), default=0)


def erasure_logs(request_id: int):
    from portal.privacy.models import ErasureLog

    return list(db.session.scalars(select(ErasureLog).where(ErasureLog.request_id == request_id)
                                      .order_by(ErasureLog.id)))


def lift(row: DataSubjectRequest, *, actor) -> None:
    user = db.session.get(User, row.user_id) if row.user_id else None
    if user is None:  # a partner without an account, restricted by its contact (G-07)
        partners = restricted_partners(row)
        if partners:
            for partner in partners:
                partner.restricted_at = None
            audit.record(actor, "subject.restriction_lifted", "subject_request", row.id)
            return
    if user is None or user.restricted_at is None:
        raise DomainError(_("No restriction to lift."), rule="G-07")
    lift_restriction(user, actor=actor)


def restricted_partners(row: DataSubjectRequest) -> list:
    """The partners without an account a request from their contact person restricted (the DPO's page shows them)."""
    if row.user_id or not row.requester_email:
        return []
    return [p for p in _accountless_partners(row) if p.restricted_at is not None]


def verify(row: DataSubjectRequest, token: str, *, clock: Clock) -> bool:
    """The one-time link, compared in constant time. Wrong links are counted (the verify page is throttled per
    address) but never expire the request: references are sequential, and a stranger guessing one must not be able
    to wipe someone else's request — the 192-bit token is what cannot be guessed. True only when this link
    confirmed the request now: a link used up, or any token sent for a request the DPO filed or verified (which the
    DPO carries out), confirms and sets going nothing."""
    if row.verification != "pending" or row.status != "open":
        return False
    row.verify_attempts += 1
    if (row.link_sent_on or row.received_on) + timedelta(days=VERIFY_DAYS) < local_today(clock):
        _expire(row, clock)
        return False
    if _is_link(row, token):
        row.verification = "verified"  # the hash stays: the same link clicked again is told so (``confirmed_before``)
        row.verification_note = "verified by the one-time e-mail link"
        audit.record(None, "request.verified", "subject_request", row.id)
        _acknowledge(row, clock)
        return True
    return False


def _is_link(row: DataSubjectRequest, token: str) -> bool:
    return bool(row.verify_sha256) and hmac.compare_digest(row.verify_sha256,
                                                           hashlib.sha256(token.encode()).hexdigest())


def confirmed_before(row: DataSubjectRequest, token: str) -> bool:
    """G-02: the request's own link, clicked again (by the requester, or first by a mail scanner) after it — or the
    DPO — confirmed the request: nothing is set going again, and the requester is not told to file it anew."""
    return row.verification == "verified" and row.status == "open" and _is_link(row, token)


def verify_manually(row: DataSubjectRequest, note: str, *, actor, clock: Clock) -> None:
    """G-02: the DPO confirms who asks by other means; the requester is then told the request is received (§9),
    as after the e-mail link (the DPO, who did it, needs no notice)."""
    if not note.strip():
        raise DomainError(_("Say how the identity was checked."), field="note", rule="G-02")
    was_pending = row.verification != "verified"
    row.verification, row.verification_note = "verified", note.strip()
    audit.record(actor, "request.verified_manually", "subject_request", row.id)
    if was_pending and row.status == "open":
        _acknowledge(row, clock, tell_dpo=False)


def extend(row: DataSubjectRequest, months: int, reason: str, *, actor, clock: Clock) -> None:
    """G-03: by up to two months, with a reason sent to the requester within the first month. The extended
    deadline counts from receipt, as the first one does (received 31 January + 1 + 2 months = 30 April)."""
    if locked(row).status != "open":  # two DPOs at once: extended once, one reason sent
        raise DomainError(_("This request is closed; only an open request can be extended."), field="months",
                          rule="G-03")
    if not 1 <= months <= 2 or row.extended_to is not None:
        raise DomainError(_("A request can be extended once, by one or two months."), field="months", rule="G-03")
    if local_today(clock) > row.due_on:
        raise DomainError(_("The deadline of %(day)s has passed: an extension must be sent to the requester within "
                            "the first month.", day=row.due_on.isoformat()), field="months", rule="G-03")
    if not reason.strip():
        raise DomainError(_("Give the reason; it is sent to the requester."), field="reason", rule="G-03")
    row.extended_to = row.received_on + relativedelta(months=1 + months)
    row.extension_reason = reason.strip()
    audit.record(actor, "request.extended", "subject_request", row.id)
    _tell(row, "request_extended", clock, due=row.extended_to.isoformat(), reason=row.extension_reason)


def deadline(row: DataSubjectRequest) -> date:
    return row.extended_to or row.due_on


def queue(limit: int = 100, offset: int = 0) -> list[DataSubjectRequest]:
    """G-03: open requests by the deadline in force (an extension moves a request down the queue)."""
    return list(db.session.scalars(select(DataSubjectRequest).where(DataSubjectRequest.status == "open")
                                   .order_by(func.coalesce(DataSubjectRequest.extended_to, DataSubjectRequest.due_on),
                                             DataSubjectRequest.id).limit(limit).offset(offset)))


def open_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DataSubjectRequest)
                             .where(DataSubjectRequest.status == "open")) or 0


def recently_closed(limit: int = 50) -> list[DataSubjectRequest]:
    """The requests answered (or expired) last, newest first: what the DPO did, with its outcome."""
    return list(db.session.scalars(select(DataSubjectRequest).where(DataSubjectRequest.status != "open")
                                   .order_by(DataSubjectRequest.closed_on.desc().nulls_last(),
                                             DataSubjectRequest.id.desc()).limit(limit)))


def can_log_in(row: DataSubjectRequest) -> bool:
    """Whether the request's subject has an account to log in to and read the answer in (not erased, not
    deactivated by the organiser's admin)."""
    user = db.session.get(User, row.user_id) if row.user_id else None
    return user is not None and user.erased_at is None and bool(user.is_active_account)


def _tell(row: DataSubjectRequest, kind: str, clock: Clock, **params) -> None:
    """The requester hears of the extension and the answer: in the account, or at the address the request came
    from (someone without an account, one who can no longer log in, or an account erased by this very request)."""
    if can_log_in(row):
        # a restricted subject too (G-07 stops the programme's notices, not the answers to its own requests)
        notifications.notify(db.session.get(User, row.user_id), kind, clock=clock, own_request=True,
                             locale=locale_of(row), reference=row.reference, **params)
    elif row.requester_email:
        # a request is carried out only once verified (G-02), so a bundle link goes to an address the requester
        # verified (a contact person, a deactivated account's holder); in the requester's language (§9)
        notifications.notify_address(row.tenant_id, row.requester_email, kind, locale=locale_of(row), clock=clock,
                                     reference=row.reference, **params)


NO_OPTIONAL_CONSENT = ("no optional consent (marketing, transfer to the vendor) is in force; the consent to the "
                       "programme's own processing ends with leaving the programme: the DPO answers")


def process(row: DataSubjectRequest, *, clock: Clock, actor=None, tenant_name: str = "") -> str:
    """Carry the request out (the worker does this in the background). Returns the outcome text."""
    if locked(row).status != "open":  # carried out once, however many times it is asked for at once
        return row.outcome or row.status
    if row.verification != "verified":
        raise DomainError(_("The requester's identity is not verified yet."), rule="G-02")
    user = db.session.get(User, row.user_id) if row.user_id else None
    if user is not None and user.erased_at is not None and row.kind != "erasure":
        user = None  # erased since the request was filed: answered as anyone asking after an erasure (G-05)
    if user is None:
        outcome = _for_contact_person(row, clock=clock, actor=actor, tenant_name=tenant_name)
        if outcome is None:
            return row.outcome
    elif row.kind in ("access", "portability"):
        from portal.privacy import export

        bundle, token = export.build(row.id, user.id, tenant_name=tenant_name, clock=clock)
        outcome = f"bundle ready until {export.ready_until(bundle):%Y-%m-%d}"
        _tell(row, "request_bundle", clock, token=token, until=f"{export.ready_until(bundle):%Y-%m-%d}")
    elif row.kind == "erasure":
        from portal.privacy import erasure

        found_before = _residues_found_before(row)
        log = erasure.erase(user.id, clock=clock, request_id=row.id, actor=actor)
        if found_before and not log.residues:
            # the identifiers the first scan searched for are erased now, so a new scan cannot look for those rows
            # again: the request stays open until the DPO has checked them and closes it
            row.residues = found_before
            row.outcome = ERASED_AGAIN.format(n=found_before)
            return ngettext("Erased again; the earlier scan found %(num)d residue(s): the DPO checks them and "
                            "closes the request.",
                            "Erased again; the earlier scan found %(num)d residue(s): the DPO checks them and "
                            "closes the request.", found_before)
        row.residues = log.residues
        if log.residues:  # what was erased stays erased; the DPO looks at what the scan found before closing
            row.outcome = f"erased, but the scan found {log.residues} residue(s): the request stays open"
            return ngettext("Erasure left %(num)d residue(s); the request stays open.",
                            "Erasure left %(num)d residue(s); the request stays open.", log.residues)
        outcome = "erased; " + _kept_by_reason(log.retained)
    elif row.kind == "restriction":
        user.restricted_at = clock.now()
        outcome = RESTRICTED
    elif row.kind == "objection":
        user.marketing_objection_at = clock.now()
        consents.withdraw(user, "marketing", clock=clock)
        outcome = OBJECTED
    elif row.kind == "withdraw_consent":
        ended = sum(consents.withdraw(user, kind, clock=clock) for kind in ("marketing", "vendor_transfer"))
        if not ended:
            # G-08: no optional consent is in force — what is left is the consent to the programme's own processing,
            # whose withdrawal ends the participation (P-31): the DPO answers, never "done" with nothing done
            row.outcome = NO_OPTIONAL_CONSENT
            return row.outcome
        outcome = f"{ended} consent(s) withdrawn"
    else:  # rectification: the DPO corrects the data, then closes with what was changed
        outcome = row.outcome or "to be corrected by the DPO"
        if not row.outcome:
            return outcome
    close(row, outcome, clock=clock, actor=actor)
    return outcome


def _for_contact_person(row: DataSubjectRequest, *, clock: Clock, actor, tenant_name: str) -> str | None:
    """A requester without an account may still be in the programme's data as a contact person (``contacts``):
    access gets that data by a one-time link to the verified address, erasure masks it; any other right is the
    DPO's to answer (None: the request stays open). "No data held" only when the address names nobody."""
    from portal.privacy import contacts

    found = contacts.find(row.requester_email) if row.requester_email else {}
    records = sum(len(rows) for rows in found.values())
    if not records and row.kind == "erasure" and (found_before := _residues_found_before(row)):
        # carried out before and left residues (G-05): the masked columns give the scan nothing to look for now,
        # so the request stays open for the DPO to check what the first scan found — as an account's does
        row.residues = found_before
        row.outcome = ERASED_AGAIN.format(n=found_before)
        return None
    if not records:
        pending = _erasure_under_way(row)
        if pending is not None:  # G-05: its own check of what is left is not done yet — not "no data held"
            row.outcome = f"an erasure of this person's data is under way ({pending.reference}): the DPO answers"
            return None
        return _after_erasure(row, clock) or "no account or data of this person is held in this programme"
    if row.kind in ("access", "portability"):
        from portal.privacy import export

        found = {**found, DataSubjectRequest.__tablename__: export.requests_of(None, row.requester_email)}
        bundle, token = export.build(row.id, None, tenant_name=tenant_name, clock=clock, data=found)
        _tell(row, "request_bundle", clock, token=token, until=f"{export.ready_until(bundle):%Y-%m-%d}")
        return f"bundle ready until {export.ready_until(bundle):%Y-%m-%d}"
    if row.kind == "erasure":
        from portal.privacy import export
        from portal.privacy.erasure import requests_kept

        keys = contacts.identifiers(found)  # before they are masked: what the scan then looks for elsewhere
        changed = contacts.erase(row.requester_email)
        bundles = export.discard_bundles(user_id=None, email=row.requester_email, clock=clock)
        audit.record(actor, "contact.erased", "subject_request", row.id)
        kept = requests_kept(None, row.requester_email, local_today(clock))  # G-05: what stays, and why, as for anyone
        log = _contact_erasure_log(row, keys, {"contact_person": {"masked": changed},
                                               "export_bundles": {"deleted": bundles}}, [kept] if kept else [],
                                   clock=clock)
        row.residues = log.residues
        if log.residues:  # as an account's erasure: what was erased stays erased; the DPO checks what is left
            row.outcome = f"erased, but the scan found {log.residues} residue(s): the request stays open"
            return None
        return f"contact details erased in {changed} record(s)" + (
            f"; kept for accountability: {_kept([kept])}" if kept else "")
    if row.kind in ("restriction", "withdraw_consent", "objection") and (partners := _accountless_partners(row)):
        return _partner_right(row, partners, clock=clock, actor=actor)
    row.outcome = f"contact details found in {records} record(s): the DPO answers"
    return None


def _contact_erasure_log(row: DataSubjectRequest, keys, counts: dict, retained: list, *, clock: Clock):
    """G-05: the erasure of someone without an account is logged and scanned as an account's: where their address,
    phone or name is still written (a note, a decision's reason) — table, row and field, never the value."""
    from portal.privacy.erasure import residue_rows
    from portal.privacy.models import ErasureLog

    log = ErasureLog(user_id=None, request_id=row.id, counts=counts, retained=retained, started_at=clock.now())
    db.session.add(log)
    db.session.flush()
    log.residue_rows = residue_rows(keys, retained)
    log.residues = len(log.residue_rows)
    log.finished_at = clock.now()
    return log


def _accountless_partners(row: DataSubjectRequest) -> list:
    """Partners without an account (imported from the organiser's file) whose contact person is the requester."""
    from portal.leads.models import Partner

    return list(db.session.scalars(select(Partner).where(
        Partner.user_id.is_(None), func.lower(Partner.contact_email) == row.requester_email.lower())))


def _partner_right(row: DataSubjectRequest, partners: list, *, clock: Clock, actor) -> str:
    """G-07 / G-08 / G-09 for such partners, as for an account: the restriction leaves them out of settlement runs
    until lifted and stops the notices mailed to the contact person (those already queued included), a withdrawal
    stops the organiser's lead files from giving the vendor-transfer consent in their name, an objection is recorded
    (no marketing contact is made to an address without an account)."""
    if row.kind == "restriction":
        for partner in partners:
            partner.restricted_at = partner.restricted_at or clock.now()
        return RESTRICTED
    if row.kind == "withdraw_consent":
        ended = 0
        for partner in partners:
            if partner.consent_withdrawn_at is None:
                partner.consent_withdrawn_at = clock.now()
                ended += 1
        if ended:
            audit.record(actor, "consent.withdrawn", "subject_request", row.id)
        return f"{ended} consent(s) withdrawn"
    return OBJECTED


def _erasure_under_way(row: DataSubjectRequest) -> DataSubjectRequest | None:
    """An earlier erasure of the same address carried out but still open (the DPO checks what it found left)."""
    if not row.requester_email:
        return None
    return db.session.scalars(select(DataSubjectRequest).where(
        DataSubjectRequest.id != row.id, DataSubjectRequest.kind == "erasure", DataSubjectRequest.status == "open",
        DataSubjectRequest.verification == "verified", DataSubjectRequest.id < row.id,
        func.lower(DataSubjectRequest.requester_email) == row.requester_email.lower())
        .order_by(DataSubjectRequest.id)).first()


def _after_erasure(row: DataSubjectRequest, clock: Clock) -> str | None:
    """An address whose data was erased here earlier: say so, and what is still kept, each for its own reason
    (G-05): for a legal obligation — no longer linked to the address, so the DPO finds it by the person's name or tax
    number if asked — and the requests for accountability (the requests naming the address, as the erasure's log
    kept them, or as they are now)."""
    from portal.privacy.erasure import requests_kept
    from portal.privacy.models import ErasureLog

    if not row.requester_email:
        return None
    earlier = db.session.scalars(select(DataSubjectRequest).where(
        DataSubjectRequest.id != row.id, DataSubjectRequest.kind == "erasure", DataSubjectRequest.status == "done",
        func.lower(DataSubjectRequest.requester_email) == row.requester_email.lower())
        .order_by(DataSubjectRequest.closed_on.desc())).first()
    if earlier is None:
        return None
    kept = [r for log in db.session.scalars(select(ErasureLog).where(ErasureLog.request_id == earlier.id))
            for r in log.retained or [] if not r.get("deleted_on")]
    legal = [r for r in kept if not _for_accountability(r)]
    accountable = [r for r in kept if _for_accountability(r)]
    if not accountable and (asked := requests_kept(None, row.requester_email, local_today(clock))):
        accountable = [asked]
    # the tax records no longer name the address; the requests still do, for the years they are kept
    parts = ((["kept for a legal obligation, no longer linked to this address: " + _kept(legal)] if legal else [])
             + (["kept for accountability: " + _kept(accountable)] if accountable else []))
    return (f"the data of this person was erased on {earlier.closed_on} ({earlier.reference}); "
            + ("; ".join(parts) or "nothing is kept"))


def _for_accountability(record: dict) -> bool:
    """G-05: a kept record's own reason — the requests are kept to show how they were handled (GDPR art. 5(2)),
    every other kept record for the tax and accounting law (a legal obligation)."""
    from portal.privacy.erasure import REQUESTS_KEPT

    return record.get("reason") == REQUESTS_KEPT


def _kept_by_reason(records: list[dict]) -> str:
    """What an erasure kept, under each record's own reason: "kept for legal obligation: …" (tax and accounting;
    "nothing" when nothing at all is kept) and "kept for accountability: …" (the requests), so the requests are
    never told as kept for a legal obligation (``labels.request_outcome`` reads both in words)."""
    legal = [r for r in records if not _for_accountability(r)]
    accountable = [r for r in records if _for_accountability(r)]
    parts = ["kept for legal obligation: " + (_kept(legal) or "nothing")] if legal or not accountable else []
    return "; ".join(parts + (["kept for accountability: " + _kept(accountable)] if accountable else []))


def _kept(records: list[dict]) -> str:
    """An erasure log's retained records as the answer names them: table (columns) until the deletion date."""
    return "; ".join(f"{r['table']} ({', '.join(r['columns'])}) until {r['delete_on']}" for r in records)


def close(row: DataSubjectRequest, outcome: str, *, clock: Clock, actor=None, rejected: bool = False) -> None:
    """Close the request with the answer the requester is sent (done, or rejected with the reason)."""
    if locked(row).status != "open":  # one answer sent, not one per click
        raise DomainError(_("This request is already closed."), field="outcome", rule="G-03")
    if not (outcome or "").strip():
        raise DomainError(_("Give the answer; it is sent to the requester."), field="outcome", rule="G-03")
    outcome = outcome.strip()
    if not rejected:
        _refuse_if_not_carried_out(row)
    row.status = "rejected" if rejected else "done"
    row.outcome, row.closed_on = outcome, local_today(clock)
    audit.record(actor, "request.closed", "subject_request", row.id)
    logs = erasure_logs(row.id) if row.kind == "erasure" and not rejected else []
    # G-05: an erasure the DPO closes (after checking the scan's residues) still says what is kept, why, until when
    told_kept = "erased; " + _kept_by_reason(logs[-1].retained) if logs else ""
    kept = {"kept": told_kept} if told_kept and told_kept != outcome else {}  # said once, when the outcome says it
    # GDPR art. 12(4): a request not acted on is answered as such, with the reasons and the remedies
    refused = {"rejected": True} if rejected else {}
    _tell(row, "request_completed", clock, outcome=outcome, **kept, **refused)


def _refuse_if_not_carried_out(row: DataSubjectRequest) -> None:
    """G-05 / G-04 (GDPR art. 12(3)): "done" is what the requester is told — an erasure nothing erased, or an access
    request no bundle answered, is not done while the programme still holds the person's data. The DPO carries it
    out, or rejects it with the reasons (art. 12(4)); "done" stays open where nothing is held."""
    from portal.privacy import contacts
    from portal.privacy.models import ExportBundle

    if row.kind == "erasure":
        carried_out = bool(erasure_logs(row.id))
    elif row.kind in ("access", "portability"):
        carried_out = db.session.scalar(select(ExportBundle.id).where(ExportBundle.request_id == row.id)) is not None
    else:
        return
    user = subject_of(row)
    held = (user is not None and user.erased_at is None) or (
        user is None and bool(row.requester_email) and any(contacts.find(row.requester_email).values()))
    if held and not carried_out:
        raise DomainError(_("This request has not been carried out: the programme still holds the person's data. "
                            "Carry it out first, or reject it with the reasons."), field="outcome", rule="G-05")


def lift_restriction(user: User, *, actor) -> None:
    """G-07; GDPR art. 18(3): the subject is told the restriction ends (a notice and a mail, written with the change;
    the restriction is cleared first, as a restricted subject gets no notices)."""
    from portal.core.clock import get_clock

    clock = get_clock()
    user.restricted_at = None
    notifications.notify(user, "restriction_lifted", clock=clock, on=local_today(clock).isoformat())
    audit.record(actor, "subject.restriction_lifted", "user", user.id)


def _expire(row: DataSubjectRequest, clock: Clock) -> None:
    """G-02: an unconfirmed request ends; nobody proved the address was theirs, so what it said about a person is
    not kept — only its reference, kind and dates."""
    row.verification, row.status, row.verify_sha256 = "expired", "expired", None
    row.requester_email = row.requester_name = row.details = row.verification_note = None
    row.closed_on = row.reduced_on = local_today(clock)
    audit.record(None, "request.expired", "subject_request", row.id)


def expire_unverified(*, clock: Clock) -> int:
    """G-02 daily: public requests not confirmed by their one-time link within 7 days of its sending (the link's
    life, as the mail and the page say) expire."""
    changed = 0
    sent = func.coalesce(DataSubjectRequest.link_sent_on, DataSubjectRequest.received_on)
    for row in db.session.scalars(select(DataSubjectRequest).where(
            DataSubjectRequest.verification == "pending", DataSubjectRequest.status == "open",
            sent < local_today(clock) - timedelta(days=VERIFY_DAYS))):
        _expire(row, clock)
        changed += 1
    return changed


def reduce_closed(*, clock: Clock) -> int:
    """Closed requests keep only reference, kind, dates and outcome after the retention period."""
    cutoff = local_today(clock) - relativedelta(years=REQUEST_RETENTION_YEARS)
    changed = 0
    for row in db.session.scalars(select(DataSubjectRequest).where(
            DataSubjectRequest.closed_on.is_not(None), DataSubjectRequest.closed_on < cutoff,
            DataSubjectRequest.reduced_on.is_(None))):
        row.requester_email = row.requester_name = row.details = row.verification_note = None
        row.reduced_on = local_today(clock)
        changed += 1
    return changed


def subject_of(row: DataSubjectRequest) -> User | None:
    return db.session.get(User, row.user_id) if row.user_id else None


INSTALLER_ADDRESSES = ("delivery_address", "home_address")  # P-25 where rewards go, P-29 the PIT-8C address


def rectifiable(row: DataSubjectRequest) -> dict[str, str]:
    """G-06: what the DPO may correct for the request's account holder, with its current value — the profile, the
    account's e-mail address and, for an installer, the delivery and home addresses."""
    from portal.accounts.service import PROFILE_FIELDS

    user = subject_of(row)
    if user is None:
        return {}
    values = {key: getattr(user, key) or "" for key in (*PROFILE_FIELDS, "email")}
    installer = _installer_of(user.id)
    if installer is not None:
        values.update({key: getattr(installer, key) or "" for key in INSTALLER_ADDRESSES})
    return values


def _installer_of(user_id: int):
    from portal.loyalty.models import Installer

    return db.session.scalars(select(Installer).where(Installer.user_id == user_id)).first()


def rectify(row: DataSubjectRequest, data: dict, *, actor, clock: Clock) -> None:
    """G-06 by the DPO: the correction is made and the request closed with the list of corrected fields; a
    correction that changes nothing leaves the request open (the DPO answers it with the close form instead)."""
    from portal.accounts.service import update_profile

    user = subject_of(row)
    if user is None:
        _rectify_contact(row, data, actor=actor, clock=clock)
        return
    changed = update_profile(user, data, actor=actor)
    changed += _rectify_login(user, data.get("email"), actor=actor)
    changed += _rectify_addresses(user, data, actor=actor)
    if not changed:
        raise DomainError(_("Nothing differs from what is stored: correct a field, or close the request with your "
                            "answer saying why nothing is corrected."), rule="G-06")
    close(row, "corrected: " + ", ".join(changed), clock=clock, actor=actor)


def _rectify_login(user: User, email: str | None, *, actor) -> list[str]:
    """The account's e-mail address, which is also its login: a valid address no other account of the tenant has."""
    from portal.accounts.service import find_user, normalise_email
    from portal.leads.service.limits import email_ok
    from portal.privacy import contacts

    if email is None or not email.strip():
        return []
    new = normalise_email(email)
    if new == user.email:
        return []
    if not email_ok(new) or "@" not in new:
        raise DomainError(_("Enter a valid e-mail address."), field="email", rule="G-06")
    other = find_user(new)
    if other is not None and other.id != user.id:
        raise DomainError(_("Another account already uses this e-mail address."), field="email", rule="G-06")
    old, user.email = user.email, new
    audit.record(actor, "rectified:email", "user", user.id)
    contacts.rectify(old, {"email": new})  # the records naming the person by the old address, as for a name (G-06)
    return ["email"]


def _rectify_addresses(user: User, data: dict, *, actor) -> list[str]:
    installer = _installer_of(user.id)
    if installer is None:
        return []
    changed = []
    for key in INSTALLER_ADDRESSES:
        value = (data.get(key) or "").strip()
        if key not in data or value == (getattr(installer, key) or ""):
            continue
        if not value or len(value) > 300:
            raise DomainError(_("Give the address (at most 300 characters)."), field=key, rule="G-06")
        setattr(installer, key, value)
        changed.append(key)
    if changed:
        audit.record(actor, ("rectified:" + ",".join(changed))[:60], "installer", installer.id)
    return changed


def _rectify_contact(row: DataSubjectRequest, data: dict, *, actor, clock: Clock) -> None:
    """G-06 for a contact person without an account (a customer's or a partner's contact named in the programme's
    records): the DPO's corrections go into every record naming the verified address; the answer goes to it."""
    from portal.privacy import contacts

    if row.verification != "verified":
        raise DomainError(_("The requester's identity is not verified yet."), rule="G-02")
    if not row.requester_email or not contacts.find(row.requester_email):
        raise DomainError(_("No record of this programme names this person; close the request with that answer."),
                          rule="G-06")
    records, changed = contacts.rectify(row.requester_email, data)
    audit.record(actor, ("contact.rectified:" + ",".join(changed))[:60], "subject_request", row.id)
    close(row, f"contact details corrected in {records} record(s): " + (", ".join(changed) or "nothing"),
          clock=clock, actor=actor)


def remind_overdue(*, clock: Clock) -> int:
    """G-03 daily: the DPO is reminded of open requests due within 3 days or overdue (once a day). Returns the
    reminders sent: none when the day's run is replayed."""
    from portal.accounts.models import DPO

    today = local_today(clock)
    soon = [r for r in queue(limit=1000) if deadline(r) <= today + timedelta(days=3)]
    if not soon:
        return 0
    overdue = sum(1 for r in soon if deadline(r) < today)
    sent = 0
    begins, ends = local_day_span(today)  # once on each of the organiser's days, whatever hour each run is at
    for dpo in db.session.scalars(select(User).where(User.role == DPO, User.is_active_account)):
        already = db.session.scalars(select(notifications.Notification.id).where(
            notifications.Notification.user_id == dpo.id, notifications.Notification.kind == "requests_due",
            notifications.Notification.created_at >= begins, notifications.Notification.created_at < ends)).first()
        if already is None:
            notifications.notify(dpo, "requests_due", clock=clock, due=len(soon), overdue=overdue)
            sent += 1
    return sent
