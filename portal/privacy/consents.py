"""The consent ledger (G-08): every consent with its version hash and channel; withdrawal takes effect at once."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from portal.core.clock import Clock
from portal.extensions import db
from portal.privacy import audit
from portal.privacy.models import CHANNELS, CONSENT_KINDS, Consent


def give(user, kind: str, *, version: int | None, text_sha256: str, channel: str, clock: Clock) -> Consent:
    if kind not in CONSENT_KINDS or channel not in CHANNELS:
        raise ValueError(f"unknown consent {kind}/{channel}")
    consent = Consent(tenant_id=user.tenant_id, user_id=user.id, kind=kind, version=version,
                      text_sha256=text_sha256, channel=channel, given_at=clock.now())
    db.session.add(consent)
    db.session.flush()
    audit.record(user, "consent.given", "consent", consent.id)
    return consent


def active(user_id: int, kind: str) -> Consent | None:
    """The consent of this kind in force now (latest given, not withdrawn)."""
    return db.session.scalars(
        select(Consent).where(Consent.user_id == user_id, Consent.kind == kind, Consent.withdrawn_at.is_(None))
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    ).first()


def withdrawn_at(user_id: int, kind: str):
    """When the person withdrew the consent of this kind they last gave, if none is in force now (else None)."""
    from sqlalchemy import func

    if active(user_id, kind) is not None:
        return None
    return db.session.scalar(select(func.max(Consent.withdrawn_at)).where(Consent.user_id == user_id,
                                                                           Consent.kind == kind))


def withdraw(user, kind: str, *, clock: Clock) -> int:
    """Withdraw every active consent of that kind; what was done before stays lawful. Returns how many ended."""
    consents = db.session.scalars(
        select(Consent).where(Consent.user_id == user.id, Consent.kind == kind, Consent.withdrawn_at.is_(None))
    ).all()
    for consent in consents:
        consent.withdrawn_at = clock.now()
        audit.record(user, "consent.withdrawn", "consent", consent.id)
    return len(consents)


def ledger(user_id: int) -> list[Consent]:
    return list(db.session.scalars(select(Consent).where(Consent.user_id == user_id).order_by(Consent.given_at)))


def records(*, email: str | None = None, before: int | None = None,
            limit: int = 100) -> tuple[list[tuple[Consent, int, str]], int | None]:
    """G-08: the DPO's view of the consent ledger, newest first — each consent with whose it is (account id and
    e-mail); of one address (``email`` with an @) or of the addresses starting with ``email``. A page of ``limit``
    consents older than the consent ``before``, and the cursor of the next page (None at the last one)."""
    from portal.accounts.models import User

    query = select(Consent, User.id, User.email).join(User, User.id == Consent.user_id)
    from portal.accounts.service import normalise_email

    wanted = (email or "").strip().lower()
    if wanted:  # a whole address in any spelling of it, as the account stores it (SPEC §2)
        query = query.where(User.email == normalise_email(wanted) if "@" in wanted
                            else User.email.startswith(wanted, autoescape=True))
    if before is not None:
        cursor = db.session.get(Consent, before)
        if cursor is not None:
            query = query.where(or_(Consent.given_at < cursor.given_at,
                                    and_(Consent.given_at == cursor.given_at, Consent.id < cursor.id)))
    rows = [tuple(row) for row in db.session.execute(
        query.order_by(Consent.given_at.desc(), Consent.id.desc()).limit(limit + 1))]
    return rows[:limit], (rows[limit - 1][0].id if len(rows) > limit else None)


def optional_text(kind: str, locale: str, *, day) -> str | None:
    """The programme's own text of an optional consent of ``kind`` (marketing contact, G-08/G-09) in the reader's
    language, as the definition in force words it; None when the programme asks for no such consent."""
    return programme_text(kind, locale, day=day, required=False)


def programme_text(kind: str, locale: str, *, day, required: bool) -> str | None:
    """The definition in force's own wording (``[[consents]]``) of a statement of ``kind`` — required (the terms,
    the information clause, a consent to processing, P-01) or optional — in the reader's language; None when the
    programme words none."""
    from portal.programmes import service as programmes

    version = programmes.in_force(day)
    for consent in (version.definition.get("consents", []) if version is not None else []):
        if consent.get("kind") == kind and bool(consent.get("required")) == required:
            return consent.get(f"text_{locale}") or consent.get("text_pl") or None
    return None


def give_optional(user, kind: str, *, locale: str, clock: Clock) -> Consent:
    """G-08: the participant gives the optional consent the programme asks for, with the hash of the text shown;
    giving marketing consent again ends an earlier objection to marketing contact (G-09): the person chose anew."""
    import hashlib

    from flask_babel import gettext as _

    from portal.core.errors import DomainError

    text = optional_text(kind, locale, day=clock.today())
    if text is None:
        raise DomainError(_("This programme asks for no such consent."), rule="G-08")
    current = active(user.id, kind)
    if current is not None:
        return current
    if kind == "marketing":
        user.marketing_objection_at = None
    return give(user, kind, version=None, text_sha256=hashlib.sha256(text.encode()).hexdigest(), channel="web",
                clock=clock)
