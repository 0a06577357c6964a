"""Publishing a new version of a programme (E-01, E-02): validated as a whole, refused inside a notice period
when it reduces participants' rights, announced to participants with its effective date."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.core.clock import Clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.programmes import definition as definitions
from portal.programmes import service as programmes
from portal.programmes.models import ProgrammeVersion

POINTS_NOTICE_DAYS = 7  # P-04, seed §4.3: point changes announced at least 7 days before they apply
END_NOTICE_MONTHS = 3  # P-40, seed §7.2: the end no earlier than 3 months after the announcement


def parse_text(text: str) -> dict:
    """Validate a definition given as text; every problem with its line (nothing is applied on error)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "programme.toml"
        path.write_text(text, encoding="utf-8")
        data, _text = definitions.read(path)
    return data


def _notice(old: dict, new: dict, keys: tuple[str, ...], floor: int) -> int:
    """The notice period a change is judged by: the longest of the version in force, the new version and the
    seed's minimum — a new version cannot shorten the notice its own change needs."""
    found = [floor]
    for definition in (old, new):
        value = definition
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        with contextlib.suppress(TypeError, ValueError):  # an unreadable value leaves the others to decide
            found.append(int(value))
    return max(found)


def _reduced_campaigns(old: dict, new: dict, effective_from: date) -> list[str]:
    """P-04 / P-06: the bonus campaigns of the version in force, not over by ``effective_from``, that the new version
    takes away or makes worth less — a lower bonus, a later start, an earlier end, fewer device categories, or a
    model it covered moved to a category it does not cover."""
    def covered(definition: dict, categories) -> set:
        return {m.get("code") for m in definition.get("device_models", [])
                if isinstance(m, dict) and m.get("category") in set(categories or [])}

    after = {c.get("code"): c for c in new.get("bonus_campaigns", [])}
    reduced = []
    for campaign in old.get("bonus_campaigns", []):
        if str(campaign.get("ends_on", "")) < effective_from.isoformat():
            continue  # over before the change applies: nobody loses anything
        twin = after.get(campaign.get("code"))
        if twin is None or any((
                int(twin.get("extra_points", 0)) < int(campaign.get("extra_points", 0)),
                str(twin.get("starts_on", "")) > str(campaign.get("starts_on", "")),
                str(twin.get("ends_on", "")) < str(campaign.get("ends_on", "")),
                not set(campaign.get("categories", [])) <= set(twin.get("categories", [])),
                not covered(old, campaign.get("categories")) <= covered(new, twin.get("categories")))):
            reduced.append(str(campaign.get("code")))
    return sorted(reduced)


def notice_problems(old: dict, new: dict, effective_from: date, today: date) -> list[str]:
    """E-02: point-table changes and reduced bonus campaigns need 7 days' notice (P-04, P-06); an earlier programme
    end needs 3 months (P-40)."""
    problems = []
    if new.get("programme", {}).get("type") == "loyalty":
        days = _notice(old, new, ("loyalty", "points_table_notice_days"), POINTS_NOTICE_DAYS)
        announced = {m["code"] for m in old.get("device_models", [])}
        # seed §4.3: "zmiany ogłoszonej punktacji" — any change of a model's announced points, up or down (a model
        # dropped from the table goes down to none); a model new to the table has no announced points to change
        changed = [code for code, _, _ in point_changes(old, new) if code in announced]
        if changed and effective_from < today + timedelta(days=days):
            message = ngettext("points of %(codes)s change; announce it at least %(num)d day ahead (effective on "
                               "or after %(day)s).",
                               "points of %(codes)s change; announce it at least %(num)d days ahead (effective on "
                               "or after %(day)s).", days, codes=", ".join(sorted(changed)),
                               day=today + timedelta(days=days))
            problems.append(f"P-04: {message}")
        reduced = _reduced_campaigns(old, new, effective_from)
        if reduced and effective_from < today + timedelta(days=days):
            message = ngettext("bonus campaigns %(codes)s give less; announce it at least %(num)d day ahead "
                               "(effective on or after %(day)s).",
                               "bonus campaigns %(codes)s give less; announce it at least %(num)d days ahead "
                               "(effective on or after %(day)s).", days, codes=", ".join(reduced),
                               day=today + timedelta(days=days))
            problems.append(f"P-04: {message}")
    old_end, new_end = old.get("programme", {}).get("ends_on"), new.get("programme", {}).get("ends_on")
    # P-40 is the installer programme's: a lead campaign runs for its dates "or until the pool of funds is used up"
    # and its terms may change at any time (seed 000, L-30), so it may end sooner without months of notice
    lead_campaign = new.get("programme", {}).get("type") == "lead_reward"
    if new_end and (not old_end or str(new_end) < str(old_end)) and not lead_campaign:
        months = _notice(old, new, ("loyalty", "end", "notice_months"), END_NOTICE_MONTHS)
        earliest = today + relativedelta(months=months)
        if date.fromisoformat(str(new_end)) < earliest:
            message = ngettext("the programme may end no earlier than %(num)d month after the announcement "
                               "(%(day)s).",
                               "the programme may end no earlier than %(num)d months after the announcement "
                               "(%(day)s).", months, day=earliest)
            problems.append(f"P-40: {message}")
    return problems


def _unchanged(new: dict, effective_from: date, today: date) -> ProgrammeVersion | None:
    """The version a definition would merely repeat — the one in force, or one already scheduled for that same
    day — compared as data, so the editor's text of the version in force (re-rendered, not the file it was loaded
    from) is recognised; None for a real change (or the same definition scheduled for another day)."""
    code = new["programme"]["code"]
    in_force, latest = programmes.in_force(today, code=code), programmes.latest_version(code)
    if in_force is not None and in_force.definition == new and latest is not None and latest.id == in_force.id:
        return in_force
    if latest is not None and latest.definition == new and latest.effective_from == effective_from:
        return latest
    return None


def notice_base(effective_from: date, today: date) -> dict:
    """E-02: the definition a change is judged against — the version participants will have the day before it takes
    effect (a version scheduled already counts, so a cut below a scheduled rise needs its notice too), else the one
    in force today. The editor's preview and publishing judge by it alike."""
    before = programmes.in_force(max(today, effective_from - timedelta(days=1))) or programmes.in_force(today)
    return before.definition if before else {}


def publish(tenant_id: int, text: str, *, effective_from: date, clock: Clock, actor=None,
            refuse_unchanged: bool = False) -> ProgrammeVersion:
    """E-01/E-02: publish a definition as a new version. ``refuse_unchanged`` (the editor) refuses one that merely
    repeats the version in force or one scheduled for that day; the loaders leave it off, and the same definition
    again (a comment more is no change) then makes no new version."""
    data = parse_text(text)
    today = clock.today(programmes.timezone_of(tenant_id))  # E-04: the notice counts from the organiser's own day
    new = definitions.to_json(data)
    if refuse_unchanged and (same := _unchanged(new, effective_from, today)):
        raise DomainError(_("The definition is the same as version %(v)s, in force from %(d)s: nothing was "
                            "published.", v=same.version, d=same.effective_from), field="text")
    current = programmes.in_force(today)
    if current is not None and current.definition.get("programme", {}).get("code") != data["programme"]["code"]:
        raise DomainError(_("The definition is for another programme (programme.code differs)."), field="text")
    old = notice_base(effective_from, today)
    problems = notice_problems(old, new, effective_from, today)
    if problems:
        raise DomainError(" ".join(problems), field="effective_from", rule="E-02")
    ends_on = _loyalty_end(data)
    known = {row.id for row in history()}
    version = programmes.add_version(tenant_id, data, text, effective_from=effective_from, clock=clock)
    programmes.after_load(tenant_id, data, clock=clock)
    if version.id in known:
        return version  # the same definition again: no new version, nothing to announce twice (SPEC §9)
    if data["programme"]["type"] == "lead_reward":
        from portal.leads.service.programme import restamp_from

        restamp_from(effective_from)
    from portal.privacy import audit

    audit.record(actor, "programme.published", "programme_version", version.id)
    _announce(version, clock, points=point_changes(old, new))
    if ends_on is not None:
        _announce_loyalty_end(tenant_id, data, ends_on, today, clock)
    return version


def _loyalty_end(data: dict) -> date | None:
    """P-40: the end an installer programme's definition sets (``programme.ends_on``), when the end page has not
    announced it already; an end other than the one announced is refused — it is announced once (seed §7.2)."""
    ends_on = data["programme"].get("ends_on")
    if data["programme"]["type"] != "loyalty" or ends_on is None:
        return None
    from portal.loyalty.service.programme import end

    announced = end()
    if announced is None:
        return ends_on
    if announced.ends_on != ends_on:
        raise DomainError(_("The end was already announced on %(announced)s for %(ends)s.",
                            announced=announced.announced_on, ends=announced.ends_on), field="text", rule="P-40")
    return None


def _announce_loyalty_end(tenant_id: int, data: dict, ends_on: date, today: date, clock: Clock) -> None:
    """P-40: an end published in the definition closes joining and is told to participants, as the end page does."""
    from portal.loyalty.rules import LoyaltyRules
    from portal.loyalty.service.programme import announce_end

    announce_end(today, ends_on, tenant_id=tenant_id, rules=LoyaltyRules.parse(definitions.to_json(data)),
                 clock=clock)


def point_changes(old: dict, new: dict) -> list[list]:
    """P-04 (seed §4.3): each device model whose announced points change — [code, before, after]; a model dropped
    from the table goes to 0, one new to it comes from 0."""
    before = {m["code"]: int(m["points"]) for m in old.get("device_models", [])}
    after = {m["code"]: int(m["points"]) for m in new.get("device_models", [])}
    return [[code, before.get(code, 0), after.get(code, 0)] for code in sorted(before.keys() | after.keys())
            if before.get(code, 0) != after.get(code, 0)]


def _announce(version: ProgrammeVersion, clock: Clock, *, points: list[list] | None = None) -> None:
    """SPEC §9: participants are told of a programme change with its effective date, and (P-04) of each device
    model's points that change."""
    from portal.accounts.models import PARTICIPANT, User
    from portal.notifications import service as notifications

    extra = {"version": version.version, "effective_from": version.effective_from.isoformat(),
             **({"points": points} if points else {})}
    for user in db.session.scalars(select(User).where(User.role == PARTICIPANT, User.is_active_account)):
        notifications.notify(user, "programme_changed", clock=clock, **extra)
    from portal.leads.models import Partner
    from portal.leads.service import partners

    # partners loaded from the organiser's file, without an account: at their contact person's address, as they
    # hear of their leads' decisions (``partners.tell``); one the organiser removed (L-20) no longer takes part
    for partner in db.session.scalars(select(Partner).where(Partner.user_id.is_(None), Partner.excluded_at.is_(None))):
        partners.tell(partner, "programme_changed", clock=clock, **extra)


def history() -> list[ProgrammeVersion]:
    return list(db.session.scalars(select(ProgrammeVersion).order_by(ProgrammeVersion.version.desc())))
