"""Forms of the lead pages. The rules themselves are checked by the services; these only parse."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class PartnerForm(FlaskForm):
    nip = StringField(_l("Company NIP"), validators=[DataRequired(_l("Enter the company NIP."))])
    name = StringField(_l("Company name"), validators=[DataRequired(_l("Enter the company name.")), Length(max=200)])
    address = StringField(_l("Company address"), validators=[DataRequired(_l("Enter the company address.")),
                                                             Length(max=300)])
    contact_first_name = StringField(_l("Contact person: first name"), validators=[DataRequired(), Length(max=100)])
    contact_last_name = StringField(_l("Contact person: last name"), validators=[DataRequired(), Length(max=100)])
    contact_phone = TelField(_l("Contact person: phone"), validators=[DataRequired(), Length(max=30)])
    contact_email = EmailField(_l("Contact person: e-mail"), validators=[DataRequired(), Length(max=254)])


class LeadForm(FlaskForm):
    customer_name = StringField(_l("Customer name"), validators=[Length(max=200)])
    customer_address = StringField(_l("Customer address"), validators=[Length(max=300)])
    customer_nip = StringField(_l("Customer NIP"), validators=[Length(max=13)])
    family = SelectField(_l("Service family"), choices=[])
    plan = StringField(_l("Service plan"), validators=[Length(max=100)])
    billing = SelectField(_l("Licensing model"), choices=[])
    licences = StringField(_l("Licences the customer intends to buy"))
    pcs = StringField(_l("PCs at the customer"))
    contact_first_name = StringField(_l("Your contact person: first name"), validators=[Length(max=100)])
    contact_last_name = StringField(_l("Your contact person: last name"), validators=[Length(max=100)])
    contact_phone = TelField(_l("Your contact person: phone"), validators=[Length(max=30)])
    contact_email = EmailField(_l("Your contact person: e-mail"), validators=[Length(max=254)])
    vendor_consent = BooleanField(_l("I consent to the data of this lead being passed to the software vendor for "
                                     "verification"))


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("qualified", _l("Qualify")), ("rejected", _l("Reject"))])
    reason = TextAreaField(_l("Reason (sent to the partner)"), validators=[Optional(), Length(max=1000)])


class FactForm(FlaskForm):
    customer_nip = StringField(_l("Customer NIP"), validators=[DataRequired(_l("Enter the customer's NIP."))])
    flag = SelectField(_l("Fact from the vendor"), choices=[])


class FlagsForm(FlaskForm):
    flags = StringField(_l("Flags"))


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class SettlementForm(FlaskForm):
    as_of = DateField(_l("Settlement date"), validators=[InputRequired(_l("Enter the settlement date."))])


class ExcludeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=1000)])

