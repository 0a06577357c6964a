"""Where a place is, as far as DPA §6 cares: inside the European Economic Area or outside it. Country names come
from Babel's territory names (CLDR), in English and in Polish, so that "Virginia, USA", "Stany Zjednoczone" and
"US" all name the United States."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale
from flask_babel import get_locale

# the 27 member states of the EU with Iceland, Liechtenstein and Norway; and the EU's outermost regions and Åland,
# which CLDR lists apart from their states (Canary Islands, Ceuta and Melilla, French Guiana, Guadeloupe,
# Martinique, Réunion, Mayotte, Saint Martin)
EEA = frozenset({"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
                 "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
                 "AX", "IC", "EA", "GF", "GP", "MQ", "RE", "YT", "MF"})
SEPARATORS = re.compile(r"[,;/()&+]|\s(?:and|i|oraz)\s", re.IGNORECASE)
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})  # groupings and pseudo-regions in CLDR
# names in common use that CLDR gives otherwise ("Türkiye", "Hong Kong SAR China", "Czechia")
ALIASES = {"usa": "US", "u.s": "US", "u.s.a": "US", "united states of america": "US",
           "stany zjednoczone ameryki": "US", "uk": "GB", "great britain": "GB", "england": "GB", "turkey": "TR",
           "hong kong": "HK", "macau": "MO", "macao": "MO", "czech republic": "CZ", "the netherlands": "NL",
           "holland": "NL", "korea": "KR", "republic of korea": "KR", "russian federation": "RU", "hongkong": "HK",
           "zjednoczone królestwo": "GB"}


@cache
def _codes_by_name() -> dict[str, str]:
    names = dict(ALIASES)
    for language in ("en", "pl"):
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES:
                names.setdefault(name.casefold(), code)
                names.setdefault(code.casefold(), code)
    return names


def countries_named(location: str) -> list[str]:
    """The ISO codes of the countries ``location`` names — as a whole or in its parts (separated by commas,
    semicolons, slashes, brackets, "&", "+", "and", "i", "oraz") — by English or Polish name. A two-letter ISO code
    counts only where no country is named and it ends the location ("Virginia, US"): inside one ("Nürnberg, BY,
    Germany", "Arezzo (AR), Italy") it is a region's code."""
    parts = [part.strip().rstrip(".").strip() for part in SEPARATORS.split(location)]
    parts = [part for part in parts if part]
    names = [code for part in parts if not _is_code(part) and (code := _codes_by_name().get(part.casefold()))]
    if names or not parts or not _is_code(parts[-1]):
        return names
    code = _codes_by_name().get(parts[-1].casefold())
    return [code] if code else []


def _is_code(part: str) -> bool:
    """Two letters that are no common name ("UK" is one)."""
    return len(part) == 2 and part.isalpha() and part.casefold() not in ALIASES


def outside(location: str) -> str | None:
    """The code of a country outside the EEA that ``location`` names, if it names one ("Frankfurt, Germany /
    Ashburn, USA" is a transfer, whatever else it names)."""
    return next((code for code in countries_named(location) if code not in EEA), None)


def country_name(code: str) -> str:
    """The country's name in the reader's language (English outside a request)."""
    locale = get_locale() or Locale.parse("en")
    return locale.territories.get(code, code)
