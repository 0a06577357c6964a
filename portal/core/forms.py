"""The base of every page form: Flask-WTF's form (CSRF) that also refuses a NUL character in any text field, next to
that field (SPEC §11: PostgreSQL cannot store one; a page answers bad input at the field, never with a 500)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

NUL_MESSAGE = _l("Remove the NUL character (\\x00): it cannot be stored.")


class Form(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and "\x00" in field.data:
                field.errors = [*field.errors, str(NUL_MESSAGE)]
                valid = False
        return valid


class Checkbox(BooleanField):
    """Every page's checkbox: a ticked box sends "y"; a tampered form's "no", "0" or "off" is not ticked (WTForms'
    own checkbox counts every value but "false" as ticked)."""

    false_values = (False, "false", "", "0", "no", "n", "off")


class Consent(Checkbox):
    """A checkbox whose tick is someone's consent or acceptance (G-08, L-21)."""
