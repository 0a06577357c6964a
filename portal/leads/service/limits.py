"""What a record of a lead-reward programme can hold: the column sizes of ``portal.leads.models`` checked in the
services, so the bulk commands refuse an oversized value next to its field as the pages and the API (whose schema
bounds them) do, instead of the database refusing it mid-import (L-01, L-02, L-10)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from portal.core.validators import INT32  # noqa: F401 - the bound the lead services check numbers against

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


PHONE_CHARACTERS = frozenset("0123456789 -.()/")


def phone_problem(phone: str) -> str | None:
    """L-01, L-02 ("prawidłowe dane kontaktowe"): a number that can be dialled — 9 to 15 digits (a Polish number,
    or an international one up to E.164's 15), an optional leading +, and spaces, hyphens, dots, slashes or
    brackets between them. None when it is one (or empty: whether it is required is checked apart)."""
    number = phone[1:] if phone.startswith("+") else phone
    digits = sum(ch.isdigit() for ch in number)
    if not phone or (set(number) <= PHONE_CHARACTERS and 9 <= digits <= 15):
        return None
    return _("Enter a phone number of 9 to 15 digits, e.g. +48 600 100 200.")


def email_ok(email: str) -> bool:
    """An address with a name before the @ and a domain with a dot after it (empty: required is checked apart)."""
    if not email:
        return True
    local, at, domain = email.rpartition("@")
    return bool(at and local and "." in domain.strip(".") and not domain.startswith(".") and " " not in email)
