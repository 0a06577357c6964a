"""Form validators shared by the pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from wtforms import DecimalField
from wtforms.validators import StopValidation

# A NIP as people write it: "PL 123-456-32-18" is 16 characters; it is stored as its ten digits.
NIP_AS_WRITTEN = 20
INT32 = 2_147_483_647  # the largest number an integer column stores (a row id, a count)


def whole_number(text: object, most: int = INT32) -> int | None:
    """``text`` as a whole number from 0 to ``most``, or None: only ASCII digits (``str.isdigit`` also takes "²",
    which ``int`` then refuses with a 500), and none beyond the column (a 20-digit id overflowed the driver)."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= most else None


class Whole:
    """A whole number from ``low`` to ``high``, compared as integers: WTForms' NumberRange turns the value into a float
    first, so a number of some 300 digits raised OverflowError (a 500) instead of a message at the field."""

    def __init__(self, low: int, high: int, message: str | None = None) -> None:
        self.low, self.high, self.message = low, high, message

    def __call__(self, form, field) -> None:  # noqa: ARG002 - WTForms' validator signature
        if field.data is None:
            return  # InputRequired / Optional say what is missing
        if not self.low <= field.data <= self.high:
            raise StopValidation(str(self.message) if self.message else
                                 _("A whole number from %(low)s to %(high)s.", low=self.low, high=self.high))


class AmountField(DecimalField):
    """An amount of PLN as people type it (E-04): ``149,00``, ``149.00`` or ``1 490,00``; more than 2 decimals are
    refused at the field, never rounded away, and the amount must lie from ``low`` to ``high``."""

    def __init__(self, label=None, validators=None, low: Decimal = Decimal("0.01"),
                 high: Decimal = Decimal("1000000"), **kwargs) -> None:
        super().__init__(label, validators, places=2, **kwargs)
        self.low, self.high = low, high

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            valuelist = [str(v).replace("\u00a0", "").replace(" ", "").replace(",", ".") for v in valuelist]
        super().process_formdata(valuelist)

    def post_validate(self, form, validation_stopped: bool) -> None:  # noqa: ARG002 - WTForms' signature
        if validation_stopped or self.errors or self.data is None:
            return
        if not self.data.is_finite():  # NaN, Infinity: a Decimal, but no amount (its exponent is a letter)
            self.errors.append(_("An amount in PLN, e.g. 450.00."))
        elif self.data.as_tuple().exponent < -2:
            self.errors.append(_("At most 2 decimals (grosze), e.g. 450.00."))
        elif not self.low <= self.data <= self.high:
            from portal.core.labels import money

            self.errors.append(_("An amount from %(low)s to %(high)s.", low=money(self.low), high=money(self.high)))


# the days a page accepts: no programme, contract, request or person's birth lies outside them, and a day beyond
# them (year 1, year 9999) overflows the date arithmetic that follows (a deadline, a term's end) into a 500
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2099, 12, 31)  # the API's too (``api.schemas``)


def day_problem(day: date | None) -> str | None:
    """A message for a day outside the range the pages accept; None for one inside it (or none at all)."""
    if day is None or EARLIEST_DAY <= (day.date() if hasattr(day, "date") else day) <= LATEST_DAY:
        return None
    return _("Enter a date from %(first)s to %(last)s.", first=EARLIEST_DAY.isoformat(), last=LATEST_DAY.isoformat())


class PlausibleDay:
    """A WTForms validator: the day lies from ``EARLIEST_DAY`` to ``LATEST_DAY``."""

    def __call__(self, form, field) -> None:  # noqa: ARG002 - WTForms' validator signature
        problem = day_problem(field.data)
        if problem:
            raise StopValidation(problem)


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
    """An address with a name before its one @ and a domain with a dot after it (empty: required is checked apart)."""
    if not email:
        return True
    local, at, domain = email.rpartition("@")
    return bool(at and local and "@" not in local and "." in domain.strip(".") and not domain.startswith(".")
                and " " not in email)


class PhoneNumber:
    """A WTForms validator: a number that can be dialled (``phone_problem``), as the profile and the lead forms ask."""

    def __call__(self, form, field) -> None:  # noqa: ARG002 - WTForms' validator signature
        problem = phone_problem((field.data or "").strip())
        if problem:
            raise StopValidation(problem)
