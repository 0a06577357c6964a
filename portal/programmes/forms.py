"""The organiser admin's form for a new version of the terms or the information clause (E-03)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.core.forms import Form

TEXT_MAX = 200_000  # a regulamin runs to tens of thousands of characters; this bounds a mistaken paste


def _lf(value: str | None) -> str:
    """A browser sends a text area's lines ended by CR LF: the stored text (and its fingerprint) uses LF."""
    return (value or "").replace("\r\n", "\n")


class DocumentForm(Form):
    kind = SelectField(_l("Document"), choices=[("terms", _l("Terms of the programme")),
                                                ("privacy", _l("Information clause"))])
    text_pl = TextAreaField(_l("Text in Polish"), filters=[_lf],
                            validators=[DataRequired(_l("Write the text in Polish: it is the binding version.")),
                                        Length(max=TEXT_MAX)])
    text_en = TextAreaField(_l("Text in English"), filters=[_lf],
                            validators=[DataRequired(_l("Write the text in English too: participants who read the "
                                                        "portal in English are shown it.")), Length(max=TEXT_MAX)])
