"""Codes shown to people, in the reader's language.

The database and the programme definitions keep codes (``payable``, ``substitute_offered``, ``erasure``) and, for
a few computed explanations, short English sentences (a settlement line's reason). Pages, notices and human
documents never show those as they are: each area has one map here, code → ``lazy_gettext`` label, registered by
its package (``portal/leads/labels.py``, ``portal/loyalty/labels.py``, ``portal/privacy/labels.py``,
``portal/api/labels.py``) and read by templates through the ``label`` filter::

    {{ line.status|label("settlement.status") }}

An area may also have a resolver, tried first: names the organiser wrote in the programme definition
(``name_pl`` / ``name_en`` of a status, a criterion, a device model) win over the product's own label. A code in
no map is shown as it is, so nothing ever disappears from a page. Machine-readable outputs (CSV columns that
FORMATS.md documents as codes, the API) keep the codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import Flask, g, has_app_context
from flask_babel import format_currency, format_decimal, get_locale

from portal.core.money import CENT

LANGUAGES = ("pl", "en")

_MAPS: dict[str, dict[str, object]] = {}
_RESOLVERS: dict[str, Callable[[str], str | None]] = {}


def register(area: str, mapping: Mapping[str, object]) -> None:
    """Add ``code → label`` pairs (labels are lazy strings, resolved when shown) to an area."""
    _MAPS.setdefault(area, {}).update(mapping)


def resolver(area: str):
    """Decorator: ``fn(code) -> str | None`` consulted before the area's map (``None``: not known there)."""

    def wrap(fn: Callable[[str], str | None]):
        _RESOLVERS[area] = fn
        return fn

    return wrap


def known(area: str) -> dict[str, object]:
    return dict(_MAPS.get(area, {}))


def label(code, area: str, default: str | None = None) -> str:
    """The label of ``code`` in ``area`` in the current language; ``default`` or the code itself when unknown."""
    if code is None or code == "":
        return ""
    key = str(code)
    fn = _RESOLVERS.get(area)
    if fn is not None:
        found = fn(key)
        if found:
            return found
    mapped = _MAPS.get(area, {}).get(key)
    if mapped is not None:
        return str(mapped)
    return default if default is not None else key


def labels(codes: Iterable, area: str) -> list[str]:
    return [label(code, area) for code in codes or ()]


def language() -> str:
    """``pl`` or ``en``: the request's language, or the one forced for a notice (``force_locale``)."""
    try:
        locale = get_locale()
    except Exception:  # noqa: BLE001 - outside any context: the platform's own language
        locale = None
    found = getattr(locale, "language", None)
    return found if found in LANGUAGES else "pl"


def localised(item: Mapping | object | None, key: str = "name") -> str:
    """``<key>_<language>`` of a definition entry or a model row, falling back to the other language, then ``code``."""
    if item is None:
        return ""
    get = item.get if isinstance(item, Mapping) else (lambda name: getattr(item, name, None))
    lang = language()
    for name in (f"{key}_{lang}", *(f"{key}_{other}" for other in LANGUAGES if other != lang), "code"):
        value = get(name)
        if value:
            return str(value)
    return ""


def percent(rate) -> str:
    """A fraction as a percentage in the reader's notation: ``0.125`` → ``12,5%`` in Polish, ``12.5%`` in English."""
    try:
        value = Decimal(str(rate)) * 100
    except (InvalidOperation, ValueError):
        return str(rate)
    return f"{format_decimal(value.normalize(), format='#,##0.##')}%"


def points(number) -> str:
    """Points as the reader groups numbers, as money is: ``19330`` → ``19 330`` in Polish, ``19,330`` in English."""
    if number is None or number == "":
        return ""
    return format_decimal(int(number))


def money(amount) -> str:
    """An amount of PLN as the reader writes money (E-04: 2 places): ``Decimal("12345.6")`` → ``12 345,60 zł``
    in Polish (non-breaking spaces), ``PLN12,345.60`` in English. ``None`` is shown as nothing. Files for machines
    (the CSVs and the API of FORMATS.md) keep their plain decimal points and never come through here."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(amount)
    return format_currency(value, "PLN")


def _whole(definition: dict) -> dict:
    return definition


def definition() -> dict:
    """The current tenant's programme definition in force today (parsed once per version, looked up once per
    request and tenant); ``{}`` without a tenant (operator pages) or a programme: labels fall back to the product's
    own. Callers must not change it."""
    from portal.tenancy.guard import current_tenant_id

    tenant_id = current_tenant_id() if has_app_context() else None
    if tenant_id is None:
        return {}
    cache = g.setdefault("_label_definitions", {})
    if tenant_id not in cache:
        from portal.core.clock import get_clock
        from portal.programmes import service as programmes

        tenant = g.get("tenant")
        timezone = tenant.timezone if tenant is not None and tenant.id == tenant_id else "Europe/Warsaw"
        key = programmes.version_key(get_clock().today(timezone))
        cache[tenant_id] = programmes.parsed(key, _whole) if key is not None else {}
    return cache[tenant_id]


def all_definitions() -> list[dict]:
    """Every programme version's definition of the current tenant, newest first (settlement lines keep the wording
    of the version that settled them); looked up once per request and tenant."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.programmes import service as programmes
    from portal.programmes.models import ProgrammeVersion
    from portal.tenancy.guard import current_tenant_id

    tenant_id = current_tenant_id() if has_app_context() else None
    if tenant_id is None:
        return []
    cache = g.setdefault("_label_all_definitions", {})
    if tenant_id not in cache:
        keys = db.session.execute(select(ProgrammeVersion.id, ProgrammeVersion.sha256).order_by(
            ProgrammeVersion.effective_from.desc(), ProgrammeVersion.version.desc())).all()
        cache[tenant_id] = [programmes.parsed((row.id, row.sha256), _whole) for row in keys]
    return cache[tenant_id]


def named_in_definition(entries: Iterable[Mapping] | None, code: str) -> str | None:
    """The localised name of the entry with this code in a list of definition entries (statuses, criteria…)."""
    for entry in entries or ():
        if isinstance(entry, Mapping) and entry.get("code") == code:
            name = localised({k: v for k, v in entry.items() if k != "code"})
            return name or None
    return None


def install(app: Flask) -> None:
    """Register every area and the template filters (on the Jinja environment itself, so the notices' e-mail
    templates, rendered outside any request, have them too)."""
    from portal.api import labels as api_labels
    from portal.leads import labels as lead_labels
    from portal.loyalty import labels as loyalty_labels
    from portal.privacy import labels as privacy_labels

    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["labels"] = labels
    app.jinja_env.filters["localised"] = localised
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["points"] = points
    for module in (api_labels, lead_labels, loyalty_labels, privacy_labels):
        app.jinja_env.filters.update(getattr(module, "FILTERS", {}))
        app.jinja_env.globals.update(getattr(module, "GLOBALS", {}))
