"""Bulk CSV imports (FORMATS.md): every row is checked by the same service as the web form; each bad row is
reported with its line number and reason; nothing is written unless every row is good, or ``commit_valid``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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


def read_rows(text: str, columns: Iterable[str]) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Rows with their line numbers (the header is line 1); a wrong header is an error of line 1."""
    expected = list(columns)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in expected if c not in header]
    if missing:
        return [], [RowError(1, _("header is missing column(s): %(missing)s; expected %(expected)s",
                                  missing=", ".join(missing), expected=",".join(expected)))]
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values()):
            continue
        rows.append((number, {k.strip(): (v or "").strip() for k, v in row.items() if k}))
    return rows, []


def run_import(text: str, columns: Iterable[str], handle: Callable[[dict], object], *,
               commit_valid: bool = False, dry_run: bool = False) -> ImportResult:
    """Apply ``handle`` to every row inside its own savepoint; all or nothing unless ``commit_valid``.
    ``dry_run`` checks every row (a preview) and writes nothing."""
    result = ImportResult()
    rows, result.errors = read_rows(text, columns)
    for line, row in rows:
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
    if dry_run or (result.errors and not commit_valid):
        db.session.rollback()
        return result
    db.session.commit()
    result.committed = True
    return result


def field_errors(error: DomainError) -> dict[str, list[str]]:
    """Problems grouped by field ("" for the whole form), each with its rule, for pages and problem+json."""
    grouped: dict[str, list[str]] = {}
    problems = error.problems if isinstance(error, ValidationFailed) else [(error.field, error.message, error.rule)]
    for name, message, rule in problems:
        grouped.setdefault(name or "", []).append(f"{message}" + (f" ({rule})" if rule else ""))
    return grouped
