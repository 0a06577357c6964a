"""Account pages of a tenant: log in and out, register, reset a password, accept new terms, dashboards."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import service
from portal.accounts.forms import AcceptForm, LoginForm, RegistrationForm, ResetForm, ResetRequestForm
from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.core.http import form_errors, fresh_session, local_path, render
from portal.core.validators import whole_number
from portal.extensions import db, limiter
from portal.notifications import service as notifications
from portal.privacy import consents
from portal.programmes import documents
from portal.tenancy.web import require_role, tenant_blueprint

bp = tenant_blueprint("accounts", __name__)

DASHBOARDS = {ADMIN: "accounts.admin_dashboard", STAFF: "accounts.staff_dashboard", DPO: "accounts.dpo_dashboard",
              PARTICIPANT: "accounts.participant_dashboard"}


def _login_key() -> str:
    """Throttle per tenant and e-mail, so one address cannot be guessed at from many IPs. The key holds a digest of
    the address, never the address: Redis keeps it for the window, out of an erasure's reach (G-05)."""
    address = service.normalise_email(request.form.get("email") or "")  # every spelling counts towards one
    return f"login:{g.tenant.id}:{hashlib.sha256(address.encode()).hexdigest()[:32]}"


def _safe_next(target: str | None) -> str | None:
    return local_path(target, under=f"/t/{g.tenant.slug}/")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"], key_func=_login_key)
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data, clock=get_clock())
        if user is None:
            form.form_errors.append(_("Wrong e-mail or password."))
        else:
            fresh_session()
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("accounts.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render("accounts/login.html", "form", status=status, form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        service.end_sessions(current_user)  # a copy of the cookie (stolen, cached) dies with this one
        db.session.commit()
    logout_user()
    fresh_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("tenancy.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    from portal.web import sign_up_closed

    if closed := sign_up_closed():  # P-40: nothing is taken for an account that could not take part
        return render("accounts/register.html", status=403 if request.method == "POST" else 200, closed=closed)
    form = RegistrationForm()
    terms = documents.current("terms", _current_locale())
    privacy = documents.current("privacy", _current_locale())
    today = get_clock().today(g.tenant.timezone)
    marketing = consents.optional_text("marketing", _current_locale(), day=today)
    if marketing:
        form.marketing.label.text = marketing
    _programme_wording(form, today)
    if form.validate_on_submit():
        data = {f: getattr(form, f).data or "" for f in
                ("first_name", "last_name", "email", "phone", "company_name", "nip", "password")}
        data["locale"] = _current_locale()
        accepted = {"terms": terms.version if terms else None, "privacy": privacy.version if privacy else None}
        try:
            user = service.register_participant(g.tenant, data, accepted=accepted, clock=get_clock())
            if marketing and form.marketing.data:  # G-08: only when ticked, with the text shown
                consents.give_optional(user, "marketing", locale=_current_locale(), clock=get_clock())
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            fresh_session()
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("accounts.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render("accounts/register.html", "form", status=status, form=form, terms=terms, privacy=privacy,
                  marketing=marketing)


# what accepting each document states, in the programme's own words (P-01: the information clause read, with the
# consent to processing where the programme asks for one)
_STATEMENTS = {"terms": ("terms",), "privacy": ("privacy_notice", "data_processing")}


def _statements(document_kind: str, today) -> str | None:
    texts = [consents.programme_text(kind, _current_locale(), day=today, required=True)
             for kind in _STATEMENTS.get(document_kind, ())]
    return " ".join(t for t in texts if t) or None


def _programme_wording(form: RegistrationForm, today) -> None:
    """E-03/G-08: the checkboxes carry the programme's own statements where its definition words them, else the
    platform's wording."""
    if terms_text := _statements("terms", today):
        form.accept_terms.label.text = terms_text
    if privacy_text := _statements("privacy", today):
        form.accept_privacy.label.text = privacy_text


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT"], methods=["POST"], key_func=_login_key)
@limiter.limit("10 per minute", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data, hours=current_app.config["PASSWORD_RESET_HOURS"],
                                       clock=get_clock())
        db.session.commit()
        flash(_("If an account uses this e-mail, we have sent it a link to set a new password."), "info")
        return redirect(url_for("accounts.login"))
    status = 422 if request.method == "POST" else 200
    return render("accounts/reset_request.html", "form", status=status, form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    if service.valid_reset_token(token, clock=get_clock()) is None:
        return render("accounts/reset_invalid.html", status=404)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            service.reset_password(token, form.password.data, clock=get_clock())
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your password is changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    status = 422 if request.method == "POST" else 200
    return render("accounts/reset.html", "form", status=status, form=form)


@bp.route("/accept", methods=["GET", "POST"])
@login_required
def accept():
    """A new version of the terms or information clause is shown for acceptance at next login (E-03)."""
    pending = documents.to_accept(current_user)
    if not pending:
        return redirect(url_for("accounts.dashboard"))
    form = AcceptForm()
    shown = ",".join(f"{doc.kind}:{doc.version}" for doc in pending)
    if form.is_submitted() and form.shown.data and form.shown.data != shown:
        form.shown.data = shown  # what this page now shows, to be read and accepted
        form.accept.errors = [_("A newer version was published while you were reading. Read it and accept it "
                                "to continue.")]
        return render("accounts/accept.html", status=409, form=form, pending=pending)
    form.shown.data = shown
    # a participant the organiser imported gives here what a registrant gives on the form (P-01)
    worded = [text for doc in pending if (text := _statements(doc.kind, get_clock().today(g.tenant.timezone)))]
    if worded:
        form.accept.label.text = " ".join(worded)
    if form.validate_on_submit():
        for doc in pending:
            consents.give(current_user, doc.kind, version=doc.version, text_sha256=doc.sha256, channel="web",
                          clock=get_clock())
        db.session.commit()
        return redirect(url_for("accounts.dashboard"))
    return render("accounts/accept.html", status=422 if request.method == "POST" else 200, form=form,
                  pending=pending)


@bp.route("/dashboard")
@login_required
def dashboard():
    if current_user.role == PARTICIPANT and documents.to_accept(current_user):
        return redirect(url_for("accounts.accept"))
    return redirect(url_for(DASHBOARDS[current_user.role]))


@bp.route("/participant")
@require_role(PARTICIPANT)
def participant_dashboard():
    if documents.to_accept(current_user):
        return redirect(url_for("accounts.accept"))
    return render("accounts/dashboard_participant.html",
                  notices=notifications.for_user(current_user.id, limit=5))


@bp.route("/staff")
@require_role(ADMIN, STAFF)
def staff_dashboard():
    return render("accounts/dashboard_staff.html", standings=_has_top_partner_award())


def _has_top_partner_award() -> bool:
    """L-16: the lead programme in force awards a top partner (the SaaS vendor's referral programme does not)."""
    from portal.leads.service.programme import rules_on

    try:
        return rules_on(get_clock().today(g.tenant.timezone)).awards_top_partner
    except DomainError:  # no lead programme
        return False


@bp.route("/admin")
@require_role(ADMIN)
def admin_dashboard():
    return render("accounts/dashboard_admin.html", counts=service.counts_by_role(g.tenant.id))


@bp.route("/dpo")
@require_role(DPO)
def dpo_dashboard():
    return render("accounts/dashboard_dpo.html")


@bp.route("/export")
@require_role(ADMIN, DPO)
def tenant_export():
    """C-04: a full export of the organiser's data while the contract is running or in the 7 days after its end."""
    from flask import Response

    from portal.operator import contracts, offboarding

    contract = contracts.of_tenant(g.tenant.id)
    today = get_clock().today(g.tenant.timezone)
    if contract is not None and contract.export_until is not None and today > contract.export_until:
        abort(410)
    body = offboarding.tenant_export(g.tenant.id)
    from portal.privacy import audit

    audit.record(current_user, "tenant.exported", "tenant", g.tenant.id)
    db.session.commit()
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{g.tenant.slug}-export.zip"'})


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """G-06: a person corrects their own data; the audit log names the fields, never the values."""
    from portal.accounts.forms import ProfileForm

    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            changed = service.update_profile(current_user, {k: getattr(form, k).data for k in service.PROFILE_FIELDS},
                                             actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form_errors(form, error)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render("accounts/profile.html", "form", status=422 if request.method == "POST" else 200, form=form)


def _token_id(text: str) -> int:
    """A token's id from the form; not a number a column holds (a 20-digit one overflowed the driver): no token."""
    number = whole_number(text)
    if number is None:
        raise ValueError(text)
    return number


@bp.route("/api-tokens", methods=["GET", "POST"])
@require_role(ADMIN, DPO)
def api_tokens():
    """SPEC §10: the organiser admin creates per-tenant API tokens with scopes, and revokes them; the DPO makes the
    privacy integration's tokens (the privacy scopes are the DPO's, SPEC §2). Each sees and revokes its own kind."""
    from portal.api import tokens
    from portal.core.bulk import field_errors

    plaintext, errors = None, {}
    if request.method == "POST":
        try:
            if request.form.get("revoke"):
                tokens.revoke_token(_token_id(request.form["revoke"]), actor=current_user, clock=get_clock())
            else:
                _row, plaintext = tokens.create_token(g.tenant.id, request.form.get("name", ""),
                                                      request.form.getlist("scope"), actor=current_user)
        except (DomainError, ValueError) as error:
            db.session.rollback()
            errors = field_errors(error) if isinstance(error, DomainError) else {"": [_("No such token.")]}
        else:
            db.session.commit()
    mine = {k: v for k, v in tokens.SCOPES.items() if (k in tokens.PRIVACY_SCOPES) == (current_user.role == DPO)}
    return render("accounts/api_tokens.html", status=422 if errors else 200, rows=tokens.tokens(current_user.role),
                  scopes=mine, plaintext=plaintext, errors=errors)


@bp.route("/notices")
@login_required
def notices():
    rows = notifications.for_user(current_user.id)
    notifications.mark_read(current_user.id, clock=get_clock())
    db.session.commit()
    return render("accounts/notices.html", notices=rows)


def _current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else g.tenant.locale


def user_for_session(user_id: str):
    """Flask-Login's loader: a user of the current tenant only (another tenant's cookie is anonymous here), with a
    session that is still open (not logged out, no password reset since) and an active account (not erased)."""
    from portal.accounts.models import User

    try:
        _, tenant_id, pk, epoch = user_id.split(":")
    except ValueError:
        return None
    tenant = g.get("tenant")
    if tenant is None or str(tenant.id) != tenant_id:
        return None
    user = service.session_account(User, pk, epoch)
    return user if user is not None and user.tenant_id == tenant.id else None


__all__ = ["abort", "bp", "user_for_session"]
