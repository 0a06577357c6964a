"""The installer-programme rules in force on a day, and the announced end (P-40)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.core.clock import Clock, get_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Installer, ProgrammeEnd
from portal.loyalty.rules import LoyaltyRules
from portal.programmes import service as programmes
from portal.programmes.changes import END_NOTICE_MONTHS


def _parse(definition: dict) -> LoyaltyRules | None:
    return LoyaltyRules.parse(definition) if programmes.programme_type(definition) == "loyalty" else None


def rules_on(day: date) -> LoyaltyRules:
    key = programmes.version_key(day)
    rules = programmes.parsed(key, _parse) if key is not None else None
    if rules is None:
        raise DomainError(_("This organiser runs no installer programme."))
    return rules


def announced_points(today: date) -> list[dict]:
    """P-04 / E-02 (seed §4.3: announced "przez Platformę" at least 7 days ahead): the points-table changes of the
    versions published to take effect after ``today`` — each model whose points change, with the day, the points
    then and the points before (None: the model earns nothing then, or did not before)."""
    from portal.programmes.models import ProgrammeVersion

    later = db.session.execute(select(ProgrammeVersion.id, ProgrammeVersion.sha256, ProgrammeVersion.effective_from)
                               .where(ProgrammeVersion.effective_from > today)
                               .order_by(ProgrammeVersion.effective_from, ProgrammeVersion.version)).all()
    before = {code: points for code, (points, _category) in rules_on(today).models.items()}
    found = []
    for row in {row.effective_from: row for row in later}.values():  # a day's latest version is the one in force
        rules = programmes.parsed((row.id, row.sha256), _parse)
        if rules is None:
            continue
        then = {code: points for code, (points, _category) in rules.models.items()}
        found += [{"on": row.effective_from, "model": code, "points": then.get(code), "before": before.get(code)}
                  for code in sorted(set(before) | set(then)) if then.get(code) != before.get(code)]
        before = then
    return found


def end() -> ProgrammeEnd | None:
    return db.session.scalars(select(ProgrammeEnd)).first()


def last_registration_day(announced_on: date) -> date:
    """P-40: device registrations are accepted until the last day of the month of the announcement."""
    return announced_on + relativedelta(day=31)


def announce_end(announced_on: date, ends_on: date, *, tenant_id: int, rules: LoyaltyRules,
                 clock: Clock | None = None) -> ProgrammeEnd:
    """P-40 / E-02: the end date is at least 3 months after the announcement; joining closes at once; the
    participants are told."""
    if announced_on < rules.starts_on:  # a typo (2015 for 2025) would end the programme before it began
        raise DomainError(_("The end is announced on or after the programme's start, %(day)s.",
                            day=rules.starts_on.isoformat()), field="announced_on", rule="P-40")
    months = max(rules.end_notice_months, END_NOTICE_MONTHS)  # a definition may lengthen the notice, not shorten it
    if ends_on < announced_on + relativedelta(months=months):
        raise DomainError(ngettext("The end must be at least %(num)d month after the announcement (on or after "
                                   "%(day)s).",
                                   "The end must be at least %(num)d months after the announcement (on or after "
                                   "%(day)s).", months,
                                   day=announced_on + relativedelta(months=months)),
                          field="ends_on", rule="P-40")
    current = end()
    if current is not None:
        raise DomainError(_("The end was already announced on %(announced)s for %(ends)s.",
                            announced=current.announced_on, ends=current.ends_on), field="ends_on", rule="P-40")
    row = ProgrammeEnd(tenant_id=tenant_id, announced_on=announced_on, ends_on=ends_on)
    db.session.add(row)
    db.session.flush()
    _tell_participants(row, rules, clock=clock or get_clock())
    return row


def _tell_participants(row: ProgrammeEnd, rules: LoyaltyRules, *, clock: Clock) -> None:
    """P-40: besides the notice on the platform's pages, every participant still in the programme is told when it
    ends, until when devices count and until when points can be spent (in the announcing transaction's outbox)."""
    from portal.accounts.models import User
    from portal.notifications import service as notifications

    participants = select(User).join(Installer, Installer.user_id == User.id).where(
        Installer.excluded_on.is_(None), User.is_active_account).order_by(User.id)
    for user in db.session.scalars(participants):
        notifications.notify(user, "programme_ending", clock=clock, announced_on=row.announced_on.isoformat(),
                             ends_on=row.ends_on.isoformat(),
                             last_registration_day=last_registration_day(row.announced_on).isoformat())


def joining_closed(day: date) -> bool:
    row = end()
    return row is not None and day >= row.announced_on


def post_end_deadline(row: ProgrammeEnd, rules: LoyaltyRules) -> date:
    return row.ends_on + timedelta(days=rules.post_end_days)
