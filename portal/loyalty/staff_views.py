"""Organiser pages of an installer programme: participants and statuses, catalogue, order fulfilment, the
complaints commission, the PIT-8C list and the programme's end (SPEC §6)."""

from __future__ import annotations

import io
from datetime import date

from flask import Response, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.accounts.models import ADMIN, STAFF, User
from portal.core import safecsv
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.core.http import day_cursor, form_errors, id_cursor, render, wants_fragment
from portal.extensions import db
from portal.loyalty.forms import (
    DecideForm,
    EndForm,
    ExcludeForm,
    RevokeDeviceForm,
    RevokePointsForm,
    RewardDetailsForm,
    RewardForm,
    TitleGrantForm,
    TitleLossForm,
)
from portal.loyalty.labels import EXCLUSION_GROUNDS, TITLES_GRANTED, TITLES_LOST
from portal.loyalty.models import Installer, PointsEntry, Reward
from portal.loyalty.service import complaints, devices, ledger, members, orders
from portal.loyalty.service.programme import announce_end, last_registration_day, post_end_deadline
from portal.loyalty.service.programme import end as programme_end
from portal.loyalty.service.statement import statement
from portal.loyalty.views import rules, today
from portal.tenancy.web import require_role, tenant_blueprint

bp = tenant_blueprint("loyalty_admin", __name__)
PROOF_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}
staff = require_role(ADMIN, STAFF)


def _done(success: str):
    db.session.commit()
    flash(success, "success")


def _act(action, success: str, back: str):
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        _done(success)
    return redirect(back)


PAGE_SIZE = 50  # participants on one page of the organiser's list


@bp.route("/installers")
@staff
def installers():
    rules()
    after = id_cursor("after")
    rows = db.session.execute(select(Installer, User).join(User, User.id == Installer.user_id)
                              .where(Installer.id > after).order_by(Installer.id).limit(PAGE_SIZE)).all()
    return render("loyalty/installers.html", rows=rows, criteria=members.CRITERIA[1:], after=after,
                  more=len(rows) == PAGE_SIZE,
                  answers={i.id: members.joining_answers(i, u.nip) for i, u in rows if i.approval != "approved"})


MANUAL_GROUNDS = ("false_data", "rules_breach")  # P-32: the other two grounds are the daily checks'


@bp.route("/installers/<int:installer_id>", methods=["GET", "POST"])
@staff
def installer_page(installer_id: int):
    """One participant as the organiser sees them: balance and lots, devices, the ledger; revoking points (P-09) and
    excluding (P-32), each refusal next to its field."""
    try:
        installer = members.get(installer_id)
    except DomainError:
        abort(404)
    current, clock = rules(), get_clock()
    owned = devices.of_installer(installer.id, 200)
    revoke = RevokePointsForm(prefix="points")
    by_device = RevokeDeviceForm(prefix="device")
    revoked = _revoked(owned)
    by_device.device.choices = [(d.id, f"{d.serial} ({d.points})") for d in owned if d.points and d.id not in revoked]
    exclude = ExcludeForm(prefix="exclude")
    exclude.ground.choices = [("", _("Choose the ground"))] + [(g, EXCLUSION_GROUNDS[g]) for g in MANUAL_GROUNDS]
    title = TitleLossForm(prefix="title")
    title.lost.choices = [("", _("Choose what the participant lost"))] + list(TITLES_LOST.items())
    grant = TitleGrantForm(prefix="grant")
    grant.granted.choices = [("", _("Choose what the participant was granted"))] + list(TITLES_GRANTED.items())
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        form = {"revoke_points": revoke, "revoke_device": by_device, "exclude": exclude, "title": title,
                "grant": grant}.get(action)
        if form is None:
            abort(400)
        if form.validate():
            try:
                success = _participant_action(action, installer, form, current, clock, owned)
            except DomainError as error:
                db.session.rollback()
                form_errors(form, error)
            else:
                _done(success)
                return redirect(url_for("loyalty_admin.installer_page", installer_id=installer.id))
        status = 422
    user = db.session.get(User, installer.user_id)
    return render("loyalty/installer.html", status=status, installer=installer, user=user,
                  summary=statement(installer, as_of=today(), rules=current), devices=owned, revoked=revoked,
                  over=orders.allowance(installer.id, on=today(), rules=current)[1], cap=current.annual_cap,
                  on_record=members.evidence_on_record(installer, on=today()), criteria=members.CRITERIA[1:],
                  entries=ledger.entries(installer.id), revoke=revoke, by_device=by_device, exclude=exclude,
                  title=title, grant=grant, orders=orders.of_installer(installer.id),
                  rewards={r.id: r for r in orders.catalogue(False)},
                  answers=members.joining_answers(installer, user.nip if user else None))


def _revoked(owned: list) -> dict[int, tuple[int, date]]:
    """P-09: device id → (points taken back, the day) for the devices whose points the organiser revoked."""
    ids = [d.id for d in owned]
    if not ids:
        return {}
    rows = db.session.execute(select(PointsEntry.source_id, func.sum(PointsEntry.points), func.max(PointsEntry.on))
                              .where(PointsEntry.kind == "revoke", PointsEntry.source == "revoke",
                                     PointsEntry.source_id.in_(ids)).group_by(PointsEntry.source_id))
    return {device_id: (-int(points), day) for device_id, points, day in rows}


def _participant_action(action: str, installer, form, current, clock, owned: list) -> str:
    if action == "revoke_points":
        taken = members.revoke_points(installer, form.points.data, reason=form.reason.data or "", on=today(),
                                      rules=current, actor=current_user)
    elif action == "revoke_device":
        device = next((d for d in owned if d.id == form.device.data), None)  # the page's list, already read
        if device is None:
            raise DomainError(_("Choose one of the participant's devices."), field="device", rule="P-09")
        taken = devices.revoke_points(device, on=today(), reason=form.reason.data or "", rules=current,
                                      actor=current_user)
    elif action == "grant":
        members.grant_title(installer, form.granted.data or "", on=today(), clock=clock, actor=current_user)
        return _("Saved.")
    elif action == "title":
        members.withdraw_title(installer, form.lost.data or "", on=today(), clock=clock, actor=current_user)
        return _("Saved.")
    else:
        if form.ground.data not in MANUAL_GROUNDS:
            raise DomainError(_("Choose the ground for the exclusion."), field="ground", rule="P-32")
        members.exclude(installer, form.ground.data, on=today(), note=form.note.data or "", actor=current_user,
                        clock=clock)
        return _("The participant is excluded; their points are forfeited and open orders cancelled.")
    return _("%(n)s points revoked.", n=taken)


@bp.route("/installers/<int:installer_id>/<action>", methods=["POST"])
@staff
def installer_action(installer_id: int, action: str):
    try:
        installer = members.get(installer_id)
    except DomainError:
        abort(404)
    current, clock = rules(), get_clock()
    back = url_for("loyalty_admin.installer_page", installer_id=installer.id) \
        if request.form.get("back") == "participant" else url_for("loyalty_admin.installers")
    actions = {
        "approve": lambda: members.approve(installer, approved=True, actor=current_user, clock=clock),
        "refuse": lambda: members.approve(installer, approved=False, actor=current_user, clock=clock),
        "evidence": lambda: members.record_evidence(installer, request.form.get("criterion", ""), on=today(),
                                                    actor=current_user),
        "revoke": lambda: members.revoke_evidence(installer, request.form.get("criterion", ""), on=today(),
                                                  actor=current_user, on_record=True),
        "evaluate": lambda: members.evaluate_status(installer, as_of=today(), rules=current, clock=clock),
        "exclude": lambda: _exclude(installer, clock),
    }
    if action not in actions:
        abort(404)
    return _act(actions[action], _("Saved."), back)


def _device_of(installer_id: int, device_id: int):
    try:
        return devices.get(device_id, installer_id=members.get(installer_id).id)
    except DomainError:
        abort(404)


@bp.route("/installers/<int:installer_id>/devices/<int:device_id>/proof/<int:index>")
@staff
def device_proof(installer_id: int, device_id: int, index: int):
    """P-10: the organiser sees a proof of purchase or installation the participant added."""
    path = devices.proof_path(current_app.config["UPLOAD_DIR"], _device_of(installer_id, device_id), index)
    if path is None:
        abort(404)
    return send_file(path, mimetype=PROOF_TYPES.get(path.suffix, "application/octet-stream"), as_attachment=True,
                     download_name=f"proof-{device_id}-{index + 1}{path.suffix}")


@bp.route("/installers/<int:installer_id>/employer-acceptance")
@staff
def employer_acceptance(installer_id: int):
    """P-29: the organiser opens the employer's written acceptance an employee uploaded before any reward."""
    try:
        installer = members.get(installer_id)
    except DomainError:
        abort(404)
    path = devices.stored_proof(current_app.config["UPLOAD_DIR"], installer.tenant_id,
                                installer.employer_acceptance_file)
    if path is None:
        abort(404)
    return send_file(path, mimetype=PROOF_TYPES.get(path.suffix, "application/octet-stream"), as_attachment=True,
                     download_name=f"employer-acceptance-{installer_id}{path.suffix}")


@bp.route("/installers/<int:installer_id>/devices/<int:device_id>/ask-proof", methods=["POST"])
@staff
def ask_for_proof(installer_id: int, device_id: int):
    """P-10: ask the participant to show the proof of purchase and installation of one device."""
    device = _device_of(installer_id, device_id)
    return _act(lambda: devices.ask_for_proof(device, on=today(), clock=get_clock(), actor=current_user),
                _("The participant is asked for the proof of device %(serial)s.", serial=device.serial),
                url_for("loyalty_admin.installer_page", installer_id=installer_id))


def _exclude(installer, clock) -> None:
    ground = request.form.get("ground", "")
    if ground not in MANUAL_GROUNDS:
        raise DomainError(_("Choose the ground for the exclusion."), field="ground", rule="P-32")
    members.exclude(installer, ground, on=today(), note=request.form.get("note", ""), actor=current_user, clock=clock)


@bp.route("/catalogue", methods=["GET", "POST"])
@staff
def catalogue():
    rules()
    return render("loyalty/admin_catalogue.html", rewards=orders.catalogue(active_only=False), form=RewardForm())


@bp.route("/catalogue/new", methods=["GET", "POST"], defaults={"reward_id": None})
@bp.route("/catalogue/<int:reward_id>/edit", methods=["GET", "POST"])
@staff
def reward_details(reward_id: int | None):
    """P-20: add a reward, or change any of its details."""
    from flask import g

    rules()
    reward = db.session.get(Reward, reward_id) if reward_id is not None else None
    if reward_id is not None and reward is None:
        abort(404)
    form = RewardDetailsForm(obj=reward)
    if reward is not None:
        del form.code  # a reward keeps its code: orders and the definition name it
    if form.validate_on_submit():
        try:
            orders.save_reward(reward, form.data, tenant_id=g.tenant.id, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            _done(_("The catalogue is saved."))
            return redirect(url_for("loyalty_admin.catalogue"))
    return render("loyalty/reward_form.html", status=422 if request.method == "POST" else 200, form=form,
                  reward=reward)


@bp.route("/catalogue/<int:reward_id>", methods=["POST"])
@staff
def edit_reward(reward_id: int):
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        abort(404)
    form = RewardForm()
    if not form.validate_on_submit():
        if not wants_fragment():  # a browser without scripts: the whole catalogue, the refusal in the reward's row
            return render("loyalty/admin_catalogue.html", status=422, rewards=orders.catalogue(active_only=False),
                          form=RewardForm(formdata=None), row_forms={reward.id: form})
        return render("loyalty/_reward_row.html", status=422, reward=reward, form=form)
    reward.points, reward.stock, reward.active = form.points.data, form.stock.data, form.active.data
    db.session.commit()
    if not wants_fragment():
        flash(_("The catalogue is saved."), "success")
        return redirect(url_for("loyalty_admin.catalogue"))
    return render("loyalty/_reward_row.html", reward=reward, form=RewardForm(formdata=None))


@bp.route("/fulfilment")
@staff
def fulfilment():
    rules()
    return _fulfilment_page()


def _fulfilment_page(errors: dict[int, str] | None = None, code: int = 200):
    """P-20 … P-27: the open orders — who gets what, where, by when, worth what — and the finished ones."""
    before = day_cursor()
    rows, finished = orders.open_orders(), orders.finished_orders(before=before)
    rewards = {r.id: r for r in orders.catalogue(False)}
    every = [*rows, *finished]
    older = f"{finished[-1].closed_on.isoformat()}_{finished[-1].id}" if len(finished) == 50 else None
    return render("loyalty/orders.html", status=code, rows=rows, finished=finished, older=older, rewards=rewards,
                  addresses=orders.delivery_addresses({o.installer_id for o in rows}),
                  recipients=orders.recipients({o.installer_id for o in every}),
                  due={o.id: orders.delivery_due(o, rewards.get(o.reward_id)) for o in every}, errors=errors or {})


ROW_FIELDS = ("reason", "substitute", "cause")  # what staff type or choose in an order's row
CANCEL_CAUSES = {"unavailable": "reward unavailable, no substitute", "other": "cancelled by the organiser"}


def _cancel(order, current, clock) -> None:
    """P-23 (seed §5 pkt 5): staff cancel an open order, its points restored; cancelled because the reward is
    unavailable and has no substitute, it does not go back to stock (P-20)."""
    cause = request.form.get("cause", "")
    if cause not in CANCEL_CAUSES:
        raise DomainError(_("Choose why the order is cancelled."), field="cause", rule="P-23")
    orders.cancel(order, on=today(), rules=current, clock=clock, actor=current_user,
                  reason=(request.form.get("reason") or "").strip() or CANCEL_CAUSES[cause],
                  unavailable=cause == "unavailable")


@bp.route("/fulfilment/<int:order_id>/<action>", methods=["POST"])
@staff
def order_action(order_id: int, action: str):
    try:
        order = orders.get(order_id)
    except DomainError:
        abort(404)
    current, clock = rules(), get_clock()
    actions = {
        "ship": lambda: orders.ship(order, on=today(), clock=clock, actor=current_user),
        "failed": lambda: orders.delivery_failed(order, on=today(), rules=current, clock=clock, actor=current_user,
                                                 participant_fault=request.form.get("fault") != "courier"),
        "delivered": lambda: orders.delivered(order, on=today(), confirmed=request.form.get("confirmed") == "1",
                                              actor=current_user),
        "withhold": lambda: orders.withhold(order, reason=request.form.get("reason", ""), actor=current_user),
        "release": lambda: orders.release(order, actor=current_user),
        "substitute": lambda: orders.offer_substitute(order, orders.reward_by_code(request.form.get("code", "")),
                                                      on=today(), rules=current, clock=clock, actor=current_user),
        "cancel": lambda: _cancel(order, current, clock),
    }
    if action not in actions:
        abort(404)
    try:
        actions[action]()
    except DomainError as error:
        db.session.rollback()
        message = _("Order #%(id)s: %(message)s", id=order_id, message=error.message)
        if error.field in ROW_FIELDS:  # what was typed in the row is refused: said in that row, the page again
            return _fulfilment_page(errors={order_id: message}, code=422)
        flash(message, "error")
    else:
        _done(_("Saved."))
    return redirect(url_for("loyalty_admin.fulfilment"))


@bp.route("/commission", methods=["GET"])
@staff
def commission():
    rules()
    return _commission_page()


def _commission_page(row_forms: dict | None = None, code: int = 200):
    rows = complaints.queue()
    return render("loyalty/commission.html", status=code, rows=rows, form=DecideForm(formdata=None), today=today(),
                  who=complaints.complainants(rows), entries=complaints.entries(rows), row_forms=row_forms or {})


@bp.route("/commission/<int:complaint_id>", methods=["POST"])
@staff
def decide(complaint_id: int):
    try:
        complaint = complaints.get(complaint_id)
    except DomainError:
        abort(404)
    form = DecideForm()
    if form.validate_on_submit():
        try:
            complaints.decide(complaint, upheld=form.decision.data == "upheld", answer=form.answer.data,
                              on=today(), rules=rules(), clock=get_clock(), actor=current_user,
                              points=form.points.data)
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            _done(_("Decided; the participant is told."))
            return redirect(url_for("loyalty_admin.commission"))
    # the queue again, the complaint's row keeping what was chosen and typed, each refusal beside its field
    name = complaints.complainants([complaint]).get(complaint.installer_id, ("", ""))[0] or f"#{complaint.installer_id}"
    for message in [m for field in form for m in field.errors] + list(form.form_errors):
        flash(_("The complaint of %(name)s filed on %(day)s: %(message)s", name=name, day=complaint.filed_on,
                message=message), "error")
    return _commission_page(row_forms={complaint.id: form}, code=422)


@bp.route("/pit8c.csv")
@staff
def pit8c():
    """P-29: the yearly list for PIT-8C forms (by the end of February of the next year)."""
    first, last = rules().starts_on.year, today().year
    raw = request.args.get("year", "").strip()
    try:
        year = int(raw) if raw else last - 1
    except ValueError:
        year = None
    if year is None or not first <= year <= last:
        abort(400, description=_("Choose a year from %(first)s to %(last)s.", first=first, last=last))
    out = io.StringIO()
    writer = safecsv.DictWriter(out, fieldnames=["year", "first_name", "last_name", "tax_id", "home_address",
                                             "birth_date", "gross_value"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(orders.pit8c_rows(year))
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="pit8c-{year}.csv"'})


@bp.route("/programme-end", methods=["GET", "POST"])
@require_role(ADMIN)
def programme_end_page():
    from flask import g

    current = rules()
    form = EndForm()
    if form.validate_on_submit():
        try:
            announce_end(today(), form.ends_on.data, tenant_id=g.tenant.id, rules=current)
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)  # P-40: next to the end date, with the first day allowed
        else:
            _done(_("The end is announced; joining is closed."))
            return redirect(url_for("loyalty_admin.programme_end_page"))
    end = programme_end()
    return render("loyalty/end.html", status=422 if request.method == "POST" else 200, form=form, end=end,
                  today=today(), last_registration=last_registration_day(end.announced_on) if end else None,
                  restored_until=post_end_deadline(end, current) if end else None)
