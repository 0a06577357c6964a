"""One injectable clock for the whole product (SPEC E-04, ARCHITECTURE: money, points, time).

Services take a ``Clock``; the app holds the current one in ``app.extensions['clock']`` so a command run with
``--as-of DATE`` and a test can move time for everything at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app


class Clock:
    """The real clock: aware UTC datetimes."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self, tz: str = "Europe/Warsaw") -> date:
        return self.now().astimezone(ZoneInfo(tz)).date()


@dataclass
class FixedClock(Clock):
    """A clock stopped at ``at`` (moved by ``advance``); what ``--as-of`` and tests use."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


class FileClock(Clock):
    """The real clock, unless a file names the day to replay (``PORTAL_CLOCK_FILE``, development only): then noon
    of that day, as ``--as-of`` gives a command. Read on every call, so a running server and its worker move
    together when the file changes (browser tests, demos). A missing or empty file is the real time."""

    def __init__(self, path: str, tz: str = "Europe/Warsaw"):
        self.path = Path(path)
        self.tz = tz

    def now(self) -> datetime:
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            text = ""
        return as_of(date.fromisoformat(text), self.tz).now() if text else super().now()


def as_of(day: date, tz: str = "Europe/Warsaw") -> FixedClock:
    """Noon of ``day`` in the tenant's zone: the moment a replayed daily job runs at."""
    return FixedClock(datetime.combine(day, time(12, 0), ZoneInfo(tz)).astimezone(UTC))


def get_clock() -> Clock:
    return current_app.extensions["clock"]


def set_clock(clock: Clock) -> None:
    current_app.extensions["clock"] = clock


def now() -> datetime:
    return get_clock().now()


def utc(value: datetime) -> datetime:
    """Stored timestamps come back naive from SQLite: read them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
