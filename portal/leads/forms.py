"""Forms of the lead pages. The rules themselves are checked by the services; these only parse."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.core.forms import Consent, Form
from portal.core.validators import NIP_AS_WRITTEN, PlausibleDay


class PartnerForm(Form):
    nip = StringField(_l("Company NIP"), validators=[DataRequired(_l("Enter the company NIP."))])
    name = StringField(_l("Company name"), validators=[DataRequired(_l("Enter the company name.")), Length(max=200)])
    address = StringField(_l("Company address"), validators=[DataRequired(_l("Enter the company address.")),
                                                             Length(max=300)])
    contact_first_name = StringField(_l("Contact person: first name"), validators=[DataRequired(), Length(max=100)])
    contact_last_name = StringField(_l("Contact person: last name"), validators=[DataRequired(), Length(max=100)])
    contact_phone = TelField(_l("Contact person: phone"), validators=[DataRequired(), Length(max=30)])
    contact_email = EmailField(_l("Contact person: e-mail"), validators=[DataRequired(), Length(max=254)])


# The words of a programme for what its customer buys, by the definition's ``lead.quantity_unit``.
VOCABULARY = {
    "licences": {"family": _l("Service family"), "billing": _l("Licensing model"),
                 "licences": _l("Licences the customer intends to buy")},
    "contacts": {"family": _l("Product"), "billing": _l("Contract type"),
                 "licences": _l("Expected number of contacts in the customer's database")},
}
SECTIONS = (
    (_l("Customer"), ("customer_name", "customer_address", "customer_nip", "customer_contact_first_name",
                      "customer_contact_last_name", "customer_contact_phone", "customer_contact_email")),
    (_l("What the customer intends to buy"), ("family", "plan", "billing", "licences", "term_months", "pcs")),
)
PARTNER_CONTACT = ("contact_first_name", "contact_last_name", "contact_phone", "contact_email")


class LeadForm(Form):
    """Every field a lead may hold; ``fit`` keeps those the programme's definition asks for, in its words."""

    customer_name = StringField(_l("Customer name"), validators=[Length(max=200)])
    customer_address = StringField(_l("Customer address"), validators=[Length(max=300)])
    customer_nip = StringField(_l("Customer NIP"), validators=[Length(max=NIP_AS_WRITTEN)])
    customer_contact_first_name = StringField(_l("Contact person at the customer: first name"),
                                              validators=[Length(max=100)])
    customer_contact_last_name = StringField(_l("Contact person at the customer: last name"),
                                             validators=[Length(max=100)])
    customer_contact_phone = TelField(_l("Contact person at the customer: phone"), validators=[Length(max=30)])
    customer_contact_email = EmailField(_l("Contact person at the customer: e-mail"),
                                        validators=[Length(max=254)])
    family = SelectField(_l("Service family"), choices=[])
    plan = StringField(_l("Service plan"), validators=[Length(max=100)])
    billing = SelectField(_l("Licensing model"), choices=[])
    licences = StringField(_l("Licences the customer intends to buy"), render_kw={"inputmode": "numeric"})
    term_months = StringField(_l("Expected contract term (months)"), render_kw={"inputmode": "numeric"})
    pcs = StringField(_l("PCs at the customer"), render_kw={"inputmode": "numeric"})
    contact_first_name = StringField(_l("Your contact person: first name"), validators=[Length(max=100)])
    contact_last_name = StringField(_l("Your contact person: last name"), validators=[Length(max=100)])
    contact_phone = TelField(_l("Your contact person: phone"), validators=[Length(max=30)])
    contact_email = EmailField(_l("Your contact person: e-mail"), validators=[Length(max=254)])
    vendor_consent = Consent(_l("I consent to the data of this lead being passed to the software vendor for "
                                     "verification"))

    def fit(self, asks, quantity_unit: str, consent_text: str | None) -> None:
        """Drop the fields the programme does not ask for (``asks(name)``) and name the rest in its words; the
        checkbox says what the definition's lead-form consent says."""
        for name in [n for n in self._fields if n not in ("csrf_token", "vendor_consent") and not asks(n)]:
            delattr(self, name)
        for name, text in VOCABULARY.get(quantity_unit, VOCABULARY["licences"]).items():
            self[name].label.text = text
        if consent_text:
            self.vendor_consent.label.text = consent_text

    def sections(self) -> list[tuple[str, list]]:
        """The customer's and the purchase's fields, in page order, of those this programme asks for."""
        return [(legend, [self[n] for n in names if n in self._fields]) for legend, names in SECTIONS]

    def partner_contact(self) -> list:
        return [self[n] for n in PARTNER_CONTACT]


class DecisionForm(Form):
    decision = SelectField(_l("Decision"), choices=[("qualified", _l("Qualify")), ("rejected", _l("Reject"))])
    reason = TextAreaField(_l("Reason (sent to the partner)"), validators=[Optional(), Length(max=1000)])


class FactForm(Form):
    customer_nip = StringField(_l("Customer NIP"), validators=[DataRequired(_l("Enter the customer's NIP."))])
    flag = SelectField(_l("Fact from the vendor"), choices=[])


class FlagsForm(Form):
    flags = StringField(_l("Flags"))


class UploadForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class SettlementForm(Form):
    as_of = DateField(_l("Settlement date"),
                      validators=[InputRequired(_l("Enter the settlement date.")), PlausibleDay()])


class ExcludeForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=1000)])

