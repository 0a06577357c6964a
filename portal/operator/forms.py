from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError
from wtforms.widgets import DateInput

from portal.core.errors import DomainError
from portal.core.forms import Checkbox, Form
from portal.core.validators import day_problem
from portal.operator import pricing
from portal.operator.contracts import GROUNDS


class OperatorLoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail.")),
                                                 Email(_l("Check the e-mail address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


# C-01/C-03: the grounds of the terms (OWU VIII), in the operator's language; every key of contracts.GROUNDS has one
GROUND_LABELS = {
    "expiry": _l("End of the term after the organiser's notice of non-renewal (OWU VIII.1)"),
    "customer_outage_not_fixed": _l("Organiser's notice: main functions unavailable and not fixed within 7 days of "
                                    "the report (OWU VIII.2)"),
    "payment_delay_over_30_days": _l("Platform's notice: invoices unpaid for more than 30 days (OWU VIII.3a)"),
    "anti_spam_breach": _l("Platform's notice: gross breach of business ethics or of the anti-spam policy "
                           "(OWU VIII.3b)"),
    "law_breach": _l("Platform's notice: breach of mandatory law (OWU VIII.3c)"),
    "business_ethics_breach": _l("Platform's notice: unethical conduct towards the platform, e.g. abusive "
                                 "behaviour (OWU VIII.3d)"),
    "mutual": _l("Ended by agreement of both parties"),
}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _checked(field, missing: str | None = None, unreadable: str | None = None) -> date | None:
    """The field's day, or a message at the field: missing (when ``missing`` says it is required), not YYYY-MM-DD,
    or outside the days the pages accept (a term's end in year 10000 cannot be computed)."""
    if not (field.data or "").strip():
        if missing:
            raise ValidationError(missing)
        return None
    day = _day(field.data)
    if day is None:
        raise ValidationError(unreadable or _("Enter the date as YYYY-MM-DD."))
    problem = day_problem(day)
    if problem:
        raise ValidationError(problem)
    return day


class EndContractForm(Form):
    """C-03/C-04: the ground, the end date, and the organiser's address typed again to confirm."""

    ground = SelectField(_l("Ground"), choices=[SelectChoice("", _l("Choose the ground…"))]
                         + [SelectChoice(code, GROUND_LABELS[code]) for code in GROUNDS], validate_choice=False)
    on = StringField(_l("End date"), widget=DateInput())
    since = StringField(_l("Outage report accepted on / unpaid invoice due on"), widget=DateInput())
    confirm = StringField(_l("Confirmation"), render_kw={"autocomplete": "off", "spellcheck": "false"})

    def __init__(self, *args, slug: str, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.slug, self.today = slug, today
        self.confirm.label.text = _("To confirm, type the organiser's address name: %(slug)s", slug=slug)

    def validate_ground(self, field) -> None:
        if field.data not in GROUNDS:
            raise ValidationError(_("Choose the ground of the contract end."))

    def validate_on(self, field) -> None:
        day = _checked(field, _("Enter the end date."), _("Enter the end date as YYYY-MM-DD."))
        if day < self.today:
            # C-03: termination takes effect on the written notice; a past day would cut the export window short
            raise ValidationError(_("The end date cannot be before today (%(today)s).", today=self.today.isoformat()))

    def validate_since(self, field) -> None:
        """C-03: the day an outage or a late payment counts from; whether the ground holds is the service's call."""
        _checked(field)

    def since_day(self) -> date | None:
        return _day(self.since.data)

    def validate_confirm(self, field) -> None:
        if (field.data or "").strip().lower() != self.slug.lower():
            raise ValidationError(_("Type %(slug)s to confirm: the organiser's data will be deleted.", slug=self.slug))

    def day(self) -> date | None:
        """The end date when it is one the pages accept (the live summary computes nothing for another)."""
        day = _day(self.on.data)
        return day if day_problem(day) is None else None


class AuditForm(Form):
    """C-06: the organiser's written audit request as received: the questionnaire, or after it an inspection; or a
    request for information about the processing (DPA §4.2)."""

    tenant_id = SelectField(_l("Tenant"), coerce=int, validate_choice=False)
    form = SelectField(_l("Form of the audit"), choices=[
        SelectChoice("questionnaire", _l("Questionnaire sent by e-mail (answer within 30 days)")),
        SelectChoice("inspection", _l("Audit in another form, e.g. an inspection (after the questionnaire)")),
        SelectChoice("information", _l("Request for information about the processing (answer within 14 days)"))],
        validate_choice=False)
    received_on = StringField(_l("Received on (empty: today)"), widget=DateInput())
    questionnaire = TextAreaField(_l("Questions / scope"))
    starts_on = StringField(_l("Agreed start of the inspection"), widget=DateInput())

    def __init__(self, *args, tenants, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant_id.choices = [(t.id, t.name) for t in tenants]
        self.known = {t.id for t in tenants}

    def validate_tenant_id(self, field) -> None:
        if field.data not in self.known:
            raise ValidationError(_("Choose the tenant."))

    def validate_received_on(self, field) -> None:
        _checked(field)

    def validate_starts_on(self, field) -> None:
        _checked(field)

    def day(self, name: str) -> date | None:
        return _day(getattr(self, name).data)


class ContractTermsForm(Form):
    """C-01: the order form's start date and fixed term (it renews for the same term); C-02 (OWU V.1, V.3): its
    price list — one tier a line, the most contacts and the monthly list price, the last line the price alone —
    and its annual premium in per cent. A field left empty gives the default; a field not sent keeps the
    contract's own (``pricing``)."""

    starts_on = StringField(_l("Start date"), widget=DateInput())
    term_months = IntegerField(_l("Fixed term (months)"))
    tiers = TextAreaField(_l("Price list: most contacts and monthly list price (PLN), one tier a line"),
                          render_kw={"rows": 5, "spellcheck": "false"})
    premium = StringField(_l("Annual Innovation Premium (%)"), render_kw={"inputmode": "decimal"})

    def validate_tiers(self, field) -> None:
        try:
            self._tiers = pricing.tiers_from_text(field.data or "")
        except DomainError as error:
            raise ValidationError(error.message) from None

    def validate_premium(self, field) -> None:
        try:
            self._premium_rate = pricing.premium_rate_from_text(field.data or "")
        except DomainError as error:
            raise ValidationError(error.message) from None

    def pricing(self) -> dict | None:
        """The validated price list, or None when the form sent neither field (the contract keeps its own)."""
        if not (self.tiers.raw_data or self.premium.raw_data):
            return None
        return {"tiers": self._tiers, "premium_rate": self._premium_rate}

    def validate_starts_on(self, field) -> None:
        _checked(field, _("Enter the start date."))

    def validate_term_months(self, field) -> None:
        from portal.operator.contracts import MAX_TERM_MONTHS

        if field.data is None or not 1 <= field.data <= MAX_TERM_MONTHS:
            raise ValidationError(_("The term is a whole number of months, 1 to %(max)s.", max=MAX_TERM_MONTHS))


class NoticeForm(Form):
    """C-01: the organiser's written notice of non-renewal, with the day it was received (today or earlier)."""

    received_on = StringField(_l("Notice received on"), widget=DateInput())

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_received_on(self, field) -> None:
        day = _checked(field, _("Enter the day the notice was received."))
        if day > self.today:
            raise ValidationError(_("The notice cannot be received after today (%(today)s).",
                                    today=self.today.isoformat()))


class SubprocessorForm(Form):
    """C-07: a new sub-processor as every DPO will read it; each value fits its column (SubProcessor)."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the name.")), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(_l("Give the purpose.")), Length(max=2000)],
                            render_kw={"rows": 2})
    location = StringField(_l("Location"), validators=[DataRequired(_l("Give the location.")), Length(max=100)])
    outside_eea = Checkbox(_l("Outside the EEA"))
