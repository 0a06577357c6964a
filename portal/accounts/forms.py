"""Account forms (WTForms via Flask-WTF for CSRF). Messages are lazily translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.accounts.passwords import MIN_LENGTH
from portal.core.forms import Consent, Form
from portal.core.validators import NIP_AS_WRITTEN, PhoneNumber

CHECK_EMAIL = Email(_l("Check the e-mail address."))


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail.")), CHECK_EMAIL])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class RegistrationForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Enter your last name.")), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail.")), CHECK_EMAIL,
                                                 Length(max=254)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=30), PhoneNumber()])
    company_name = StringField(_l("Company name"), validators=[Optional(), Length(max=200)])
    nip = StringField(_l("Company NIP"), validators=[Optional(), Length(max=NIP_AS_WRITTEN)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=MIN_LENGTH, message=_l("Use at least %(num)d characters.", num=MIN_LENGTH))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ."))])
    accept_terms = Consent(_l("I have read and accept the programme terms"),
                                validators=[DataRequired(_l("You can only join after accepting the terms."))])
    accept_privacy = Consent(_l("I have read the information clause and consent to the processing of my data "
                                     "for the programme"),
                                  validators=[DataRequired(_l("Registration without this consent is not valid."))])
    marketing = Consent(_l("Optional"))  # G-08: the programme's own text is the label; never ticked for you

    def validate(self, extra_validators=None) -> bool:
        """L-01: the organiser's programme may admit companies only; what it asks of the company is said next to the
        company fields, with the form's other problems."""
        from flask import g

        from portal.core.clock import get_clock
        from portal.leads.service.partners import registration_problems

        valid = super().validate(extra_validators)
        tenant = g.get("tenant")
        if tenant is None:
            return valid
        day = get_clock().today(tenant.timezone)
        for name, message, rule in registration_problems(self.company_name.data or "", self.nip.data or "", day=day):
            field = getattr(self, name)
            if not field.errors:
                field.errors = [f"{message} ({rule})"]  # as the join step says it
                valid = False
        return valid


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail.")), CHECK_EMAIL])


class ResetForm(Form):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=MIN_LENGTH, message=_l("Use at least %(num)d characters.", num=MIN_LENGTH))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ."))])


class AcceptForm(Form):
    accept = Consent(_l("I accept the new version"), validators=[DataRequired(_l("Accept to continue."))])
    shown = HiddenField()  # the versions the page showed (E-03): a newer one published meanwhile is not accepted unseen


class ProfileForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(_l("Enter your first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Enter your last name.")), Length(max=100)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=30), PhoneNumber()])
    company_name = StringField(_l("Company name"), validators=[Optional(), Length(max=200)])
    nip = StringField(_l("Company NIP"), validators=[Optional(), Length(max=NIP_AS_WRITTEN)])
    locale = SelectField(_l("Language"), choices=[("pl", "Polski"), ("en", "English")])


# SPEC §2: the organiser's own roles; a bad choice gets the service's message next to the field
ORGANISER_ROLE_CHOICES = [("admin", _l("Administrator")), ("staff", _l("Staff")),
                          ("dpo", _l("Data-protection officer"))]


class OrganiserAccountForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(_l("Enter the first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Enter the last name.")), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter the e-mail.")), CHECK_EMAIL, Length(max=254)])
    role = SelectField(_l("Role"), choices=ORGANISER_ROLE_CHOICES, default="staff", validate_choice=False)
    locale = SelectField(_l("Language"), choices=[("pl", "Polski"), ("en", "English")], validate_choice=False)


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=ORGANISER_ROLE_CHOICES, validate_choice=False)
