"""Reading a programme definition file (``tenants/<slug>/programme.toml``) with line-precise errors (E-01)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stdnum.pl import nip as nip_number

from portal.core.labels import LANGUAGES
from portal.programmes import schema
from portal.tenancy.models import KINDS

PROGRAMME_TYPES = ("lead_reward", "loyalty")


@dataclass
class DefinitionError(Exception):
    """One problem in a definition file: where it is and what to do."""

    path: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.message}"


def _line_of(text: str, section: str, key: str, index: int | None = None) -> int | None:
    """The line where ``key`` is set inside ``[section]`` (or the ``index``-th ``[[section]]``, from 1); the
    section header when the key is missing, None when neither is there."""
    seen = 0
    in_section = False
    header_line = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith(('"', "'")) else raw.strip()
        if line.startswith("["):
            name = line.strip("[]").strip()
            if name == section:
                seen += 1
                in_section = index is None or seen == index
                if in_section:
                    header_line = number
            else:
                in_section = False
            continue
        if in_section and key and re.match(rf"{re.escape(key)}\s*=", line):
            return number
    return header_line


def line_of_path(text: str, path: str) -> int | None:
    """Line of a key path such as ``lead.min_quantity`` or ``lead.reward_rules[2].rate``."""
    found = re.fullmatch(r"(?P<table>[\w.]+)\[(?P<index>\d+)\](?:\.(?P<key>\w+))?", path)
    if found:
        return _line_of(text, found["table"], found["key"] or "", int(found["index"]))
    table, _, key = path.rpartition(".")
    if table:
        return _line_of(text, table, key)
    return _top_level_line(text, path) or _line_of(text, path, "")


def _top_level_line(text: str, key: str) -> int | None:
    """The line of a key set before the first table header."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            return None
        if re.match(rf"{re.escape(key)}\s*=", line):
            return number
    return None


def _section_line(text: str, section: str) -> int | None:
    """The line that opens ``section``, as a table, a list of tables or a plain key."""
    pattern = re.compile(rf"\s*(\[\[?\s*{re.escape(section)}\s*\]\]?|{re.escape(section)}\s*=)")
    return next((n for n, line in enumerate(text.splitlines(), start=1) if pattern.match(line)), None)


def _require(data: dict, text: str, path: str, section: str, key: str, kind: type | tuple, errors: list) -> None:
    value = data.get(section, {}).get(key)
    if value is None:
        errors.append(DefinitionError(path, _line_of(text, section, key), f"{section}.{key}", "is missing"))
    elif not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        errors.append(DefinitionError(path, _line_of(text, section, key), f"{section}.{key}", f"must be a {names}"))


def _line_at(path: Path, offset: int) -> int:
    """The line of a byte offset in the file (1-based)."""
    return path.read_bytes()[:offset].count(b"\n") + 1


def read(path: Path) -> tuple[dict, str]:
    """Parse and check a definition; raise a list of DefinitionErrors (nothing is applied on error)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DefinitionErrors([DefinitionError(str(path), None, "file", "there is no such file")]) from exc
    except IsADirectoryError as exc:
        raise DefinitionErrors([DefinitionError(str(path), None, "file", "is a folder, not a file")]) from exc
    except UnicodeDecodeError as exc:
        raise DefinitionErrors([DefinitionError(str(path), _line_at(path, exc.start), "encoding",
                                                "is not UTF-8 text; save it as UTF-8")]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise DefinitionErrors([DefinitionError(str(path), line, "syntax", str(exc))]) from exc
    errors: list[DefinitionError] = []
    p = str(path)
    for section in ("tenant", "programme"):  # `[[tenant]]` or `tenant = "x"`: said at its line, nothing else read
        if section in data and not isinstance(data[section], dict):
            errors.append(DefinitionError(p, _section_line(text, section), section,
                                          f"must be a table: write it as [{section}]"))
    if errors:
        raise DefinitionErrors(errors)
    for key in ("slug", "name", "kind", "legal_name", "nip", "address", "dpo_name", "dpo_email"):
        _require(data, text, p, "tenant", key, str, errors)
    for key in ("code", "type", "name_pl", "name_en", "summary_pl", "summary_en"):
        _require(data, text, p, "programme", key, str, errors)
    _require(data, text, p, "programme", "starts_on", date, errors)
    tenant = data.get("tenant", {})
    programme = data.get("programme", {})
    if isinstance(tenant.get("kind"), str) and tenant["kind"] not in KINDS:
        errors.append(DefinitionError(p, _line_of(text, "tenant", "kind"), "tenant.kind",
                                      f"must be one of {', '.join(KINDS)}"))
    if isinstance(tenant.get("nip"), str) and not nip_number.is_valid(tenant["nip"]):
        errors.append(DefinitionError(p, _line_of(text, "tenant", "nip"), "tenant.nip", "fails the NIP checksum"))
    if isinstance(tenant.get("slug"), str) and not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,38}", tenant["slug"]):
        errors.append(DefinitionError(p, _line_of(text, "tenant", "slug"), "tenant.slug",
                                      "use 2-39 lower-case letters, digits and dashes"))
    if isinstance(programme.get("type"), str) and programme["type"] not in PROGRAMME_TYPES:
        errors.append(DefinitionError(p, _line_of(text, "programme", "type"), "programme.type",
                                      f"must be one of {', '.join(PROGRAMME_TYPES)}"))
    errors += _tenant_setting_problems(tenant, text, p)
    ends, starts = schema.as_date(programme.get("ends_on")), schema.as_date(programme.get("starts_on"))
    if ends and starts and ends < starts:
        errors.append(DefinitionError(p, _line_of(text, "programme", "ends_on"), "programme.ends_on",
                                      "is before starts_on"))
    reported = {e.key for e in errors}
    errors += [DefinitionError(p, line_of_path(text, key), key, message) for key, message in schema.problems(data)
               if key not in reported]
    if not errors:
        from portal.leads.rules import problems as lead_problems
        from portal.loyalty.rules import problems as loyalty_problems

        check = {"lead_reward": lead_problems, "loyalty": loyalty_problems}[programme["type"]]
        errors = [DefinitionError(p, line_of_path(text, key), key, message) for key, message in check(data)]
    if errors:
        raise DefinitionErrors(errors)
    return data, text


def _tenant_setting_problems(tenant: dict, text: str, path: str) -> list[DefinitionError]:
    """E-04: a time zone the platform knows, a language it speaks, and the currency its money, taxes and fees are
    kept in (PLN)."""
    found = []
    zone, locale, currency = tenant.get("timezone"), tenant.get("locale"), tenant.get("currency")
    if isinstance(zone, str):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            found.append(("timezone", f"{zone!r} is not a time zone: use a name such as \"Europe/Warsaw\""))
    if isinstance(locale, str) and locale not in LANGUAGES:
        found.append(("locale", f"must be one of {', '.join(LANGUAGES)}"))
    if isinstance(currency, str) and currency != "PLN":
        found.append(("currency", "must be PLN: amounts, the participants' tax and the platform's fees are kept in "
                                  "złoty"))
    return [DefinitionError(path, _line_of(text, "tenant", key), f"tenant.{key}", message) for key, message in found]


class DefinitionErrors(Exception):
    def __init__(self, errors: list[DefinitionError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def to_json(value):
    """TOML dates become ISO strings so a definition can be stored as JSON."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
