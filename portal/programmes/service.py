"""Programme versions: loading a definition as a new version, reading the one in force."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select

from portal.core.clock import Clock
from portal.extensions import db
from portal.programmes import definition as definitions
from portal.programmes import documents
from portal.programmes.models import ProgrammeVersion

T = TypeVar("T")


def add_version(tenant_id: int, data: dict, text: str, *, effective_from: date, clock: Clock) -> ProgrammeVersion:
    """Store a definition as the next version, unless it says the same as the latest one (the same text, or the
    same definition written otherwise: a comment or a blank line more is no change)."""
    code = data["programme"]["code"]
    digest = hashlib.sha256(text.encode()).hexdigest()
    stored = definitions.to_json(data)
    latest = in_force(clock.today(timezone_of(tenant_id)), code=code) or latest_version(code)
    if latest is not None and (latest.sha256 == digest or latest.definition == stored):
        return latest
    pending = latest_version(code)
    if pending is not None and (pending.sha256 == digest or pending.definition == stored) \
            and pending.effective_from == effective_from:
        return pending  # the same change loaded again: already published, nothing new to announce
    number = (db.session.scalar(select(func.max(ProgrammeVersion.version)).where(ProgrammeVersion.code == code))
              or 0) + 1
    version = ProgrammeVersion(tenant_id=tenant_id, code=code, version=number, effective_from=effective_from,
                               definition=stored, sha256=digest, created_at=clock.now())
    db.session.add(version)
    db.session.flush()
    return version


def timezone_of(tenant_id: int) -> str:
    """The tenant's time zone (E-04), in which its days — effective dates, notice periods — are counted."""
    from portal.tenancy.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    return tenant.timezone if tenant is not None and tenant.timezone else "Europe/Warsaw"


def latest_version(code: str | None = None) -> ProgrammeVersion | None:
    query = select(ProgrammeVersion).order_by(ProgrammeVersion.version.desc())
    if code:
        query = query.where(ProgrammeVersion.code == code)
    return db.session.scalars(query).first()


def in_force(day: date, code: str | None = None) -> ProgrammeVersion | None:
    """The version whose ``effective_from`` is the latest not after ``day``."""
    query = select(ProgrammeVersion).where(ProgrammeVersion.effective_from <= day).order_by(
        ProgrammeVersion.effective_from.desc(), ProgrammeVersion.version.desc())
    if code:
        query = query.where(ProgrammeVersion.code == code)
    return db.session.scalars(query).first() or latest_version(code)


def version_key(day: date, code: str | None = None) -> tuple[int, str] | None:
    """(id, sha256) of the version ``in_force`` on ``day``: all a reader of its parsed rules needs per request."""
    columns = select(ProgrammeVersion.id, ProgrammeVersion.sha256)
    if code:
        columns = columns.where(ProgrammeVersion.code == code)
    row = db.session.execute(columns.where(ProgrammeVersion.effective_from <= day).order_by(
        ProgrammeVersion.effective_from.desc(), ProgrammeVersion.version.desc()).limit(1)).first()
    if row is None:
        row = db.session.execute(columns.order_by(ProgrammeVersion.version.desc()).limit(1)).first()
    return (row.id, row.sha256) if row is not None else None


_PARSED: OrderedDict[tuple, object] = OrderedDict()
_PARSED_LOCK = threading.Lock()
_PARSED_SIZE = 512


def parsed(key: tuple[int, str], parse: Callable[[dict], T]) -> T:
    """``parse`` of a version's definition, computed once per process: a stored version is never rewritten (a new
    text is a new version with its own digest), so the id and sha256 name the definition for good. The definition
    is read from the database only on the first call; callers must not change what they get."""
    cache_key = (*key, parse)
    with _PARSED_LOCK:
        if cache_key in _PARSED:
            _PARSED.move_to_end(cache_key)
            return _PARSED[cache_key]  # type: ignore[return-value]
    definition = db.session.scalar(select(ProgrammeVersion.definition).where(ProgrammeVersion.id == key[0]))
    value = parse(definition or {})
    with _PARSED_LOCK:
        _PARSED[cache_key] = value
        while len(_PARSED) > _PARSED_SIZE:
            _PARSED.popitem(last=False)
    return value


def programme_type(definition: dict) -> str | None:
    return definition.get("programme", {}).get("type")


def type_on(day: date) -> str | None:
    """The kind of programme (``lead_reward``, ``loyalty``) in force on ``day``; None without one."""
    key = version_key(day)
    return parsed(key, programme_type) if key is not None else None


def publish_texts(tenant_id: int, folder: Path, *, clock: Clock) -> None:
    """Publish ``terms.<lang>.md`` and ``privacy.<lang>.md`` from a tenant folder as document versions."""
    for kind in ("terms", "privacy"):
        texts = {p.name.split(".")[1]: p.read_text(encoding="utf-8") for p in sorted(folder.glob(f"{kind}.*.md"))}
        if texts:
            documents.publish(tenant_id, kind, texts, clock=clock)


def document_texts(data: dict, folder: Path) -> dict[str, dict[str, str]]:
    """E-03: the terms and information-clause texts a definition's ``[documents]`` names, read from beside it, per
    kind and language. A kind some of whose files are not there is left out: a definition loaded on its own
    changes no text, and a text is never published in one language without the others."""
    named: dict[str, dict[str, Path]] = {}
    for key, name in (data.get("documents") or {}).items():
        kind, _, locale = key.partition("_")
        if kind in documents.DOCUMENT_KINDS and locale and isinstance(name, str):
            named.setdefault(kind, {})[locale] = folder / name
    return {kind: {locale: path.read_text(encoding="utf-8") for locale, path in paths.items()}
            for kind, paths in named.items() if all(path.is_file() for path in paths.values())}


def missing_documents(data: dict, folder: Path) -> list[str]:
    """The ``[documents]`` files not found beside a definition (their kind is then not published)."""
    names = [name for key, name in (data.get("documents") or {}).items()
             if key.partition("_")[0] in documents.DOCUMENT_KINDS and isinstance(name, str)]
    return [name for name in names if not (folder / name).is_file()]


def after_load(tenant_id: int, data: dict, *, clock: Clock) -> None:
    """What a loaded definition brings besides its version: an installer programme's catalogue (P-20)."""
    if data["programme"]["type"] == "loyalty":
        from portal.loyalty.rules import LoyaltyRules
        from portal.loyalty.service.orders import sync_catalogue

        sync_catalogue(LoyaltyRules.parse(definitions.to_json(data)), tenant_id=tenant_id)
