"""Business days skip weekends and Polish public holidays (SPEC E-04, L-07)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _polish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PL", years=year))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _polish_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The date ``days`` business days after ``start`` (``start`` itself does not count)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            left -= 1
    return current
