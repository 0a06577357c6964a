"""Pages outside any tenant: the landing page and the language switch."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, abort, redirect, request, session

from portal.core.http import render
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
    target = request.form.get("next") or "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/"):
        target = "/"
    return redirect(target)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
