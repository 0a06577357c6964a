"""A breach's description (GDPR art. 33(3), DPA §4.11.2) as the operator's and the DPO's forms give it, checked the
same way for both; and the organiser's own breaches, which the DPO documents in the tenant's register (G-12,
art. 33(5)) with the 72 hours to the authority counted from their discovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from portal.core.clock import Clock, utc
from portal.core.errors import DomainError
from portal.core.validators import INT32, day_problem, whole_number
from portal.extensions import db
from portal.privacy import audit
from portal.privacy.models import BreachRecord
from portal.tenancy.guard import current_tenant_id

AUTHORITY_HOURS = 72  # GDPR art. 33(1)
TEXTS = ("nature", "categories", "contact", "consequences", "measures")
REQUIRED = ("nature", "contact", "consequences", "measures")  # art. 33(3)(a)–(d); categories may follow later


def read_form(form, *, zone: str = "Europe/Warsaw") -> tuple[dict, dict[str, str]]:
    """The form's values, and a message for each field that is missing or cannot be read (shown next to it). A
    number left empty is not yet known (None, told as such); a discovery time without an offset is the reader's
    wall clock in ``zone``."""
    data: dict = {k: (form.get(k) or "").strip() for k in TEXTS}
    errors: dict[str, str] = {k: _("Describe this.") for k in REQUIRED if not data[k]}
    for key in ("people", "records"):
        raw = (form.get(key) or "").strip()
        data[key] = whole_number(raw)
        if raw and data[key] is None:
            errors[key] = _("A whole number from 0 to %(most)s (an estimate will do).", most=INT32)
    raw = (form.get("discovered_at") or "").strip()
    if raw:
        try:
            found = datetime.fromisoformat(raw)
        except ValueError:
            errors["discovered_at"] = _("Give the date and time of the discovery, e.g. 2026-03-02 14:30.")
        else:
            if problem := day_problem(found):
                errors["discovered_at"] = problem
            else:
                data["discovered_at"] = found if found.tzinfo else found.replace(tzinfo=ZoneInfo(zone))
    return data, errors


def check(data: dict, *, clock: Clock) -> datetime:
    """The content every breach record needs; returns the discovery moment in UTC (now when none is given)."""
    missing = [k for k in REQUIRED if not (data.get(k) or "").strip()]
    if missing:
        raise DomainError(_("Describe: %(fields)s.", fields=", ".join(missing)), field=missing[0], rule="C-05")
    now = clock.now()
    discovered: datetime = utc(data.get("discovered_at") or now).astimezone(UTC)  # stored in UTC, as all timestamps
    if discovered > now:
        raise DomainError(_("The breach cannot have been discovered in the future."), field="discovered_at",
                          rule="C-05")
    for key in ("people", "records"):  # None: not yet known, told as such (DPA §4.11.2)
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise DomainError(_("A whole number, 0 or more (an estimate will do)."), field=key, rule="C-05")
    return discovered


def record_own(data: dict, *, clock: Clock, actor=None) -> BreachRecord:
    """G-12: a breach on the organiser's side, entered by its DPO; the authority is due 72 hours after discovery."""
    discovered = check(data, clock=clock)
    row = BreachRecord(tenant_id=current_tenant_id(), discovered_at=discovered,
                       authority_due_at=discovered + timedelta(hours=AUTHORITY_HOURS),
                       people=data.get("people"), records=data.get("records"),
                       **{k: data.get(k) or "" for k in TEXTS})
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "breach.recorded", "breach_record", row.id)
    return row


def overdue(rows: list[BreachRecord], now: datetime) -> set[int]:
    """The breaches whose 72 hours passed without the authority being notified."""
    return {r.id for r in rows if r.authority_notified_at is None and utc(r.authority_due_at) < now}
