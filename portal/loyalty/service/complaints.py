"""Complaints (P-08 about points, within 30 days of their accrual; P-42 about the programme, to the commission)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.core.clock import Clock, utc
from portal.core.errors import DomainError, NotFound
from portal.core.locks import locked
from portal.extensions import db
from portal.loyalty.models import Complaint, Installer, PointsEntry
from portal.loyalty.rules import LoyaltyRules
from portal.notifications import service as notifications
from portal.privacy import audit
from portal.tenancy.service import local_today


def file(installer: Installer, *, kind: str, text: str, on: date, rules: LoyaltyRules, entry_id: int | None = None,
         actor=None) -> Complaint:
    if kind not in ("points", "programme"):
        raise DomainError(_("A complaint is about points or about the programme."), field="kind", rule="P-42")
    if not (text or "").strip():
        raise DomainError(_("Describe what is wrong."), field="text", rule="P-42")
    if installer.registered_on is not None and on < installer.registered_on:
        raise DomainError(_("A complaint cannot be filed before the participant joined (%(day)s).",
                            day=installer.registered_on.isoformat()), field="on", rule="P-42")
    entry = db.session.get(PointsEntry, entry_id) if entry_id else None
    if (kind == "points" or entry_id) and (entry is None or entry.installer_id != installer.id):
        # a complaint names only the participant's own points (about the programme, it may name none)
        raise DomainError(_("Choose the points entry the complaint is about."), field="entry_id", rule="P-08")
    if kind == "points":
        # the window closes 30 days after the points reached the platform; it opens with their accrual (an opening
        # balance imported later, even on a day not replayed with --as-of, can be complained about from it)
        deadline = credited_on(entry, installer) + timedelta(days=rules.complaint_days)
        if on < entry.on:
            raise DomainError(_("A complaint about points cannot be filed before they were credited (%(day)s).",
                                day=entry.on), field="on", rule="P-08")
        if on > deadline:
            raise DomainError(ngettext("Complaints about points are accepted within %(num)d day of their accrual "
                                       "(until %(deadline)s).",
                                       "Complaints about points are accepted within %(num)d days of their accrual "
                                       "(until %(deadline)s).", rules.complaint_days, deadline=deadline),
                              field="entry_id", rule="P-08")
    complaint = Complaint(tenant_id=installer.tenant_id, installer_id=installer.id, kind=kind, entry_id=entry_id,
                          text=text.strip(), filed_on=on, decide_by=on + timedelta(days=rules.decision_days))
    db.session.add(complaint)
    db.session.flush()
    audit.record(actor, "complaint.filed", "complaint", complaint.id)
    return complaint


def credited_on(entry: PointsEntry, installer: Installer) -> date:
    """P-08 (seed §4 pkt 7: "od dnia naliczenia przez Organizatora na Platformie"): the day the points were credited
    on the platform. For points earned here that is their accrual day; an opening balance imported from another
    system keeps its original accrual day (its expiry, P-22, runs from it) but reached the platform when it was
    imported — the day its entry was written, by the injectable clock (``--as-of`` sets it)."""
    if entry.kind != "opening" or entry.created_at is None:
        return entry.on
    from portal.tenancy.models import Tenant

    tenant = db.session.get(Tenant, installer.tenant_id)
    imported = utc(entry.created_at).astimezone(ZoneInfo(tenant.timezone if tenant else "Europe/Warsaw")).date()
    return max(entry.on, imported)


def decide(complaint: Complaint, *, upheld: bool, answer: str, on: date, rules: LoyaltyRules, clock: Clock,
           actor=None, points: int | None = None) -> None:
    """P-42: the commission aims at 14 days; the participant is told within 7 days of the decision (at once).
    P-08: an upheld complaint about points may credit the points it finds missing (``points``): an adjustment of the
    ledger naming the complaint, accrued on the decision day (P-22 counts from it)."""
    if locked(complaint).decided_on is not None:  # two staff members at once: decided once
        raise DomainError(_("This complaint is already decided."), rule="P-42")
    if points and not (upheld and complaint.kind == "points"):
        raise DomainError(_("Points are credited only when a complaint about points is upheld."), field="points",
                          rule="P-08")
    if not (answer or "").strip():
        raise DomainError(_("Write the answer for the participant."), field="answer", rule="P-42")
    if on < complaint.filed_on:
        raise DomainError(_("A complaint cannot be decided before it was filed (%(day)s).", day=complaint.filed_on),
                          field="on", rule="P-42")
    complaint.decided_on, complaint.decision, complaint.answer = on, "upheld" if upheld else "refused", answer.strip()
    complaint.notify_by = on + timedelta(days=rules.notice_days)
    from portal.accounts.models import User

    installer = db.session.get(Installer, complaint.installer_id)
    credited = {}  # §9 "points credited": told with the decision
    if points and installer is not None:
        from portal.loyalty.service import ledger
        from portal.loyalty.service.programme import end as programme_end

        expires = ledger.expiry_of(on, rules)
        ledger.open_lot(installer.id, points, kind="adjust", on=on, expires_on=expires,
                        tenant_id=installer.tenant_id, source="complaint", source_id=complaint.id,
                        note=f"complaint {complaint.id} upheld")
        end = programme_end()  # P-22: every point expires with an end announced by the time the notice goes out
        end = end if end is not None and end.announced_on <= max(on, local_today(clock)) else None
        credited = {"points": points,
                    "expires_on": ledger.lapse_day(expires, after_end=False, end=end, rules=rules).isoformat()}
    user = db.session.get(User, installer.user_id) if installer else None
    if user is not None:
        told = notifications.notify(user, "complaint_decided", clock=clock, complaint=complaint.id,
                                    decision=complaint.decision, decided_on=on.isoformat(), **credited)
        # P-42: "told" only when a notice was written, on the day it was (a decision recorded late is told late)
        complaint.notified_on = local_today(clock) if told is not None else None
    audit.record(actor, "complaint.decided", "complaint", complaint.id)


def get(complaint_id: int, *, installer_id: int | None = None) -> Complaint:
    row = db.session.get(Complaint, complaint_id)
    if row is None or (installer_id is not None and row.installer_id != installer_id):
        raise NotFound(_("No such complaint."))
    return row


def queue(limit: int = 100) -> list[Complaint]:
    return list(db.session.scalars(select(Complaint).where(Complaint.decided_on.is_(None))
                                   .order_by(Complaint.decide_by, Complaint.id).limit(limit)))


def complainants(rows: list[Complaint]) -> dict[int, tuple[str, str]]:
    """P-42: installer id → (name, e-mail) of whoever filed each complaint, for the commission's queue."""
    from portal.accounts.models import User

    ids = {row.installer_id for row in rows}
    if not ids:
        return {}
    found = db.session.execute(select(Installer.id, User.first_name, User.last_name, User.email)
                               .join(User, User.id == Installer.user_id).where(Installer.id.in_(ids)))
    return {i: (f"{first} {last}".strip(), email) for i, first, last, email in found}


def entries(rows: list[Complaint]) -> dict[int, PointsEntry]:
    """P-08: the points entries the complaints name, by id."""
    ids = {row.entry_id for row in rows if row.entry_id is not None}
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(select(PointsEntry).where(PointsEntry.id.in_(ids)))}


def of_installer(installer_id: int) -> list[Complaint]:
    return list(db.session.scalars(select(Complaint).where(Complaint.installer_id == installer_id)
                                   .order_by(Complaint.filed_on.desc())))
