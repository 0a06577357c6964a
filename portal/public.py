"""Pages outside any tenant: the landing page and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session

from portal.core.http import local_path, render
from portal.tenancy import service as tenants

bp = Blueprint("public", __name__)


@bp.route("/")
def landing():
    return render("public/landing.html", tenants=tenants.listed())


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code not in ("pl", "en"):
        abort(404)
    session["lang"] = code
    _remember_for_the_account(code)
    return redirect(local_path(request.form.get("next")) or "/")


def _remember_for_the_account(code: str) -> None:
    """A signed-in participant or staff member who switches the language gets the notices and mails in it too (the
    profile's language, which the outbox writes in), not only the pages of this session. This page is outside any
    tenant, so the session's account is looked up as the tenant's pages would (open session, active account)."""
    from portal.accounts import service as accounts
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.tenancy.guard import use_tenant
    from portal.tenancy.models import Tenant
    from portal.tenancy.service import read_only_since

    try:
        kind, tenant_id, pk, epoch = str(session.get("_user_id", "")).split(":")
    except ValueError:
        return
    if kind != "u" or not (tenant_id.isascii() and tenant_id.isdigit()):
        return
    with use_tenant(int(tenant_id)):
        user = accounts.session_account(User, pk, epoch)
        tenant = db.session.get(Tenant, int(tenant_id))
        if tenant is None or read_only_since(tenant) is not None:  # C-04: an ended tenant's data stay as they are
            return
        if user is not None and user.tenant_id == int(tenant_id) and user.locale != code:
            user.locale = code
            db.session.commit()


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
