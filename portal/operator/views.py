"""The platform console under /operator: tenants, failed jobs. No participant data is shown here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import service as accounts
from portal.core.errors import DomainError
from portal.core.http import form_errors, fresh_session, render
from portal.core.labels import money
from portal.core.validators import whole_number
from portal.extensions import limiter
from portal.notifications import service as notifications
from portal.operator import labels as _labels  # noqa: F401 - registers the tenant.kind/tenant.status labels
from portal.operator import service
from portal.operator.forms import GROUND_LABELS, EndContractForm, OperatorLoginForm

bp = Blueprint("operator", __name__, url_prefix="/operator")


@bp.before_request
def _operator_area() -> None:
    g.operator_area = True


def operator_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("operator.login", next=request.path))
        if current_user.role != "operator":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def login():
    form = OperatorLoginForm()
    if form.validate_on_submit():
        op = accounts.authenticate_operator(form.email.data, form.password.data)
        if op is None:
            form.form_errors.append(_("Wrong e-mail or password."))
        else:
            fresh_session()
            login_user(op)
            return redirect(url_for("operator.tenants"))
    return render("operator/login.html", "form", status=422 if request.method == "POST" else 200, form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        from portal.extensions import db

        accounts.end_sessions(current_user)  # a copy of the cookie dies with this one
        db.session.commit()
    logout_user()
    fresh_session()
    return redirect(url_for("operator.login"))


@bp.route("/")
@operator_required
def tenants():
    return render("operator/tenants.html", rows=service.tenant_overview(), ground_labels=GROUND_LABELS)


@bp.route("/jobs")
@operator_required
def jobs():
    return render("operator/jobs.html", jobs=service.failed_jobs(), failed_mail=notifications.failed_count())


@bp.route("/jobs/<queue_name>/<job_id>/retry", methods=["POST"])
@operator_required
def retry(queue_name: str, job_id: str):
    if not service.retry_job(queue_name, job_id):
        abort(404)
    flash(_("The job is queued again."), "success")
    return redirect(url_for("operator.jobs"))


def _ending(tenant_id: int):
    """The tenant whose contract the operator ends, with its contract (None before one was recorded); 404 when it
    does not exist or is already deleted."""
    from portal.extensions import db
    from portal.operator import contracts
    from portal.tenancy.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or tenant.status == "deleted":
        abort(404)
    return tenant, contracts.of_tenant(tenant.id)


def _end_form(tenant) -> EndContractForm:
    from portal.core.clock import get_clock

    return EndContractForm(slug=tenant.slug, today=get_clock().today())


def _summary(contract, form: EndContractForm):
    from portal.operator import contracts

    day = form.day()
    if day is None:
        return None
    return contracts.with_amounts(contract, contracts.end_summary(contract, on=day, ground=form.ground.data or ""))


@bp.route("/tenants/<int:tenant_id>/contract", methods=["GET", "POST"])
@operator_required
def contract_terms(tenant_id: int):
    """C-01: the contract's start and fixed term as the order form gives them, and the organiser's written notice
    of non-renewal (refused after the 30th day before the end, with that day named next to the field)."""
    from portal.core.clock import get_clock
    from portal.extensions import db
    from portal.operator import contracts, pricing
    from portal.operator.forms import ContractTermsForm, NoticeForm

    tenant, contract = _ending(tenant_id)
    today = get_clock().today(tenant.timezone)
    price_list = (contract.pricing if contract else None) or pricing.DEFAULT_PRICING
    terms = ContractTermsForm(prefix="terms", data={"starts_on": contract.starts_on.isoformat() if contract else None,
                                                    "term_months": contract.term_months if contract else None,
                                                    "tiers": pricing.tiers_text(price_list),
                                                    "premium": pricing.premium_percent(price_list)})
    notice = NoticeForm(prefix="notice", today=today)
    status = 200
    if request.method == "POST":
        status = 422
        action = request.form.get("action")
        form = terms if action == "terms" else notice if action == "notice" else None
        if form is None:
            abort(400)
        if form.validate():
            try:
                if action == "terms":
                    contract = contracts.sign(tenant.id, starts_on=date.fromisoformat(terms.starts_on.data.strip()),
                                              term_months=terms.term_months.data, pricing=terms.pricing())
                elif contract is None:
                    raise DomainError(_("Record the contract's terms first."), field="received_on", rule="C-01")
                else:
                    contracts.give_notice(contract, date.fromisoformat(notice.received_on.data.strip()))
            except DomainError as error:
                db.session.rollback()
                if error.field == "on":  # the service's name for the day the notice was received
                    error = DomainError(error.message, field="received_on", rule=error.rule)
                form_errors(form, error)
            else:
                db.session.commit()
                flash(_("Saved: the term ends on %(end)s.", end=contract.current_end.isoformat())
                      if action == "terms" else
                      _("Notice recorded: the contract is not renewed and ends on %(end)s.",
                        end=contract.current_end.isoformat()), "success")
                return redirect(url_for("operator.contract_terms", tenant_id=tenant.id))
    return render("operator/contract.html", organiser=tenant, contract=contract, terms=terms, notice=notice,
                  notice_by=contracts.notice_deadline(contract) if contract else None), status


@bp.route("/tenants/<int:tenant_id>/end", methods=["GET", "POST"])
@operator_required
def end_contract(tenant_id: int):
    """C-03/C-04: the ground from the terms, the end date and a confirmation that says what follows; nothing
    changes until the operator types the organiser's address name."""
    from portal.core.clock import get_clock
    from portal.extensions import db
    from portal.operator import contracts

    tenant, contract = _ending(tenant_id)
    form = _end_form(tenant)
    if contract is not None and contract.ended_on is not None:
        if request.method == "POST":
            form.form_errors.append(_("The contract already ended on %(day)s.", day=contract.ended_on))
        return _end_page(tenant, contract, form, status=422 if request.method == "POST" else 200)
    if request.method == "POST" and form.validate():
        day = form.day()
        try:
            contract = contract or contracts.create(tenant.id, starts_on=tenant.created_at.date(), term_months=12)
            contracts.end(contract, on=day, ground=form.ground.data, since=form.since_day())
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            if contracts.read_only_from(contract) <= get_clock().today(tenant.timezone):
                tenant.status = "read_only"
            db.session.commit()
            flash(_("The contract of %(name)s ends on %(d)s: export until %(e)s, deletion by %(x)s.", name=tenant.name,
                    d=day.isoformat(), e=contract.export_until.isoformat(), x=contract.delete_by.isoformat()),
                  "success")
            reclaim, penalty = contracts.reclaim_due(contract), contracts.penalty_due(contract)
            db.session.rollback()  # their fee statement recomputes the tier reached; nothing more is stored
            if reclaim is not None:
                flash(_("The term discount reclaimed for the unexpired days (C-02, OWU VIII.7): %(amount)s.",
                        amount=money(reclaim)), "success")
            if penalty is not None:
                flash(_("The contractual penalty for the rest of the term (OWU VIII.6): %(amount)s.",
                        amount=money(penalty)), "success")
            return redirect(url_for("operator.tenants"))
    return _end_page(tenant, contract, form, status=422 if request.method == "POST" else 200)


def _end_page(tenant, contract, form: EndContractForm, *, status: int):
    return render("operator/end_contract.html", "form", status=status, organiser=tenant, contract=contract,
                  form=form, summary=_summary(contract, form), ground_labels=GROUND_LABELS)


@bp.route("/tenants/<int:tenant_id>/end/summary", methods=["POST"])
@operator_required
def end_summary(tenant_id: int):
    """The dates the chosen day and ground give (HTMX, as the operator fills the form); nothing is stored."""
    tenant, contract = _ending(tenant_id)
    form = _end_form(tenant)
    return render("operator/_end_summary.html", summary=_summary(contract, form))


@bp.route("/certificates")
@operator_required
def certificates():
    from portal.operator import offboarding

    return render("operator/certificates.html", rows=offboarding.certificates())


@bp.route("/certificates/<int:certificate_id>.json")
@operator_required
def certificate_file(certificate_id: int):
    from portal.extensions import db
    from portal.operator.models import DeletionCertificate

    row = db.session.get(DeletionCertificate, certificate_id)
    if row is None:
        abort(404)
    return {"tenant_id": row.tenant_id, "tenant": row.tenant_slug, "started_at": row.started_at.isoformat(),
            "finished_at": row.finished_at.isoformat() if row.finished_at else None, "job": row.job_id,
            "counts": row.counts, "files": row.files, "redis_keys": row.redis_keys, "digest": row.digest}


def _saved(action: Callable[[], object], errors: dict[str, str], done: str) -> bool:
    """Run ``action``: committed and ``done`` flashed, or rolled back with the refusal next to its field."""
    from portal.extensions import db

    try:
        action()
    except DomainError as error:
        db.session.rollback()
        errors[error.field or ""] = error.message
        return False
    db.session.commit()
    flash(done, "success")
    return True


@bp.route("/breaches", methods=["GET", "POST"])
@operator_required
def breaches():
    from portal.core.clock import get_clock
    from portal.operator import breaches as service
    from portal.privacy import breaches as breach_content

    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = breach_content.read_form(request.form)
        listed = {str(t.id): t.id for t in service_tenants()}
        chosen = request.form.getlist("tenant")
        tenant_ids = [listed[t] for t in chosen if t in listed]
        if len(tenant_ids) != len(chosen):
            errors["tenants"] = _("Choose the affected tenants among those listed.")
        if not errors and _saved(lambda: service.record(data, tenant_ids, clock=get_clock()), errors,
                                 _("The breach is recorded and the DPOs are told.")):
            return redirect(url_for("operator.breaches"))
    return render("operator/breaches.html", status=422 if errors else 200, rows=service.all_breaches(),
                  tenants=service_tenants(), deadline_met=service.deadline_met, errors=errors, form=request.form)


@bp.route("/breaches/<int:breach_id>", methods=["GET", "POST"])
@operator_required
def breach(breach_id: int):
    """C-05, DPA §4.11.2: the breach as the DPOs were told it, completed as more becomes known."""
    from portal.core.clock import get_clock
    from portal.extensions import db
    from portal.operator import breaches as service
    from portal.operator.models import PlatformBreach
    from portal.privacy import breaches as breach_content

    row = db.session.get(PlatformBreach, breach_id)
    if row is None:
        abort(404)
    errors: dict[str, str] = {}
    form = request.form if request.method == "POST" else {
        k: "" if getattr(row, k) is None else str(getattr(row, k)) for k in service.CONTENT}
    if request.method == "POST":
        data, errors = breach_content.read_form(request.form)
        data.pop("discovered_at", None)
        if not errors and _saved(lambda: service.supplement(breach_id, data, clock=get_clock()), errors,
                                 _("The further information is recorded and the DPOs are told.")):
            return redirect(url_for("operator.breach", breach_id=breach_id))
    return render("operator/breach.html", status=422 if errors else 200, breach=row, errors=errors, form=form,
                  tenants={t.id: t.name for t in service_tenants()}, deadline_met=service.deadline_met)


@bp.route("/subprocessors", methods=["GET", "POST"])
@operator_required
def subprocessors():
    from portal.core.clock import get_clock
    from portal.extensions import db
    from portal.operator import register
    from portal.operator.forms import SubprocessorForm

    form = SubprocessorForm()
    if form.validate_on_submit():
        try:
            register.add_subprocessor({"name": form.name.data, "purpose": form.purpose.data,
                                       "location": form.location.data, "outside_eea": form.outside_eea.data},
                                      clock=get_clock())
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Recorded; every DPO is told 7 days ahead."), "success")
            return redirect(url_for("operator.subprocessors"))
    return render("operator/subprocessors.html", status=422 if request.method == "POST" else 200, form=form,
                  rows=register.subprocessors(), answers=register.answers_counts())


@bp.route("/audits", methods=["GET", "POST"])
@operator_required
def audits():
    """C-06: the organiser's audit requests as received (questionnaire, then perhaps an inspection) and their
    answers; a refusal is shown next to the field it concerns."""
    from portal.core.clock import get_clock
    from portal.extensions import db
    from portal.operator import register
    from portal.operator.forms import AuditForm
    from portal.operator.models import AuditRequest

    listed = service_tenants()
    form = AuditForm(tenants=listed)
    answer_errors: dict[int, str] = {}
    status = 200
    if request.method == "POST" and request.form.get("audit_id"):
        audit_id = whole_number(request.form["audit_id"])
        row = db.session.get(AuditRequest, audit_id) if audit_id is not None else None
        if row is None:
            abort(404)
        try:
            register.answer_audit(row, request.form.get("answer", ""), clock=get_clock())
        except DomainError as error:
            db.session.rollback()
            answer_errors[row.id], status = error.message, 422
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("operator.audits"))
    elif request.method == "POST":
        status = 422
        if form.validate():
            try:
                register.request_audit(form.tenant_id.data, form.questionnaire.data or "", clock=get_clock(),
                                       received_on=form.day("received_on"), form=form.form.data,
                                       starts_on=form.day("starts_on"))
            except DomainError as error:
                db.session.rollback()
                form_errors(form, error)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("operator.audits"))
    return render("operator/audits.html", rows=register.audits(), form=form, answer_errors=answer_errors,
                  names={t.id: t.name for t in listed}, today=get_clock().today()), status


@bp.route("/tenants/<int:tenant_id>/fees")
@operator_required
def fees(tenant_id: int):
    """C-02: the monthly fee statement of a tenant, as a page or CSV."""
    import csv
    import io

    from flask import Response
    from flask_babel import format_decimal

    from portal.core.clock import get_clock
    from portal.extensions import db
    from portal.operator import contracts, pricing, register
    from portal.tenancy.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        abort(404)
    lines = register.fee_statement(tenant_id, until=get_clock().today())
    db.session.rollback()  # the statement recomputes the minimum-commitment tier; nothing is stored
    if request.args.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["month", "participants", "tier", "list_fee", "premium_years", "discount_rate", "discount",
                         "fee", "days", "premium_from"])
        for ln in lines:
            writer.writerow([ln.month.isoformat()[:7], ln.contacts, ln.tier + 1, f"{ln.list_fee:.2f}",
                             ln.premium_years, f"{ln.discount_rate:.2f}", f"{ln.discount:.2f}", f"{ln.fee:.2f}",
                             ln.days, ln.premium_from.isoformat() if ln.premium_from else ""])
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="fees-{tenant.slug}.csv"'})
    contract = contracts.of_tenant(tenant_id)
    price_list = None
    if contract is not None:  # C-02 (OWU V.1): the order form's tiers, counts in the reader's notation
        listed = contract.pricing or pricing.DEFAULT_PRICING
        price_list = {"tiers": [(None if t["contacts_max"] is None else format_decimal(t["contacts_max"]),
                                 t["monthly_fee"]) for t in listed["tiers"]],
                      "premium_rate": listed.get("premium_rate", "0")}
    # ``tenant`` would make base.html a tenant page
    return render("operator/fees.html", organiser=tenant, lines=lines, pricing=price_list)


def service_tenants():
    from portal.tenancy import service as tenants

    return tenants.listed()


def operator_for_session(user_id: str):
    from portal.accounts.models import Operator

    if not g.get("operator_area"):
        return None
    try:
        _, pk, epoch = user_id.split(":")
    except ValueError:
        return None
    return accounts.session_account(Operator, pk, epoch)
