"""A tenant's public pages: its home (programme, how to join), terms and information clause."""

from __future__ import annotations

from flask import abort, g
from flask_babel import get_locale

from portal.core.clock import get_clock
from portal.core.http import render
from portal.programmes import documents
from portal.programmes import service as programmes
from portal.tenancy.web import tenant_blueprint

bp = tenant_blueprint("tenancy", __name__)


def _locale() -> str:
    locale = get_locale()
    return locale.language if locale else g.tenant.locale


@bp.route("/")
def home():
    today = get_clock().today(g.tenant.timezone)
    version = programmes.in_force(today)
    programme = version.definition.get("programme", {}) if version else {}
    return render("tenancy/home.html", programme=programme, locale=_locale(), today=today.isoformat())


@bp.route("/terms")
def terms():
    return _document("terms")


@bp.route("/privacy")
def privacy():
    return _document("privacy")


def _document(kind: str):
    doc = documents.current(kind, _locale())
    if doc is None:
        abort(404)
    return render("tenancy/document.html", doc=doc)
