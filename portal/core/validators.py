"""Form validators shared by the pages."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms.validators import StopValidation


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
