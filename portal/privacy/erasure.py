"""Erasure (G-05, P-31): mask or delete every personal field of the subject, keep only what the law requires,
prove it with counts, and scan for anything left.

Driven by the data map alone: a column's ``retention="tax_5y"`` keeps it (marked "retained: legal obligation",
with its own deletion date), every other personal column is masked, and tables that declare
``erase="delete"`` lose the subject's rows. Idempotent: a second run changes nothing and finds no residue.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import JSON, Date, DateTime, String, Text, UniqueConstraint, delete, select, update

from portal.core.clock import Clock
from portal.extensions import db
from portal.privacy import audit, residues
from portal.privacy.datamap import personal_columns
from portal.privacy.models import ErasureLog
from portal.privacy.subjects import ROOT, identifiers, owned_by
from portal.tenancy.service import local_today

RETAINED = "tax_5y"


MASK = "~"  # the placeholder's first character in a unique text column (``~<id>``)


def is_masked(value) -> bool:
    """Whether a unique text value is an erasure's placeholder (an erased partner's NIP)."""
    return isinstance(value, str) and value.startswith(MASK)


def _masked(column, pk: int):
    """The value a personal column gets: NULL where allowed, else an inert placeholder of its type."""
    if column.nullable:
        return None
    if isinstance(column.type, String | Text):
        unique = column.unique or any(column.name in c.columns for c in column.table.constraints
                                      if isinstance(c, UniqueConstraint))
        if not unique:
            return ""
        value = f"erased-{pk}@erased.invalid" if column.name.endswith("email") else f"{MASK}{pk}"
        return value[: column.type.length] if getattr(column.type, "length", None) else value
    if isinstance(column.type, JSON):
        return {}
    if isinstance(column.type, DateTime | Date):
        return None if column.nullable else _EPOCH_FOR[type(column.type)]
    return None


_EPOCH_FOR = {DateTime: __import__("datetime").datetime(1970, 1, 1, tzinfo=__import__("datetime").UTC),
              Date: date(1970, 1, 1)}


def retention_until(tax_year: int) -> date:
    """Tax and accounting records: 5 years after the end of the tax year."""
    return date(tax_year + 5, 12, 31)


def _last_tax_year(table: str, ids: list[int], today: date) -> int | None:
    """The latest tax year the subject's kept rows of ``table`` document; None when they document none (nothing
    is kept then). A table not named here is kept as if its record were of this year — the safe side."""
    from sqlalchemy import func

    if table == "installers":  # PIT-8C data backs the rewards the participant received (seed §5.14)
        from portal.loyalty.models import RewardOrder

        last = db.session.scalar(select(func.max(RewardOrder.delivered_on)).where(
            RewardOrder.installer_id.in_(ids), RewardOrder.delivered_on.is_not(None)))
        return last.year if last is not None else None
    if table == "settlement_lines":  # the partner's rewards: the year of the settlement (or its later approval)
        from portal.leads.models import Settlement, SettlementLine

        row = db.session.execute(select(func.max(Settlement.as_of), func.max(Settlement.approved_at))
                                 .join(SettlementLine, SettlementLine.settlement_id == Settlement.id)
                                 .where(SettlementLine.id.in_(ids))).first()
        years = [value.year for value in (row or ()) if value is not None]
        return max(years) if years else None
    return today.year


def _kept_until(table: str, ids: list[int], today: date) -> date | None:
    """The deletion date of the legally kept columns of these rows, or None when the law no longer asks for them."""
    year = _last_tax_year(table, ids, today)
    if year is None or retention_until(year) < today:
        return None
    return retention_until(year)


def _kept_until_by_row(table: str, ids: list[int], today: date) -> dict[date | None, list[int]]:
    """The rows grouped by the deletion date of their legally kept columns (None: no longer asked for). A settlement
    line is a record of its own tax year — a partner settled in 2018 and again in 2025 keeps only the 2025 line's
    NIP; the other tables document the subject as one record (an installer's PIT-8C data, the latest reward)."""
    if table != "settlement_lines":
        return {_kept_until(table, ids, today): ids}
    from portal.leads.models import Settlement, SettlementLine

    groups: dict[date | None, list[int]] = {}
    for line_id, as_of, approved_at in db.session.execute(
            select(SettlementLine.id, Settlement.as_of, Settlement.approved_at)
            .join(Settlement, Settlement.id == SettlementLine.settlement_id).where(SettlementLine.id.in_(ids))):
        until = retention_until(max(value.year for value in (as_of, approved_at) if value is not None))
        groups.setdefault(until if until >= today else None, []).append(line_id)
    return groups


def erase(user_id: int, *, clock: Clock, request_id: int | None = None, actor=None) -> ErasureLog:
    from portal.accounts.models import User
    from portal.loyalty.service import members
    from portal.privacy import contacts, export

    email = db.session.scalar(select(User.email).where(User.id == user_id))
    members.leave_account(user_id, on=local_today(clock), actor=actor)  # P-31: deleting the account is leaving
    from portal.api import tokens

    tokens.revoke_created_by(user_id, clock=clock)  # SPEC §2: a token acts as its creator, who is gone
    db.session.flush()
    owned = owned_by(user_id)
    keys = identifiers(owned)
    columns = personal_columns(db.metadata)
    counts: dict[str, dict[str, int]] = {}
    retained: list[dict] = []
    for table, found in owned.items():
        if not found.ids:
            continue
        model = found.model
        if found.subject is not None and found.subject.erase == "delete":
            result = db.session.execute(delete(model).where(model.id.in_(found.ids))
                                        .execution_options(synchronize_session=False))
            counts[table] = {"deleted": result.rowcount or 0}
            continue
        # another person's data in the subject's rows (a lead's customer) is theirs, not the subject's to erase
        entries = [e for e in columns.get(table, []) if not e.third_party]
        groups = _kept_until_by_row(table, found.ids, local_today(clock)) if any(
            e.retention == RETAINED for e in entries) else {None: found.ids}
        changed = 0
        for kept_until, ids in sorted(groups.items(), key=lambda group: group[0] or date.min):
            erasable = [e for e in entries if e.retention != RETAINED or kept_until is None]
            kept = [e for e in entries if e.retention == RETAINED and kept_until is not None]
            if kept:
                retained.append({"table": table, "columns": [e.column for e in kept], "rows": len(ids),
                                 "ids": sorted(ids),
                                 "reason": "retained: legal obligation (tax and accounting, 5 years after the tax "
                                           "year)", "delete_on": kept_until.isoformat()})
            for pk in ids if erasable else []:
                values = {e.column: _masked(model.__table__.c[e.column], pk) for e in erasable}
                row = db.session.execute(select(*[model.__table__.c[c] for c in values])
                                         .where(model.id == pk)).first()
                if row is None or all(getattr(row, c) == v for c, v in values.items()):
                    continue
                db.session.execute(update(model).where(model.id == pk).values(**values)
                                   .execution_options(synchronize_session=False))
                changed += 1
        counts[table] = {"masked": changed}
    _delete_files(owned)
    if email:
        # the subject named as a contact person in other records (a customer's contact on another partner's lead)
        counts["contact_person"] = {"masked": contacts.erase(email)}
    if asked := requests_kept(user_id, email, local_today(clock)):
        retained.append(asked)
    # earlier access bundles would still hand out, until their link expires, what has just been erased
    counts["export_bundles"] = {"deleted": export.discard_bundles(user_id=user_id, email=email, clock=clock)}
    db.session.execute(update(User).where(User.id == user_id).values(is_active_account=False, erased_at=clock.now())
                       .execution_options(synchronize_session=False))
    db.session.expire_all()
    log = ErasureLog(user_id=user_id, request_id=request_id, counts=counts, retained=retained,
                     started_at=clock.now())
    db.session.add(log)
    db.session.flush()
    log.residue_rows = residue_rows(keys, retained)
    log.residues = len(log.residue_rows)
    log.finished_at = clock.now()
    audit.record(actor, "subject.erased", "user", user_id)
    return log


REQUESTS_KEPT = "retained: accountability for the handling of the requests (GDPR art. 5(2)), 3 years after closing"


def requests_kept(user_id: int, email: str | None, today: date) -> dict | None:
    """G-05: the subject's data-subject requests keep the address, name and details for the years after they are
    closed (``requests.reduce_closed``): a kept record the DPO and the subject are told of, with its date."""
    from sqlalchemy import func

    from portal.privacy.export import subjects_requests
    from portal.privacy.models import DataSubjectRequest
    from portal.privacy.requests import REQUEST_RETENTION_YEARS

    mine = subjects_requests(user_id, email)
    count = db.session.scalar(select(func.count()).select_from(DataSubjectRequest).where(
        mine, DataSubjectRequest.reduced_on.is_(None)))
    if not count:
        return None
    return {"table": DataSubjectRequest.__tablename__, "columns": ["requester_email", "requester_name", "details"],
            "rows": count, "reason": REQUESTS_KEPT,
            "delete_on": (today + relativedelta(years=REQUEST_RETENTION_YEARS)).isoformat()}


def _delete_files(owned) -> None:
    """Uploaded files named in the subject's rows (device proofs, employer acceptance)."""
    base = Path(current_app.config["UPLOAD_DIR"])
    for table in ("devices", "installers"):
        found = owned.get(table)
        if not found or not found.ids:
            continue
        model = found.model
        for row in db.session.scalars(select(model).where(model.id.in_(found.ids))):
            names = list(getattr(row, "proof_files", None) or []) + [getattr(row, "employer_acceptance_file", None)]
            for name in filter(None, names):
                for path in base.glob(f"*/*/{Path(name).name}"):
                    path.unlink(missing_ok=True)
            if hasattr(row, "proof_files"):
                row.proof_files = []
            if hasattr(row, "employer_acceptance_file"):
                row.employer_acceptance_file = None
    db.session.flush()


def residue_rows(keys, retained: list[dict]) -> list[dict]:
    """The rows of the tenant's data still holding one of the subject's identifiers, and in which fields."""
    from portal.tenancy.guard import current_tenant_id

    return residues.locate(keys, retained, current_tenant_id())


def replay(*, since_id: int = 0, clock: Clock) -> list:
    """After a database restore: erase again everyone the erasure log names (the log itself is kept apart
    from the backup, or restored from a later one): the accounts' ids, then the contact persons' addresses."""
    logs = list(db.session.scalars(select(ErasureLog).where(ErasureLog.id > since_id)))
    users = sorted({log.user_id for log in logs if log.user_id is not None})
    for user_id in users:
        erase(user_id, clock=clock)
    # a contact person without an account: the log names no address (it holds no personal data); the request it
    # answered keeps the address for its years (accountability), so the contact columns are masked again by it
    from portal.privacy import contacts
    from portal.privacy.models import DataSubjectRequest

    addresses = sorted({request.requester_email.strip().lower() for log in logs if log.user_id is None
                        and (request := db.session.get(DataSubjectRequest, log.request_id)) is not None
                        and request.requester_email})
    for address in addresses:
        contacts.erase(address)
    return [*users, *addresses]  # each subject erased again (the command counts them)


__all__ = ["ROOT", "erase", "replay", "residue_rows"]


def purge_retained(*, clock: Clock) -> int:
    """Daily (G-05): records kept for a legal obligation are erased in turn when their deletion date comes."""
    from sqlalchemy.orm.attributes import flag_modified

    today = local_today(clock).isoformat()
    purged = 0
    # a contact person's log keeps only their requests, which ``requests.reduce_closed`` reduces in their turn
    for log in db.session.scalars(select(ErasureLog).where(ErasureLog.user_id.is_not(None))):
        records = [dict(r) for r in log.retained or []]
        # kept through its deletion date ("until 2030-12-31"), erased the day after
        due = [r for r in records if r.get("delete_on", "9999") < today and not r.get("deleted_on")]
        if not due:
            continue
        owned = owned_by(log.user_id)
        for record in due:
            found = owned.get(record["table"])
            # the rows the record keeps (a partner's settlement lines of one tax year), else all the subject's
            wanted = set(record.get("ids") or ())
            ids = [pk for pk in found.ids if not wanted or pk in wanted] if found else []
            for pk in ids:
                table = found.model.__table__
                db.session.execute(update(found.model).where(found.model.id == pk).values(
                    **{c: _masked(table.c[c], pk) for c in record["columns"]}).execution_options(
                    synchronize_session=False))
            record["deleted_on"] = today
            purged += 1
        log.retained = records
        flag_modified(log, "retained")
    return purged
