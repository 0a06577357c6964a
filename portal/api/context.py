"""What API views need from the request: the token's tenant and actor, its today, query parameters, pagination."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import g, request
from flask_babel import lazy_gettext as _l

from portal.api.openapi import query_param
from portal.api.problems import ApiProblem
from portal.api.schemas import FIRST_YEAR, LAST_YEAR
from portal.api.tokens import TokenActor
from portal.api.validation import DAY_MESSAGE, is_date
from portal.core.clock import get_clock
from portal.core.errors import DomainError

MAX_LIMIT = 200
DEFAULT_LIMIT = 50

LIMIT_PARAM = query_param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                          f"page size, at most {MAX_LIMIT}")
CURSOR_PARAM = query_param("cursor", {"type": "string"}, "the next_cursor of the previous page (opaque)")


def tenant_id() -> int:
    return g.tenant.id


def tenant():
    """The token's organiser (its name, locale and time zone)."""
    return g.tenant


def actor() -> TokenActor | None:
    return g.get("api_actor")


def today() -> date:
    """Today in the tenant's time zone, from the injectable clock (E-04)."""
    return get_clock().today(g.tenant.timezone)


def day_or_today(value: str | None) -> date:
    """A body's optional date (already checked as YYYY-MM-DD by the schema), else today."""
    return date.fromisoformat(value) if value else today()


def day_so_far(value: str | None, *, field: str = "on", rule: str | None = None) -> date:
    """A body's optional date of something that has happened (a shipment, a delivery, an answer, a decision): today
    or earlier, else a 422 on that field naming today; today when absent. A step dated in the future would count
    its deadlines (the 21 days of a substitute offer, the 14 days of a complaint) from a day not yet come."""
    day = day_or_today(value)
    if day > today():
        raise ApiProblem(422, _l("%(field)s cannot be after today (%(today)s).", field=field,
                                 today=today().isoformat()),
                         errors=[(field, _l("Must be today (%(today)s) or earlier.", today=today().isoformat()), rule)])
    return day


def _bad_query(name: str, message: str) -> ApiProblem:
    return ApiProblem(400, _l("The query parameter '%(name)s' is not valid.", name=name),
                      errors=[(name, message, None)])


def query_int(name: str, *, default: int | None = None, minimum: int = 1, maximum: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise _bad_query(name, _l("Must be a whole number."))
    digits = raw.lstrip("0") or "0"
    if len(digits) > 18 and maximum is None:  # past any id the database holds
        raise _bad_query(name, _l("Must be a whole number of at most 18 digits."))
    value = int(digits) if len(digits) <= 18 else maximum + 1
    if value < minimum or (maximum is not None and value > maximum):
        raise _bad_query(name, _l("Must be between %(minimum)d and %(maximum)d.", minimum=minimum, maximum=maximum)
                         if maximum else _l("Must be at least %(minimum)s.", minimum=minimum))
    return value


def query_day(name: str, *, default: date | None = None) -> date | None:
    """A YYYY-MM-DD query parameter within the years the schemas accept (``schemas.FIRST_YEAR`` … ``LAST_YEAR``)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = date.fromisoformat(raw) if is_date(raw) else None
    if value is None or not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _bad_query(name, DAY_MESSAGE)
    return value


def query_flag(name: str) -> bool | None:
    """``true`` or ``false``; None when absent."""
    choice = query_choice(name, ("true", "false"))
    return None if choice is None else choice == "true"


def limit() -> int:
    return query_int("limit", default=DEFAULT_LIMIT, maximum=MAX_LIMIT) or DEFAULT_LIMIT


def cursor() -> int | None:
    """An id cursor: the id of the last row of the previous page (opaque to clients)."""
    return query_int("cursor", maximum=2_147_483_647)


def day_cursor() -> tuple[date, int] | None:
    """A keyset cursor ``YYYY-MM-DD_id``: the sort day and id of the last row of the previous page, so the next
    page is right even when that row has changed since (a lead decided between two pages)."""
    raw = request.args.get("cursor")
    if not raw:
        return None
    day, _, last_id = raw.partition("_")
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        parsed = None
    if parsed is None or len(day) != 10 or not (last_id.isascii() and last_id.isdigit()) or len(last_id) > 10:
        raise _bad_query("cursor", _l("Pass the next_cursor of the previous page unchanged."))
    return parsed, int(last_id)


def invalid_cursor() -> ApiProblem:
    return _bad_query("cursor", _l("This cursor does not point into this list any more; start from the first page."))


def request_has(name: str) -> bool:
    return bool(request.args.get(name))


def query_choice(name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise _bad_query(name, _l("Must be one of: %(choices)s.", choices=", ".join(choices)))
    return raw


def page(items: list, rows: list, size: int, cursor_of: Callable[[Any], str] = lambda row: str(row.id)) -> dict:
    """``items`` serialised from ``rows`` (fetched with one extra row to know whether another page follows)."""
    more = len(rows) > size
    return {"items": items[:size], "next_cursor": cursor_of(rows[size - 1]) if more else None}


@contextmanager
def body_fields(**names: str) -> Iterator[None]:
    """A service names the field a refusal belongs to as its pages do (``substitute``, ``granted``); an API client
    reads it as the request body's property (SPEC §10): ``body_fields(substitute="code")`` renames it."""
    try:
        yield
    except DomainError as error:
        if error.field in names:
            error.field = names[error.field]
        raise
