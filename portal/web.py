"""Wiring of the web layer: blueprints, login loaders, error pages, security headers, template helpers."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from portal.api.schemas import INT32
from portal.core.errors import database_unavailable, unstorable_value
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

        g.programme_type = programmes.type_on(get_clock().today(g.tenant.timezone))
    return g.programme_type


def sign_up_closed() -> str | None:
    """Why the current tenant signs no one up today (None while it does): P-40, seed §7.3 — nobody joins an installer
    programme once its end is announced, so no account is made (and no data taken) for a sign-up bound to fail."""
    if _programme_type() != "loyalty":
        return None
    if "sign_up_closed" not in g:
        from portal.core.clock import get_clock
        from portal.loyalty.service.programme import joining_closed

        g.sign_up_closed = _("The programme's end has been announced: joining is closed.") if joining_closed(
            get_clock().today(g.tenant.timezone)) else None
    return g.sign_up_closed


def _error_page(status: int, title: str, message: str):
    response = render("errors/error.html", "content", status=status, status_code=status, title=title, message=message)
    if request.headers.get("HX-Request"):
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _database_unavailable():
    """503 when the database dropped out mid-request, on a page that needs nothing from it (it is what failed):
    no navigation, the organiser's name only if the request had loaded it."""
    from flask import current_app, make_response, session
    from flask_babel import force_locale, get_locale
    from sqlalchemy import inspect

    def loaded(obj, name: str):
        state = inspect(obj, raiseerr=False) if obj is not None else None
        return state.dict.get(name) if state is not None else None

    tenant, user = g.get("tenant"), g.get("_login_user")
    tenant_name, known = loaded(tenant, "name"), loaded(user, "locale") or loaded(tenant, "locale")
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool replaces it on the next checkout
        db.session.remove()
    try:  # the request's language, as chosen before the failure (or now, should the database be back)
        locale = str(get_locale())
    except Exception:  # noqa: BLE001 - still out of reach: what the request had loaded, or the browser's
        locale = session.get("lang") or known or request.accept_languages.best_match(["pl", "en"]) or "pl"
    with force_locale(locale if locale in ("pl", "en") else "pl"):
        # straight from the environment: the app's context processors would look up the user and the programme
        body = current_app.jinja_env.get_template("errors/unavailable.html").render(
            lang=locale, tenant_name=tenant_name, title=_("Temporarily unavailable"),
            message=_("Nothing was saved. Try again in a moment; if it persists, tell the organiser."))
    response = make_response(body, 503)
    response.headers["Retry-After"] = "30"
    if request.headers.get("HX-Request"):
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _refuse_nul(endpoint, values) -> None:  # noqa: ARG001 - Flask's signature
    """SPEC §11: a NUL character, which no text column holds (PostgreSQL refuses it in the driver), in a page's
    address is an unknown page (404); in its query, a bad request naming it (400) — before any view or tenant lookup
    reads it. A form's fields refuse it next to the field (``portal.core.forms.Form``); the API answers it as
    problem+json by itself."""
    from flask import abort

    from portal.api.problems import is_api_path

    if request.blueprint == "api" or is_api_path():  # an unmatched API path too: its 404 is the API's problem
        return
    if "\x00" in request.path or any("\x00" in str(v) for v in (values or {}).values()):
        abort(404)
    if any("\x00" in value for group in request.args.listvalues() for value in group):
        abort(400, description=_("The address contains a NUL character (\\x00), which cannot be stored. Remove it "
                                 "and open the page again."))


class RowIdConverter(IntegerConverter):
    """``<int:…>`` of every route: an id above what an integer column holds (2³¹ − 1) matches no route, so it is a
    404 like any other unknown id — not an overflow in the database driver (SPEC §11: never a 500)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max if max is not None else INT32, signed)


def install(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any route is added (see RowIdConverter)
    from portal import cli
    from portal.accounts.admin_views import bp as user_admin_bp
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
               loyalty_bp, loyalty_admin_bp, programme_admin_bp, user_admin_bp):
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

    def _tenant_closing():
        """C-04: the ended contract's dates once the tenant is read-only (None before), for the banner of its pages.

        ``export_open`` says whether the full export is still served: through ``export_until`` on the tenant's own
        day (its time zone, on the clock in force), the same test the export itself answers 410 by — so the banner
        never offers a link that has closed."""
        from portal.core.clock import get_clock
        from portal.operator import contracts
        from portal.tenancy import service as tenants

        tenant = g.get("tenant")
        since = tenants.read_only_since(tenant) if tenant is not None else None
        if since is None:
            return None
        contract = contracts.of_tenant(tenant.id)
        export_until = contract.export_until if contract else None
        return {"since": since, "export_until": export_until, "delete_by": contract.delete_by if contract else None,
                "export_open": export_until is None or get_clock().today(tenant.timezone) <= export_until}

    @app.context_processor
    def _template_globals():
        from flask_babel import get_locale

        locale = get_locale()
        from flask_login import current_user

        from portal.navigation import for_role

        role = getattr(current_user, "role", None) if g.get("tenant") is not None else None
        return {"tenant": g.get("tenant"), "csrf_token": generate_csrf, "programme_type": _programme_type(),
                "tenant_closing": _tenant_closing, "sign_up_closed": sign_up_closed,
                "current_lang": locale.language if locale else "pl",
                "nav": for_role(role, _programme_type(), getattr(g.get("tenant"), "refers", False)) if role else []}

    from portal.core import labels
    from portal.core.text import markdown

    app.jinja_env.filters["markdown"] = markdown
    labels.install(app)
    app.url_value_preprocessor(_refuse_nul)
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
        # Werkzeug's own description is English whatever the reader's language: said in theirs, unless the page
        # that refused gave its reason
        own = error.description if error.description != type(error).description else None
        messages = {
            400: (_("Bad request"), own or _("This page could not read the request: a value in its address or form "
                                            "is not one it takes.")),
            403: (_("Not allowed"), _("Your role does not give access to this page.")),
            404: (_("Not found"), _("This page does not exist, or it is not available to you.")),
            405: (_("Not allowed"), _("This address does not accept that kind of request.")),
            413: (_("File too large"), _("The upload is larger than allowed.")),
            423: (_("Read-only"), _("The organiser's contract has ended: the programme can be read, not changed.")),
        }
        title, message = messages.get(error.code, (_("Request refused (%(code)s)", code=error.code),
                                                   own or _("This page cannot answer this request.")))
        return _error_page(error.code or 500, title, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if database_unavailable(error):
            app.logger.warning("database unavailable: %s", error)
            return _database_unavailable()
        if unstorable_value(error):  # SPEC §11: the sender's value, not our failure
            app.logger.info("value refused by the database: %s", error)
            db.session.rollback()
            return _error_page(400, _("Bad request"), _("A value sent cannot be stored: a number too large, a text "
                                                         "too long or a NUL character. Nothing was saved."))
        app.logger.exception("unhandled error")
        db.session.rollback()
        return _error_page(500, _("Something went wrong"),
                           _("Nothing was saved. Try again in a moment; if it persists, tell the organiser."))

    cli.register(app)
