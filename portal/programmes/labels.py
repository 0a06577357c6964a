"""A definition's problems in the reader's language (E-01). The checks (``schema``, the programme types' rules) word
them in English for the command line and the logs; the editor shows them through here. The key path and the line
stay as written in the file; a wording not known here is shown as it is."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [(re.compile(p), f) for p, f in (
    (r"is missing", lambda m: _("is missing")),
    (r"must be a text in quotes", lambda m: _("must be a text in quotes")),
    (r"must be a whole number of at least 0", lambda m: _("must be a whole number of at least 0")),
    (r"must be a whole number above 0", lambda m: _("must be a whole number above 0")),
    (r"must be at most (?P<n>\d+)", lambda m: _("must be at most %(n)s", n=m["n"])),
    (r"must be true or false", lambda m: _("must be true or false")),
    (r"must be a date written YYYY-MM-DD", lambda m: _("must be a date written YYYY-MM-DD")),
    (r'must be an amount with at most 2 decimals, e\.g\. "549\.00"',
     lambda m: _('must be an amount with at most 2 decimals, e.g. "549.00"')),
    (r'must be a decimal fraction, e\.g\. "0\.15"', lambda m: _('must be a decimal fraction, e.g. "0.15"')),
    (r'must be a list of texts, e\.g\. \["a", "b"\]', lambda m: _('must be a list of texts, e.g. ["a", "b"]')),
    (r"must be a table \(\[(.+)\]\)", lambda m: _("must be a table ([%(table)s])", table=m[1])),
    (r"must be a list of tables \(\[\[(.+)\]\]\)", lambda m: _("must be a list of tables ([[%(table)s]])",
                                                                 table=m[1])),
    (r"is not a setting the engine knows in (.+?); did you mean '(.+)'\?",
     lambda m: _("is not a setting the engine knows in %(where)s; did you mean %(key)s?", where=m[1], key=m[2])),
    (r"is not a setting the engine knows in (.+)",
     lambda m: _("is not a setting the engine knows in %(where)s", where=m[1])),
    (r"(.+) appears twice: item (\d+) has it already",
     lambda m: _("%(value)s appears twice: item %(item)s has it already", value=m[1], item=m[2])),
    (r"is before (\w+)", lambda m: _("is before %(key)s", key=m[1])),
    (r"the engine runs (.+) only", lambda m: _("the engine runs %(values)s only", values=m[1])),
    (r"overlaps period (\d+), whose sales run until (\S+): a sale would be settled twice",
     lambda m: _("overlaps period %(number)s, whose sales run until %(day)s: a sale would be settled twice",
                 number=m[1], day=m[2])),
    (r"leaves a gap after period (\d+): sales from (\S+) to (\S+) would never be settled",
     lambda m: _("leaves a gap after period %(number)s: sales from %(first)s to %(last)s would never be settled",
                 number=m[1], first=m[2], last=m[3])),
    (r"is before the campaign starts \((\S+)\): sales outside the campaign are not rewarded",
     lambda m: _("is before the campaign starts (%(day)s): sales outside the campaign are not rewarded", day=m[1])),
    (r"is after the campaign ends \((\S+)\): sales outside the campaign are not rewarded",
     lambda m: _("is after the campaign ends (%(day)s): sales outside the campaign are not rewarded", day=m[1])),
    (r"is before sales_until: a payout cannot come before the sales it pays for",
     lambda m: _("is before sales_until: a payout cannot come before the sales it pays for")),
    (r"must fall after sales_until and by payout_by", lambda m: _("must fall after sales_until and by payout_by")),
    # the programme types' own checks (``leads.rules``, ``loyalty.rules``)
    (r"is missing: a campaign needs an end date", lambda m: _("is missing: a campaign needs an end date")),
    (r"must be a list of lead field names", lambda m: _("must be a list of lead field names")),
    (r"(.+) is not a lead field: use one of (.+)",
     lambda m: _("%(value)s is not a lead field: use one of %(values)s", value=m[1], values=m[2])),
    (r"is not a realisation setting: use one of (.+)",
     lambda m: _("is not a realisation setting: use one of %(values)s", values=m[1])),
    (r"must be one of (.+)", lambda m: _("must be one of %(values)s", values=m[1])),
    (r"needs at least one rule", lambda m: _("needs at least one rule")),
    (r'must be a fraction between 0 and 1, e\.g\. "(.+)"',
     lambda m: _('must be a fraction between 0 and 1, e.g. "%(example)s"', example=m[1])),
    (r'must be a decimal string, e\.g\. "0\.15"', lambda m: _('must be a decimal string, e.g. "0.15"')),
    (r"(.+) is not one of (lead\.\w+)", lambda m: _("%(value)s is not one of %(key)s", value=m[1], key=m[2])),
    (r"must be a whole number not below band_min", lambda m: _("must be a whole number not below band_min")),
    (r"is before sales_from", lambda m: _("is before sales_from")),
    (r"is missing: a first-year subscription value needs the tier prices",
     lambda m: _("is missing: a first-year subscription value needs the tier prices")),
    (r"is below (contacts_min|min_months) \((\d+)\)",
     lambda m: _("is below %(key)s (%(value)s)", key=m[1], value=m[2])),
    (r"leaves (\d+)–(\d+) contacts without a price: the lowest tier must start at (\d+)",
     lambda m: _("leaves %(low)s–%(high)s contacts without a price: the lowest tier must start at %(start)s",
                 low=m[1], high=m[2], start=m[3])),
    (r"leaves (\d+)–(\d+) contacts without a price after tier (\d+)",
     lambda m: _("leaves %(low)s–%(high)s contacts without a price after tier %(tier)s", low=m[1], high=m[2],
                 tier=m[3])),
    (r"overlaps tier (\d+), which ends at (\d+)",
     lambda m: _("overlaps tier %(tier)s, which ends at %(high)s", tier=m[1], high=m[2])),
    (r"must be at least 1", lambda m: _("must be at least 1")),
    (r"overlaps term discount (\d+): a term may have one discount only",
     lambda m: _("overlaps term discount %(number)s: a term may have one discount only", number=m[1])),
    (r"must be a number of months from 1 to 12", lambda m: _("must be a number of months from 1 to 12")),
    (r"is not a valid pattern", lambda m: _("is not a valid pattern")),
    (r'must be an amount such as "549\.00"', lambda m: _('must be an amount such as "549.00"')),
)]


def definition_message(text: str) -> str:
    """One problem's message in the reader's language; an unknown wording is returned as it is."""
    for pattern, say in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return say(match)
    return text
