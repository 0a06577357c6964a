"""Access and portability bundles (G-04): everything about the subject in the tenant, as a zip of JSON, a CSV per
table and a readable summary; a single-use link that expires after 7 days, after which the file is deleted."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app
from markupsafe import escape
from sqlalchemy import func, or_, select

from portal.core import safecsv
from portal.core.clock import Clock, utc
from portal.extensions import db
from portal.notifications.service import SECRET_PARAMS
from portal.privacy.datamap import personal_columns
from portal.privacy.models import DataSubjectRequest, ExportBundle
from portal.privacy.subjects import owned_by

SECRET_COLUMNS = {"password_hash", "token_sha256", "verify_sha256"}
LINK_DAYS = 7


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):  # a notice's parameters: the token of a link not yet mailed is a live secret
        return {k: v for k, v in value.items() if k not in SECRET_PARAMS}
    return value


AS_CONTACT = "_as_contact_person"  # the section of records naming the subject as someone else's contact person


def gather(user_id: int) -> dict[str, list[dict]]:
    """Every row of every table the data map links to the subject (secrets such as password hashes left out, and
    other people's data in those rows — a lead's customer and its contact person, GDPR art. 15(4)), then the
    records that name the subject's address as a contact person without being theirs."""
    from portal.accounts.models import User
    from portal.privacy import contacts

    others = {(e.table, e.column) for entries in personal_columns(db.metadata).values() for e in entries
              if e.third_party}
    data: dict[str, list[dict]] = {}
    owned = owned_by(user_id)
    for table, found in owned.items():
        if not found.ids:
            continue
        model = found.model
        columns = [c for c in model.__table__.columns
                   if c.name not in SECRET_COLUMNS and c.name != "tenant_id" and (table, c.name) not in others]
        rows = db.session.execute(select(*columns).where(model.id.in_(found.ids)).order_by(model.id))
        data[table] = [{c.name: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    email = db.session.scalar(select(User.email).where(User.id == user_id))
    for table, rows in (contacts.find(email) if email else {}).items():
        own = set(owned[table].ids) if table in owned else set()
        if named := [row for row in rows if row["id"] not in own]:
            data[table + AS_CONTACT] = named
    if asked := requests_of(user_id, email):
        data[DataSubjectRequest.__tablename__] = asked
    return data


def subjects_requests(user_id: int | None, email: str | None):
    """The condition naming a subject's own data-subject requests (a table of the data map, though not linked to the
    account by a key): those filed for the account or from its address; None when neither is known."""
    conditions = ([DataSubjectRequest.user_id == user_id] if user_id else []) + (
        [func.lower(DataSubjectRequest.requester_email) == email.lower()] if email else [])
    return or_(*conditions) if conditions else None


def requests_of(user_id: int | None, email: str | None) -> list[dict]:
    """The subject's own data-subject requests, as the bundle gives them."""
    mine = subjects_requests(user_id, email)
    if mine is None:
        return []
    columns = [c for c in DataSubjectRequest.__table__.columns if c.name != "tenant_id"]
    rows = db.session.execute(select(*columns).where(mine).order_by(DataSubjectRequest.id))
    return [{c.name: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]


def build(request_id: int, user_id: int | None, *, tenant_name: str, clock: Clock,
          data: dict[str, list[dict]] | None = None) -> tuple[ExportBundle, str]:
    """The bundle of an account's data (``gather``), or of ``data`` given (a contact person's, ``contacts.find``)."""
    data = {table: [{k: _plain(v) for k, v in row.items()} for row in rows]
            for table, rows in data.items()} if data is not None else gather(user_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for table, rows in data.items():
            out = io.StringIO()
            writer = safecsv.DictWriter(out, fieldnames=_columns(rows), lineterminator="\n", restval="")
            writer.writeheader()
            writer.writerows(rows)
            archive.writestr(f"csv/{table}.csv", out.getvalue())
        for name, path in _uploaded_files(data):
            archive.write(path, f"files/{name}")
        archive.writestr("summary.html", _summary(data, tenant_name, clock))
    token = secrets.token_urlsafe(32)
    name = secrets.token_hex(16) + ".zip"
    path = bundle_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    bundle = ExportBundle(request_id=request_id, filename=name, token_sha256=hashlib.sha256(token.encode()).hexdigest(),
                          expires_at=clock.now() + timedelta(days=LINK_DAYS))
    db.session.add(bundle)
    db.session.flush()
    return bundle, token


def _columns(rows: list[dict]) -> list[str]:
    """Every column any row has, in first-seen order (a contact person's rows of one table may come from two
    groups of columns)."""
    return list(dict.fromkeys(name for row in rows for name in row))


def _uploaded_files(data: dict[str, list[dict]]) -> list[tuple[str, Path]]:
    """The files the subject's rows name (device proofs, the employer's acceptance), as stored for this tenant."""
    from portal.tenancy.guard import current_tenant_id

    folder = Path(current_app.config["UPLOAD_DIR"]) / str(current_tenant_id()) / "proofs"
    names = [n for row in data.get("devices", []) for n in row.get("proof_files") or []]
    names += [row["employer_acceptance_file"] for row in data.get("installers", [])
              if row.get("employer_acceptance_file")]
    found = []
    for name in dict.fromkeys(names):
        path = folder / Path(name).name  # a stored name, never a path someone typed
        if path.is_file():
            found.append((path.name, path))
    return found


def bundle_path(filename: str) -> Path:
    """Where a bundle's zip lives: UPLOAD_DIR/exports, shared by every tenant (the contract-end deletion, C-04, finds
    a tenant's files through its bundle rows)."""
    return Path(current_app.config["UPLOAD_DIR"]) / "exports" / filename


def _summary(data: dict[str, list[dict]], tenant_name: str, clock: Clock) -> str:
    parts = [f"<!doctype html><meta charset='utf-8'><title>Your data</title><h1>Your data at {escape(tenant_name)}"
             f"</h1><p>Prepared {clock.now():%Y-%m-%d %H:%M} UTC.</p>"]
    for table, rows in data.items():
        parts.append(f"<h2>{escape(table)} ({len(rows)})</h2><table border='1'><tr>")
        names = _columns(rows)
        parts += [f"<th>{escape(k)}</th>" for k in names]
        parts.append("</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{escape('' if row.get(k) is None else row[k])}</td>" for k in names)
                         + "</tr>")
        parts.append("</table>")
    return "".join(parts)


def open_bundle(token: str, *, clock: Clock) -> tuple[ExportBundle, Path] | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    bundle = db.session.scalars(select(ExportBundle).where(ExportBundle.token_sha256 == digest)).first()
    if bundle is None or bundle.deleted_at is not None or utc(bundle.expires_at) <= clock.now():
        return None
    path = bundle_path(bundle.filename)
    return (bundle, path) if path.exists() else None


def ready_bundles(request_ids: list[int], *, clock: Clock) -> dict[int, ExportBundle]:
    """The bundles still downloadable (not expired, not deleted, their file there) of these requests, by request."""
    if not request_ids:
        return {}
    rows = db.session.scalars(select(ExportBundle).where(ExportBundle.request_id.in_(request_ids),
                                                         ExportBundle.deleted_at.is_(None))
                              .order_by(ExportBundle.id))
    return {b.request_id: b for b in rows if utc(b.expires_at) > clock.now() and bundle_path(b.filename).exists()}


ORPHAN_AGE = timedelta(hours=1)  # a build writes its zip, then its row commits within seconds


def purge_orphans(*, clock: Clock) -> int:
    """Daily, for the platform: delete a zip no bundle row names (its job died between writing the file and
    committing the row, or its tenant is gone) once it is an hour old — no copy of a subject's data without the row
    that expires it."""
    from portal.tenancy.guard import across_tenants

    folder = bundle_path("x").parent
    if not folder.is_dir():
        return 0
    with across_tenants("bundle files are shared by every tenant; a file without a row has no tenant"):
        known = set(db.session.scalars(select(ExportBundle.filename)))
    cutoff = (clock.now() - ORPHAN_AGE).timestamp()
    removed = 0
    for path in folder.glob("*.zip"):
        if path.name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _discard(condition, clock: Clock) -> int:
    removed = 0
    for bundle in db.session.scalars(select(ExportBundle).where(ExportBundle.deleted_at.is_(None), condition)):
        bundle_path(bundle.filename).unlink(missing_ok=True)
        bundle.deleted_at = clock.now()
        removed += 1
    return removed


def purge_expired(*, clock: Clock) -> int:
    """Daily: bundles past their 7 days are deleted from disk."""
    return _discard(ExportBundle.expires_at <= clock.now(), clock)


def discard_bundles(*, user_id: int | None, email: str | None, clock: Clock) -> int:
    """G-05: an erasure deletes the subject's earlier bundles at once — those of the account's requests and of
    requests sent from the address — rather than leave a live link to what was just erased."""
    from portal.privacy.models import DataSubjectRequest

    whose = [DataSubjectRequest.user_id == user_id] if user_id is not None else []
    if email:
        whose.append(func.lower(DataSubjectRequest.requester_email) == email.strip().lower())
    if not whose:
        return 0
    return _discard(ExportBundle.request_id.in_(select(DataSubjectRequest.id).where(or_(*whose))), clock)
