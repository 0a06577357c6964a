"""Organiser pages of a lead-reward programme: review queue (L-07), partners, customer facts, sales import,
settlements (L-17, L-19) and the top-partner standings (L-16)."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from stdnum.pl import nip as nip_number

from portal.accounts.models import ADMIN, STAFF
from portal.core import bulk
from portal.core.clock import get_clock
from portal.core.errors import DomainError, NotFound
from portal.core.http import day_cursor, form_errors, render, wants_fragment
from portal.core.validators import whole_number
from portal.extensions import db
from portal.leads.documents import statement_response
from portal.leads.forms import DecisionForm, ExcludeForm, FactForm, FlagsForm, SettlementForm, UploadForm
from portal.leads.labels import flag_label
from portal.leads.service import partners, queries, review, sales
from portal.leads.service import settlement as settlement_service
from portal.leads.service.programme import rules_on
from portal.tenancy.web import require_role, tenant_blueprint

bp = tenant_blueprint("lead_admin", __name__)
staff_only = require_role(ADMIN, STAFF)


def _today() -> date:
    return get_clock().today(g.tenant.timezone)


def _rules():
    try:
        return rules_on(_today())
    except DomainError:
        abort(404)


REVIEW_LISTS = ("pending", *review.DECISIONS)  # L-07: the queue, and the leads decided either way


@bp.route("/review")
@staff_only
def queue():
    rules = _rules()
    status = request.args.get("status", "pending")
    if status not in REVIEW_LISTS:
        abort(400)
    if status == "pending":
        rows = review.queue(after=day_cursor("after"))
        more = url_for("lead_admin.queue", after=f"{rows[-1].due_on.isoformat()}_{rows[-1].id}") \
            if len(rows) == 50 else None
    else:
        rows = queries.decided_leads(status, before=day_cursor("before"))
        more = url_for("lead_admin.queue", status=status,
                       before=f"{rows[-1].decided_on.isoformat()}_{rows[-1].id}") if len(rows) == 50 else None
    return _queue_page(rows, rules, status=status, more=more)


def _queue_page(rows, rules, *, status: str = "pending", more: str | None = None, row_forms: dict | None = None,
                code: int = 200):
    return render("leads/queue.html", "rows", status=code, leads=rows, today=_today(), more=more,
                  form=DecisionForm(formdata=None), row_forms=row_forms or {}, showing=status, lists=REVIEW_LISTS,
                  partner_names=review.partner_names(rows), rules=rules,
                  refusals=review.standing_refusals(rows, rules, _language()))


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "pl"


@bp.route("/review/<int:lead_id>", methods=["POST"])
@staff_only
def decide(lead_id: int):
    rules = _rules()
    try:
        lead = review.get(lead_id)
    except DomainError:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            review.decide(lead, form.decision.data, decided_on=_today(), reason=form.reason.data or "",
                          actor=current_user, clock=get_clock())
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            if not wants_fragment():  # a browser without scripts posted the row's form: back to the whole queue
                flash(_("Decision saved; the partner is told."), "info")
                return redirect(url_for("lead_admin.queue"))
            return render("leads/_queue_row.html", lead=lead, today=_today(), form=form, decided=True,
                          partner_names=review.partner_names([lead]), rules=rules)
    if not wants_fragment():
        # the whole queue again, the lead's row keeping the choice and the text with the refusal beside them
        for message in [m for field in form for m in field.errors] + list(form.form_errors):
            flash(_("Lead %(ref)s: %(message)s", ref=lead.ref, message=message), "error")
        rows = review.queue()
        if lead not in rows:
            rows = [lead, *review.queue(after=(lead.due_on, lead.id), limit=49)]
        return _queue_page(rows, rules, row_forms={lead.id: form}, code=422)
    return render("leads/_queue_row.html", status=422, lead=lead, today=_today(), form=form, decided=False,
                  partner_names=review.partner_names([lead]), rules=rules,
                  refusals=review.standing_refusals([lead], rules, _language()))


@bp.route("/partners")
@staff_only
def partner_list():
    rules = _rules()
    rows = queries.partners_page(after=request.args.get("after"))
    return render("leads/partners.html", rows=rows, known=sorted(partners.known_flags(rules)), form=FlagsForm(),
                  restricted=_restricted(rows))


def _restricted(rows) -> set[int]:
    """G-07: the partners' accounts whose processing is restricted, to flag them in the list."""
    from portal.accounts.models import User

    ids = {p.user_id for p in rows if p.user_id}
    return set(db.session.scalars(select(User.id).where(User.id.in_(ids), User.restricted_at.is_not(None)))) \
        if ids else set()


@bp.route("/partners/<int:partner_id>/flags", methods=["POST"])
@staff_only
def partner_flags(partner_id: int):
    rules = _rules()
    try:
        partner = partners.get(partner_id)
    except DomainError:
        abort(404)
    form = FlagsForm()
    error = None
    if form.validate_on_submit():
        try:
            partners.set_flags(partner, request.form.getlist("flag"), rules, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            if not wants_fragment():
                flash(_("%(name)s: the flags are saved.", name=partner.name), "success")
    if not wants_fragment():  # a browser without scripts: the whole list, a refusal in the partner's row
        if error is None:
            return redirect(url_for("lead_admin.partner_list"))
        rows = queries.partners_page()
        if partner not in rows:
            rows = [partner, *queries.partners_page(after=partner.nip, limit=49)]
        return render("leads/partners.html", status=422, rows=rows, known=sorted(partners.known_flags(rules)),
                      form=form, errors={partner.id: error}, restricted=_restricted(rows))
    return render("leads/_partner_row.html", status=422 if error else 200, partner=partner,
                  known=sorted(partners.known_flags(rules)), form=form, error=error, restricted=_restricted([partner]))


@bp.route("/partners/<int:partner_id>/exclude", methods=["GET", "POST"])
@staff_only
def exclude(partner_id: int):
    try:
        partner = partners.get(partner_id)
    except DomainError:
        abort(404)
    form = ExcludeForm()
    if form.validate_on_submit():
        try:
            partners.exclude(partner, form.reason.data, actor=current_user, clock=get_clock())
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            flash(_("The partner is excluded from the programme."), "success")
            return redirect(url_for("lead_admin.partner_list"))
    return render("leads/exclude.html", status=422 if request.method == "POST" else 200, form=form, partner=partner)


@bp.route("/customers", methods=["GET", "POST"])
@staff_only
def customers():
    rules = _rules()
    form = FactForm()
    form.flag.choices = [(f, flag_label(f, "customer.flag")) for f in sorted(sales.known_customer_flags(rules))]
    if form.validate_on_submit():
        try:
            sales.flag_customer(form.customer_nip.data, form.flag.data, rules, tenant_id=g.tenant.id,
                                actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            flash(_("The fact is recorded."), "success")
            return redirect(url_for("lead_admin.customers"))
    page = whole_number(request.args.get("page"), 99_999) or 1
    search = request.args.get("nip", "")[:20]
    facts, more = sales.facts(page=page, nip=search)
    return render("leads/customers.html", "form", status=422 if request.method == "POST" else 200, form=form,
                  facts=facts, page=page, more=more, search=search)


@bp.route("/customers/<int:fact_id>/delete", methods=["POST"])
@staff_only
def delete_fact(fact_id: int):
    try:
        sales.unflag_customer(fact_id, actor=current_user)
    except NotFound:
        abort(404)
    db.session.commit()
    return redirect(url_for("lead_admin.customers"))


def _imports_dir() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "imports" / str(g.tenant.id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@bp.route("/sales/import", methods=["GET", "POST"])
@staff_only
def sales_import():
    """Upload → preview of every bad row with its line and reason → atomic commit of the same file."""
    rules = _rules()
    form = UploadForm()
    if form.validate_on_submit():
        text, undecodable = bulk.decode(form.file.data.read())
        if undecodable is not None:
            form_errors(form, DomainError(_("Line %(line)s: %(message)s", line=undecodable.line,
                                            message=undecodable.message), field="file"))
        else:
            preview = sales.import_report(text, rules, tenant_id=g.tenant.id, actor=current_user, dry_run=True)
            token = secrets.token_hex(16)
            (_imports_dir() / f"{token}.csv").write_text(text, encoding="utf-8")
            return render("leads/sales_preview.html", preview=preview, token=token, form=form)
    return render("leads/sales_import.html", "form", status=422 if request.method == "POST" else 200, form=form)


@bp.route("/sales/import/<token>", methods=["POST"])
@staff_only
def sales_commit(token: str):
    if not token.isalnum():
        abort(404)
    path = _imports_dir() / f"{token}.csv"
    if not path.exists():
        abort(404)
    result = sales.import_report(path.read_text(encoding="utf-8"), _rules(), tenant_id=g.tenant.id, actor=current_user)
    path.unlink()
    if result.committed:
        flash(_("%(n)s sales imported.", n=result.accepted), "success")
    else:
        flash(_("Nothing was imported: %(n)s rows are wrong.", n=len(result.errors)), "error")
    return redirect(url_for("lead_admin.sales_import"))


@bp.route("/settlements")
@staff_only
def settlements(refused: dict[int, tuple[str, str]] | None = None):
    """The periods and their runs; ``refused``: a run refused, said at its period's date field (the day typed kept)."""
    rules = _rules()
    runs = {s.period: s for s in settlement_service.settlements()}
    return render("leads/settlements.html", status=422 if refused else 200, periods=rules.periods, runs=runs,
                  form=SettlementForm(), today=_today(), refused=refused or {},
                  standings=rules.awards_top_partner)


@bp.route("/settlements/<int:period>/run", methods=["POST"])
@staff_only
def run_settlement(period: int):
    if period not in {p.number for p in _rules().periods}:
        abort(404)  # no such period in this tenant's programme (whoever else has one)
    form = SettlementForm()
    typed = request.form.get("as_of", "")[:40]
    if not form.validate_on_submit():  # what is wrong with the day: missing, no such day, outside the years
        return settlements({period: (typed, next(iter(form.as_of.errors), _("Enter the settlement date.")))})
    try:
        settlement_service.check_as_of(form.as_of.data, clock=get_clock())
        settlement_service.run(period, as_of=form.as_of.data, clock=get_clock(), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        return settlements({period: (typed, error.message)})
    db.session.commit()
    return redirect(url_for("lead_admin.settlement", period=period))


@bp.route("/settlements/<int:period>")
@staff_only
def settlement(period: int):
    try:
        run = settlement_service.by_period(period)
    except DomainError:
        abort(404)
    lines = settlement_service.lines_of(run)
    by_partner: dict[str, list] = {}
    for line in lines:
        by_partner.setdefault(line.partner_nip, []).append(line)
    names = review.partner_names(lines)  # the lines name their partner by id as the queue's leads do
    nips = {line.partner_id: line.partner_nip for line in lines}
    tie = [(partner_id, names.get(partner_id, ""), nips.get(partner_id, ""))
           for partner_id in settlement_service.tied_partners(run)]  # L-16: the organiser decides
    return render("leads/settlement.html", run=run, by_partner=by_partner, lines=lines, tie=tie,
                  decided=settlement_service.tie_decision(run, [t[0] for t in tie]),
                  partner_name={nip: names.get(rows[0].partner_id, "") for nip, rows in by_partner.items()},
                  totals={nip: queries.Statement(run, rows) for nip, rows in by_partner.items()},
                  overall=queries.Statement(run, lines),
                  left_out=settlement_service.restricted_with_leads() if run.status != "approved" else 0)


@bp.route("/settlements/<int:period>/tie", methods=["POST"])
@require_role(ADMIN, STAFF)
def decide_tie(period: int):
    """L-16: the organiser decides a top-partner tie on the draft — one partner of it, or each of them."""
    return _on_settlement(period, lambda: settlement_service.decide_tie(
        period, request.form.get("choice", ""), clock=get_clock(), actor=current_user),
        _("Tie decided; the draft was run again with the decision."))


@bp.route("/settlements/<int:period>/approve", methods=["POST"])
@require_role(ADMIN, STAFF)
def approve(period: int):
    return _on_settlement(period, lambda: settlement_service.approve(period, clock=get_clock(), actor=current_user),
                          _("Settlement approved and frozen."))


def _on_settlement(period: int, action, done: str):
    """An action on the period's settlement: committed and ``done`` flashed, or its refusal flashed; a period this
    tenant has not settled (whoever else has) is not found."""
    try:
        action()
    except NotFound:
        abort(404)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("lead_admin.settlement", period=period))


@bp.route("/settlements/<int:period>/statement.<fmt>")
@staff_only
def settlement_file(period: int, fmt: str):
    try:
        run = settlement_service.by_period(period)
    except DomainError:
        abort(404)
    partner_nip = request.args.get("partner")
    if partner_nip and not nip_number.is_valid(partner_nip):
        abort(404)  # a filter by a partner's NIP: any other value names nobody (and never the file)
    partner_nip = nip_number.compact(partner_nip) if partner_nip else None
    lines = settlement_service.lines_of(run)
    if partner_nip:
        lines = [ln for ln in lines if ln.partner_nip == partner_nip]
    return statement_response(run, lines, fmt, f"settlement-{period}" + (f"-{partner_nip}" if partner_nip else ""))


@bp.route("/standings")
@staff_only
def standings():
    rules = _rules()
    rows = queries.standings()
    best = rows[0][1] if rows else 0
    return render("leads/standings.html", rows=rows, tie=sum(1 for _, n in rows if n == best) > 1 and best > 0,
                  award=rules.top_partner_amount(best) if best else None)
