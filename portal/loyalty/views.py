"""Installer pages: join, points statement, devices, catalogue and orders, complaints, PIT-8C data (SPEC §6)."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import PARTICIPANT
from portal.core.bulk import field_errors
from portal.core.clock import get_clock
from portal.core.errors import DomainError, NotFound
from portal.core.http import form_errors, render
from portal.core.validators import whole_number
from portal.extensions import db
from portal.loyalty.forms import ComplaintForm, DeliveryAddressForm, DeviceForm, JoinForm, ProofForm, TaxForm
from portal.loyalty.labels import model_choices
from portal.loyalty.service import complaints, devices, ledger, members, orders
from portal.loyalty.service.programme import announced_points, rules_on
from portal.loyalty.service.programme import end as programme_end
from portal.loyalty.service.statement import statement
from portal.programmes import documents
from portal.tenancy.web import require_role, tenant_blueprint

bp = tenant_blueprint("loyalty", __name__)
participant = require_role(PARTICIPANT)


@bp.before_request
def _consent_first():
    """P-01, E-03: registration without consent to data processing is invalid. A participant with anything left to
    accept (none on record after an import, or a new version) accepts it before any page of the programme."""
    if current_user.is_authenticated and current_user.role == PARTICIPANT and documents.to_accept(current_user):
        return redirect(url_for("accounts.accept"))
    return None


def today() -> date:
    return get_clock().today(g.tenant.timezone)


def rules():
    try:
        return rules_on(today())
    except DomainError:
        abort(404)


def me():
    """The current participant's installer record. One who has not joined yet is taken to the joining form from a
    page (the dashboard offers these pages to every participant); an action posted without one is not found."""
    installer = members.for_user(current_user.id)
    if installer is None:
        abort(redirect(url_for("loyalty.join")) if request.method == "GET" else 404)
    return installer


def attach(form, error: DomainError) -> None:
    for field, messages in field_errors(error).items():
        for message in messages:
            form_errors(form, DomainError(message, field=field or None))


@bp.route("/installer/join", methods=["GET", "POST"])
@participant
def join():
    current = rules()
    existing = members.for_user(current_user.id)
    if existing is not None and existing.excluded_on is None:
        return redirect(url_for("loyalty.points"))  # an excluded participant may join again (P-32)
    form = JoinForm()
    if request.method == "GET" and not form.nip.data:
        form.nip.data = current_user.nip or ""
    if form.validate_on_submit():
        try:
            installer = members.join(current_user, business=form.business.data,
                                     installs_heating=form.installs_heating.data, adult=form.adult.data,
                                     registered_on=today(), rules=current, certificate=form.certificate.data,
                                     leader=form.leader.data, employee=form.employee.data, activated_on=today(),
                                     nip=form.nip.data if form.business.data else None)
            if form.delivery_address.data:  # P-25: may be given now, and must be before the first order
                orders.set_delivery_address(installer, form.delivery_address.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach(form, error)
        else:
            db.session.commit()
            if installer.approval == "pending":
                flash(_("Thank you. The organiser decides individually on your participation."), "info")
            return redirect(url_for("loyalty.points"))
    return render("loyalty/join.html", status=422 if request.method == "POST" else 200, form=form)


@bp.route("/points")
@participant
def points():
    installer = me()
    current = rules()
    summary = statement(installer, as_of=today(), rules=current)
    left, over = orders.allowance(installer.id, on=today(), rules=current)
    return render("loyalty/points.html", installer=installer, summary=summary, allowance=left, over=over,
                  cap=current.annual_cap,
                  delivery_to=orders.address_of(installer),
                  missing=members.missing_for_next(installer, as_of=today(), rules=current),
                  orders=orders.of_installer(installer.id, 10), devices=devices.of_installer(installer.id, 10),
                  end=programme_end(), today=today(), rewards={r.id: r for r in orders.catalogue(active_only=False)},
                  can_rejoin=installer.excluded_on is not None and installer.exclusion_ground in current.rejoin_grounds
                  and today() > installer.excluded_on and not members.joining_closed(today()))


@bp.route("/devices/new", methods=["GET", "POST"])
@participant
def new_device():
    installer = me()
    current = rules()
    form = DeviceForm()
    form.model_code.choices = model_choices(current.models)
    if request.method == "POST" and form.validate():
        proofs = []
        try:
            upload = form.proof.data
            if upload and getattr(upload, "filename", ""):
                proofs.append(devices.store_proof(current_app.config["UPLOAD_DIR"], g.tenant.id, upload.read(),
                                                  current))
            device = devices.register(installer, {f: getattr(form, f).data for f in
                                                  ("serial", "model_code", "production_code", "installed_on")},
                                      current, registered_on=today(), clock=get_clock(), actor=current_user,
                                      proofs=proofs)
        except DomainError as error:
            db.session.rollback()
            devices.discard_proofs(current_app.config["UPLOAD_DIR"], g.tenant.id, proofs)
            attach(form, error)
        else:
            db.session.commit()
            flash(_("Device %(serial)s registered: %(points)s points.", serial=device.serial, points=device.points),
                  "success")
            return redirect(url_for("loyalty.points"))
    return render("loyalty/device.html", "form", status=422 if request.method == "POST" else 200, form=form,
                  point_table=sorted(current.models.items()),  # seed §4.3: the points of each model, on the platform
                  announced=announced_points(today()),  # … and a change of them, before it takes effect (P-04)
                  campaigns=[c for c in current.campaigns if c.ends_on >= today()])  # P-06: the bonus criteria


@bp.route("/devices/validate", methods=["POST"])
@participant
def validate_device():
    """Inline checks as the installer types: serial taken, code too old, installation too early (P-05)."""
    installer = me()
    current = rules()
    form = DeviceForm()
    form.model_code.choices = model_choices(current.models)
    name = request.headers.get("HX-Trigger-Name", "")
    if name not in ("serial", "model_code", "production_code", "installed_on"):
        abort(400)
    _clean, problems = devices.check(installer, {f: getattr(form, f).data for f in
                                                 ("serial", "model_code", "production_code", "installed_on")},
                                     current, registered_on=today())
    field = form[name]
    field.errors = [f"{m} ({r})" if r else m for f, m, r in problems if f == name and field.data]
    return render("leads/_field.html", field=field)


@bp.route("/rewards")
@participant
def catalogue():
    installer = me()
    current = rules()
    left, over = orders.allowance(installer.id, on=today(), rules=current)
    return render("loyalty/catalogue.html", rewards=orders.catalogue(),
                  balance=ledger.balance(installer.id, as_of=today(), end=programme_end(), rules=current),
                  allowance=left, over=over, cap=current.annual_cap,
                  blocker=members.reward_blocker(installer))


@bp.route("/rewards/<code>/order", methods=["POST"])
@participant
def order(code: str):
    installer = me()
    try:
        reward = orders.reward_by_code(code)
    except NotFound:
        abort(404)
    try:
        placed = orders.place(installer, reward, on=today(), rules=rules(), clock=get_clock(), actor=current_user,
                              require_address=True)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        if error.field == "delivery_address":
            return redirect(url_for("loyalty.delivery_address"))
        return redirect(url_for("loyalty.catalogue"))
    db.session.commit()
    flash(_("Order %(id)s placed.", id=placed.id), "success")
    return redirect(url_for("loyalty.points"))


@bp.route("/devices/<int:device_id>/proof", methods=["GET", "POST"])
@participant
def device_proof(device_id: int):
    """P-10: the participant adds a proof of purchase or installation to a device it registered — when the
    organiser asks for it, or at any time."""
    installer = me()
    try:
        device = devices.get(device_id, installer_id=installer.id)
    except DomainError:
        abort(404)
    form = ProofForm()
    if form.validate_on_submit():
        upload = form.proof.data
        try:
            if not upload or not getattr(upload, "filename", ""):
                raise DomainError(_("Choose the file to add."), field="proof", rule="P-10")
            name = devices.store_proof(current_app.config["UPLOAD_DIR"], g.tenant.id, upload.read(), rules())
            devices.add_proof(device, name, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach(form, error)
        else:
            db.session.commit()
            flash(_("The proof is added to device %(serial)s.", serial=device.serial), "success")
            return redirect(url_for("loyalty.points"))
    return render("loyalty/proof.html", status=422 if request.method == "POST" else 200, form=form, device=device)


@bp.route("/delivery-address", methods=["GET", "POST"])
@participant
def delivery_address():
    """P-25: the address the courier delivers the rewards to."""
    installer = me()
    form = DeliveryAddressForm(data={"delivery_address": installer.delivery_address or ""})
    if form.validate_on_submit():
        try:
            orders.set_delivery_address(installer, form.delivery_address.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("loyalty.points"))
    return render("loyalty/address.html", status=422 if request.method == "POST" else 200, form=form)


@bp.route("/orders/<int:order_id>/substitute", methods=["POST"])
@participant
def substitute(order_id: int):
    installer = me()
    try:
        row = orders.get(order_id, installer_id=installer.id)
    except DomainError:
        abort(404)
    try:
        answer = request.form.get("accept")
        if answer not in ("yes", "no"):  # neither button: nothing is decided for the participant (P-23)
            raise DomainError(_("Accept or refuse the substitute."), field="accept", rule="P-23")
        orders.answer_substitute(row, accept=answer == "yes", on=today(), rules=rules(), clock=get_clock(),
                                 actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("loyalty.points"))


@bp.route("/my-complaints", methods=["GET", "POST"])
@participant
def my_complaints():
    installer = me()
    current = rules()
    form = ComplaintForm()
    lots = ledger.lots(installer.id)
    form.entry_id.choices = [("", "—")] + [(str(lot.id), f"{lot.earned_on}: {lot.points}") for lot in lots] + [
        (str(entry_id), _("%(day)s: −%(points)d (taken back)", day=on, points=points))
        for entry_id, on, points in ledger.revocations(installer.id)]
    if form.is_submitted() and form.entry_id.data and whole_number(form.entry_id.data) is None:
        form.entry_id.data = ""  # a value the list never offered (a tampered form): said at the field, not a 500
        form.entry_id.errors = [_("Choose the points the complaint is about from the list.")]
    elif form.validate_on_submit():
        try:
            complaints.file(installer, kind=form.kind.data, text=form.text.data, on=today(), rules=current,
                            entry_id=int(form.entry_id.data) if form.entry_id.data else None, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your complaint is recorded. The commission aims to decide within 14 days."), "success")
            return redirect(url_for("loyalty.my_complaints"))
    return render("loyalty/complaints.html", status=422 if request.method == "POST" else 200, form=form,
                  rows=complaints.of_installer(installer.id))


@bp.route("/tax-data", methods=["GET", "POST"])
@participant
def tax_data():
    installer = me()
    form = TaxForm(data={"tax_id": installer.tax_id or "", "home_address": installer.home_address or "",
                         "birth_date": installer.birth_date} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            members.set_tax_data(installer, tax_id=form.tax_id.data, home_address=form.home_address.data,
                                 birth_date=form.birth_date.data, actor=current_user)
            upload = form.employer_acceptance.data
            replaced = None
            if upload and getattr(upload, "filename", ""):
                replaced = installer.employer_acceptance_file
                try:
                    installer.employer_acceptance_file = devices.store_proof(current_app.config["UPLOAD_DIR"],
                                                                             g.tenant.id, upload.read(), rules())
                except DomainError as error:  # the service checks a "proof": here the field is this one
                    error.field = "employer_acceptance"
                    raise
        except DomainError as error:
            db.session.rollback()
            attach(form, error)
        else:
            db.session.commit()
            # the earlier acceptance is no longer anyone's record: no copy outlives its use (G-05)
            devices.discard_proof(current_app.config["UPLOAD_DIR"], g.tenant.id, replaced)
            flash(_("Saved."), "success")
            return redirect(url_for("loyalty.points"))
    return render("loyalty/tax.html", status=422 if request.method == "POST" else 200, form=form)
