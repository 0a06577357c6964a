"""Bearer-token authentication of API v1 (SPEC §10): the token decides the tenant; scopes decide the actions.

Missing, unknown or revoked token → 401; a token without the operation's scope → 403; a tenant whose contract has
ended is read-only (C-04): its tokens may read but not write, except to serve data subjects' requests.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l

from portal.api import tokens
from portal.api.problems import ApiProblem
from portal.core.clock import get_clock
from portal.extensions import db
from portal.tenancy import service as tenants
from portal.tenancy.guard import set_current_tenant

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def rate_limit_key() -> str:
    """Requests are counted per token (by its digest), or per address when there is none."""
    token = bearer()
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "api-addr:" + (request.remote_addr or "unknown")


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "600 per minute")


def authenticate_request(public_endpoints: set[str], writable_when_read_only: set[str] = frozenset()) -> None:
    """Run before every API view: set ``g.api_token``, ``g.tenant`` and the tenant guard from the token. A tenant
    whose contract has ended refuses writes, except ``writable_when_read_only`` (the data subjects' requests: the
    organiser answers them until its data is deleted, as the privacy commands and the DPO's pages do)."""
    if request.endpoint in public_endpoints:
        return
    plaintext = bearer()
    if plaintext is None:
        raise ApiProblem(401, _l("Send an API token as 'Authorization: Bearer <token>'."), kind="unauthorized",
                         headers={"WWW-Authenticate": 'Bearer realm="api"'})
    found = tokens.authenticate(plaintext, clock=get_clock())
    if found is None:
        raise ApiProblem(401, _l("The API token is not valid, or it was revoked."), kind="unauthorized",
                         headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    token, tenant = found
    g.api_token, g.tenant = token, tenant
    g.api_actor = tokens.actor_of(token)
    set_current_tenant(tenant.id)
    if token in db.session.dirty:
        db.session.commit()  # last_used_at alone, so a long request does not hold the token's row locked
    if request.method not in READ_METHODS and request.endpoint not in writable_when_read_only \
            and (tenant.status != "active" or tenants.read_only_since(tenant)):
        raise ApiProblem(403, _l("The organiser's contract has ended: its data can be read and exported, not "
                                 "changed."), kind="tenant-read-only", rule="C-04")


def require_scope(scope: str | None) -> None:
    if scope is None:
        return
    token = g.get("api_token")
    if token is None or scope not in (token.scopes or []):
        raise ApiProblem(403, _l("This API token does not have the scope '%(scope)s'.", scope=scope), kind="forbidden",
                         required_scope=scope)
