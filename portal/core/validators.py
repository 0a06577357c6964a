"""Form validators shared by the pages."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from wtforms import DecimalField
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
        if self.data.as_tuple().exponent < -2:
            self.errors.append(_("At most 2 decimals (grosze), e.g. 450.00."))
        elif not self.low <= self.data <= self.high:
            from portal.core.labels import money

            self.errors.append(_("An amount from %(low)s to %(high)s.", low=money(self.low), high=money(self.high)))
