"""Access and portability bundles (G-04): everything about the subject in the tenant, as a zip of JSON, a CSV per
table and a readable summary; a single-use link that works for 7 days — through the end of the seventh day in the
organiser's time zone — after which the file is deleted."""

from __future__ import annotations

import hashlib
import html
import io
import json
import secrets
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound
from sqlalchemy import Boolean, Date, DateTime, Numeric, and_, func, or_, select

from portal.core import safecsv
from portal.core.clock import Clock, utc
from portal.core.labels import LANGUAGES, known, label, localised, money, percent
from portal.extensions import db
from portal.notifications.service import SECRET_PARAMS
from portal.privacy.datamap import personal_columns
from portal.privacy.models import AuditEntry, DataSubjectRequest, ExportBundle
from portal.privacy.subjects import models_by_table, owned_by

SECRET_COLUMNS = {"password_hash", "token_sha256", "verify_sha256"}
LINK_DAYS = 7


class JsonObject(dict):
    """A JSON value of a column (a notice's parameters): an object in data.json, JSON text in a CSV cell (the csv
    module writes ``str(value)``, which would otherwise be a Python repr)."""

    def __str__(self) -> str:
        return json.dumps(self, ensure_ascii=False)


class JsonList(list):
    """A JSON list of a column (a device's proof files, a partner's flags): see ``JsonObject``."""

    def __str__(self) -> str:
        return json.dumps(self, ensure_ascii=False)


def _plain(value):
    """A stored value as the machine-readable files give it (data.json, the CSVs, the tenant's export, C-04): time
    stamps in ISO 8601 with their offset (stored in UTC), dates in ISO 8601, amounts as decimal text, JSON values
    as JSON (see ``JsonObject``)."""
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):  # a notice's parameters: the token of a link not yet mailed is a live secret
        return JsonObject({k: v for k, v in value.items() if k not in SECRET_PARAMS})
    if isinstance(value, list | tuple):
        return JsonList(value)
    return value


def _bundle_columns(model) -> list:
    """The columns a bundle gives: not the tenant's id, never a secret (a pending request's link hash included)."""
    return [c for c in model.__table__.columns if c.name not in SECRET_COLUMNS and c.name != "tenant_id"]


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
        columns = [c for c in _bundle_columns(model) if (table, c.name) not in others]
        rows = db.session.execute(select(*columns).where(model.id.in_(found.ids)).order_by(model.id))
        data[table] = [{c.name: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    email = db.session.scalar(select(User.email).where(User.id == user_id))
    for table, rows in (contacts.find(email) if email else {}).items():
        own = set(owned[table].ids) if table in owned else set()
        if named := [row for row in rows if row["id"] not in own]:
            data[table + AS_CONTACT] = named
    if asked := requests_of(user_id, email):
        data[DataSubjectRequest.__tablename__] = asked
    if activity := activity_of(user_id):
        data[AuditEntry.__tablename__] = activity
    return data


def activity_of(user_id: int) -> list[dict]:
    """G-04/G-11: the audit entries of what the person did and of what was done to their account — when and what,
    never who else acted (another person's id is theirs, not the subject's)."""
    mine = or_(and_(AuditEntry.actor_kind == "user", AuditEntry.actor_id == user_id),
               and_(AuditEntry.object_type == "user", AuditEntry.object_id == user_id))
    columns = [AuditEntry.id, AuditEntry.at, AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id]
    rows = db.session.execute(select(*columns).where(mine).order_by(AuditEntry.id))
    return [{c.key: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]


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
    columns = _bundle_columns(DataSubjectRequest)
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
        archive.writestr("summary.html", _summary(data, tenant_name, clock, request_id=request_id, user_id=user_id))
    token = secrets.token_urlsafe(32)
    name = secrets.token_hex(16) + ".zip"
    path = bundle_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    bundle = ExportBundle(request_id=request_id, filename=name, token_sha256=hashlib.sha256(token.encode()).hexdigest(),
                          expires_at=link_expiry(clock))
    db.session.add(bundle)
    db.session.flush()
    return bundle, token


def _tenant():
    """The current tenant's row (None outside a tenant)."""
    from portal.tenancy.guard import current_tenant_id
    from portal.tenancy.models import Tenant

    tenant_id = current_tenant_id()
    return db.session.get(Tenant, tenant_id) if tenant_id is not None else None


def _zone() -> ZoneInfo:
    tenant = _tenant()
    return ZoneInfo(tenant.timezone if tenant is not None else "Europe/Warsaw")


def link_expiry(clock: Clock) -> datetime:
    """G-04: a bundle's link works through the end of the 7th day after it is built, in the organiser's time zone.

    The requester and the DPO are told a day — the outcome "bundle ready until <day>" (``ready_until``), the mail's
    and the notice's "until <day>", the my-data page's "until …" — so the link must work for the whole of that
    day: ending it 168 hours after the build would close it at 13:00 on a day it was said to be ready until.
    Keeping it to the end of that local day keeps every one of those texts true without naming an hour in each of
    them. It is never less than 7 days, unless the organiser's contract has ended and its data goes sooner: then
    it is the last day of the export window (C-04), or the day it is built when that window has closed already."""
    zone = _zone()
    today = clock.now().astimezone(zone).date()
    last_day = today + timedelta(days=LINK_DAYS)
    if (window := _export_window_end()) is not None:
        # C-04: the organiser's data, the bundle too, goes after its export window — but a bundle built after it
        # (the daily deletion has not run yet) still works the day it is built, never expired at birth
        last_day = max(today, min(last_day, window))
    return datetime.combine(last_day, time.max, zone).astimezone(UTC)


def _export_window_end() -> date | None:
    """C-04: the last day of the current organiser's export window once its contract ended (its data is deleted
    after it), else None."""
    from portal.operator import contracts

    tenant = _tenant()
    contract = contracts.of_tenant(tenant.id) if tenant is not None else None
    return contract.export_until if contract is not None and contract.ended_on is not None else None


def ready_until(bundle: ExportBundle) -> date:
    """The last day, in the organiser's time zone, on which the bundle's link works (``link_expiry``)."""
    return utc(bundle.expires_at).astimezone(_zone()).date()


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


# G-04: the readable summary — the subject's data by what it is, each field named in words (``bundle.column`` in
# ``portal.privacy.labels``), each value as the reader writes it, in the reader's language. Columns without a name
# there are technical (``technical``) and stay in data.json and the CSVs only.
SECTIONS = (
    (_l("Your account"), ("users", "password_reset_tokens")),
    (_l("Your programme"), ("installers", "installer_statuses", "status_evidence", "devices", "points_lots",
                            "points_entries", "reward_orders", "complaints", "partners", "leads", "settlement_lines")),
    (_l("Consents"), ("consents",)),
    (_l("Your requests"), ("subject_requests",)),
    (_l("Notices"), ("notifications",)),
    (_l("Your activity"), ("audit_entries",)),
)
CONTACT_SECTION = _l("Where you are named as a contact person")
OTHER_SECTION = _l("Other data")
# many short rows: a table; any other table: one block per record
LISTED = {"audit_entries", "password_reset_tokens", "consents", "installer_statuses", "status_evidence", "points_lots",
          "points_entries", "notifications", "settlement_lines"}
# how a column's value reads, where its type alone does not say (a code of an area, an amount, a rate…)
FORMATS = {
    "users.role": ("label", "bundle.role"), "users.locale": ("label", "bundle.language"),
    "consents.kind": ("label", "consent.kind"), "consents.channel": ("label", "consent.channel"),
    "installers.status": ("label", "installer.status"), "installers.approval": ("label", "installer.approval"),
    "installers.exclusion_ground": ("label", "installer.exclusion_ground"),
    "installers.status_reason": ("filter", "status_reason"),
    "installer_statuses.status": ("label", "installer.status"),
    "status_evidence.criterion": ("label", "installer.criterion"), "devices.model_code": ("label", "device.model"),
    "points_entries.kind": ("label", "points.kind"), "reward_orders.state": ("label", "order.state"),
    "reward_orders.reward_id": ("reward", None), "reward_orders.substitute_id": ("reward", None),
    "complaints.kind": ("label", "complaint.kind"), "complaints.decision": ("label", "complaint.decision"),
    "partners.flags": ("labels", "partner.flag"), "leads.family": ("label", "lead.family"),
    "leads.billing": ("label", "lead.billing"), "leads.status": ("label", "lead.status"),
    "settlement_lines.line": ("filter", "line_label"), "settlement_lines.status": ("label", "settlement.status"),
    "settlement_lines.rate": ("percent", None), "settlement_lines.reason": ("filter", "settlement_reason"),
    "notifications.kind": ("notice", None),
    "audit_entries.action": ("label", "audit.action"), "audit_entries.object_type": ("label", "audit.object"),
    "subject_requests.kind": ("label", "request.kind"), "subject_requests.channel": ("label", "request.channel"),
    "subject_requests.status": ("label", "request.status"),
    "subject_requests.verification": ("label", "request.verification"),
    "subject_requests.outcome": ("filter", "request_outcome"),
    "subject_requests.verification_note": ("filter", "verification_note"),
}
TECHNICAL = {"id", "tenant_id", "created_at", "password_hash", "session_epoch", "text_sha256", "token_sha256",
             "verify_sha256", "verify_attempts", "link_sent_on", "residues", "reduced_on", "locale", "params",
             "mail_state", "attempts", "next_attempt_at", "claimed_at", "last_error", "source", "rule", "rule_code",
             "decided_by", "notify_by",
             "customer_nip", "customer_name", "customer_address"}  # the last: another person's, never in a bundle


def _table(name: str) -> str:
    return name.removesuffix(AS_CONTACT)


def summary_column(table: str, column: str) -> str:
    """The column's name in words for the summary; "" when it is left to the machine-readable part."""
    return label(f"{_table(table)}.{column}", "bundle.column", "")


def technical(table: str, column: str) -> bool:
    """Columns for the machine-readable part only: keys, hashes, delivery bookkeeping, programme internals."""
    return column in TECHNICAL or column.endswith("_id")


def _reader(request_id: int, user_id: int | None) -> tuple[str, str]:
    """The requester's language — the request's own (§9: the one its mails are in), else the account's, else the
    tenant's — and the tenant's time zone."""
    from portal.accounts.models import User

    tenant = _tenant()
    chosen = db.session.scalar(select(DataSubjectRequest.locale).where(DataSubjectRequest.id == request_id))
    if chosen not in LANGUAGES and user_id:
        chosen = db.session.scalar(select(User.locale).where(User.id == user_id))
    if chosen not in LANGUAGES:
        chosen = tenant.locale if tenant is not None and tenant.locale in LANGUAGES else "pl"
    return chosen, tenant.timezone if tenant is not None else "Europe/Warsaw"


def _day(value, lang: str) -> str:
    return format_date(value if isinstance(value, date) else date.fromisoformat(str(value)), "long", locale=lang)


def _moment(value, zone: str, lang: str) -> str:
    moment = utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_date(local, 'long', locale=lang)}, {format_time(local, 'HH:mm', locale=lang)}"


def _notice(kind: str, params) -> str:
    """A notice as the person saw it among their notices (``templates/notices``), as plain text (the summary's
    template escapes it)."""
    from types import SimpleNamespace

    try:
        template = current_app.jinja_env.get_template(f"notices/{kind}.html")
    except TemplateNotFound:
        return kind
    tenant = _tenant()
    # the notices page's context: a notice may speak as its organiser's programme does (a referral, not a lead)
    return html.unescape(template.render(n=SimpleNamespace(kind=kind, params=dict(params or {})),
                                         tenant=tenant)).strip()


def _reward(reward_id) -> str:
    models = models_by_table()
    reward = db.session.get(models["rewards"], reward_id) if "rewards" in models else None
    return localised(reward) if reward is not None else str(reward_id)


def _shown(table: str, column: str, value, row: dict, zone: str, lang: str):
    """A value as the reader writes it."""
    if value is None or value == "" or value == []:
        return ""
    how, area = FORMATS.get(f"{_table(table)}.{column}", (None, None))
    if how == "label":
        return label(value, area)
    if how == "labels":
        return ", ".join(label(v, area) for v in value)
    if how == "filter":
        shown = current_app.jinja_env.filters.get(area)
        return shown(value) if shown else str(value)
    if how == "percent":
        return percent(value)
    if how == "reward":
        return _reward(value)
    if how == "notice":
        return _notice(value, row.get("params"))
    kind = _column_type(table, column)
    if isinstance(value, bool) or isinstance(kind, Boolean):
        return _("yes") if value else _("no")
    if isinstance(kind, DateTime):
        return _moment(value, zone, lang)
    if isinstance(kind, Date):
        return _day(value, lang)
    if isinstance(kind, Numeric):
        return money(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _column_type(table: str, column: str):
    found = db.metadata.tables.get(_table(table))
    return found.columns[column].type if found is not None and column in found.columns else None


def _part(table: str, rows: list[dict], zone: str, lang: str) -> dict:
    order = {name: n for n, name in enumerate(known("bundle.column"))}  # the order the names are listed in
    names = sorted((c for c in _columns(rows) if summary_column(table, c)),
                   key=lambda c: order.get(f"{_table(table)}.{c}", len(order)))
    return {"title": label(_table(table), "bundle.table"), "listed": _table(table) in LISTED,
            "headings": [summary_column(table, c) for c in names],
            "rows": [[(summary_column(table, c), _shown(table, c, row.get(c), row, zone, lang)) for c in names]
                     for row in rows]}


def _sections(data: dict[str, list[dict]], zone: str, lang: str, *, contact_only: bool) -> list[dict]:
    contact = [t for t in data if t.endswith(AS_CONTACT)
               or contact_only and t != DataSubjectRequest.__tablename__]
    placed = set(contact)
    sections = []
    for title, tables in SECTIONS:
        parts = [_part(t, data[t], zone, lang) for t in tables if data.get(t) and t not in placed]
        placed.update(tables)
        if parts:
            sections.append({"title": title, "parts": parts})
    if parts := [_part(t, data[t], zone, lang) for t in contact if data[t]]:
        sections.append({"title": CONTACT_SECTION, "parts": parts})
    if parts := [_part(t, rows, zone, lang) for t, rows in data.items() if t not in placed and rows]:
        sections.append({"title": OTHER_SECTION, "parts": parts})
    return sections


def _summary(data: dict[str, list[dict]], tenant_name: str, clock: Clock, *, request_id: int,
             user_id: int | None) -> str:
    """The human-readable summary in the requester's language (``_reader``)."""
    from portal.privacy import registers
    from portal.tenancy.guard import current_tenant_id
    from portal.tenancy.models import Tenant

    lang, zone = _reader(request_id, user_id)
    tenant = db.session.get(Tenant, current_tenant_id())
    columns = _columns_held(data, own=user_id is not None)
    with force_locale(lang):
        return current_app.jinja_env.get_template("privacy/bundle_summary.html").render(
            lang=lang, tenant_name=tenant_name, prepared=_moment(clock.now(), zone, lang),
            sections=_sections(data, zone, lang, contact_only=user_id is None),
            about=registers.subject_information(tenant, columns) if tenant is not None else None)


def _columns_held(data: dict[str, list[dict]], *, own: bool) -> set[str]:
    """The data-map columns ("table.column") the bundle's person is told about (art. 15(1)(b)): of the account's own
    rows, every column the data map holds of it, kept out of the copy or not (a password hash is held, not given);
    of a record naming the person as someone's contact person, only the columns about her."""
    held = {_table(name) for name, rows in data.items() if rows and own and not name.endswith(AS_CONTACT)}
    columns = {f"{table}.{e.column}" for table, entries in personal_columns(db.metadata).items() if table in held
               for e in entries if not e.third_party}
    return columns | {f"{_table(name)}.{column}" for name, rows in data.items()
                      if not own or name.endswith(AS_CONTACT) for row in rows for column in row}


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
