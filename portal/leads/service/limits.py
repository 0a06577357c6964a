"""What a record of a lead-reward programme can hold: the column sizes of ``portal.leads.models`` checked in the
services, so the bulk commands refuse an oversized value next to its field as the pages and the API (whose schema
bounds them) do, instead of the database refusing it mid-import (L-01, L-02, L-10)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

# the checks the lead services share with the account pages
from portal.core.validators import INT32, email_ok, phone_problem  # noqa: F401

MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)


def text_problems(values: dict, limits: dict[str, tuple[int, str]], rule: str | None
                  ) -> list[tuple[str, str, str | None]]:
    """(field, message, rule) for each value longer than its column or holding a NUL (no text column stores one);
    ``limits`` maps a field to (its column's length, its label in the reader's language)."""
    found = []
    for key, (limit, label) in limits.items():
        value = values.get(key)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            found.append((key, _("%(field)s: remove the NUL character.", field=label), rule))
        elif len(value) > limit:
            found.append((key, _("%(field)s: at most %(n)d characters.", field=label, n=limit), rule))
    return found


