"""The platform console under /operator: tenants, failed jobs. No participant data is shown here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import service as accounts
from portal.core.http import render
from portal.extensions import limiter
from portal.notifications import service as notifications
from portal.operator import service
from portal.operator.forms import OperatorLoginForm

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
            session.clear()
            login_user(op)
            return redirect(url_for("operator.tenants"))
    return render("operator/login.html", "form", status=422 if request.method == "POST" else 200, form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("operator.login"))


@bp.route("/")
@operator_required
def tenants():
    return render("operator/tenants.html", rows=service.tenant_overview())


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


def operator_for_session(user_id: str):
    from portal.accounts.models import Operator
    from portal.extensions import db

    if not g.get("operator_area"):
        return None
    try:
        return db.session.get(Operator, int(user_id.removeprefix("op:")))
    except ValueError:
        return None
