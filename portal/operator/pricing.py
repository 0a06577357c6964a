"""C-02 (OWU V.1, V.3): a contract's own price list, as its order form gives it — the contact-count tiers with their
monthly list prices, and the Annual Innovation Premium — checked the same way from the operator's file
(`flask contracts sign --pricing FILE`) and from the contract page.

Stored on the contract as ``{"tiers": [{"contacts_max": 1000, "monthly_fee": "990.00"}, …, {"contacts_max": None,
"monthly_fee": "7990.00"}], "premium_rate": "0.05"}``: every tier but the last covers up to ``contacts_max``
contacts, the last every larger count; the premium is a fraction."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from portal.core.errors import DomainError

DEFAULT_PRICING = {"tiers": [{"contacts_max": 1000, "monthly_fee": "990.00"},
                             {"contacts_max": 5000, "monthly_fee": "1990.00"},
                             {"contacts_max": 20000, "monthly_fee": "3990.00"},
                             {"contacts_max": None, "monthly_fee": "7990.00"}],
                   "premium_rate": "0.05"}
FILE_KEYS = ("tiers", "annual_premium_percent")
TIER_KEYS = ("contacts_max", "monthly_fee")
MAX_TIERS = 20
MAX_CONTACTS = 1_000_000_000
PRICE = re.compile(r"\d{1,7}\.\d{2}")  # money: up to 9,999,999.99 a month, always with the grosze
PERCENT = re.compile(r"\d{1,3}(\.\d{1,2})?")


def _refuse(message: str, field: str) -> DomainError:
    return DomainError(message, field=field, rule="C-02")


def tiers_from(rows: object) -> list[dict]:
    """The order form's tiers, contacts ascending, each with its monthly list price (2 decimals); the last one
    takes every count above the one before it, so it has no ``contacts_max``. A higher tier never costs less: once
    reached, its fee is the minimum commitment (OWU V.4)."""
    if not isinstance(rows, list) or not rows:
        raise _refuse(_("Give at least one tier."), "tiers")
    if len(rows) > MAX_TIERS:
        raise _refuse(_("At most %(n)s tiers.", n=MAX_TIERS), "tiers")
    tiers: list[dict] = []
    for number, row in enumerate(rows, start=1):
        last = number == len(rows)
        if not isinstance(row, dict):
            raise _refuse(_("Tier %(n)s: give its most contacts and its monthly price.", n=number), "tiers")
        unknown = sorted(str(key) for key in row if key not in TIER_KEYS)
        if unknown:
            raise _refuse(_("Tier %(n)s: unknown key %(key)s (a tier has contacts_max and monthly_fee).", n=number,
                            key=unknown[0]), "tiers")
        most = row.get("contacts_max")
        if last and most is not None:
            raise _refuse(_("The last tier (tier %(n)s) takes every count above the tier before it: give it the "
                            "price alone, without a number of contacts.", n=number), "tiers")
        if not last and (isinstance(most, bool) or not isinstance(most, int) or not 1 <= most < MAX_CONTACTS):
            raise _refuse(_("Tier %(n)s: give the most contacts it covers, a whole number of 1 or more.", n=number),
                          "tiers")
        if not last and tiers and most <= tiers[-1]["contacts_max"]:
            raise _refuse(_("Tier %(n)s: its most contacts must be above the previous tier's %(previous)s (tiers "
                            "go up).", n=number, previous=tiers[-1]["contacts_max"]), "tiers")
        price = row.get("monthly_fee")
        if not isinstance(price, str) or not PRICE.fullmatch(price.strip()):
            raise _refuse(_("Tier %(n)s: the monthly price is an amount with 2 decimals, in quotes in a file, "
                            "e.g. \"990.00\".", n=number), "tiers")
        price = price.strip()
        if tiers and Decimal(price) < Decimal(tiers[-1]["monthly_fee"]):
            raise _refuse(_("Tier %(n)s: its monthly price cannot be below the previous tier's %(previous)s.",
                            n=number, previous=tiers[-1]["monthly_fee"]), "tiers")
        tiers.append({"contacts_max": None if last else most, "monthly_fee": price})
    return tiers


def premium_rate_from(percent: object) -> str:
    """OWU V.3: the Annual Innovation Premium of the order form, a percentage from 0 to 100 (at most 2 decimals),
    stored as a fraction (``5`` → ``"0.05"``)."""
    text = str(percent).strip() if isinstance(percent, int | float | str) and not isinstance(percent, bool) else ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not PERCENT.fullmatch(text) or value > 100:
        raise _refuse(_("The annual premium is a percentage from 0 to 100, with at most 2 decimals, e.g. 5."),
                      "premium")
    return str((value / 100).normalize()) if value else "0"


def from_table(table: object) -> dict:
    """A price list file's table (TOML or JSON): ``tiers`` and ``annual_premium_percent``, nothing else."""
    if not isinstance(table, dict):
        raise _refuse(_("A price list has tiers and annual_premium_percent."), "tiers")
    unknown = sorted(str(key) for key in table if key not in FILE_KEYS)
    if unknown:
        raise _refuse(_("Unknown key %(key)s: a price list has tiers and annual_premium_percent.", key=unknown[0]),
                      "tiers")
    for key in FILE_KEYS:
        if key not in table:
            raise _refuse(_("The price list gives no %(key)s.", key=key), "tiers" if key == "tiers" else "premium")
    return {"tiers": tiers_from(table["tiers"]), "premium_rate": premium_rate_from(table["annual_premium_percent"])}


def tiers_from_text(text: str) -> list[dict]:
    """The contract page's tiers, one a line: the most contacts and the monthly price (``1000 990.00``; a decimal
    comma is read as a point), the last line the price alone. Empty: the default tiers."""
    lines = [line.split() for line in (text or "").splitlines()]
    if not any(lines):
        return [dict(tier) for tier in DEFAULT_PRICING["tiers"]]
    rows: list[dict] = []
    for number, parts in enumerate(lines, start=1):
        if not parts:
            continue
        if len(parts) > 2 or (len(parts) == 2 and not (parts[0].isascii() and parts[0].isdigit())):
            raise _refuse(_("Line %(n)s: write the most contacts and the monthly price, e.g. 1000 990.00; the last "
                            "line the price alone.", n=number), "tiers")
        price = re.sub(r"^(\d+),(\d{2})$", r"\1.\2", parts[-1])
        rows.append({"monthly_fee": price} if len(parts) == 1 else {"contacts_max": int(parts[0]),
                                                                    "monthly_fee": price})
    return tiers_from(rows)


def premium_rate_from_text(text: str) -> str:
    """The contract page's premium in per cent (a decimal comma is read as a point). Empty: the default."""
    text = (text or "").strip().replace(",", ".")
    return DEFAULT_PRICING["premium_rate"] if not text else premium_rate_from(text)


def tiers_text(pricing: dict) -> str:
    """The tiers as the contract page's field shows them."""
    return "\n".join(tier["monthly_fee"] if tier["contacts_max"] is None else
                     f"{tier['contacts_max']} {tier['monthly_fee']}" for tier in pricing["tiers"])


def premium_percent(pricing: dict) -> str:
    """The premium in per cent, as the order form writes it (``"0.035"`` → ``"3.5"``)."""
    value = (Decimal(str(pricing.get("premium_rate", "0"))) * 100).normalize()
    return f"{value:f}"


def summary(pricing: dict) -> str:
    """One line for the operator's command output: ``up to 1000: 990.00; more: 7990.00; annual premium 5 %``."""
    tiers = "; ".join(f"up to {t['contacts_max']}: {t['monthly_fee']}" if t["contacts_max"] is not None else
                      f"more: {t['monthly_fee']}" for t in pricing["tiers"])
    return f"{tiers}; annual premium {premium_percent(pricing)} %"
