"""The organiser admin's programme page: the definition in force, its history, and a new version with a preview
of what it does to the current period's leads (E-01, E-02, L-30)."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import ADMIN
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.core.http import render
from portal.core.validators import day_problem
from portal.extensions import db
from portal.programmes import changes
from portal.programmes import service as programmes
from portal.programmes.definition import DefinitionErrors, to_json
from portal.programmes.labels import definition_message
from portal.tenancy.web import require_role, tenant_blueprint

bp = tenant_blueprint("programme_admin", __name__)


def _source(version) -> str:
    """The stored definition back as TOML text for editing."""
    from portal.programmes.toml_text import dumps

    return dumps(version.definition) if version else ""


@bp.route("/programme", methods=["GET", "POST"])
@require_role(ADMIN)
def edit():
    """The definition and its effective day: what is wrong is said at the field it is about — the definition
    (a key, the programme's code, the same text as before) or the day (missing, no such day, out of range, the
    notice E-02 needs) — and nothing is published nor announced."""
    clock = get_clock()
    today = clock.today(g.tenant.timezone)
    current = programmes.in_force(today)
    posted = request.method == "POST"
    # the latest version, a scheduled one included: an edit of the one in force would quietly undo what is scheduled
    text = request.form.get("text", "") if posted else _source(programmes.latest_version() or current)
    effective = request.form.get("effective_from", "").strip() if posted else today.isoformat()
    errors: dict[str, list[str]] = {"text": [], "effective_from": []}
    preview = None
    if posted:
        effective_from = _effective_day(effective, errors["effective_from"])
        if not text.strip():
            errors["text"].append(_("Enter the programme definition (TOML)."))
        if effective_from is not None and text.strip():
            try:
                if request.form.get("action") == "publish":
                    version = changes.publish(g.tenant.id, text, effective_from=effective_from, clock=clock,
                                              actor=current_user, refuse_unchanged=True)
                    db.session.commit()
                    flash(_("Version %(v)s published, in force from %(d)s.", v=version.version,
                            d=version.effective_from), "success")
                    return redirect(url_for("programme_admin.edit"))
                data = changes.parse_text(text)
                preview = preview_effect(data, effective_from)
                errors["effective_from"] += changes.notice_problems(changes.notice_base(effective_from, today),
                                                                    to_json(data), effective_from, today)
            except DefinitionErrors as exc:
                db.session.rollback()
                errors["text"] += [_("Line %(line)s: %(key)s: %(message)s", line=e.line, key=e.key,
                                     message=definition_message(e.message)) if e.line
                                   else f"{e.key}: {definition_message(e.message)}" for e in exc.errors]
            except DomainError as exc:
                db.session.rollback()
                errors["effective_from" if exc.field == "effective_from" else "text"].append(exc.message)
    failed = any(errors.values())
    return render("programmes/edit.html", status=422 if failed else 200, text=text, errors=errors,
                  effective=effective, preview=preview, history=changes.history(), current=current)


def _effective_day(typed: str, errors: list[str]) -> date | None:
    """The effective day typed, or None with what is wrong with it in ``errors``."""
    try:
        day = date.fromisoformat(typed)
    except ValueError:
        errors.append(_("Enter the effective date as YYYY-MM-DD."))
        return None
    if problem := day_problem(day):
        errors.append(problem)
        return None
    return day


def preview_effect(data: dict, effective_from: date) -> list[dict] | None:
    """Lead programmes: per partner, the current period's amounts before → after the change."""
    if data["programme"]["type"] != "lead_reward":
        return None
    from portal.leads.service.preview import compare

    return compare(data, effective_from)


@bp.route("/programme/documents", methods=["GET", "POST"])
@require_role(ADMIN)
def documents_page():
    """E-03: the terms and the information clause in force, and a new version of either. Participants are asked to
    accept a new version at their next visit; a text equal to the one in force is not a new version."""
    from portal.privacy import audit
    from portal.programmes import documents
    from portal.programmes.forms import DocumentForm

    form = DocumentForm()
    if request.method == "GET":
        kind = request.args.get("kind") if request.args.get("kind") in documents.DOCUMENT_KINDS else "terms"
        form.kind.data = kind
        form.text_pl.data = getattr(documents.current(kind, "pl"), "body", "")
        form.text_en.data = getattr(documents.current(kind, "en"), "body", "")
    elif form.validate_on_submit():
        kind, texts = form.kind.data, {"pl": form.text_pl.data, "en": form.text_en.data}
        before = documents.current_version(kind)
        version = documents.publish(g.tenant.id, kind, texts, clock=get_clock())
        if version == before:
            form.text_pl.errors = [*form.text_pl.errors, _("The texts are the same as version %(v)s in force: "
                                                            "nothing was published.", v=version)]
        else:
            audit.record(current_user, "document.published", "document", version)
            db.session.commit()
            flash(_("Version %(v)s published: participants are asked to accept it at their next visit.",
                    v=version), "success")
            return redirect(url_for("programme_admin.documents_page", kind=kind))
    in_force = {kind: documents.current(kind, "pl") for kind in documents.DOCUMENT_KINDS}
    return render("programmes/documents.html", status=422 if request.method == "POST" else 200, form=form,
                  in_force=in_force)
