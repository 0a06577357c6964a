"""C-02: the monthly fee of a contract (OWU V.3–V.5, VIII.4, VIII.7): the participant-count tier with its minimum
commitment, the annual premium from each anniversary, the term discount, and part months by their days."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from portal.core.money import money
from portal.operator.models import Contract
from portal.operator.pricing import DEFAULT_PRICING


def months_end(starts_on: date, months: int) -> date:
    """The last day of a period of ``months`` from ``starts_on`` (the day before the same date). When the month the
    period ends in has no day of the start's number, it runs to that month's last day (a month from 31 Jan ends
    28 Feb, as Polish civil law counts a period of months, art. 112 KC), not a day short of it."""
    next_start = starts_on + relativedelta(months=months)
    if next_start.day < starts_on.day:  # the day was cut to the month's end: that whole day belongs to the period
        return next_start
    return next_start - timedelta(days=1)


def term_discount(term_months: int) -> Decimal:
    """C-02 (OWU VIII.7): 30 % for terms of 6–12 months, 50 % for 12 months or longer."""
    if term_months >= 12:
        return Decimal("0.50")
    if term_months >= 6:
        return Decimal("0.30")
    return Decimal(0)


def tier_index(pricing: dict, contacts: int) -> int:
    for index, tier in enumerate(pricing["tiers"]):
        if tier["contacts_max"] is None or contacts <= tier["contacts_max"]:
            return index
    return len(pricing["tiers"]) - 1


@dataclass
class MonthlyFee:
    month: date
    contacts: int
    tier: int
    list_fee: Decimal
    premium_years: int  # the premiums in force on the last day billed
    discount_rate: Decimal
    discount: Decimal
    fee: Decimal
    days: int  # the days of the month billed: all of them, or those served up to the contract's end (OWU VIII.4)
    month_days: int
    premium_from: date | None = None  # the anniversary day, when the month holds one after its first day billed


def anniversary(contract: Contract, years: int) -> date:
    """C-02 (OWU V.3): the ``years``-th anniversary of the contract's start, the first day of its next contract year:
    the day after a period of ``years`` × 12 months from the start ends, counted as the term is (art. 112 KC) — a
    contract from 29 February 2024 has its first year to 28 February 2025, so the premium applies from 1 March,
    the day its 12-month term renews."""
    return months_end(contract.starts_on, 12 * years) + timedelta(days=1)


def premium_years_on(contract: Contract, day: date) -> int:
    """C-02 (OWU V.3): how many anniversaries have passed on ``day`` (the anniversary day itself included)."""
    years = 0
    while anniversary(contract, years + 1) <= day:
        years += 1
    return years


def _listed(pricing: dict, tier: int, years: int) -> Decimal:
    """The tier's monthly list price with the premium compounded ``years`` times (unrounded)."""
    return (Decimal(pricing["tiers"][tier]["monthly_fee"])
            * (1 + Decimal(pricing.get("premium_rate", "0"))) ** years)


def _reach(contract: Contract, contacts: int) -> tuple[dict, int]:
    """The price list and the tier billed: the one the count reaches, never below the highest reached (OWU V.4)."""
    pricing = contract.pricing or DEFAULT_PRICING
    tier = max(tier_index(pricing, contacts), contract.max_tier_reached)
    contract.max_tier_reached = tier
    return pricing, tier


def monthly_fee(contract: Contract, month: date, contacts: int, *,
                served: tuple[date, date] | None = None) -> MonthlyFee:
    """C-02: the fee follows the participant count; a tier once reached is the minimum from then on; the annual
    premium compounds on each anniversary; the term discount applies last. ``served``: the first and the last day
    of the month billed (default: all of it) — a month served only in part (the contract started or ended in it)
    is billed for those days, each amount × days / days in the month (OWU VIII.4).

    OWU V.3 raises the fees "w każdą rocznicę wejścia w życie Umowy": a month holding an anniversary after its first
    day billed (a contract that started after the 1st) is split at it — the days before the anniversary at the old
    premium, the days from it at the new. Rounding: each part is billed as a part month would be (its list fee and
    its fee, each × its days / days in the month, rounded to the grosz half up), and the parts are summed, so a
    split month is exactly the sum of two part months; a whole month at one premium is rounded once, as before."""
    pricing, tier = _reach(contract, contacts)
    month = month.replace(day=1)
    month_days = monthrange(month.year, month.month)[1]
    first, last = served or (month, month.replace(day=month_days))
    rate = term_discount(contract.term_months)
    billed = fee = Decimal("0.00")
    day, years, premium_from = first, premium_years_on(contract, first), None
    while day <= last:
        next_year = anniversary(contract, years + 1)
        part_last = min(last, next_year - timedelta(days=1))
        share = Decimal((part_last - day).days + 1) / Decimal(month_days)
        listed = _listed(pricing, tier, years)
        billed += money(listed * share)
        fee += money((listed - listed * rate) * share)
        if part_last < last:
            day, years, premium_from = next_year, years + 1, next_year
        else:
            break
    # the discount shown is what the list fee and the fee leave between them, so the columns add up to the grosz
    return MonthlyFee(month, contacts, tier, billed, years, rate, billed - fee, fee, (last - first).days + 1,
                      month_days, premium_from)


def fee_in_force(contract: Contract, day: date, contacts: int) -> MonthlyFee:
    """C-02: a whole month's fee at the tier reached and the premium in force on ``day`` (its month's line is
    blended when it holds an anniversary; a monthly rate taken on a day is not)."""
    pricing, tier = _reach(contract, contacts)
    month = day.replace(day=1)
    years = premium_years_on(contract, day)
    listed = _listed(pricing, tier, years)
    rate = term_discount(contract.term_months)
    billed, fee = money(listed), money(listed - listed * rate)
    month_days = monthrange(month.year, month.month)[1]
    return MonthlyFee(month, contacts, tier, billed, years, rate, billed - fee, fee, month_days, month_days)
