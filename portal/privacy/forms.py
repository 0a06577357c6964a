from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.core.forms import Form
from portal.core.validators import PlausibleDay
from portal.privacy.labels import REQUEST_KINDS as REQUEST_KIND_NAMES
from portal.privacy.models import REQUEST_KINDS

KIND_LABELS = {"access": _l("Access to my data"), "portability": _l("A copy of my data to take elsewhere"),
               "erasure": _l("Erasure of my data"), "restriction": _l("Restriction of processing"),
               "rectification": _l("Correction of my data"), "objection": _l("Objection to marketing contact"),
               "withdraw_consent": _l("Withdrawal of consent")}


class PublicRequestForm(Form):
    kind = SelectField(_l("What do you ask for?"), choices=[(k, KIND_LABELS[k]) for k in REQUEST_KINDS])
    email = EmailField(_l("Your e-mail"), validators=[DataRequired(_l("Enter your e-mail.")),
                                                      Email(_l("Check the e-mail address."))])
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)])
    details = TextAreaField(_l("Details (optional)"), validators=[Optional(), Length(max=2000)])


class DpoRequestForm(PublicRequestForm):
    """A request the DPO enters from a letter or an e-mail: the fields speak of the requester, not to them."""

    kind = SelectField(_l("Kind of request"), choices=[(k, REQUEST_KIND_NAMES[k]) for k in REQUEST_KINDS])
    email = EmailField(_l("The requester's e-mail"), validators=[DataRequired(_l("Enter the requester's e-mail.")),
                                                                 Email(_l("Check the e-mail address."))])
    name = StringField(_l("The requester's name"), validators=[Optional(), Length(max=200)])
    details = TextAreaField(_l("What the request says (optional)"), validators=[Optional(), Length(max=2000)])
    locale = SelectField(_l("Language of the answers"),
                         choices=[("", _l("the person's account's, else the organiser's")), ("pl", _l("Polish")),
                                  ("en", _l("English"))], default="")
    received_on = DateField(_l("Received on (empty: today)"), validators=[Optional(), PlausibleDay()])
    note = TextAreaField(_l("How was the identity checked?"), validators=[DataRequired(_l("Say how.")),
                                                                         Length(max=1000)])


class NoteForm(Form):
    note = TextAreaField(_l("Note"), validators=[DataRequired(_l("Write a note.")), Length(max=1000)])


class ExtendForm(Form):
    months = SelectField(_l("Extend by"), choices=[("1", _l("one month")), ("2", _l("two months"))])
    reason = TextAreaField(_l("Reason (sent to the requester)"), validators=[DataRequired(_l("Give the reason.")),
                                                                             Length(max=1000)])


class CloseForm(Form):
    outcome = TextAreaField(_l("Answer to the requester"), validators=[DataRequired(_l("Write the answer.")),
                                                                       Length(max=2000)])
