"""Notifications through the transactional outbox (SPEC §9).

``notify`` adds the row to the caller's transaction; only after that transaction commits is the send job
enqueued. If Redis is down then, the periodic sweeper enqueues it later. ``deliver`` claims a row atomically,
so a notice is mailed once even when its job runs twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from portal.core import queue
from portal.core.clock import Clock, utc
from portal.extensions import db
from portal.notifications import mailer
from portal.notifications.models import Notification

log = logging.getLogger(__name__)
BACKOFF_MINUTES = [1, 5, 15, 30, 60, 120, 240, 480]
STALE_CLAIM = timedelta(minutes=10)
SEND_JOB = "worker.jobs.send_notification"
SECRET_PARAMS = frozenset({"token"})
# the mails about a person's own data (G-01 … G-07): a reply to one goes to the organiser's DPO (Reply-To), as the
# mails say; the sender itself (MAIL_FROM) is a no-reply address
PRIVACY_KINDS = frozenset({"request_verify", "request_received", "request_extended", "request_completed",
                           "request_bundle", "restriction_lifted"})
# what a restriction (G-07) does not stop: the answers a person asked for (their requests, a decision on their own
# complaint, P-08) and the duties towards the organiser's DPO as the controller's officer — breaches (C-05), the end
# of the contract (C-04), new sub-processors (C-07), a request filed (G-01) — which are no processing of the DPO's
# own data
# "password_reset": a link the subject asked for — the restriction stops the programme, not its own account
DESPITE_RESTRICTION = PRIVACY_KINDS | {"complaint_decided", "breach_notice", "breach_update", "contract_ended",
                                       "subprocessor_notice", "request_filed", "password_reset"}


def notify(user, kind: str, *, clock: Clock, email: bool = True, own_request: bool = False,
           locale: str | None = None, **params) -> Notification | None:
    """Record a notice for ``user`` in the current transaction; it is mailed after commit, in ``locale`` when given
    (the language a data-subject request's answers were asked in), else the account's. A restricted subject
    (G-07) gets no notices — except, ``own_request``, the answers to its own data-subject requests (GDPR art.
    12(3): a restriction stops the programme's processing, not the replies the subject asked for)."""
    if getattr(user, "erased_at", None) is not None:
        return None
    if getattr(user, "restricted_at", None) is not None and not own_request and kind not in DESPITE_RESTRICTION:
        return None
    row = Notification(tenant_id=user.tenant_id, user_id=user.id, kind=kind, params=params, locale=locale,
                       created_at=clock.now(), mail_state="pending" if email else "skipped",
                       next_attempt_at=clock.now() if email else None)
    return _queue(row, email)


def notify_address(tenant_id: int, to_email: str, kind: str, *, locale: str, clock: Clock, **params) -> Notification:
    """A mail to someone without an account (the one-time link of a public privacy request)."""
    row = Notification(tenant_id=tenant_id, user_id=None, to_email=to_email, locale=locale, kind=kind, params=params,
                       created_at=clock.now(), mail_state="pending", next_attempt_at=clock.now())
    return _queue(row, True)


def notify_dpo(tenant, kind: str, *, clock: Clock, **params) -> int:
    """Tell the organiser's data-protection officer (C-04, C-05, C-07): each active DPO account of the tenant, or,
    while the DPO named in the contract has none, that address by e-mail. Returns how many were told."""
    from sqlalchemy import select

    from portal.accounts.models import DPO, User
    from portal.tenancy.guard import use_tenant

    with use_tenant(tenant.id):
        accounts = list(db.session.scalars(select(User).where(User.role == DPO, User.is_active_account)
                                           .order_by(User.id)))
        for user in accounts:
            notify(user, kind, clock=clock, **params)
        if not accounts and (tenant.dpo_email or "").strip():
            notify_address(tenant.id, tenant.dpo_email.strip(), kind, locale=tenant.locale, clock=clock, **params)
            return 1
    return len(accounts)


def _queue(row: Notification, email: bool) -> Notification:
    db.session.add(row)
    db.session.flush()
    if email:
        db.session.info.setdefault("outbox", []).append(row)
    return row


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    """After the whole transaction commits — not a savepoint of it (an import row, a lead's L-04 recheck): SQLAlchemy
    calls this hook for both, and a job sent at a savepoint would name a row that is not committed yet, or never
    will be."""
    if session.in_nested_transaction():
        return
    rows = session.info.pop("outbox", [])
    # a notice whose savepoint was rolled back is transient again: it was never written
    ids = [state.identity[0] for state in map(inspect, rows) if state.identity is not None]
    for notification_id in ids:
        try:
            queue.enqueue(SEND_JOB, notification_id, queue_name="mail", job_id=job_id(notification_id))
        except Exception:  # Redis down: the sweeper will find the row, nothing is lost
            log.warning("could not enqueue notification %s now; the sweeper will", notification_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's own notices drop out by themselves (see above)
        session.info.pop("outbox", None)


def _render(row: Notification, user, tenant) -> tuple[str, str]:
    """Subject and body from the tenant's override or the product's template, in the recipient's language."""
    from flask_babel import force_locale

    chosen = row.locale or (user.locale if user is not None else None)
    locale = chosen if chosen in ("pl", "en") else "pl"
    name = f"{row.kind}.{locale}.txt"
    override = Path(current_app.config["TENANTS_DIR"]) / tenant.slug / "mail" / name
    # plain text: nothing is HTML-escaped ("Zoë & <Jan>" stays so). Flask escapes a template given as a string
    # (it has no .html name to judge by), so a tenant's override is compiled in an overlay without autoescape; the
    # product's templates/mail/*.txt are not escaped by their extension, and the overlay keeps that explicit.
    env = current_app.extensions.get("mail_jinja")
    if env is None:
        env = current_app.extensions["mail_jinja"] = current_app.jinja_env.overlay(autoescape=False)
    source = override.read_text(encoding="utf-8") if override.exists() else None
    template = env.from_string(source) if source else env.get_template(f"mail/{name}")
    with force_locale(locale):
        text = template.render(user=user, tenant=tenant, params=row.params or {},
                               base_url=current_app.config["BASE_URL"])
    subject, _, body = text.partition("\n")
    return subject.removeprefix("Subject:").strip(), body.lstrip("\n")


def message_id(row: Notification) -> str:
    """The same for every try of one notice: should a crash after SMTP accepted a mail but before it was recorded
    make it go out again (no outbox can close that window), the recipient's mail system sees the same message."""
    return f"<notice-{row.id}.{int(utc(row.created_at).timestamp())}@portal.localhost>"


def _restricted(row: Notification, user) -> bool:
    """G-07, judged when the mail is sent: the account's restriction, or — for a mail to an address without an
    account — a restriction from the contact person of a partner loaded from the organiser's file. A notice queued
    before the restriction is not mailed while it lasts; one still waiting when it is lifted goes out."""
    if user is not None:
        return user.restricted_at is not None
    from portal.leads.models import Partner

    address = (row.to_email or "").strip().lower()
    return address != "" and db.session.scalar(
        select(Partner.id).where(Partner.tenant_id == row.tenant_id, Partner.user_id.is_(None),
                                 Partner.restricted_at.is_not(None),
                                 func.lower(Partner.contact_email) == address).limit(1)) is not None


def deliver(notification_id: int, *, clock: Clock) -> str:
    """Send one notice's e-mail if it is due and nobody else is sending it. Returns the state it ends in."""
    from portal.accounts.models import User
    from portal.tenancy.models import Tenant

    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.mail_state == "pending",
               or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= clock.now()))
        .values(mail_state="sending", claimed_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    row = db.session.get(Notification, notification_id)
    if not claimed:
        return row.mail_state if row else "missing"
    user = db.session.get(User, row.user_id) if row.user_id else None
    if row.kind not in DESPITE_RESTRICTION and _restricted(row, user):
        row.mail_state, row.last_error = "skipped", "restricted"  # G-07: restricted since it was queued
        db.session.commit()
        return "skipped"
    tenant = db.session.get(Tenant, row.tenant_id)
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = user.email if user is not None else row.to_email
    message["Message-ID"] = message_id(row)
    message["Date"] = format_datetime(utc(row.created_at).replace(microsecond=0))  # the notice's time, each try
    reply_to = (getattr(tenant, "dpo_email", None) or "").strip()
    if row.kind in PRIVACY_KINDS and reply_to:
        message["Reply-To"] = reply_to
    message["Subject"], body = _render(row, user, tenant)
    message.set_content(body)
    try:
        mailer.send(message, current_app.config["MAIL_URL"])
    except (OSError, mailer.MailError) as exc:
        row.attempts += 1
        row.last_error = type(exc).__name__
        if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            row.mail_state = "failed"
        else:
            row.mail_state = "pending"
            wait = BACKOFF_MINUTES[min(row.attempts - 1, len(BACKOFF_MINUTES) - 1)]
            row.next_attempt_at = clock.now() + timedelta(minutes=wait)
        db.session.commit()
        return row.mail_state
    row.attempts += 1
    # one-time secrets (a reset link's token) live only until the mail is out
    row.params = {k: v for k, v in (row.params or {}).items() if k not in SECRET_PARAMS}
    row.to_email = None  # the address of someone without an account is kept only until the mail is out
    row.mail_state = "sent"
    row.sent_at = clock.now()
    row.last_error = None
    db.session.commit()
    return "sent"


def due_ids(*, clock: Clock, limit: int = 500) -> list[int]:
    """Notices waiting to be mailed (in every tenant: the sweeper is platform code)."""
    from portal.tenancy.guard import across_tenants

    with across_tenants("the outbox sweeper serves every tenant"):
        db.session.execute(
            update(Notification)
            .where(Notification.mail_state == "sending", Notification.claimed_at < clock.now() - STALE_CLAIM)
            .values(mail_state="pending").execution_options(synchronize_session=False))
        db.session.commit()
        return list(db.session.scalars(
            select(Notification.id).where(
                Notification.mail_state == "pending",
                or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= clock.now()))
            .order_by(Notification.id).limit(limit)))


def job_id(notification_id: int) -> str:
    return f"notification-{notification_id}"


def sweep(*, clock: Clock) -> int:
    """Enqueue every due notice that has no send job waiting (Redis lost it, or it waits for its next try).
    Returns how many it enqueued."""
    return sum(queue.enqueue_once(SEND_JOB, notification_id, queue_name="mail", job_id=job_id(notification_id))
               for notification_id in due_ids(clock=clock))


def tenant_of(notification_id: int) -> int | None:
    from portal.tenancy.guard import across_tenants

    with across_tenants("a job learns which tenant its notice belongs to"):
        return db.session.scalar(select(Notification.tenant_id).where(Notification.id == notification_id))


def for_user(user_id: int, *, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(user_id: int) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, *, clock: Clock) -> None:
    for row in db.session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                             Notification.read_at.is_(None))):
        row.read_at = clock.now()


def failed_count() -> int:
    from sqlalchemy import func

    from portal.tenancy.guard import across_tenants

    with across_tenants("operator's count of undeliverable mail"):
        return db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.mail_state == "failed")) or 0


__all__ = ["Notification", "deliver", "notify", "sweep", "utc"]
