"""JSON API v1 (SPEC §10): per-tenant tokens with scopes, problem+json errors, an OpenAPI document.

Layout: ``openapi.operation`` declares each route (its scope and schemas) and wraps it in ``pipeline`` (scope,
Idempotency-Key, body parsing and validation, commit); ``auth`` turns the bearer token into the tenant;
``problems`` answers every error as RFC 9457 problem+json; the resource modules are thin calls of the services of
lead-reward programmes, installer loyalty programmes and data-subject requests (``pages`` holds the paged reads
those services lack). No CSRF here: API requests carry a bearer token, not a session cookie.
"""

from flask import Blueprint

from portal.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _install() -> None:
    from flask import g

    from portal.api import (  # noqa: F401 - routes
        auth,
        complaints,
        installers,
        leads,
        orders,
        participants,
        privacy,
        problems,
        sales,
        settlements,
    )
    from portal.api.openapi import document, endpoints_of_scopes, operation, public_endpoints
    from portal.api.pipeline import json_response
    from portal.api.schemas import OPENAPI_DOCUMENT

    problems.install(bp)
    limiter.shared_limit(auth.rate_limit, scope="api-v1", key_func=auth.rate_limit_key)(bp)

    @operation(bp, "/openapi.json", "GET", scope=None, tag="meta", summary="This OpenAPI 3.1 document",
               responses={200: OPENAPI_DOCUMENT})
    def openapi_document():
        """Generated from the routes' declarations at each request; public (no token needed)."""
        return json_response(document())

    public = public_endpoints(bp.name)
    rights = endpoints_of_scopes(bp.name, "privacy:")  # served while the tenant is read-only (C-04)

    @bp.before_request
    def _authenticate() -> None:
        g.setdefault("api_token", None)
        auth.authenticate_request(public, writable_when_read_only=rights)


_install()
