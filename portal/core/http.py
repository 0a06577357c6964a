"""Rendering helpers shared by every page: whole page or HTMX fragment, the same template."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import make_response, render_template, session
from jinja2_fragments.flask import render_block

from portal.extensions import htmx


def wants_fragment() -> bool:
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The page, or only ``block`` of it for an HTMX request; ``Vary: HX-Request`` either way."""
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def form_errors(form, error) -> None:
    """Put a service's DomainError next to its field (or on the form when it names none)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*list(field.errors), error.message]
    else:
        form.form_errors.append(error.message)


def fresh_session() -> None:
    """A new session at a login or logout (no fixation across it) that keeps the visitor's language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def id_cursor(name: str = "after") -> int:
    """A list page's cursor: the id of the last row of the previous page (0: from the start); 400 when it is no
    id a row can have (letters, negative, beyond a 32-bit key — which would overflow the database's integer)."""
    from flask import abort, request

    raw = request.args.get(name, "")
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > 2_147_483_647:
        abort(400)
    return int(raw)


def day_cursor(name: str = "before"):
    """A list page's "older" cursor ``YYYY-MM-DD_ID`` from the query as (day, id); None when absent; 400 when
    malformed."""
    from datetime import date

    from flask import abort, request

    from portal.core.validators import whole_number

    if not request.args.get(name):
        return None
    try:
        day, last = request.args[name].split("_")
        number = whole_number(last)  # an id no column holds is no cursor of ours (20 digits overflowed the driver)
        if number is None:
            raise ValueError(last)
        return date.fromisoformat(day), number
    except ValueError:
        abort(400)


def local_path(target: str | None, *, under: str = "/") -> str | None:
    """``target`` when it is a path on this site under ``under`` (a ``next`` to go back to), else None: no scheme,
    no host, and no control character (a line break would split the Location header: Werkzeug refuses it)."""
    if not target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith(under):
        return None
    return target
