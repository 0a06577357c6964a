"""Wiring of the web layer: blueprints, login loaders, error pages, security headers, template helpers."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException

from portal.core.http import render
from portal.extensions import db, login_manager

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _htmx_redirect(response):
    """A redirect answering an HTMX form becomes ``HX-Redirect``: htmx would otherwise follow it in the
    background and swap a fragment of the next page into the form."""
    if (request.headers.get("HX-Request") and not request.headers.get("HX-Boosted")
            and response.status_code in (301, 302, 303, 307, 308) and response.location):
        response.headers["HX-Redirect"] = response.location
        response.status_code = 204
        del response.headers["Location"]
    return response


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # pages, downloads (CSV, PDF, zip exports) and API answers alike may hold personal data: no browser or proxy
        # keeps a copy. Set here, once, rather than by each view; only the static assets may be cached.
        response.headers["Cache-Control"] = "no-store"
    return response


def _programme_type() -> str | None:
    """The kind of programme the current tenant runs today (cached for the request)."""
    if g.get("tenant") is None:
        return None
    if "programme_type" not in g:
        from portal.core.clock import get_clock
        from portal.programmes import service as programmes

        version = programmes.in_force(get_clock().today(g.tenant.timezone))
        g.programme_type = version.definition.get("programme", {}).get("type") if version else None
    return g.programme_type


def _error_page(status: int, title: str, message: str):
    response = render("errors/error.html", "content", status=status, status_code=status, title=title, message=message)
    if request.headers.get("HX-Request"):
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def install(app: Flask) -> None:
    from portal import cli
    from portal.accounts.views import bp as accounts_bp
    from portal.accounts.views import user_for_session
    from portal.api import bp as api_bp
    from portal.leads.staff_views import bp as lead_admin_bp
    from portal.leads.views import bp as leads_bp
    from portal.loyalty.staff_views import bp as loyalty_admin_bp
    from portal.loyalty.views import bp as loyalty_bp
    from portal.operator.views import bp as operator_bp
    from portal.operator.views import operator_for_session
    from portal.privacy.views import bp as privacy_bp
    from portal.programmes.views import bp as programme_admin_bp
    from portal.public import bp as public_bp
    from portal.tenancy.views import bp as tenancy_bp

    for bp in (public_bp, tenancy_bp, accounts_bp, operator_bp, api_bp, leads_bp, lead_admin_bp, privacy_bp,
               loyalty_bp, loyalty_admin_bp, programme_admin_bp):
        app.register_blueprint(bp)

    @login_manager.user_loader
    def load_user(user_id: str):
        if user_id.startswith("op:"):
            return operator_for_session(user_id)
        return user_for_session(user_id)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        if g.get("tenant") is not None:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("operator.login"))

    @app.context_processor
    def _template_globals():
        from flask_babel import get_locale

        locale = get_locale()
        from flask_login import current_user

        from portal.navigation import for_role

        role = getattr(current_user, "role", None) if g.get("tenant") is not None else None
        return {"tenant": g.get("tenant"), "csrf_token": generate_csrf, "programme_type": _programme_type(),
                "current_lang": locale.language if locale else "pl",
                "nav": for_role(role, _programme_type()) if role else []}

    from portal.core.text import markdown

    app.jinja_env.filters["markdown"] = markdown
    app.after_request(_security_headers)
    app.after_request(_htmx_redirect)

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return _error_page(400, _("The form expired"), _("Reload the page and send the form again."))

    @app.errorhandler(RateLimitExceeded)
    def _throttled(error):
        response = _error_page(429, _("Too many attempts"), _("Wait a minute and try again."))
        return response

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        messages = {
            403: (_("Not allowed"), _("Your role does not give access to this page.")),
            404: (_("Not found"), _("This page does not exist, or it is not available to you.")),
            405: (_("Not allowed"), _("This address does not accept that kind of request.")),
            413: (_("File too large"), _("The upload is larger than allowed.")),
            423: (_("Read-only"), _("The organiser's contract has ended: the programme is read-only. Admins and the "
                                   "data-protection officer can download a full export for 7 days.")),
        }
        title, message = messages.get(error.code, (error.name, error.description))
        return _error_page(error.code or 500, title, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return _error_page(500, _("Something went wrong"),
                           _("Nothing was saved. Try again in a moment; if it persists, tell the organiser."))

    cli.register(app)
