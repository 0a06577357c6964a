"""The request pipeline every API v1 operation runs through, in this order: scope (403) → Idempotency-Key replay
(POST) → content type (415) → JSON parse (400) → schema (422) → the view, which calls one service → commit,
with the stored outcome for an Idempotency-Key in the same transaction. Any error rolls the transaction back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import NamedTuple

from flask import Response, current_app, g, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.api import auth, idempotency
from portal.api.problems import ApiProblem, message_language
from portal.api.validation import validate
from portal.core.clock import get_clock
from portal.core.errors import DomainError, NotFound
from portal.extensions import db

JSON_TYPES = ("application/json",)


class Reply(NamedTuple):
    """A view's JSON answer; ``ref`` holds the ids of what it describes, from which ``replay`` renders it again."""

    body: dict | list
    status: int = 200
    ref: dict | None = None


Result = Response | Reply
Replayer = Callable[[dict], dict | list]


def json_response(payload: dict | list, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = current_app.response_class(json.dumps(payload, ensure_ascii=False), status=status,
                                          mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class NotAJsonNumber(ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, JSON has no such numbers."""


class TooLongNumber(ValueError):
    """A number of more digits than any field takes (Python would refuse past 4,300 in its own English words)."""


MAX_DIGITS = 100


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise TooLongNumber(text)
    return int(text)


class DuplicateKey(ValueError):
    """A member named twice in one object: which value was meant cannot be told (RFC 8259 §4), so neither is taken."""


def _unique_members(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def _reject_constant(name: str) -> float:
    raise NotAJsonNumber(name)


def json_number(text: str) -> int | float:
    """JSON has one kind of number: ``20.0`` is the integer 20 (JSON Schema's ``integer`` counts it as one), so it
    reaches the views as ``int``; other fractions stay floats (huge exponents too, for the schema to refuse)."""
    number = Decimal(text)
    if number.is_finite() and number.adjusted() < 30 and number == number.to_integral_value():
        return int(number)
    return float(text)


# What Python's json parser says is wrong (JSONDecodeError.msg), in the message language.
JSON_ERRORS = {
    "Expecting value": _l("a value was expected"),
    "Expecting property name enclosed in double quotes": _l("a property name in double quotes was expected"),
    "Expecting ':' delimiter": _l("':' was expected"),
    "Expecting ',' delimiter": _l("',' was expected"),
    "Unterminated string starting at": _l("a string is not closed"),
    "Invalid control character at": _l("a control character is not escaped"),
    "Invalid \\escape": _l("an escape sequence is not valid"),
    "Invalid \\uXXXX escape": _l("a \\uXXXX escape is not valid"),
    "Extra data": _l("there is more after the value"),
    "Illegal trailing comma before end of object": _l("a comma precedes the end of the object"),
    "Illegal trailing comma before end of array": _l("a comma precedes the end of the list"),
}


def parse_body(raw: bytes) -> object:
    """The JSON body ({} when empty); 415 for another media type, 400 for malformed JSON."""
    if not raw.strip():
        return {}
    mimetype = request.mimetype or ""
    if mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise ApiProblem(415, _l("Send the body as JSON with 'Content-Type: application/json'."),
                         headers={"Accept-Post": "application/json"})
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=json_number,
                          parse_int=_json_int,
                          object_pairs_hook=_unique_members)
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # "\ud800" escapes decode to unstorable text
        return body
    except (UnicodeDecodeError, UnicodeEncodeError):
        raise ApiProblem(400, _l("The body is not valid UTF-8 text."), kind="malformed-json") from None
    except json.JSONDecodeError as error:
        raise ApiProblem(400, _l("The body is not valid JSON: %(error)s at line %(line)d, column %(column)d.",
                                 error=JSON_ERRORS.get(error.msg, error.msg), line=error.lineno,
                                 column=error.colno),
                         kind="malformed-json") from None
    except DuplicateKey as error:
        raise ApiProblem(400, _l("The body is not valid JSON for this API: %(name)s is given twice in one object.",
                                 name=json.dumps(str(error), ensure_ascii=False)), kind="malformed-json") from None
    except NotAJsonNumber as error:
        raise ApiProblem(400, _l("The body is not valid JSON: %(name)s is not a JSON number.", name=str(error)),
                         kind="malformed-json") from None
    except TooLongNumber:
        raise ApiProblem(400, _l("The body is not valid JSON for this API: a number has more than %(digits)d digits.",
                                 digits=MAX_DIGITS), kind="malformed-json") from None
    except RecursionError:
        raise ApiProblem(400, _l("The body is not valid JSON: it is nested too deeply."),
                         kind="malformed-json") from None
    except ValueError as error:
        raise ApiProblem(400, _l("The body is not valid JSON: %(error)s.", error=error),
                         kind="malformed-json") from None


def _path() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _replay(row, replay: Replayer | None) -> Response:
    body = replay(row.response_ref) if replay is not None else {}
    return json_response(body, row.response_status, {idempotency.REPLAYED_HEADER: "true"})


def _lost_race(key: str | None, request_sha256: str, replay: Replayer | None) -> Response:
    """A unique constraint refused this request's writes: a concurrent request got there first. With the same
    Idempotency-Key that request's stored response is the answer; otherwise a 409 problem (nothing was saved)."""
    db.session.rollback()
    row = idempotency.stored(g.api_token.id, key, clock=get_clock()) if key is not None else None
    if row is None:
        raise ApiProblem(409, _l("A concurrent change conflicted with this request; nothing was saved. Read the "
                                 "current state and try again."), kind="conflict")
    idempotency.check_same_request(row, request_sha256)
    return _replay(row, replay)


def _concurrent_twin(key: str | None, request_sha256: str, replay: Replayer | None) -> Response | None:
    """A refusal can come from a concurrent copy of this request that committed first (its lead now refuses ours
    as a duplicate): with the same key and request, that copy's stored response is the answer."""
    if key is None:
        return None
    db.session.rollback()
    row = idempotency.stored(g.api_token.id, key, clock=get_clock())
    if row is None or row.request_sha256 != request_sha256:
        return None
    return _replay(row, replay)


def _commit(key: str | None, request_sha256: str, result: Result) -> Response:
    """Commit the view's work, with its stored outcome for ``key`` in the same transaction."""
    if isinstance(result, Response):
        db.session.commit()
        return result
    if key is not None and 200 <= result.status < 300:
        token = g.api_token
        idempotency.remember(tenant_id=token.tenant_id, token_id=token.id, key=key, method=request.method,
                             path=_path(), request_sha256=request_sha256, status=result.status,
                             ref=result.ref or {})
    db.session.commit()
    return json_response(result.body, result.status)


def run(view: Callable[..., Result], *, scope: str | None, request_schema: dict | None,
        replay: Replayer | None) -> Callable[..., Response]:
    """Wrap ``view`` (which gets the path values and, with a request schema, ``body``) in the pipeline; a POST
    (one with ``replay``) honours Idempotency-Key."""

    @wraps(view)
    def wrapped(**values: object) -> Response:
        with force_locale(message_language()):  # the services' messages: Accept-Language, else the organiser's
            return _handle(values)

    def _handle(values: dict) -> Response:
        auth.require_scope(scope)
        if any(isinstance(v, str) and "\x00" in v for v in values.values()):
            raise NotFound(_l("No such resource."))  # a NUL in the path can name nothing we store
        raw = request.get_data(cache=True)
        key = idempotency.clean_key(request.headers.get(idempotency.HEADER)) if replay is not None else None
        request_sha256 = idempotency.fingerprint(request.method, _path(), raw)
        if key is not None:
            row = idempotency.stored(g.api_token.id, key, clock=get_clock())
            if row is not None:
                idempotency.check_same_request(row, request_sha256)
                replayed = _replay(row, replay)
                db.session.commit()
                return replayed
        if request_schema is not None:
            body = parse_body(raw)
            problems = validate(body, request_schema)
            if problems:
                raise ApiProblem(422, _l("The request body does not have the expected shape; see errors."),
                                 kind="validation", errors=problems)
            values["body"] = body
        try:
            return _commit(key, request_sha256, view(**values))
        except IntegrityError:
            return _lost_race(key, request_sha256, replay)
        except DomainError:
            twin = _concurrent_twin(key, request_sha256, replay)
            if twin is None:
                raise
            return twin

    return wrapped
