"""CSV files that people open in a spreadsheet: a cell of typed text starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return would be read as a formula there (CSV injection, OWASP), so such text gets a leading ``'``.

Plain numbers (``-12.50``, ``+3``) are left as they are: negative amounts stay numbers, and the columns fixed by
FORMATS.md keep their values. Every CSV that holds typed text goes through ``writer`` or ``DictWriter`` here.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet shows it as text, never as a formula; anything that is not text is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Writer:
    """``csv.writer`` (a C object that cannot be subclassed) with every cell neutralised."""

    def __init__(self, inner) -> None:
        self._inner = inner

    @property
    def dialect(self):
        return self._inner.dialect

    def writerow(self, row: Iterable[Any]):
        return self._inner.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(f, dialect: str = "excel", **kwargs) -> _Writer:
    return _Writer(csv.writer(f, dialect, **kwargs))


class DictWriter(csv.DictWriter):
    """``csv.DictWriter`` with every cell neutralised."""

    def __init__(self, f, fieldnames, *args, **kwargs) -> None:
        super().__init__(f, fieldnames, *args, **kwargs)
        self.writer = _Writer(self.writer)
