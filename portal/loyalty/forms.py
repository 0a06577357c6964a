from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.core.forms import Checkbox, Form
from portal.core.validators import NIP_AS_WRITTEN, AmountField, PlausibleDay, Whole
from portal.loyalty.service.ledger import MAX_POINTS

MAX_STOCK = 1_000_000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class JoinForm(Form):
    business = Checkbox(_l("I run a business (a company or a sole trader)"))
    nip = StringField(_l("Company NIP (if you run a business)"), filters=[_strip], validators=[Length(max=20)])
    installs_heating = Checkbox(_l("I install or service heating devices for a living"))
    adult = Checkbox(_l("I am of age"))
    employee = Checkbox(_l("I am employed by an installation business"))
    certificate = Checkbox(_l("I hold a valid authorisation certificate"))
    leader = Checkbox(_l("I am an installation leader"))
    delivery_address = StringField(_l("Delivery address for rewards (street and number, postcode, town)"),
                                   filters=[_strip], validators=[Length(max=300)])


class DeviceForm(Form):
    model_code = SelectField(_l("Device model"), choices=[])
    serial = StringField(_l("Serial number"), validators=[Length(max=60)])
    production_code = StringField(_l("Production code (e.g. FD517)"), validators=[Length(max=10)])
    installed_on = StringField(_l("Installation date (YYYY-MM-DD)"), validators=[Length(max=10)])
    proof = FileField(_l("Proof of purchase or installation (PDF, JPEG or PNG, up to 20 MB)"))


class ProofForm(Form):
    """P-10: a proof of purchase or installation added to a registered device."""

    proof = FileField(_l("Proof of purchase or installation (PDF, JPEG or PNG, up to 20 MB)"))


class TaxForm(Form):
    tax_id = StringField(_l("NIP or PESEL"), validators=[Length(max=NIP_AS_WRITTEN)])
    home_address = StringField(_l("Home address"), validators=[Length(max=300)])
    birth_date = DateField(_l("Date of birth"), validators=[Optional(), PlausibleDay()])
    employer_acceptance = FileField(_l("Your employer's written acceptance (if you are employed)"))


class DeliveryAddressForm(Form):
    """P-25: where the courier delivers the participant's rewards."""

    delivery_address = StringField(_l("Delivery address (street and number, postcode, town)"), filters=[_strip],
                                   validators=[DataRequired(_l("Give the address the courier should deliver your "
                                                               "rewards to.")), Length(max=300)])


class ComplaintForm(Form):
    kind = SelectField(_l("About"), choices=[("points", _l("Points credited")), ("programme", _l("The programme"))])
    entry_id = SelectField(_l("Which points"), choices=[], validate_choice=False)
    text = TextAreaField(_l("What is wrong?"), validators=[DataRequired(_l("Describe what is wrong.")),
                                                           Length(max=2000)])


class DecideForm(Form):
    decision = SelectField(_l("Decision"), choices=[("upheld", _l("Upheld")), ("refused", _l("Refused"))])
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(_l("Write the answer.")), Length(max=2000)])
    points = IntegerField(_l("Points to credit"), validators=[Optional(), Whole(1, MAX_POINTS)])


class RewardForm(Form):
    points = IntegerField(_l("Points"), validators=[InputRequired(), Whole(1, MAX_POINTS)])
    stock = IntegerField(_l("Stock"), validators=[InputRequired(), Whole(0, MAX_STOCK)])
    active = Checkbox(_l("Available"))


class RewardDetailsForm(Form):
    """P-20: everything about a reward the organiser may change (the code only when it is added)."""

    code = StringField(_l("Code"), validators=[DataRequired(_l("Give the reward's code.")), Length(max=40)])
    kind = StringField(_l("Kind (a substitute must be of the same kind)"), validators=[Length(max=40)])
    name_pl = StringField(_l("Name in Polish"), validators=[DataRequired(_l("Give the name.")), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(_l("Give the name.")), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    points = IntegerField(_l("Points"),
                          validators=[InputRequired(_l("A whole number, at least 1.")), Whole(1, MAX_POINTS)])
    gross_value = AmountField(_l("Gross value (PLN)"), validators=[InputRequired(_l("An amount in PLN, e.g. 450.00."))])
    delivery_days = IntegerField(_l("Delivery time (days)"),
                                 validators=[InputRequired(_l("A whole number, at least 1.")),
                                             Whole(1, 365)])
    stock = IntegerField(_l("Stock"), validators=[InputRequired(_l("A whole number, 0 or more.")),
                                                  Whole(0, MAX_STOCK)])
    active = Checkbox(_l("Available"))


class EndForm(Form):
    ends_on = DateField(_l("End date"), validators=[InputRequired(_l("Enter the end date.")), PlausibleDay()])


class RevokePointsForm(Form):
    """P-09: points from the balance, soonest-expiring first."""

    points = IntegerField(_l("Points to revoke"), validators=[InputRequired(_l("Enter the points to revoke.")),
                                                              Whole(1, MAX_POINTS, message=_l(
                                                                  "Enter the points to revoke as a positive whole "
                                                                  "number."))])
    reason = StringField(_l("Reason (kept on the ledger)"), validators=[Length(max=300)])


class RevokeDeviceForm(Form):
    """P-09: what is left of the points one device earned."""

    device = SelectField(_l("Device"), choices=[], coerce=int, validate_choice=True)
    reason = StringField(_l("Reason (kept on the ledger)"), validators=[Length(max=300)])


class ExcludeForm(Form):
    """P-32: the grounds an organiser decides on (the other two are the daily checks')."""

    ground = SelectField(_l("Ground"), choices=[])
    note = StringField(_l("Note"), validators=[Length(max=500)])


class TitleLossForm(Form):
    """P-02/P-03: the participant lost the authorisation or the installation-leader title."""

    lost = SelectField(_l("Lost"), choices=[])


class TitleGrantForm(Form):
    """P-02: the organiser granted the authorisation or the installation-leader title."""

    granted = SelectField(_l("Granted"), choices=[])
