"""A small JSON Schema (2020-12 subset) validator: the request schemas in ``schemas.py`` check the bodies'
shape with it, and the same dicts go into the OpenAPI document. Programme rules stay in the services: a schema
only says what is a string, a number or a date, and what fits the database columns (SPEC §11: never a 500).

Supported keywords: type, enum, const, properties, required, additionalProperties (bool), items, minItems,
maxItems, minLength, maxLength, pattern (with ``x-pattern-message``, the message when it fails), format (date),
minimum, maximum, if/then/else, description, title — the standard meaning of each, so what the OpenAPI document
promises a client is what is checked.
Every string is also refused when it holds a NUL character, which no database text column can store.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

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
_NAMES = {"object": "an object", "array": "a list", "string": "a string", "integer": "a whole number",
          "number": "a number", "boolean": "true or false", "null": "null"}


@lru_cache(maxsize=128)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def validate(value: object, schema: dict, path: str = "") -> list[Problem]:
    """Every problem with ``value``, each as (field path such as ``rows[2].value``, message, rule=None)."""
    problems: list[Problem] = []
    _check(value, schema, path, problems)
    return problems


def _check(value: object, schema: dict, path: str, out: list[Problem]) -> None:
    field = path or None
    if "if" in schema:
        branch = schema.get("then") if not validate(value, schema["if"], path) else schema.get("else")
        if branch is not None:
            _check(value, branch, path, out)
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else list(types)
        if not any(_TYPES[t](value) for t in allowed):
            out.append((field, f"Must be {' or '.join(_NAMES[t] for t in allowed)}.", None))
            return
    if "const" in schema and value != schema["const"]:
        out.append((field, f"Must be {schema['const']!r}.", None))
    if "enum" in schema and value not in schema["enum"]:
        out.append((field, f"Must be one of: {', '.join(map(str, schema['enum']))}.", None))
    if isinstance(value, str):
        _check_string(value, schema, field, out)
    elif _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            out.append((field, f"Must be at least {schema['minimum']}.", None))
        if "maximum" in schema and value > schema["maximum"]:
            out.append((field, f"Must be at most {schema['maximum']}.", None))
    elif isinstance(value, dict):
        _check_object(value, schema, path, out)
    elif isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append((field, f"Needs at least {schema['minItems']} item(s).", None))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append((field, f"Takes at most {schema['maxItems']} items.", None))
            return  # not one problem per item of an oversized list
        if "items" in schema:
            for index, item in enumerate(value):
                _check(item, schema["items"], _join(path, index), out)


def _check_string(value: str, schema: dict, field: str | None, out: list[Problem]) -> None:
    if "\x00" in value:
        out.append((field, "Must not contain NUL characters.", None))  # PostgreSQL text cannot hold them
        return
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append((field, f"Needs at least {schema['minLength']} character(s).", None))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        out.append((field, f"Takes at most {schema['maxLength']} characters.", None))
    if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
        out.append((field, schema.get("x-pattern-message", f"Must match {schema['pattern']}."), None))
        return  # one message for a value of the wrong form, not one per keyword
    if schema.get("format") == "date" and not is_date(value):
        out.append((field, "Must be a date as YYYY-MM-DD.", None))


def is_date(value: str) -> bool:
    """RFC 3339 full-date: exactly YYYY-MM-DD (``fromisoformat`` would also take 20180810 or 2018-W32-5)."""
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10 and value[4] == "-" and value[7] == "-"


def _check_object(value: dict, schema: dict, path: str, out: list[Problem]) -> None:
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            out.append((_join(path, name), "This field is required.", None))
    for name, item in value.items():
        if name in properties:
            _check(item, properties[name], _join(path, name), out)
        elif schema.get("additionalProperties") is False:
            out.append((_join(path, name), "Unknown field.", None))
