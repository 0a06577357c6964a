"""Contract end → export → deletion (C-04, GDPR art. 28(3)(g)): read-only at the end, a full export for 7 days,
and within 14 days every row, file, queued job and Redis key of the tenant permanently deleted — in batches,
resumable, idempotent — with a deletion certificate that holds no personal data."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select, update

from portal.core import queue
from portal.core.clock import Clock
from portal.extensions import db
from portal.operator import contracts
from portal.operator.models import Contract, DeletionCertificate
from portal.tenancy.guard import across_tenants
from portal.tenancy.models import Tenant

BATCH = 200_000
DEFAULT_ZONE = "Europe/Warsaw"  # the platform's day, which ``as_of`` is
BUNDLE_BATCH = 500


def tenant_tables():
    """Every tenant-owned table (the TenantScoped ones, not the platform's records), children before parents."""
    from portal.tenancy.models import TenantScoped

    owned = {m.local_table.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)}
    return [t for t in reversed(db.metadata.sorted_tables) if t.name in owned]


def apply_contract_ends(*, as_of: date, clock: Clock, tenant_id: int | None = None) -> int:
    """Daily (platform, or one tenant's ``flask jobs run SLUG``): terms renew or expire (C-01), tenants whose
    contract ended turn read-only; after the export window they are deleted (C-04). ``as_of`` is the platform's day
    (Warsaw); each organiser's contract is judged on its own day (E-04) — the platform's run at 02:30 in Warsaw is
    still the day before for an organiser in New York, whose last term or export day is not over yet."""
    changed = 0
    ids = [tenant_id] if tenant_id is not None else \
        list(db.session.scalars(select(Contract.tenant_id).distinct().order_by(Contract.tenant_id)))
    for tenant in filter(None, (db.session.get(Tenant, tid) for tid in ids)):
        day = as_of + (clock.today(tenant.timezone or DEFAULT_ZONE) - clock.today(DEFAULT_ZONE))
        contracts.renew_due(as_of=day, tenant_id=tenant.id)
        for contract in db.session.scalars(select(Contract).where(
                Contract.tenant_id == tenant.id, Contract.ended_on.is_not(None), Contract.ended_on <= day)):
            if tenant.status == "active" and contracts.read_only_from(contract) <= day:
                tenant.status = "read_only"
                changed += 1
            if tenant.status == "read_only" and day > contract.export_until:
                db.session.commit()
                delete_tenant(tenant.id, clock=clock, job_id=f"contract-end-{contract.id}")
                changed += 1
    return changed


def delete_tenant(tenant_id: int, *, clock: Clock, job_id: str = "") -> DeletionCertificate:
    """Batch by batch, committing each: a crash is finished by running it again; a finished one does nothing."""
    tenant = db.session.get(Tenant, tenant_id)
    certificate = db.session.scalars(select(DeletionCertificate).where(
        DeletionCertificate.tenant_id == tenant_id)).first()
    if certificate is not None and certificate.finished_at is not None:
        return certificate
    if certificate is None:
        certificate = DeletionCertificate(tenant_id=tenant_id, tenant_slug=tenant.slug, started_at=clock.now(),
                                          job_id=job_id, counts={})
        db.session.add(certificate)
        db.session.commit()
    with across_tenants("contract-end deletion of one tenant"):
        job_ids = _queued_job_ids(tenant_id)
        # the queued jobs go first, so a crash after the rows are gone cannot leave a job nobody can find again
        certificate.redis_keys = (certificate.redis_keys or 0) + _delete_redis(tenant_id, job_ids)
        db.session.commit()
        # the uploads are counted and the count committed before they are removed, ahead of the bundles (which add
        # to the same count): a re-run after a crash finds the count made and removes what is left, never counting a
        # file twice nor losing the count of files already gone
        if not certificate.files:
            certificate.files = sum(1 for folder in _upload_folders(tenant_id)
                                    for path in folder.rglob("*") if path.is_file())
            db.session.commit()
        for folder in _upload_folders(tenant_id):
            shutil.rmtree(folder, ignore_errors=True)
        _delete_bundles(tenant_id, certificate, clock=clock)  # before their rows: the rows are how they are found
        for table in tenant_tables():
            while True:  # one statement a batch: the database picks and deletes the ids itself
                batch = select(table.c.id).where(table.c.tenant_id == tenant_id).limit(BATCH).scalar_subquery()
                deleted = db.session.execute(delete(table).where(table.c.id.in_(batch))).rowcount or 0
                if not deleted:
                    break
                counts = dict(certificate.counts or {})
                counts[table.name] = counts.get(table.name, 0) + deleted
                certificate.counts = counts
                db.session.commit()
    certificate.redis_keys += _delete_redis(tenant_id, job_ids)  # any a sweeper queued again meanwhile
    db.session.execute(update(Tenant).where(Tenant.id == tenant_id).values(
        status="deleted", dpo_name="", dpo_email="", name=f"deleted tenant {tenant_id}"))
    certificate.finished_at = clock.now()
    certificate.digest = hashlib.sha256(json.dumps({"tenant": tenant_id, "counts": certificate.counts,
                                                    "files": certificate.files, "redis": certificate.redis_keys},
                                                   sort_keys=True).encode()).hexdigest()
    db.session.commit()
    return certificate


def _delete_bundles(tenant_id: int, certificate: DeletionCertificate, *, clock: Clock) -> None:
    """The tenant's access bundles (G-04) sit in the shared UPLOAD_DIR/exports, outside its own folder: each live
    one's file is removed and the row marked deleted, committed batch by batch with the certificate's file count. A
    crash before a commit leaves those rows live, so the re-run removes what is left and counts each file once."""
    from portal.privacy.export import bundle_path
    from portal.privacy.models import ExportBundle

    while True:
        bundles = list(db.session.scalars(select(ExportBundle).where(
            ExportBundle.tenant_id == tenant_id, ExportBundle.deleted_at.is_(None)).order_by(ExportBundle.id)
            .limit(BUNDLE_BATCH)))
        if not bundles:
            return
        for bundle in bundles:
            bundle_path(bundle.filename).unlink(missing_ok=True)
            bundle.deleted_at = clock.now()
        certificate.files = (certificate.files or 0) + len(bundles)
        db.session.commit()


def _upload_folders(tenant_id: int) -> list[Path]:
    """The tenant's uploads (UPLOAD_DIR/<tenant>) and its staged, never committed imports (UPLOAD_DIR/imports/
    <tenant>), those that exist."""
    root = Path(current_app.config["UPLOAD_DIR"])
    return [folder for folder in (root / str(tenant_id), root / "imports" / str(tenant_id)) if folder.exists()]


def _queued_job_ids(tenant_id: int) -> list[str]:
    """The ids of every job the tenant's rows may have queued: its notices' mails and its data-subject requests."""
    from portal.notifications.models import Notification
    from portal.notifications.service import job_id
    from portal.privacy.models import DataSubjectRequest

    return ([job_id(n) for n in db.session.scalars(select(Notification.id).where(
        Notification.tenant_id == tenant_id))]
        + [f"request-{r}" for r in db.session.scalars(select(DataSubjectRequest.id).where(
            DataSubjectRequest.tenant_id == tenant_id))])


def _delete_redis(tenant_id: int, job_ids: list[str]) -> int:
    """Queued jobs of the tenant (their entries in every queue and their job hashes) and its rate-limit counters."""
    connection = queue.connection()
    removed = 0
    for job in job_ids:
        removed += connection.delete(f"rq:job:{job}")
        for name in queue.QUEUES:
            removed += connection.lrem(f"rq:queue:{name}", 0, job)
    for key in connection.scan_iter(match=f"*login:{tenant_id}:*"):
        removed += connection.delete(key)
    return removed


def certificates() -> list[DeletionCertificate]:
    return list(db.session.scalars(select(DeletionCertificate).order_by(DeletionCertificate.started_at.desc())))


def remaining_rows(tenant_id: int) -> int:
    with across_tenants("checking that nothing of a deleted tenant remains"):
        return sum(db.session.scalar(select(func.count()).select_from(t).where(t.c.tenant_id == tenant_id)) or 0
                   for t in tenant_tables())


def tenant_export(tenant_id: int) -> bytes:
    """C-04: the tenant's full export — every table as JSON and CSV, and its uploaded files (proofs, employers'
    acceptances) under ``files/`` — for its admins and DPO during 7 days (DPA §9.3: all the data entrusted)."""
    import io
    import zipfile

    from portal.core import safecsv
    from portal.privacy.export import _plain

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, \
            across_tenants("the tenant's own export"):
        for table in reversed(tenant_tables()):
            columns = [c for c in table.columns if c.name not in ("password_hash", "token_sha256", "verify_sha256")]
            rows = [{c.name: _plain(v) for c, v in zip(columns, row, strict=True)}
                    for row in db.session.execute(select(*columns).where(table.c.tenant_id == tenant_id))]
            archive.writestr(f"json/{table.name}.json", json.dumps(rows, ensure_ascii=False, indent=1))
            out = io.StringIO()
            writer = safecsv.DictWriter(out, fieldnames=[c.name for c in columns], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            archive.writestr(f"csv/{table.name}.csv", out.getvalue())
        # the tables are read: end the transaction before the files, so a long zip holds no database lock (SQLite)
        db.session.commit()
        folder = Path(current_app.config["UPLOAD_DIR"]) / str(tenant_id)
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file() and not path.is_symlink():  # PDF, JPEG, PNG: compressed already, stored as they are
                archive.write(path, f"files/{path.relative_to(folder).as_posix()}", compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
