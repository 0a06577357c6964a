"""The organiser admin's Users page (SPEC §2): the tenant's admin, staff and DPO accounts — add one (the person sets
a password with a one-time link by mail), change a role, deactivate and reactivate. Participants have their own
pages. A read-only tenant (C-04) refuses every change before these views run (``tenant_blueprint``)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import service
from portal.accounts.forms import ORGANISER_ROLE_CHOICES, OrganiserAccountForm, RoleForm
from portal.accounts.models import ADMIN, User
from portal.core.clock import get_clock
from portal.core.errors import DomainError, NotFound
from portal.core.http import form_errors, render, wants_fragment
from portal.extensions import db
from portal.tenancy.web import require_role, tenant_blueprint

bp = tenant_blueprint("user_admin", __name__)
admin_only = require_role(ADMIN)


def _page(form: OrganiserAccountForm, *, status: int = 200, row_errors: dict[int, str] | None = None):
    return render("accounts/users.html", "form" if request.method == "POST" and not row_errors else None,
                  status=status, form=form, users=service.organiser_accounts(), row_errors=row_errors or {},
                  hours=service.INVITATION_HOURS, roles=ORGANISER_ROLE_CHOICES)


@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users():
    form = OrganiserAccountForm()
    if request.method == "GET":
        form.locale.data = g.tenant.locale
    if form.validate_on_submit():
        data = {key: getattr(form, key).data or "" for key in ("first_name", "last_name", "email", "role", "locale")}
        try:
            user, _token = service.add_organiser_account(g.tenant.id, data, actor=current_user, clock=get_clock())
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Account created: %(email)s has been sent a link to set a password.", email=user.email),
                  "success")
            return redirect(url_for("user_admin.users"))
    return _page(form, status=422 if request.method == "POST" else 200)


def _change(user_id: int, change: Callable[[User], bool], done: str):
    """One row's change: the row again (HTMX), else back to the page; a refusal is shown in the row (422)."""
    try:
        user = service.organiser_account(user_id)
    except NotFound:
        abort(404)
    try:
        change(user)
    except DomainError as error:
        db.session.rollback()
        if wants_fragment():
            return render("accounts/users_row.html", status=422, user=user, error=error.message,
                          roles=ORGANISER_ROLE_CHOICES)
        return _page(OrganiserAccountForm(formdata=None, locale=g.tenant.locale), status=422,
                     row_errors={user.id: error.message})
    db.session.commit()
    if wants_fragment():
        return render("accounts/users_row.html", user=user, error=None, roles=ORGANISER_ROLE_CHOICES)
    flash(done, "success")
    return redirect(url_for("user_admin.users"))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_only
def change_role(user_id: int):
    role = RoleForm().role.data or ""
    return _change(user_id, lambda user: service.change_role(user, role, actor=current_user), _("Role changed."))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_only
def deactivate(user_id: int):
    return _change(user_id, lambda user: service.deactivate_account(user, actor=current_user, clock=get_clock()),
                   _("Account deactivated: its sessions have ended and it can no longer log in."))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@admin_only
def reactivate(user_id: int):
    return _change(user_id, lambda user: service.reactivate_account(user, actor=current_user),
                   _("Account reactivated: the person can log in again."))
