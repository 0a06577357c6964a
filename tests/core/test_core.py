"""Money, business days and the clock (E-04)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.core.businessdays import add_business_days, is_business_day
from portal.core.clock import as_of
from portal.core.money import money


def test_E04_money_rounds_half_up_to_the_grosz():
    assert money(Decimal("10.005")) == Decimal("10.01")
    assert money("2.675") == Decimal("2.68")


def test_E04_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)


def test_E04_business_days_skip_weekends_and_polish_holidays():
    assert not is_business_day(date(2018, 11, 12))  # Independence Day observed (centenary, 2018)
    assert not is_business_day(date(2018, 11, 1))  # All Saints' Day
    assert not is_business_day(date(2018, 8, 15))  # Assumption
    # lead registered Wednesday 2018-10-31: 5 business days skip 1 Nov (holiday) and the weekend
    assert add_business_days(date(2018, 10, 31), 5) == date(2018, 11, 8)


def test_E04_as_of_is_noon_in_the_tenants_zone():
    clock = as_of(date(2026, 7, 1))
    assert clock.today() == date(2026, 7, 1)
    assert clock.now().hour == 10  # 12:00 in Warsaw summer time is 10:00 UTC
