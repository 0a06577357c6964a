"""Keyset pages of the installer-programme tables and the export bundle of a request, for API v1 reads.

The services offer these lists only as "the latest N" (``devices.of_installer``, ``orders.of_installer``,
``complaints.queue``) and find a bundle only by its secret link token (``export.open_bundle``); an API client needs
every row, a page at a time, and the bundle of a request it filed. These are plain reads — no rule is decided
here — and the tenant guard limits every one of them to the token's organiser. They belong in the services.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select

from portal.accounts.models import User
from portal.core.clock import Clock, utc
from portal.core.errors import NotFound
from portal.extensions import db
from portal.loyalty.models import Complaint, Device, Installer, PointsEntry, RewardOrder
from portal.privacy.models import ExportBundle


def _after(query: Select, model: type, last_id: int | None, size: int) -> list:
    if last_id is not None:
        query = query.where(model.id > last_id)
    return list(db.session.scalars(query.order_by(model.id).limit(size)))


def by_id(model: type, row_id: int):
    """A row of the token's organiser by id, for a replayed response (the tenant guard filters it)."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(_("What this request recorded no longer exists."))
    return row


def installers(*, after: int | None, limit: int) -> list[tuple[Installer, User | None]]:
    """Installers by id, each with its account (name, e-mail)."""
    query = select(Installer, User).outerjoin(User, User.id == Installer.user_id)
    if after is not None:
        query = query.where(Installer.id > after)
    return [(row.Installer, row.User) for row in db.session.execute(query.order_by(Installer.id).limit(limit))]


def account(installer: Installer) -> User | None:
    return db.session.get(User, installer.user_id)


def devices(installer_id: int, *, after: int | None, limit: int) -> list[Device]:
    return _after(select(Device).where(Device.installer_id == installer_id), Device, after, limit)


def ledger(installer_id: int, *, after: int | None, limit: int) -> list[PointsEntry]:
    """The append-only ledger in the order it was written."""
    return _after(select(PointsEntry).where(PointsEntry.installer_id == installer_id), PointsEntry, after, limit)


def orders(installer_id: int, *, after: int | None, limit: int) -> list[RewardOrder]:
    return _after(select(RewardOrder).where(RewardOrder.installer_id == installer_id), RewardOrder, after, limit)


def complaints(*, open_only: bool, after: tuple[date, int] | None, limit: int) -> list[Complaint]:
    """Soonest decision deadline first, as the commission's queue (``complaints.queue``) orders them."""
    query = select(Complaint)
    if open_only:
        query = query.where(Complaint.decided_on.is_(None))
    if after is not None:
        day, last_id = after
        query = query.where(or_(Complaint.decide_by > day, and_(Complaint.decide_by == day, Complaint.id > last_id)))
    return list(db.session.scalars(query.order_by(Complaint.decide_by, Complaint.id).limit(limit)))


def bundle_of(request_id: int) -> ExportBundle | None:
    """The request's latest bundle (``export.build`` makes one when an access or portability request is done)."""
    return db.session.scalars(select(ExportBundle).where(ExportBundle.request_id == request_id)
                              .order_by(ExportBundle.id.desc())).first()


def bundle_file(bundle: ExportBundle, *, clock: Clock) -> Path | None:
    """The zip while its link is live — the same three checks as ``export.open_bundle`` (deleted, past its
    7 days, gone from disk) — else None."""
    if bundle.deleted_at is not None or utc(bundle.expires_at) <= clock.now():
        return None
    path = Path(current_app.config["UPLOAD_DIR"]) / "exports" / bundle.filename
    return path if path.exists() else None
