"""Privacy pages: the participant's "my data", the public request form, the DPO console (G-01 … G-12)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import DPO, PARTICIPANT
from portal.core import queue
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.core.http import form_errors, render
from portal.core.labels import language
from portal.core.validators import whole_number
from portal.extensions import db, limiter
from portal.notifications import service as notifications
from portal.privacy import audit, consents, contacts, export, registers, requests
from portal.privacy import breaches as breach_content
from portal.privacy.forms import CloseForm, DpoRequestForm, ExtendForm, NoteForm, PublicRequestForm
from portal.tenancy.service import read_only_since
from portal.tenancy.web import require_role, tenant_blueprint

bp = tenant_blueprint("privacy", __name__)
PROCESS_JOB = "worker.jobs.process_request"
AUDIT_PAGE = 200


def _enqueue(row) -> None:
    db.session.commit()
    try:
        queue.enqueue(PROCESS_JOB, row.id, queue_name="privacy", job_id=f"request-{row.id}")
    except Exception:  # Redis down: the sweeper (worker.jobs.sweep_requests) enqueues it when Redis is back
        flash(_("The request is recorded; it will be processed shortly."), "info")


@bp.route("/my-data", methods=["GET", "POST"])
@require_role(PARTICIPANT)
def my_data():
    """G-01: every right from the account, one click each."""
    if request.method == "POST":
        action = request.form.get("action", "")
        clock = get_clock()
        if action == "give:marketing":
            if read_only_since(g.tenant) is not None:  # C-04: a right is served, new processing is not
                abort(423)
            try:
                consents.give_optional(current_user, "marketing", locale=language(), clock=clock)
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                flash(_("Consent given. You can withdraw it here at any time."), "success")
            return redirect(url_for("privacy.my_data"))
        if action.startswith("withdraw:"):
            kind = action.split(":", 1)[1]
            if kind not in ("marketing", "vendor_transfer"):
                abort(400)
            consents.withdraw(current_user, kind, clock=clock)
            db.session.commit()
            flash(_("Consent withdrawn. It takes effect now; what was done before stays lawful."), "success")
            return redirect(url_for("privacy.my_data"))
        kinds = {"download": "access", "portability": "portability", "restrict": "restriction",
                 "object": "objection", "delete": "erasure"}
        if action not in kinds:
            abort(400)
        if action == "delete" and request.form.get("confirm") != "yes":
            return _my_data_page(confirm_delete=True)  # P-31: once more, with what it ends
        row, _token = requests.file(kinds[action], channel="account", clock=clock, user=current_user)
        _enqueue(row)
        flash(_("Request %(ref)s is recorded. We answer by %(due)s.", ref=row.reference, due=row.due_on), "success")
        return redirect(url_for("privacy.my_data"))
    return _my_data_page()


def _my_data_page(*, confirm_delete: bool = False):
    leaving = None
    if confirm_delete:
        from portal.loyalty.service import members

        leaving = members.what_leaving_ends(current_user.id, on=get_clock().today(g.tenant.timezone))
    marketing = None
    if consents.active(current_user.id, "marketing") is None and read_only_since(g.tenant) is None:
        marketing = consents.optional_text("marketing", language(), day=get_clock().today(g.tenant.timezone))
    mine = requests.of_user(current_user.id)
    return render("privacy/my_data.html", consents=consents.ledger(current_user.id), marketing=marketing,
                  requests=mine, confirm_delete=confirm_delete, leaving=leaving,
                  bundles=export.ready_bundles([r.id for r in mine], clock=get_clock()))


@bp.route("/my-data/requests/<reference>/bundle")
@require_role(PARTICIPANT)
def my_bundle(reference: str):
    """G-04: the requester downloads their bundle from their own page too, in their own session, within its 7 days."""
    row = next((r for r in requests.of_user(current_user.id) if r.reference == reference), None)
    ready = export.ready_bundles([row.id], clock=get_clock()).get(row.id) if row is not None else None
    if ready is None:
        abort(404)
    return _send_bundle(ready, export.bundle_path(ready.filename), row)


@bp.route("/privacy/request", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def public_request():
    """G-01/G-02: people without an account; verified by a one-time link to the e-mail given."""
    form = PublicRequestForm()
    if form.validate_on_submit():
        row, token = requests.file(form.kind.data, channel="public", clock=get_clock(), email=form.email.data,
                                   name=form.name.data or "", details=form.details.data or "")
        requests.send_verification(row, token, tenant=g.tenant)
        db.session.commit()
        return render("privacy/public_sent.html", reference=row.reference)
    return render("privacy/public_request.html", "form", status=422 if request.method == "POST" else 200, form=form)


@bp.route("/privacy/verify/<reference>/<token>")
@limiter.limit("20 per hour")
def verify(reference: str, token: str):
    try:
        row = requests.get(reference)
    except DomainError:
        abort(404)
    ok = requests.verify(row, token, clock=get_clock())
    again = not ok and requests.confirmed_before(row, token)
    db.session.commit()
    if ok:
        _enqueue(row) if row.kind != "rectification" else None
    return render("privacy/verified.html", ok=ok, again=again, reference=reference,
                  status=200 if ok or again else 400)


@bp.route("/privacy/bundle/<token>")
def bundle(token: str):
    """G-04: the link works for the requester (logged in) or the DPO, once, for 7 days."""
    found = export.open_bundle(token, clock=get_clock())
    if found is None:
        abort(404)
    bundle_row, path = found
    row = requests.by_id(bundle_row.request_id)
    allowed = current_user.is_authenticated and (
        current_user.role == DPO or (row is not None and row.user_id == current_user.id))
    # a contact person (or a deactivated account's holder) cannot log in: the link mailed to the address they
    # verified is the key, once
    by_link = row is not None and not requests.can_log_in(row) and bundle_row.downloaded_at is None
    if not (allowed or by_link):
        abort(404)
    return _send_bundle(bundle_row, path, row)


def _send_bundle(bundle_row, path, row):
    bundle_row.downloaded_at = get_clock().now()
    audit.record(current_user if current_user.is_authenticated else None, "bundle.downloaded", "export_bundle",
                 bundle_row.id)
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=f"{row.reference}.zip", mimetype="application/zip")


QUEUE_PAGE = 100


@bp.route("/dpo/requests", methods=["GET", "POST"])
@require_role(DPO)
def console():
    form = DpoRequestForm()
    if form.validate_on_submit():
        try:
            row, _token = requests.file(form.kind.data, channel="dpo", clock=get_clock(), email=form.email.data,
                                        name=form.name.data or "", details=form.details.data or "", verified=True,
                                        note=form.note.data, actor=current_user,
                                        received_on=form.received_on.data, locale=form.locale.data or None)
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            return redirect(url_for("privacy.detail", reference=row.reference))
    page = request.args.get("page", "1")
    page = number if (number := whole_number(page, 99_999)) else 1
    total = requests.open_count()
    return render("privacy/console.html", status=422 if request.method == "POST" else 200,
                  rows=requests.queue(QUEUE_PAGE, (page - 1) * QUEUE_PAGE), page=page, total=total,
                  first=(page - 1) * QUEUE_PAGE + 1, pages=max(1, -(-total // QUEUE_PAGE)),
                  closed=requests.recently_closed(), today=get_clock().today(g.tenant.timezone), form=form,
                  deadline=requests.deadline)


@bp.route("/dpo/requests/<reference>", methods=["GET", "POST"])
@require_role(DPO)
def detail(reference: str):
    try:
        row = requests.get(reference)
    except DomainError:
        abort(404)
    clock = get_clock()
    forms = {"verify": NoteForm(prefix="verify"), "extend": ExtendForm(prefix="extend"),
             "close": CloseForm(prefix="close")}
    action = request.form.get("action")
    if request.method == "POST":
        try:
            if action == "verify" and forms["verify"].validate():
                requests.verify_manually(row, forms["verify"].note.data, actor=current_user, clock=clock)
            elif action == "extend" and forms["extend"].validate():
                requests.extend(row, int(forms["extend"].months.data), forms["extend"].reason.data,
                                actor=current_user, clock=clock)
            elif action == "process":
                requests.process(row, clock=clock, actor=current_user, tenant_name=g.tenant.name)
            elif action == "close" and forms["close"].validate():
                requests.close(row, forms["close"].outcome.data, clock=clock, actor=current_user,
                               rejected=request.form.get("rejected") == "1")
            elif action == "lift":
                requests.lift(row, actor=current_user)
            elif action == "rectify" and row.kind == "rectification":
                fields = requests.rectifiable(row) if requests.subject_of(row) else contacts.CONTACT_FIELDS
                requests.rectify(row, {k: request.form.get(k) for k in request.form if k in fields},
                                 actor=current_user, clock=clock)
            else:
                raise DomainError(_("Check the form below."))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("privacy.detail", reference=reference))
    subject = requests.subject_of(row)
    contact = (contacts.current(row.requester_email) if subject is None and row.kind == "rectification"
               and row.status == "open" and row.verification == "verified" and row.requester_email else {})
    return render("privacy/detail.html", row=row, subject=subject, rectifiable=requests.rectifiable(row),
                  contact=contact, forms=forms, history=audit.history("subject_request", row.id),
                  logs=requests.erasure_logs(row.id), deadline=requests.deadline(row),
                  today=clock.today(g.tenant.timezone), restricted_partners=requests.restricted_partners(row))


@bp.route("/dpo/records")
@require_role(DPO)
def records():
    """G-10/G-12, C-08: the records of processing (art. 30), generated from the data map."""
    return render("privacy/records.html", groups=registers.records_of_processing(g.tenant),
                  record=registers.controller_record(g.tenant))


@bp.route("/dpo/subprocessors", methods=["POST"])
@require_role(DPO)
def answer_subprocessor():
    """C-07, DPA §4.7–4.8: the organiser's consent to a new sub-processor, or its objection (the sub-processors are
    the platform's: the form names one, the answer is this organiser's own)."""
    from portal.core.errors import NotFound
    from portal.operator import register

    subprocessor_id = whole_number(request.form.get("subprocessor_id", ""))
    if subprocessor_id is None:
        abort(404)
    try:
        register.answer_subprocessor(g.tenant, subprocessor_id, request.form.get("answer", ""), clock=get_clock(),
                                     actor=current_user)
    except NotFound:
        abort(404)
    except DomainError as error:
        db.session.rollback()
        abort(400, error.message)
    db.session.commit()
    flash(_("Your answer is recorded."), "success")
    return redirect(url_for("privacy.records"))


@bp.route("/dpo/records.pdf")
@require_role(DPO)
def records_pdf():
    from flask import Response

    from portal.core import pdf

    groups = registers.records_of_processing(g.tenant)
    record = registers.controller_record(g.tenant)
    body = pdf.table_pdf(_("Records of processing — %(org)s", org=g.tenant.name),
                         "\n".join(registers.pdf_lines(g.tenant, record)),
                         [_("Category"), _("Purpose"), _("Legal basis"), _("Retention"), _("Where")],
                         [[x["category_text"], x["purpose"], x["basis"], x["retention"], ", ".join(x["columns"])]
                          for x in groups], [42, 55, 50, 45, 85], [])
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="records-{g.tenant.slug}.pdf"'})


@bp.route("/dpo/audit")
@require_role(DPO)
def audit_log():
    action = request.args.get("action") or None
    object_type = request.args.get("object") or None
    before = request.args.get("before", "")
    if before and whole_number(before) is None:
        abort(400)
    rows = audit.search(action=action, object_type=object_type, before=whole_number(before),
                        limit=AUDIT_PAGE)
    return render("privacy/audit.html", rows=rows, action=action or "", object_type=object_type or "",
                  older=rows[-1].id if len(rows) == AUDIT_PAGE else None)


@bp.route("/dpo/consents")
@require_role(DPO)
def consent_records():
    """G-08: every consent given — version, text hash, channel, when given and withdrawn."""
    email = request.args.get("email", "")
    before = request.args.get("before", "")
    if before and not (before.isascii() and before.isdigit() and len(before) < 10):
        abort(400)
    rows, older = consents.records(email=email, before=int(before) if before else None)
    return render("privacy/consents.html", rows=rows, email=email, older=older)


@bp.route("/dpo/breaches", methods=["GET", "POST"])
@require_role(DPO)
def breaches():
    errors: dict[str, str] = {}
    if request.method == "POST" and request.form.get("action") == "record":
        data, errors = breach_content.read_form(request.form, zone=g.tenant.timezone or "Europe/Warsaw")
        if not errors:
            try:
                breach_content.record_own(data, clock=get_clock(), actor=current_user)
            except DomainError as error:
                db.session.rollback()
                errors[error.field or ""] = error.message
            else:
                db.session.commit()
                flash(_("The breach is recorded in the register."), "success")
                return redirect(url_for("privacy.breaches"))
    elif request.method == "POST":
        try:
            registers.record_breach_steps(whole_number(request.form.get("breach_id")) or 0,
                                          authority_notified=request.form.get("authority") == "1",
                                          subjects_decision=request.form.get("decision", ""),
                                          subjects_notified=request.form.get("subjects") == "1",
                                          clock=get_clock(), actor=current_user)
        except (DomainError, ValueError):
            db.session.rollback()
            abort(404)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("privacy.breaches"))
    rows = registers.breaches()
    return render("privacy/breaches.html", status=422 if errors else 200, rows=rows, errors=errors,
                  form=request.form, overdue=breach_content.overdue(rows, get_clock().now()))


__all__ = ["notifications"]
