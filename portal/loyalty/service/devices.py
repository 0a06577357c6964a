"""Registering installed devices (P-04 … P-06, P-10, P-40) and what they earn."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.core.bulk import ValidationFailed, iso_day
from portal.core.clock import Clock, get_clock
from portal.core.errors import DomainError, NotFound
from portal.core.locks import locked
from portal.extensions import db
from portal.loyalty.models import Device, Installer
from portal.loyalty.rules import LoyaltyRules
from portal.loyalty.service import ledger
from portal.loyalty.service.programme import end as programme_end
from portal.loyalty.service.programme import last_registration_day
from portal.notifications import service as notifications
from portal.privacy import audit
from portal.tenancy.models import Tenant


def normalise_serial(value: object) -> str:
    """P-05: one serial number however it is typed — no spaces anywhere, upper case ("sn 1" is "SN1"), full-width
    characters as their plain forms ("ＳＮ１" is "SN1", NFKC) and no invisible ones (a zero-width space, a soft
    hyphen, a byte-order mark: Unicode's format characters)."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf").upper()


def serial_taken(serial: str) -> bool:
    """Stored serials are normalised (migration 0013 normalised the older rows), so the unique index answers."""
    serial = normalise_serial(serial)
    return db.session.scalars(select(Device.id).where(Device.serial == serial).limit(1)).first() is not None


def today_of(installer: Installer, clock: Clock | None = None) -> date:
    """Today in the organiser's time zone, from the injected clock."""
    tenant = db.session.get(Tenant, installer.tenant_id)
    return (clock or get_clock()).today(tenant.timezone if tenant is not None else "Europe/Warsaw")


def registration_day_problems(installer: Installer, registered_on: date, *, today: date
                              ) -> list[tuple[str | None, str, str | None]]:
    """P-05: a device is registered between the day its installer joined and today, never in the future."""
    problems: list[tuple[str | None, str, str | None]] = []
    if registered_on > today:
        problems.append(("registered_on", _("The registration date cannot be later than today (%(day)s).",
                                            day=today), "P-05"))
    if installer.registered_on is not None and registered_on < installer.registered_on:
        problems.append(("registered_on", _("The registration date cannot be earlier than the day the participant "
                                            "joined (%(day)s).", day=installer.registered_on), "P-05"))
    return problems


def check_registration_day(installer: Installer, registered_on: date, *, today: date | None = None) -> None:
    """The registration day alone, before the programme version of that day is looked up (import, API)."""
    problems = registration_day_problems(installer, registered_on, today=today or today_of(installer))
    if problems:
        raise ValidationFailed(problems)


SERIAL_MAX = 60  # Device.serial

MAGIC = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}


def check(installer: Installer, data: dict, rules: LoyaltyRules, *, registered_on: date, today: date | None = None
          ) -> tuple[dict, list[tuple[str | None, str, str | None]]]:
    problems: list[tuple[str | None, str, str | None]] = []
    clean = {k: str(data.get(k) or "").strip() for k in ("serial", "model_code", "production_code", "installed_on")}
    # "FD 517", "fd-517": the code as printed or copied, read as FD517 (spaces and dashes are no part of it)
    clean["production_code"] = "".join(clean["production_code"].split()).replace("-", "").upper()
    clean["serial"] = normalise_serial(clean["serial"])
    if installer.excluded_on is not None or installer.left_on is not None:
        problems.append((None, _("Excluded or former participants cannot register devices."), "P-32"))
    elif installer.approval != "approved":
        problems.append((None, _("The organiser has not approved your participation yet."), "P-01"))
    end = programme_end()
    if end is not None and registered_on > last_registration_day(end.announced_on):
        last = last_registration_day(end.announced_on)
        problems.append((None, _("The programme ended on %(end)s: devices were accepted until %(day)s.",
                                 end=end.ends_on, day=last) if registered_on >= end.ends_on else
                         _("The programme is ending: devices were accepted until %(day)s.", day=last), "P-40"))
    problems += registration_day_problems(installer, registered_on, today=today or today_of(installer))
    if clean["model_code"] not in rules.models:
        problems.append(("model_code", _("Choose a device model from the programme's table."), "P-04"))
    if not clean["serial"]:
        problems.append(("serial", _("Enter the serial number."), "P-05"))
    elif len(clean["serial"]) > SERIAL_MAX:  # the import has no form to stop it; the column holds 60
        problems.append(("serial", _("The serial number may be at most %(n)s characters long.", n=SERIAL_MAX),
                         "P-05"))
    elif serial_taken(clean["serial"]):
        problems.append(("serial", _("A device with this serial number is already registered: each earns once."),
                         "P-05"))
    installed = None
    try:
        installed = iso_day(clean["installed_on"])
    except ValueError:
        problems.append(("installed_on", _("Enter the installation date as YYYY-MM-DD."), "P-05"))
    if installed is not None:
        if installed < rules.installed_from:
            problems.append(("installed_on", _("Only devices installed on or after %(day)s earn points.",
                                               day=rules.installed_from), "P-05"))
        if installed > registered_on:
            problems.append(("installed_on", _("The installation date cannot be after the registration date (%(day)s).",
                                               day=registered_on.isoformat()), "P-05"))
        if rules.production_period(clean["production_code"], installed) is None:
            problems.append(("production_code", _("The production code looks like FD517 (FD and three digits)."),
                             "P-05"))
        elif not rules.code_is_new_enough(clean["production_code"], installed):
            problems.append(("production_code", _("Only devices with production code %(code)s or newer earn "
                                                  "points.", code=rules.min_code), "P-05"))
    clean["installed_on"] = installed
    return clean, problems


def register(installer: Installer, data: dict, rules: LoyaltyRules, *, registered_on: date, clock: Clock,
             actor=None, proofs: list[str] | None = None) -> Device:
    """The device earns the points of its model in the table in force (P-04) plus running campaigns (P-06)."""
    clean, problems = check(installer, data, rules, registered_on=registered_on, today=today_of(installer, clock))
    if problems:
        raise ValidationFailed(problems)
    base, category = rules.models[clean["model_code"]]
    points = base + rules.extra_points(category, clean["installed_on"])
    device = Device(tenant_id=installer.tenant_id, installer_id=installer.id, serial=clean["serial"],
                    model_code=clean["model_code"], production_code=clean["production_code"],
                    installed_on=clean["installed_on"], registered_on=registered_on, points=points,
                    proof_files=proofs or [])
    db.session.add(device)
    db.session.flush()
    if points > 0:
        ledger.open_lot(installer.id, points, kind="earn", on=registered_on,
                        expires_on=ledger.expiry_of(registered_on, rules), tenant_id=installer.tenant_id,
                        source="device", source_id=device.id)
    audit.record(actor, "device.registered", "device", device.id)
    from portal.accounts.models import User

    user = db.session.get(User, installer.user_id)
    if user is not None:
        notifications.notify(user, "points_credited", clock=clock, points=points, serial=device.serial)
    return device


def store_proof(upload_dir: str, tenant_id: int, content: bytes, rules: LoyaltyRules) -> str:
    """P-10: PDF, JPEG or PNG — checked by content, not by name — at most 20 MB. Returns the stored name."""
    if len(content) > rules.proof_mb * 1024 * 1024:
        raise DomainError(_("A proof file may be at most %(mb)s MB.", mb=rules.proof_mb), field="proof", rule="P-10")
    kind = next((k for k, heads in MAGIC.items() if k in rules.proof_types and content.startswith(heads)), None)
    if kind is None:
        raise DomainError(_("Upload a PDF, JPEG or PNG file."), field="proof", rule="P-10")
    name = secrets.token_hex(16) + {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[kind]
    folder = Path(upload_dir) / str(tenant_id) / "proofs"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return name


def discard_proofs(upload_dir: str, tenant_id: int, names: list[str]) -> None:
    """Remove files ``store_proof`` wrote for a registration that was then refused: no file without its record."""
    for name in names:
        (Path(upload_dir) / str(tenant_id) / "proofs" / Path(name).name).unlink(missing_ok=True)


def add_proof(device: Device, name: str, *, actor=None) -> None:
    """P-10: a proof stored by ``store_proof``, added to the device at registration or later — typically when the
    organiser asked for it; a standing request is then answered."""
    device.proof_files = [*(device.proof_files or []), name]
    device.proof_requested_on = None
    audit.record(actor, "device.proof_added", "device", device.id)


def proof_path(upload_dir: str, device: Device, index: int) -> Path | None:
    """The ``index``-th proof file of the device, or None when there is no such file."""
    names = device.proof_files or []
    if not 0 <= index < len(names):
        return None
    return stored_proof(upload_dir, device.tenant_id, names[index])


def stored_proof(upload_dir: str, tenant_id: int, name: str | None) -> Path | None:
    """A file ``store_proof`` kept (a device's proof, an employer's acceptance), or None when there is none."""
    if not name:
        return None
    path = Path(upload_dir) / str(tenant_id) / "proofs" / Path(name).name
    return path if path.is_file() else None


def discard_proof(upload_dir: str, tenant_id: int, name: str | None) -> None:
    """Delete a file ``store_proof`` kept that no row names any more (a replaced employer's acceptance)."""
    path = stored_proof(upload_dir, tenant_id, name)
    if path is not None:
        path.unlink(missing_ok=True)


def ask_for_proof(device: Device, *, on: date, clock: Clock, actor=None) -> None:
    """P-10: the organiser asks the participant to show the proof of purchase and installation of one device; the
    participant is told and can add it on their page. Without it the organiser may withhold a reward, revoke points
    or exclude — each its own decision."""
    from portal.accounts.models import User

    installer = db.session.get(Installer, device.installer_id)
    if installer is None or installer.excluded_on is not None or installer.left_on is not None:
        raise DomainError(_("The participant no longer takes part in the programme."), rule="P-10")
    device.proof_requested_on = on
    audit.record(actor, "device.proof_requested", "device", device.id)
    user = db.session.get(User, installer.user_id)
    if user is not None:
        notifications.notify(user, "proof_requested", clock=clock, serial=device.serial)


def get(device_id: int, *, installer_id: int | None = None) -> Device:
    device = db.session.get(Device, device_id)
    if device is None or (installer_id is not None and device.installer_id != installer_id):
        raise NotFound(_("No such device."))
    return device


def of_installer(installer_id: int, limit: int = 50) -> list[Device]:
    """The latest devices first, those whose proof the organiser asked for before all (P-10)."""
    return list(db.session.scalars(select(Device).where(Device.installer_id == installer_id)
                                   .order_by(Device.proof_requested_on.is_(None), Device.registered_on.desc(),
                                             Device.id.desc()).limit(limit)))


def by_serial(installer_id: int, serial: str) -> Device | None:
    return db.session.scalars(select(Device).where(Device.installer_id == installer_id,
                                                   Device.serial == normalise_serial(serial))).first()


def revoke_points(device: Device, *, on: date, reason: str, rules: LoyaltyRules, actor=None,
                  into: list | None = None) -> int:
    """P-09 (seed §4.8: the award is withdrawn "i odliczenie punktów z indywidualnego konta"): the device's points
    are deducted from the account — first what is left of its own lot, then, for what of it was already spent,
    from the other lots, soonest-expiring first; never below zero. Points of the lot that expired by the day of the
    revocation, or were forfeited, never served the participant and are not taken again, nor is a device revoked
    twice. Returns the points taken."""
    from portal.loyalty.models import PointsEntry

    if not reason.strip():
        raise DomainError(_("Give the reason."), field="reason", rule="P-09")
    locked(db.session.get(Installer, device.installer_id))  # as ``orders.place``: one draw at a time
    lot = db.session.scalars(select(PointsEntry).where(PointsEntry.source == "device",
                                                       PointsEntry.source_id == device.id,
                                                       PointsEntry.kind == "earn")).first()
    if lot is None:
        return 0

    revoked = -int(db.session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
        PointsEntry.kind == "revoke", PointsEntry.source == "revoke", PointsEntry.source_id == device.id)) or 0)
    owed = lot.points - ledger.lapsed(lot.id, on=on) - revoked
    end = programme_end()
    live = ledger.spendable(device.installer_id, on=on, end=end, rules=rules)
    remaining = min(max(owed, 0), sum(x.remaining for x in live))
    if remaining <= 0:
        return 0
    own = min(remaining, next((x.remaining for x in live if x.id == lot.id), 0))
    for points, only_lot in ((own, lot.id), (remaining - own, None)):
        if points:
            ledger.draw(device.installer_id, points, kind="revoke", on=on, tenant_id=device.tenant_id, end=end,
                        rules=rules, source="revoke", source_id=device.id, only_lot=only_lot,
                        note=reason.strip()[:300], into=into)
    audit.record(actor, "points.revoked", "device", device.id)
    ledger.tell_revoked(device.installer_id, remaining, reason=reason, on=on, rules=rules)
    return remaining
