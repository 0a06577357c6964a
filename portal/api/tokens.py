"""Per-tenant API tokens with scopes (SPEC §2 organiser admin, §10 JSON API).

A token is a random secret shown once; the database keeps only its SHA-256, so a leaked database gives no working
token. The token names its tenant: authentication is the one place that looks across tenants, by the digest.
Revocation takes effect at the next request. The admin pages call ``create_token``, ``revoke_token`` and ``tokens``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import ADMIN, DPO
from portal.api.models import ApiToken
from portal.api.schemas import INT32
from portal.core.bulk import ValidationFailed
from portal.core.clock import Clock, utc
from portal.core.errors import NotFound
from portal.extensions import db
from portal.privacy import audit
from portal.tenancy.guard import across_tenants
from portal.tenancy.models import Tenant

SCOPES = {
    "participants:read": "list and read partners",
    "participants:write": "register partners (L-01)",
    "leads:read": "list and read leads",
    "leads:write": "submit leads (L-02 … L-08, L-21)",
    "leads:decide": "qualify or reject leads (L-07)",
    "customers:write": "record facts about end customers (L-04, L-05)",
    "sales:write": "import the vendor's sales (L-10)",
    "settlements:read": "read settlement statements (L-19)",
    "settlements:write": "run and approve settlements (L-17, L-19)",
    "installers:read": "list and read installers of a loyalty programme (P-01 … P-03)",
    "installers:write": "register installers, grant or withdraw their titles (P-01 … P-03, P-40)",
    "devices:read": "list an installer's registered devices (P-05)",
    "devices:write": "register installed devices, which earns their points (P-04 … P-06, P-40)",
    "points:read": "read points statements and ledgers (P-07, P-21, P-22, P-28)",
    "points:write": "revoke points credited by mistake or earned in breach of the terms (P-09)",
    "orders:read": "list reward orders (P-21 … P-30)",
    "orders:write": "place and fulfil reward orders (P-20 … P-30, P-41)",
    "complaints:read": "list complaints and the commission's queue (P-08, P-42)",
    "complaints:write": "file and decide complaints (P-08, P-42)",
    "privacy:read": "read data-subject requests and download their access bundles (G-01 … G-04)",
    "privacy:write": "file and process data-subject requests (G-01 … G-09)",
}
PRIVACY_SCOPES = frozenset({"privacy:read", "privacy:write"})  # the DPO's (SPEC §2), never an admin's
TOKEN_PREFIX = "ppk_"  # noqa: S105 - a public prefix that secret scanners can match, not a secret
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenActor:
    """Who an API call acts as: the audit log names the token (``token_id``), ``decided_by``/``approved_by`` the
    person who created it (``id``; None for a token a command made)."""

    id: int | None
    token_id: int
    role: str = "api"


def digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(tenant_id: int, name: str, scopes: list[str], actor=None) -> tuple[ApiToken, str]:
    """A new token of the tenant; returns the row and the plaintext, which is shown once and never stored."""
    name = (name or "").strip()
    problems: list[tuple[str | None, str, str | None]] = []
    if not name:
        problems.append(("name", _("Name the token after the system that will use it."), None))
    elif len(name) > 100:
        problems.append(("name", _("Keep the name under 100 characters."), None))
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        problems.append(("scopes", _("Unknown scope(s): %(scopes)s.", scopes=", ".join(unknown)), None))
    if not scopes:
        problems.append(("scopes", _("Give the token at least one scope."), None))
    role = getattr(actor, "role", None)  # None: the system (a command), which may give any scope
    privacy = {s for s in scopes if s in PRIVACY_SCOPES}
    if role == ADMIN and privacy:
        problems.append(("scopes", _("The privacy scopes are the data-protection officer's: %(scopes)s.",
                                     scopes=", ".join(sorted(privacy))), None))
    elif role == DPO and set(scopes) - PRIVACY_SCOPES:
        problems.append(("scopes", _("A data-protection officer's token carries the privacy scopes only."), None))
    if problems:
        raise ValidationFailed(problems)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(tenant_id=tenant_id, name=name, token_sha256=digest(plaintext),
                     scopes=sorted(set(scopes)), created_by=getattr(actor, "id", None))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.created", "api_token", token.id)
    return token, plaintext


def revoke_created_by(user_id: int, *, clock: Clock) -> int:
    """SPEC §2: a token acts as its creator — it dies when the creator's account is deactivated, erased, or no
    longer holds the role that could make it. Returns how many were revoked."""
    live = list(db.session.scalars(select(ApiToken).where(ApiToken.created_by == user_id,
                                                          ApiToken.revoked_at.is_(None))))
    for token in live:
        token.revoked_at = clock.now()
        audit.record(None, "api_token.revoked", "api_token", token.id)
    return len(live)


def revoke_token(token_id: int, *, actor=None, clock: Clock) -> ApiToken:
    """Revoke at once (the next request with it is refused); revoking twice keeps the first time. A person revokes
    only the tokens of their role's kind (``of_role``); a command (no actor) any."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id <= INT32 else None  # no row has a larger id
    role = getattr(actor, "role", None)
    if token is None or (role is not None and not of_role(token, role)):
        raise NotFound(_("No such API token."))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit.record(actor, "api_token.revoked", "api_token", token.id)
    return token


def of_role(token: ApiToken, role: str) -> bool:
    """SPEC §2: a token carrying a privacy scope is the DPO's integration; every other token is the admin's."""
    return bool(PRIVACY_SCOPES & set(token.scopes or ())) == (role == DPO)


def tokens(role: str | None = None) -> list[ApiToken]:
    """The current tenant's tokens, newest first (for the page: name, scopes, last use, revoked) — of ``role``'s
    kind when given."""
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return [t for t in rows if role is None or of_role(t, role)]


def authenticate(plaintext: str, *, clock: Clock) -> tuple[ApiToken, Tenant] | None:
    """The live token and its open tenant, or None (unknown, revoked, or the tenant deleted)."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    with across_tenants("an API token names its own tenant"):
        # one round trip for the token and its tenant: this runs before every API request
        found = db.session.execute(select(ApiToken, Tenant).join(Tenant, Tenant.id == ApiToken.tenant_id)
                                   .where(ApiToken.token_sha256 == digest(plaintext))).first()
    if found is None:
        return None
    token, tenant = found
    if token.revoked_at is not None or not tenant.is_open:
        return None
    now = clock.now()
    if token.last_used_at is None or now - utc(token.last_used_at) >= LAST_USED_PRECISION:
        token.last_used_at = now
    return token, tenant


def actor_of(token: ApiToken) -> TokenActor:
    """The token acts, on its creator's authority (none for a token a command made)."""
    return TokenActor(id=token.created_by, token_id=token.id)
