"""Bulk CSV imports (FORMATS.md): every row is checked by the same service as the web form; each bad row is
reported with its line number and reason; nothing is written unless every row is good, or ``commit_valid``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import gettext as _

from portal.core.errors import DomainError
from portal.extensions import db


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    accepted: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


class ValidationFailed(DomainError):
    """Several problems at once, each ``(field, message, rule)``: a form shows each next to its field."""

    def __init__(self, problems: list[tuple[str | None, str, str | None]]):
        super().__init__("; ".join(m for _, m, _ in problems), field=problems[0][0], rule=problems[0][2])
        self.problems = problems

    def describe(self) -> str:
        return "; ".join(f"{rule}: {message}" if rule else message for _, message, rule in self.problems)


def decode(data: bytes) -> tuple[str, RowError | None]:
    """The file's text; a file that is not UTF-8 (a cp1250 or UTF-16 export) is refused at the line of its first
    undecodable byte, rather than read wrongly."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return "", RowError(line, _("the file is not UTF-8 text (byte 0x%(byte)02X); save it as \"CSV UTF-8\"",
                                    byte=data[error.start]))


FIELD_SIZE_LIMIT = 64 * 1024 * 1024


def read_rows(text: str, columns: Iterable[str], optional: Iterable[str] | None = None
              ) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Rows with the file line each starts on (the header is line 1; a quoted value may span lines, and blank lines
    count); a wrong header is an error of line 1, a row with more values than the header an error of its line.
    ``optional``: the other columns the import reads, when it names them — a column neither expected nor optional
    (a misspelt "delivery_adress") is then an error of the header, not a value silently dropped."""
    expected = list(columns)
    # a long value is the column's to refuse at its line (its size), not the csv module's (131,072 characters), whose
    # error stops the reading; the size of an upload is bounded before this (MAX_CONTENT_LENGTH)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    # universal newlines, as a text file is read: CRLF (Windows) and CR alone (old Mac exports) end lines too
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=None))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in expected if c not in header]
    if missing and len(header) == 1 and set(expected) <= {h.strip() for h in header[0].split(";")}:
        return [], [RowError(1, _("the values are separated by ';': save the file as CSV with a comma between values "
                                  "and a decimal point (expected header: %(expected)s)", expected=",".join(expected)))]
    problems = []  # a column named twice is said first: it is often why another seems missing ("ref,ref,…")
    if twice := sorted({h for h in header if h and header.count(h) > 1}):
        problems.append(RowError(1, _("header names column(s) more than once: %(twice)s", twice=", ".join(twice))))
    if missing:
        problems.append(RowError(1, _("header is missing column(s): %(missing)s; expected %(expected)s",
                                      missing=", ".join(missing), expected=",".join(expected))))
    if optional is not None and (unknown := [h for h in header if h and h not in expected and h not in optional]):
        problems.append(RowError(1, _("header has column(s) this import does not read: %(unknown)s; expected "
                                      "%(expected)s, and optionally %(optional)s", unknown=", ".join(unknown),
                                      expected=",".join(expected), optional=",".join(optional))))
    if problems:
        return [], problems
    rows, errors = [], []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:  # a quote never closed runs to the end of a file larger than any value may be
            errors.append(RowError(start, _unclosed_quote(start, None)))
            break
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if _swallowed(cells, len(header)):
            errors.append(RowError(line, _unclosed_quote(line, start - 1)))
            continue
        if any(cell.strip() for cell in cells[len(header):]):
            errors.append(RowError(line, _("the row has %(cells)d values but the header %(columns)d columns; put a "
                                           "value that contains a comma in double quotes",
                                           cells=len(cells), columns=len(header))))
            continue
        rows.append((line, {name: (cells[i].strip() if i < len(cells) else "")
                            for i, name in enumerate(header) if name}))
    return rows, errors


def _swallowed(cells: list[str], columns: int) -> bool:
    """Whether a quoted value runs on over lines that read as rows of their own — a quote opened and never closed
    — rather than holding a value typed on two lines (an address, a reason in prose): one of its lines has a value
    per column and starts as a row does, with a key (a ref, a NIP, an e-mail: no spaces) before its first comma."""
    return columns > 1 and any(part.count(",") >= columns - 1 and _key_like(part.split(",", 1)[0])
                               for cell in cells for part in cell.split("\n")[1:])


def _key_like(text: str) -> bool:
    """A file's first value: a ref, an e-mail or a NIP — one word, or a NIP written in groups ("PL 779 24 06 776")."""
    text = text.strip()
    return " " not in text or re.fullmatch(r"(?:PL)?[\d\s-]+", text, re.IGNORECASE) is not None


def _unclosed_quote(first: int, last: int | None) -> str:
    if last is None:
        return _("a double quote opened on line %(line)d is never closed, so the rest of the file reads as one "
                 "value; close it or remove it", line=first)
    return _("a double quote opened on line %(line)d is not closed where its value ends, so lines %(line)d to "
             "%(last)d read as one row; close it or remove it", line=first, last=last)


def run_import(source: str | Path, columns: Iterable[str], handle: Callable[[dict], object], *,
               optional: Iterable[str] | None = None, commit_valid: bool = False, dry_run: bool = False,
               key: Callable[[dict], object] | None = None, what: str = "",
               order: Callable[[dict], object] | None = None) -> ImportResult:
    """Apply ``handle`` to every row inside its own savepoint; all or nothing unless ``commit_valid``.
    ``dry_run`` checks every row (a preview) and writes nothing. ``key``: what makes a row the same record as
    another (``what`` names it); a second row of the file for the same record is refused rather than silently
    overwriting the first. A file refused as a whole (not UTF-8, a wrong header) writes nothing, whatever
    ``commit_valid`` says. ``order``: the key rows are applied in (stable, so file order among equals) when the file
    lists events that happened on their own days: the first to happen comes first, whatever its line."""
    result = ImportResult()
    text, unreadable = decode(source.read_bytes()) if isinstance(source, Path) else (source, None)
    if unreadable is not None:
        result.errors = [unreadable]
        return result
    rows, result.errors = read_rows(text, columns, None if optional is None else list(optional))
    if not rows and any(error.line == 1 for error in result.errors):
        return result
    first: dict[object, int] = {}
    applied = []
    for line, row in rows:
        if key is not None and (mark := key(row)) is not None:
            if mark in first:
                result.errors.append(RowError(line, _("the same %(what)s as line %(line)d", what=what,
                                                      line=first[mark])))
                continue
            first[mark] = line
        applied.append((line, row))
    if order is not None:
        applied.sort(key=lambda numbered: order(numbered[1]))
    for line, row in applied:
        savepoint = db.session.begin_nested()
        try:
            handle(row)
            db.session.flush()
        except DomainError as error:
            savepoint.rollback()
            result.errors.append(RowError(line, error.describe()))
        else:
            savepoint.commit()
            result.accepted += 1
    result.errors.sort(key=lambda error: error.line)
    if dry_run or (result.errors and not commit_valid):
        db.session.rollback()
        return result
    db.session.commit()
    result.committed = True
    return result


def iso_day(text: str) -> date:
    """FORMATS.md: a date is exactly YYYY-MM-DD. ``date.fromisoformat`` would also read 20180810 or 2018-W32-5 —
    an export in another layout (YYYYDDMM, say) would be read as some other day rather than refused; ValueError."""
    text = (text or "").strip()
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return date.fromisoformat(text)


def by_day(column: str) -> Callable[[dict], date]:
    """An ``order`` for ``run_import``: the row's day in ``column``; a row without a valid day goes last (it is
    refused anyway)."""

    def day(row: dict) -> date:
        try:
            return iso_day(row.get(column) or "")
        except ValueError:
            return date.max

    return day


def field_errors(error: DomainError) -> dict[str, list[str]]:
    """Problems grouped by field ("" for the whole form), each with its rule, for pages and problem+json."""
    grouped: dict[str, list[str]] = {}
    problems = error.problems if isinstance(error, ValidationFailed) else [(error.field, error.message, error.rule)]
    for name, message, rule in problems:
        grouped.setdefault(name or "", []).append(f"{message}" + (f" ({rule})" if rule else ""))
    return grouped
