"""Tenant resolution for pages: every tenant blueprint lives under ``/t/<slug>/`` and gets ``g.tenant``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_login import current_user

from portal.tenancy import service
from portal.tenancy.guard import set_current_tenant

# After the contract ends the tenant is read-only (C-04): people may still log in and out and export.
# a forgotten password is reset too: without it, login (and so the export and the privacy pages) is out of reach
READ_ONLY_ALLOWED = {"accounts.login", "accounts.logout", "accounts.reset_request", "accounts.reset"}
# C-04: the organiser stays the controller until its data is deleted, so the data subjects' rights (the DPO's
# pages, the participant's own privacy page, the public request form) are served while the tenant is read-only
READ_ONLY_BLUEPRINTS_ALLOWED = ("privacy.",)


def tenant_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(name, import_name, url_prefix="/t/<slug>")

    @bp.url_value_preprocessor
    def _resolve(endpoint, values):  # noqa: ARG001 - Flask's signature
        slug = values.pop("slug", None) if values else None
        tenant = service.open_by_slug(slug) if slug else None
        if tenant is None:
            abort(404)
        g.tenant = tenant
        set_current_tenant(tenant.id)
        # by the date, not only once the daily job turned the status: the first read-only day is read-only
        if request.method not in ("GET", "HEAD", "OPTIONS") and endpoint not in READ_ONLY_ALLOWED \
                and not endpoint.startswith(READ_ONLY_BLUEPRINTS_ALLOWED) \
                and service.read_only_since(tenant) is not None:
            abort(423)

    @bp.url_defaults
    def _add_slug(endpoint, values):  # noqa: ARG001 - Flask's signature
        if "slug" not in values and g.get("tenant") is not None:
            values["slug"] = g.tenant.slug

    return bp


def require_role(*roles: str) -> Callable:
    """Logged in at this tenant (else to the login page) and holding one of ``roles`` (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
