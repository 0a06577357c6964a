"""Accounts: registration, login, password reset. Plain functions: no request, no session."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from stdnum.pl import nip as nip_number

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, ROLES, STAFF, Operator, PasswordResetToken, User
from portal.accounts.passwords import MIN_LENGTH, hash_password, verify_password
from portal.core.clock import Clock, get_clock, utc
from portal.core.errors import DomainError, NotFound
from portal.extensions import db
from portal.notifications import service as notifications
from portal.privacy import audit, consents
from portal.programmes import documents


def normalise_email(email: str) -> str:
    """The one spelling an account's address is stored and looked up in (SPEC §2: one account per address): lower
    case, the local part in Unicode's composed form (NFC), the domain as IDNA maps it (a full-width letter as its plain
    one) and written in ASCII (punycode), so any mail relay takes it — email_validator's normalisation. Not an address
    at all: trimmed and lower-cased."""
    address = email.strip()
    try:
        checked = validate_email(address, check_deliverability=False)
        address = checked.ascii_email or checked.normalized  # a non-ASCII local part has no ASCII form
    except EmailNotValidError:
        address = unicodedata.normalize("NFC", address)
    return address.lower()


def find_user(email: str) -> User | None:
    """The current tenant's account with that e-mail (the tenant guard scopes the query)."""
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).first()


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise DomainError(_("Use at least %(num)d characters.", num=MIN_LENGTH), field=field)


def clean_nip(value: str, field: str = "nip") -> str:
    """A Polish tax id, checked by its checksum (python-stdnum); returned as 10 digits."""
    try:
        return nip_number.validate(value)
    except Exception as exc:  # stdnum raises several ValidationError subclasses
        raise DomainError(_("This NIP is not valid: check the 10 digits."), field=field, rule="L-01") from exc


def create_user(tenant_id: int, *, email: str, password: str | None, role: str, first_name: str = "",
                last_name: str = "", phone: str = "", company_name: str = "", nip: str = "",
                locale: str = "pl") -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role}")
    email = normalise_email(email)
    if find_user(email) is not None:
        raise DomainError(_("An account with this e-mail already exists here. Log in or reset your password."),
                          field="email")
    if password is not None:
        check_password_rules(password)
    user = User(tenant_id=tenant_id, email=email, role=role, first_name=first_name.strip(),
                last_name=last_name.strip(), phone=phone.strip(), company_name=company_name.strip(),
                nip=clean_nip(nip) if nip else "", locale=locale,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def register_participant(tenant, data: dict, *, accepted: dict[str, int], clock: Clock) -> User:
    """Self-registration (P-01: invalid without accepting the current terms and information clause, G-08).

    ``accepted`` maps a document kind to the version the person was shown; it must be the current one.
    """
    for kind in ("terms", "privacy"):
        current = documents.current(kind, data.get("locale", tenant.locale))
        if current is None:
            raise DomainError(_("The organiser has not published its terms yet; registration is closed."))
        if accepted.get(kind) != current.version:
            field = "accept_terms" if kind == "terms" else "accept_privacy"
            raise DomainError(_("Accept the current version to register."), field=field, rule="E-03")
    user = create_user(tenant.id, email=data["email"], password=data["password"], role=PARTICIPANT,
                       first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
                       phone=data.get("phone", ""), company_name=data.get("company_name", ""),
                       nip=data.get("nip", ""), locale=data.get("locale", tenant.locale))
    for kind in ("terms", "privacy"):
        doc = documents.current(kind, user.locale)
        consents.give(user, kind, version=doc.version, text_sha256=doc.sha256, channel="web", clock=clock)
    audit.record(user, "account.registered", "user", user.id)
    notifications.notify(user, "account_registered", clock=clock)
    return user


def authenticate(email: str, password: str, *, clock: Clock) -> User | None:
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if not user.is_active_account:
        return None
    user.last_login_at = clock.now()
    audit.record(user, "account.login", "user", user.id)
    return user


def authenticate_operator(email: str, password: str) -> Operator | None:
    op = db.session.scalars(select(Operator).where(Operator.email == normalise_email(email))).first()
    if not verify_password(op.password_hash if op else None, password) or op is None:
        return None
    return op


def end_sessions(account: User | Operator) -> None:
    """Every session the account has open stops working, here and on every other device: the epoch is part of the
    session's id (``get_id``), and ``session_account`` refuses an older one. Logout and a password reset call it."""
    account.session_epoch = (account.session_epoch or 0) + 1


def session_account(model: type[User] | type[Operator], pk: str, epoch: str) -> User | Operator | None:
    """The account a signed session cookie names, while that session is still open: not ended by a newer epoch
    (logout, password reset) nor by the account's deactivation (erasure G-05, exclusion)."""
    try:
        account = db.session.get(model, int(pk))
    except ValueError:
        return None
    if account is None or not account.is_active or str(account.session_epoch or 0) != epoch:
        return None
    return account


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(user: User, *, hours: int, clock: Clock) -> str:
    """A one-time set-password token of ``user`` for ``hours``; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordResetToken(tenant_id=user.tenant_id, user_id=user.id, token_sha256=_token_digest(token),
                                      expires_at=clock.now() + timedelta(hours=hours)))
    return token


def request_password_reset(email: str, *, hours: int, clock: Clock) -> None:
    """E-mail a one-time link when the account exists; say nothing either way (no account enumeration)."""
    user = find_user(email)
    if user is None or not user.is_active_account:
        return
    token = issue_password_link(user, hours=hours, clock=clock)
    audit.record(user, "account.password_reset_requested", "user", user.id)
    notifications.notify(user, "password_reset", clock=clock, token=token, hours=hours)


def valid_reset_token(token: str, *, clock: Clock) -> PasswordResetToken | None:
    row = db.session.scalars(
        select(PasswordResetToken).where(PasswordResetToken.token_sha256 == _token_digest(token))).first()
    if row is None or row.used_at is not None or utc(row.expires_at) <= clock.now():
        return None
    return row


def reset_password(token: str, password: str, *, clock: Clock) -> User:
    row = valid_reset_token(token, clock=clock)
    if row is None:
        raise DomainError(_("This link has expired or was already used. Ask for a new one."), field="password")
    check_password_rules(password)
    user = db.session.get(User, row.user_id)
    user.password_hash = hash_password(password)
    end_sessions(user)  # whoever had the account before the reset (the reason for it, often) is out
    row.used_at = clock.now()
    # every other outstanding link of this account dies with this one
    for other in db.session.scalars(select(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))):
        other.used_at = clock.now()
    audit.record(user, "account.password_reset", "user", user.id)
    return user


def counts_by_role(tenant_id: int) -> dict[str, int]:
    """Accounts of the tenant by role; an erased account is no longer counted (the operator's fee count agrees)."""
    rows = db.session.execute(select(User.role, func.count()).where(User.tenant_id == tenant_id,
                                                                    User.erased_at.is_(None)).group_by(User.role))
    return dict(rows.all())


PROFILE_FIELDS = ("first_name", "last_name", "phone", "company_name", "nip", "locale")


def update_profile(user: User, data: dict, *, actor) -> list[str]:
    """G-06: rectification by the person or the DPO. The audit log records which fields changed — never the old
    or the new values. Returns the names of the changed fields."""
    if "nip" in data:  # P-01, P-29: a business participant of an installer programme keeps a valid NIP
        from portal.loyalty.service import members

        members.check_business_nip(user.id, data["nip"])
    changed = []
    for key in PROFILE_FIELDS:
        if key not in data:
            continue
        value = (data[key] or "").strip()
        if key == "nip" and value:
            value = clean_nip(value)
        if key == "locale" and value not in ("pl", "en"):
            raise DomainError(_("Choose Polish or English."), field="locale", rule="G-06")
        if key in ("first_name", "last_name") and not value:
            raise DomainError(_("This field cannot be empty."), field=key, rule="G-06")
        if getattr(user, key) != value:
            setattr(user, key, value)
            changed.append(key)
    if changed:
        audit.record(actor, ("rectified:" + ",".join(changed))[:60], "user", user.id)
        # the same person named by their address as a contact person (their partner's, a lead's): corrected there too
        from portal.privacy import contacts

        copied = {key: getattr(user, key) for key in changed if key in contacts.CONTACT_FIELDS}
        if copied and user.email:
            contacts.rectify(user.email, copied)
        if {"first_name", "last_name"} & set(changed):
            _rectify_tax_name(user)
        if {"company_name", "nip"} & set(changed):
            _rectify_partner(user, changed)
    return changed


def _rectify_partner(user: User, changed: list[str]) -> None:
    """G-06: a partner's corrected company name or NIP reaches its partner record (what statements name and files
    match by); a NIP another partner of the organiser holds is refused at the field. An emptied value is not copied:
    the partner record keeps its name and NIP."""
    from portal.leads.models import Partner

    partner = db.session.scalars(select(Partner).where(Partner.user_id == user.id)).first()
    if partner is None:
        return
    if "nip" in changed and user.nip and user.nip != partner.nip:
        holder = db.session.scalars(select(Partner.id).where(Partner.nip == user.nip, Partner.id != partner.id)).first()
        if holder is not None:
            raise DomainError(_("Another partner of this programme has this NIP."), field="nip", rule="G-06")
        partner.nip = user.nip
    if "company_name" in changed and user.company_name:
        partner.name = user.company_name


def _rectify_tax_name(user: User) -> None:
    """G-06/P-29: the name kept with an installer's tax data (for the PIT-8C, after an erasure too) follows a
    correction of the name, so the tax form is never printed with the name the person corrected."""
    from portal.loyalty.models import Installer

    installer = db.session.scalars(select(Installer).where(Installer.user_id == user.id)).first()
    if installer is not None and installer.tax_id:
        installer.tax_first_name, installer.tax_last_name = user.first_name or None, user.last_name or None


# SPEC §2: the organiser admin manages the tenant's own people; participants have their own pages
ORGANISER_ROLES = (ADMIN, STAFF, DPO)
INVITATION_HOURS = 72  # a new colleague's set-password link: longer than a reset's, they may not be at work today


def organiser_accounts() -> list[User]:
    """SPEC §2: the tenant's admin, staff and DPO accounts (an erased one is gone), active ones first."""
    return list(db.session.scalars(
        select(User).where(User.role.in_(ORGANISER_ROLES), User.erased_at.is_(None))
        .order_by(User.is_active_account.desc(), User.last_name, User.first_name, User.id)))


def organiser_account(user_id: int) -> User:
    """One of the tenant's organiser accounts; a participant's, an erased or another tenant's is not found."""
    user = db.session.get(User, user_id)
    if user is None or user.role not in ORGANISER_ROLES or user.erased_at is not None:
        raise NotFound(_("No such account."))
    return user


def _check_organiser_role(role: str) -> None:
    if role not in ORGANISER_ROLES:
        raise DomainError(_("Choose administrator, staff or data-protection officer."), field="role")


def add_organiser_account(tenant_id: int, data: dict, *, actor, clock: Clock, mail: bool = True,
                          hours: int = INVITATION_HOURS) -> tuple[User, str]:
    """SPEC §2: a new admin, staff or DPO account without a password; the person sets one with a one-time link,
    mailed to them (``mail``) or returned for the operator to hand over. Returns the account and the link's token."""
    from email_validator import EmailNotValidError, validate_email

    _check_organiser_role(data.get("role", ""))
    for key, message in (("first_name", _("Enter the first name.")), ("last_name", _("Enter the last name."))):
        if not (data.get(key) or "").strip():
            raise DomainError(message, field=key)
    for key, longest in (("first_name", 100), ("last_name", 100), ("email", 254)):
        if len((data.get(key) or "").strip()) > longest:
            raise DomainError(ngettext("Takes at most %(num)d character.", "Takes at most %(num)d characters.",
                                       longest), field=key)
    if data.get("locale", "pl") not in ("pl", "en"):
        raise DomainError(_("Choose Polish or English."), field="locale")
    email = normalise_email(data.get("email") or "")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(_("Check the e-mail address."), field="email") from exc
    existing = find_user(email)
    if existing is not None and existing.role == PARTICIPANT:
        raise DomainError(_("This e-mail belongs to a participant's account here; a participant cannot be made "
                            "staff. Use another address."), field="email")
    if existing is not None:
        raise DomainError(_("An account with this e-mail already exists here."), field="email")
    user = create_user(tenant_id, email=email, password=None, role=data["role"], first_name=data["first_name"],
                       last_name=data["last_name"], locale=data.get("locale", "pl"))
    token = issue_password_link(user, hours=hours, clock=clock)
    audit.record(actor, "account.created", "user", user.id)
    if mail:
        notifications.notify(user, "account_invited", clock=clock, token=token, hours=hours, role=user.role)
    return user, token


def _keep_an_admin(user: User) -> None:
    """SPEC §2: the tenant never loses its last active admin. The other admins' rows are locked (PostgreSQL), so two
    admins demoting each other at the same instant cannot both succeed."""
    if user.role != ADMIN or not user.is_active_account:
        return
    others = db.session.scalars(select(User.id).where(
        User.role == ADMIN, User.is_active_account, User.erased_at.is_(None), User.id != user.id).with_for_update())
    if others.first() is None:
        raise DomainError(_("The organiser must keep at least one active administrator: make someone else "
                            "administrator first."), field="role")


def change_role(user: User, role: str, *, actor) -> bool:
    """SPEC §2: an organiser account becomes admin, staff or DPO. Returns whether anything changed."""
    _check_organiser_role(role)
    if role == user.role:
        return False
    if actor is not None and actor.id == user.id:
        raise DomainError(_("You cannot give up the administrator role yourself: ask another administrator."),
                          field="role")
    _keep_an_admin(user)
    user.role = role
    audit.record(actor, "account.role_changed", "user", user.id)
    _revoke_tokens(user, get_clock())  # a token acts with its creator's role: made under the old one, it dies
    return True


def _revoke_tokens(user: User, clock: Clock) -> None:
    from portal.api import tokens

    tokens.revoke_created_by(user.id, clock=clock)


def deactivate_account(user: User, *, actor, clock: Clock) -> bool:
    """SPEC §2: the person can no longer log in, every session they have open ends at once, and a set-password
    link not used yet dies. Returns whether anything changed."""
    if actor is not None and actor.id == user.id:
        raise DomainError(_("You cannot deactivate your own account: ask another administrator."))
    if not user.is_active_account:
        return False
    _keep_an_admin(user)
    user.is_active_account = False
    end_sessions(user)
    _revoke_tokens(user, clock)
    for link in db.session.scalars(select(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))):
        link.used_at = clock.now()
    audit.record(actor, "account.deactivated", "user", user.id)
    return True


def reactivate_account(user: User, *, actor) -> bool:
    """SPEC §2: a deactivated organiser account may log in again (a new link: the public password reset)."""
    if user.is_active_account:
        return False
    user.is_active_account = True
    audit.record(actor, "account.reactivated", "user", user.id)
    return True
