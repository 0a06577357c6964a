"""A small JSON Schema (2020-12 subset) validator: the request schemas in ``schemas.py`` check the bodies'
shape with it, and the same dicts go into the OpenAPI document. Programme rules stay in the services: a schema
only says what is a string, a number or a date, and what fits the database columns (SPEC §11: never a 500).

Supported keywords: type, enum, const, properties, required, additionalProperties (bool), items, minItems,
maxItems, minLength, maxLength, pattern (with ``x-pattern-message``, the message when it fails), format (date),
minimum, maximum, if/then/else, description, title — the standard meaning of each, so what the OpenAPI document
promises a client is what is checked.
Every string is also refused when it holds a NUL character, which no database text column can store.

Messages are lazy translations of templates (``%(minimum)s`` …), rendered in the request's message language when
the problem is answered (``problems.problem_response``); a schema's ``x-pattern-message`` stays English in the
OpenAPI document, and ``PATTERN_MESSAGES`` gives the translatable template of each one the schemas use.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy too; named ngettext so that pybabel extracts the plurals

from portal.api import schemas
from portal.core.bulk import iso_day

Problem = tuple[str | None, str, str | None]

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
# The message when a value is not of its one type; and each type's name, for a value that may be one of several.
_MUST_BE = {"object": _l("Must be an object."), "array": _l("Must be a list."), "string": _l("Must be a string."),
            "integer": _l("Must be a whole number."), "number": _l("Must be a number."),
            "boolean": _l("Must be true or false."), "null": _l("Must be null.")}
_NAMES = {"object": _l("an object"), "array": _l("a list"), "string": _l("a string"), "integer": _l("a whole number"),
          "number": _l("a number"), "boolean": _l("true or false"), "null": _l("null")}

DAY_MESSAGE = _l("Must be a date as YYYY-MM-DD, in %(first)d … %(last)d.", first=schemas.FIRST_YEAR,
                 last=schemas.LAST_YEAR)
PATTERN_MESSAGES = {
    schemas.DAY["x-pattern-message"]: DAY_MESSAGE,
    schemas.AMOUNT_MESSAGE: _l("Must be an amount such as 1234.50."),
}


@lru_cache(maxsize=128)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def validate(value: object, schema: dict, path: str = "") -> list[Problem]:
    """Every problem with ``value``, each as (field path such as ``rows[2].value``, message, rule): the rule is the
    ``x-rule`` of the schema the value failed, else None."""
    problems: list[Problem] = []
    _check(value, schema, path, problems)
    return problems


def _check(value: object, schema: dict, path: str, out: list[Problem]) -> None:
    field = path or None
    rule = schema.get("x-rule")  # the SPEC rule a property fronts (an OpenAPI extension), named with its problems
    if "if" in schema:
        branch = schema.get("then") if not validate(value, schema["if"], path) else schema.get("else")
        if branch is not None:
            _check(value, branch, path, out)
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else list(types)
        if not any(_TYPES[t](value) for t in allowed):
            out.append((field, _type_message(allowed), rule))
            return
    if "const" in schema and value != schema["const"]:
        out.append((field, _l("Must be %(value)r.", value=schema["const"]), rule))
    if "enum" in schema and value not in schema["enum"]:
        out.append((field, _l("Must be one of: %(choices)s.", choices=", ".join(map(str, schema["enum"]))), rule))
    if isinstance(value, str):
        _check_string(value, schema, field, out, rule)
    elif _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            out.append((field, _l("Must be at least %(minimum)s.", minimum=schema["minimum"]), rule))
        if "maximum" in schema and value > schema["maximum"]:
            out.append((field, _l("Must be at most %(maximum)s.", maximum=schema["maximum"]), rule))
    elif isinstance(value, dict):
        _check_object(value, schema, path, out)
    elif isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append((field, ngettext("Needs at least %(num)d item.", "Needs at least %(num)d items.",
                                        schema["minItems"]), rule))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append((field, ngettext("Takes at most %(num)d item.", "Takes at most %(num)d items.",
                                        schema["maxItems"]), rule))
            return  # not one problem per item of an oversized list
        if "items" in schema:
            for index, item in enumerate(value):
                _check(item, schema["items"], _join(path, index), out)


def _check_string(value: str, schema: dict, field: str | None, out: list[Problem], rule: str | None) -> None:
    if "\x00" in value:
        out.append((field, _l("Must not contain NUL characters."), rule))  # PostgreSQL text cannot hold them
        return
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append((field, ngettext("Needs at least %(num)d character.", "Needs at least %(num)d characters.",
                                    schema["minLength"]), rule))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        out.append((field, ngettext("Takes at most %(num)d character.", "Takes at most %(num)d characters.",
                                    schema["maxLength"]), rule))
    if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
        out.append((field, _pattern_message(schema), rule))
        return  # one message for a value of the wrong form, not one per keyword
    if schema.get("format") == "date" and not is_date(value):
        out.append((field, _l("Must be a date as YYYY-MM-DD."), rule))


def _type_message(allowed: list[str]):
    if len(allowed) == 1:
        return _MUST_BE[allowed[0]]
    names = [_NAMES[t] for t in allowed]
    return _l("Must be %(some)s or %(last)s.", some=_Joined(names[:-1]), last=names[-1])


class _Joined:
    """Lazy names joined by commas, each rendered in the language the message around them is rendered in."""

    def __init__(self, names: list) -> None:
        self.names = names

    def __str__(self) -> str:
        return ", ".join(str(name) for name in self.names)


def _pattern_message(schema: dict):
    english = schema.get("x-pattern-message")
    if english is None:
        return _l("Must match %(pattern)s.", pattern=schema["pattern"])
    return PATTERN_MESSAGES.get(english, english)


def is_date(value: str) -> bool:
    """RFC 3339 full-date: exactly YYYY-MM-DD (``fromisoformat`` would also take 20180810 or 2018-W32-5)."""
    try:
        iso_day(value)
    except (TypeError, ValueError):
        return False
    return value == value.strip()


def _check_object(value: dict, schema: dict, path: str, out: list[Problem]) -> None:
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            out.append((_join(path, name), _l("This field is required."), None))
    for name, item in value.items():
        if name in properties:
            _check(item, properties[name], _join(path, name), out)
        elif schema.get("additionalProperties") is False:
            out.append((_join(path, name), _l("Unknown field."), None))
