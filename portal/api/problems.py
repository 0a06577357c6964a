"""RFC 9457 problem details for every error under ``/api/v1`` (SPEC §10, §11: never a 500 on bad input).

Errors raised inside API views reach the blueprint's handlers; routing errors (unknown path, wrong method) are
answered before dispatch by ``routing_problem`` because Flask gives them to no blueprint. The HTML error pages of
the rest of the application are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus

from flask import Blueprint, Response, current_app, g, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy; named so that pybabel extracts the plurals
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from portal.core.bulk import ValidationFailed
from portal.core.errors import DomainError, database_unavailable
from portal.extensions import db

PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
LANGUAGES = ("pl", "en")
# Titles are lazy: each is rendered in the request's message language when the problem is answered.
TYPES = {
    "validation": _l("Your request is not valid"),
    "domain": _l("A programme rule refused the request"),
    "malformed-json": _l("The body is not valid JSON"),
    "unauthorized": _l("Authentication required"),
    "forbidden": _l("Not allowed"),
    "idempotency-key-reused": _l("Idempotency-Key reused with a different request"),
    "tenant-read-only": _l("The organiser's contract has ended: data is read-only"),
    "conflict": _l("Conflicting change"),
    "gone": _l("No longer available"),
}
# The title of a plain HTTP problem (about:blank): its status phrase (RFC 9457 §4.2.1), in the message language.
STATUS_TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    409: _l("Conflict"),
    410: _l("Gone"),
    413: _l("Content Too Large"),
    415: _l("Unsupported Media Type"),
    422: _l("Unprocessable Content"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
    503: _l("Service Unavailable"),
}

# Werkzeug's own descriptions of the HTTP errors that can reach the API, in the message language.
HTTP_DETAILS = {
    400: _l("The request could not be understood."),
    413: _l("The request body is too large."),
}


def message_language() -> str:
    """The language of API messages: what the client asks for (Accept-Language), else the organiser's (the token's
    tenant), else Polish. An explicit Accept-Language always wins over the organiser's locale, which the app's
    locale selector would prefer (it serves pages). Known once, it is kept for the request (the pipeline asks at
    the start of each view), so an error handler need not read the tenant again from a database that may be gone."""
    chosen = g.get("api_language")
    if chosen is None:
        chosen = request.accept_languages.best_match(LANGUAGES) or _organiser_locale()
        if chosen is None:
            return "pl"
        g.api_language = chosen
    return chosen


def _organiser_locale() -> str | None:
    tenant = g.get("tenant")
    if tenant is None:
        return None
    try:
        return tenant.locale
    except SQLAlchemyError:  # an expired tenant after the database went away: Polish, the platform's default
        return None


def status_title(status: int) -> str:
    title = STATUS_TITLES.get(status)
    return str(title) if title is not None else HTTPStatus(status).phrase


def type_uri(kind: str) -> str:
    """Problem type URIs are relative references under the API (RFC 9457 §3.1.1); ``about:blank`` is plain HTTP."""
    return f"{PREFIX}/problems/{kind}"


ErrorItem = tuple[str | None, str, str | None]


class ApiProblem(Exception):
    """An API-layer refusal (auth, scope, body shape) answered as problem+json."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None, title: str | None = None,
                 errors: Iterable[ErrorItem] = (), headers: dict[str, str] | None = None, **extra: object):
        super().__init__(detail)
        self.status, self.detail, self.kind = status, detail, kind
        self.title = title  # None: the kind's or the status's title, rendered in the message language
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra


def problem_response(status: int, detail: str, *, kind: str | None = None, title: str | None = None,
                     errors: Iterable[ErrorItem] = (), headers: dict[str, str] | None = None,
                     **extra: object) -> Response:
    """The problem+json answer. Its texts may be lazy (``lazy_gettext``): they are rendered here, in the message
    language (``message_language``), so a problem never mixes the client's language with another."""
    with force_locale(message_language()):
        return _render(status, detail, kind=kind, title=title, errors=errors, headers=headers, **extra)


def _render(status: int, detail: str, *, kind: str | None, title: str | None, errors: Iterable[ErrorItem],
            headers: dict[str, str] | None, **extra: object) -> Response:
    body: dict[str, object] = {
        "type": type_uri(kind) if kind else "about:blank",
        "title": str(title or (TYPES.get(kind) if kind else None) or status_title(status)),
        "status": status,
        "detail": str(detail),
        "instance": request.path,
    }
    items = [{"field": f, "message": str(m), "rule": r} for f, m, r in errors]
    if items:
        body["errors"] = items
    body.update({k: v for k, v in extra.items() if v is not None})
    text = json.dumps(body, ensure_ascii=False, default=str)
    response = current_app.response_class(text, status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_problem(error: ApiProblem) -> Response:
    return problem_response(error.status, error.detail, kind=error.kind, title=error.title, errors=error.errors,
                            headers=error.headers, **error.extra)


def from_domain_error(error: DomainError) -> Response:
    """A service's refusal at its own status (422, 404, 409, 403), each problem with its field and SPEC rule."""
    single = [(error.field, error.message, error.rule)]
    items = list(error.problems) if isinstance(error, ValidationFailed) else single
    kind = "validation" if error.status == 422 else ("conflict" if error.status == 409 else None)
    if error.status == 422 and not isinstance(error, ValidationFailed) and error.field is None:
        kind = "domain"
    return problem_response(error.status, error.message, kind=kind, errors=items if error.status == 422 else (),
                            rule=error.rule)


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if status == 404:
        detail = _l("There is no such resource, or it is not available to this token.")
    elif status == 405:
        detail = _l("%(method)s is not allowed here.", method=request.method)
    elif error.description and error.description != type(error).description:
        detail = error.description  # a description given where the error was raised
    else:
        detail = HTTP_DETAILS.get(status, error.description or "")
    return problem_response(status, detail, headers=headers)


def is_api_path() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _methods_that_match(error: MethodNotAllowed) -> list[str]:
    """The methods of ``Allow`` that really answer this path. Werkzeug offers a method of a rule whose converter
    refused the value (``/installers/99999999999/orders``: GET gets 405 "POST allowed", POST gets 404)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    found = []
    for method in error.valid_methods or ():
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        found.append(method)
    return found


def routing_problem() -> Response | None:
    """Unknown API paths and wrong methods get a problem too (Flask gives routing errors to no blueprint)."""
    error = request.routing_exception
    if not (is_api_path() and isinstance(error, HTTPException) and (error.code or 0) >= 400):
        return None
    if isinstance(error, MethodNotAllowed):
        methods = _methods_that_match(error)
        error = MethodNotAllowed(methods) if set(methods) - {"HEAD", "OPTIONS"} else NotFound()
    return from_http_exception(error)


def install(bp: Blueprint) -> None:
    """Every error of an API view becomes problem+json; the app's HTML handlers keep the other paths."""

    @bp.errorhandler(ApiProblem)
    def _api_problem(error: ApiProblem):
        db.session.rollback()
        return from_problem(error)

    @bp.errorhandler(DomainError)
    def _domain(error: DomainError):
        db.session.rollback()
        return from_domain_error(error)

    @bp.errorhandler(RateLimitExceeded)
    def _throttled(error: RateLimitExceeded):
        item = error.limit.limit
        limit = _limit_text(item.amount, item.get_expiry())
        from portal.api.auth import bearer  # auth raises this module's problems

        detail = (_l("Too many requests for this token: the limit is %(limit)s.", limit=limit) if bearer() else
                  _l("Too many requests from this address: the limit is %(limit)s.", limit=limit))
        return problem_response(429, detail,
                                headers={"Retry-After": str(item.get_expiry())})

    @bp.errorhandler(HTTPException)
    def _http(error: HTTPException):
        db.session.rollback()
        return from_http_exception(error)

    @bp.errorhandler(Exception)
    def _unexpected(error: Exception):
        if database_unavailable(error):
            current_app.logger.warning("database unavailable: %s", error)
            try:
                db.session.rollback()
            except Exception:  # noqa: BLE001 - the connection may be gone; the pool replaces it next time
                db.session.remove()
            return problem_response(503, _l("The database is unavailable for a moment; nothing was saved. Try "
                                            "again shortly (the same Idempotency-Key is safe to reuse)."),
                                    headers={"Retry-After": "30"})
        current_app.logger.exception("unhandled API error")
        db.session.rollback()
        return problem_response(500, _l("Something went wrong on our side; nothing was saved. Try again later."))

    bp.before_app_request(routing_problem)


def _limit_text(amount: int, seconds: int):
    """A rate limit in the client's words ("600 requests per minute", "600 żądań na minutę")."""
    if seconds == 60:
        return ngettext("%(num)d request per minute", "%(num)d requests per minute", amount)
    if seconds == 3600:
        return ngettext("%(num)d request per hour", "%(num)d requests per hour", amount)
    return ngettext("%(num)d request per %(seconds)d seconds", "%(num)d requests per %(seconds)d seconds",
                         amount, seconds=seconds)
