"""RFC 9457 problem details for every error under ``/api/v1`` (SPEC §10, §11: never a 500 on bad input).

Errors raised inside API views reach the blueprint's handlers; routing errors (unknown path, wrong method) are
answered before dispatch by ``routing_problem`` because Flask gives them to no blueprint. The HTML error pages of
the rest of the application are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus

from flask import Blueprint, Response, current_app, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from portal.core.bulk import ValidationFailed
from portal.core.errors import DomainError, database_unavailable
from portal.extensions import db

PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
TYPES = {
    "validation": "Your request is not valid",
    "domain": "A programme rule refused the request",
    "malformed-json": "The body is not valid JSON",
    "unauthorized": "Authentication required",
    "forbidden": "Not allowed",
    "idempotency-key-reused": "Idempotency-Key reused with a different request",
    "tenant-read-only": "The organiser's contract has ended: data is read-only",
    "conflict": "Conflicting change",
    "gone": "No longer available",
}


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
        self.title = title or (TYPES.get(kind, "") if kind else "") or HTTPStatus(status).phrase
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra


def problem_response(status: int, detail: str, *, kind: str | None = None, title: str | None = None,
                     errors: Iterable[ErrorItem] = (), headers: dict[str, str] | None = None,
                     **extra: object) -> Response:
    body: dict[str, object] = {
        "type": type_uri(kind) if kind else "about:blank",
        "title": title or (TYPES.get(kind) if kind else None) or HTTPStatus(status).phrase,
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
    detail = {404: "There is no such resource, or it is not available to this token.",
              405: f"{request.method} is not allowed here."}.get(status, error.description or "")
    return problem_response(status, detail, headers=headers)


def _is_api_path() -> bool:
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
    if not (_is_api_path() and isinstance(error, HTTPException) and (error.code or 0) >= 400):
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
        return problem_response(429, f"Too many requests for this token: the limit is {error.description}.",
                                headers={"Retry-After": "60"})

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
            return problem_response(503, "The database is unavailable for a moment; nothing was saved. Try again "
                                    "shortly (the same Idempotency-Key is safe to reuse).",
                                    headers={"Retry-After": "30"})
        current_app.logger.exception("unhandled API error")
        db.session.rollback()
        return problem_response(500, "Something went wrong on our side; nothing was saved. Try again later.")

    bp.before_app_request(routing_problem)
