"""Partner pages of a lead-reward programme: join as a company, submit leads, follow them and the statements."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.accounts.models import ADMIN, PARTICIPANT, STAFF
from portal.core.bulk import field_errors
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.core.http import day_cursor, form_errors, render
from portal.extensions import db
from portal.leads.documents import statement_response
from portal.leads.forms import LeadForm, PartnerForm
from portal.leads.service import partners, queries, review, submission
from portal.leads.service import settlement as settlement_service
from portal.leads.service.programme import rules_on
from portal.programmes import documents
from portal.tenancy.web import require_role, tenant_blueprint

bp = tenant_blueprint("leads", __name__)


@bp.before_request
def _terms_first():
    """E-03: a partner with a terms or information-clause version left to accept accepts it before any page of the
    programme (the new version is shown at its next visit)."""
    if current_user.is_authenticated and current_user.role == PARTICIPANT and documents.to_accept(current_user):
        return redirect(url_for("accounts.accept"))
    return None


def _today() -> date:
    return get_clock().today(g.tenant.timezone)


def _locale() -> str:
    locale = get_locale()
    return locale.language if locale else "pl"


def _rules():
    try:
        return rules_on(_today())
    except DomainError:
        abort(404)


def _my_partner(required: bool = True):
    partner = partners.for_user(current_user.id)
    if partner is None and required:
        return None
    return partner


@bp.route("/partner/join", methods=["GET", "POST"])
@require_role(PARTICIPANT)
def join():
    rules = _rules()
    if partners.for_user(current_user.id) is not None:
        return redirect(url_for("leads.my_leads"))
    form = PartnerForm(data={"contact_first_name": current_user.first_name,
                             "contact_last_name": current_user.last_name, "contact_phone": current_user.phone,
                             "contact_email": current_user.email, "nip": current_user.nip,
                             "name": current_user.company_name} if request.method == "GET" else None)
    data = {f: getattr(form, f).data or "" for f in ("nip", "name", "address", *partners.CONTACT_FIELDS)}
    if form.validate_on_submit():
        try:
            partners.join(data, rules, tenant_id=g.tenant.id, actor=current_user, user_id=current_user.id)
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("Your company is registered. You can submit leads now."), "success")
            return redirect(url_for("leads.my_leads"))
    elif form.is_submitted():  # (a bad CSRF token never reaches here: CSRFProtect answers it first)
        # every problem on the first submission: the programme's own checks too, for the fields the form passed
        problems = partners.problems(data, rules)
        if problems is not None:
            _attach(form, problems, only_unmarked=True)
    return render("leads/join.html", "form", status=422 if request.method == "POST" else 200, form=form,
                  not_admitted=partners.not_admitted(rules))


def _attach(form, error: DomainError, *, only_unmarked: bool = False) -> None:
    for field, messages in field_errors(error).items():
        target = getattr(form, field, None) if field else None
        if only_unmarked and target is not None and target.errors:
            continue
        for message in messages:
            form_errors(form, DomainError(message, field=field or None))


def _lead_form(partner, rules) -> LeadForm:
    """The lead form of the programme in force: its fields, names and consent come from the definition (L-02, §7)."""
    form = LeadForm()
    today, locale = _today(), _locale()
    form.fit(rules.asks, rules.quantity_unit, queries.lead_form_consent(today, locale))
    options = queries.choices(today, locale)
    form.family.choices = [SelectChoice(code, name) for code, name in options["family"]]
    form.billing.choices = [SelectChoice(code, name) for code, name in options["billing"]]
    if request.method == "GET":
        for field in partners.CONTACT_FIELDS:
            getattr(form, field).data = getattr(partner, field)
    return form


def _lead_data(form: LeadForm) -> dict:
    return {f: (form[f].data or "") for f in submission.LEAD_FIELDS if f in form}


@bp.route("/leads")
@require_role(PARTICIPANT)
def my_leads():
    partner = _my_partner()
    if partner is None:
        return redirect(url_for("leads.join"))
    before = day_cursor()
    rows = queries.partner_leads(partner.id, before=before)
    more = f"{rows[-1].submitted_on.isoformat()}_{rows[-1].id}" if len(rows) == 25 else None
    return render("leads/my_leads.html", "rows", partner=partner, leads=rows, more=more, today=_today(),
                  counts=queries.counts_by_status(partner.id))


@bp.route("/leads/new", methods=["GET", "POST"])
@require_role(PARTICIPANT)
def new_lead():
    partner = _my_partner()
    if partner is None:
        return redirect(url_for("leads.join"))
    rules = _rules()
    form = _lead_form(partner, rules)
    if request.method == "POST" and form.validate():
        try:
            lead = submission.submit(partner, _lead_data(form), rules, submitted_on=_today(), clock=get_clock(),
                                     actor=current_user, vendor_consent=bool(form.vendor_consent.data))
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            received = _("Referral %(ref)s received. The organiser decides by %(due)s.") \
                if g.tenant.refers else _("Lead %(ref)s received. The organiser decides by %(due)s.")
            flash(received % {"ref": lead.ref, "due": lead.due_on.isoformat()}, "success")
            return redirect(url_for("leads.lead", lead_id=lead.id))
    return render("leads/new.html", "form", status=422 if request.method == "POST" else 200, form=form,
                  partner=partner, rules=rules, open_now=rules.starts_on <= _today() <= rules.ends_on)


@bp.route("/leads/validate", methods=["POST"])
@require_role(PARTICIPANT)
def validate_lead():
    """Inline validation as the partner types: the named field's fragment with every rule's message (L-02…L-08)."""
    partner = _my_partner()
    if partner is None:
        abort(404)
    rules = _rules()
    form = _lead_form(partner, rules)
    name = request.headers.get("HX-Trigger-Name") or request.args.get("field", "")
    if name not in form._fields or name == "csrf_token":
        abort(400)
    _, problems = submission.check(partner, _lead_data(form), rules, submitted_on=_today())
    field = form[name]
    field.errors = [f"{p.message} ({p.rule})" if p.rule else p.message for p in problems
                    if p.field == name and (field.data not in (None, "") or name == "customer_nip")]
    return render("leads/_field.html", field=field)


@bp.route("/leads/<int:lead_id>")
@require_role(PARTICIPANT, ADMIN, STAFF)
def lead(lead_id: int):
    """A partner's own lead; the organiser's staff open any lead of the programme, with its history (L-07)."""
    staff = current_user.role != PARTICIPANT
    partner = None if staff else _my_partner()
    if partner is None and not staff:
        abort(404)
    try:
        row = review.get(lead_id, partner_id=None if staff else partner.id)
        if staff:
            partner = partners.get(row.partner_id)
    except DomainError:
        abort(404)
    # the lead reads as the programme version it was submitted under asked it (L-02, §7)
    try:
        rules = rules_on(row.submitted_on)
        names = {kind: dict(pairs) for kind, pairs in queries.choices(row.submitted_on, _locale()).items()}
    except DomainError:
        rules, names = _rules(), {}
    return render("leads/lead.html", lead=row, partner=partner, today=_today(), names=names, rules=rules,
                  staff=staff, history=queries.lead_history(row) if staff else [])


@bp.route("/statements")
@require_role(PARTICIPANT)
def statements():
    partner = _my_partner()
    if partner is None:
        return redirect(url_for("leads.join"))
    return render("leads/statements.html", partner=partner, statements=queries.statements(partner.id))


@bp.route("/statements/<int:period>.<fmt>")
@require_role(PARTICIPANT)
def statement_file(period: int, fmt: str):
    partner = _my_partner()
    if partner is None:
        abort(404)
    try:
        settlement = settlement_service.by_period(period)
    except DomainError:
        abort(404)
    lines = settlement_service.lines_of(settlement, partner.id)
    return statement_response(settlement, lines, fmt, f"statement-{period}-{partner.nip}")

