"""Breaches (C-05): recorded by the operator, told to each affected tenant's DPO at once (the duty: within 24 hours of
the discovery, which the operator enters), entered in the tenant's register with its 72-hour authority deadline
(GDPR art. 33), which runs from the moment the organiser — the controller — was told."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.clock import Clock, utc
from portal.core.errors import DomainError
from portal.extensions import db
from portal.notifications import service as notifications
from portal.operator.models import PlatformBreach
from portal.privacy import breaches as breach_content
from portal.privacy.models import BreachRecord
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant

PROCESSOR_HOURS = 24
AUTHORITY_HOURS = breach_content.AUTHORITY_HOURS
# in the order of the notice (DPA §4.11.2)
CONTENT = ("nature", "categories", "people", "records", "contact", "consequences", "measures")


def record(data: dict, tenant_ids: list[int], *, clock: Clock) -> PlatformBreach:
    """The DPA's required content: nature, categories and numbers, contact point, consequences, measures."""
    if not tenant_ids:
        raise DomainError(_("Choose the affected tenants."), field="tenants", rule="C-05")
    discovered = breach_content.check(data, clock=clock)
    now = clock.now()
    breach = PlatformBreach(discovered_at=discovered, tenant_ids=tenant_ids, notified_at=now,
                            people=data.get("people"), records=data.get("records"),
                            **{k: data.get(k) or "" for k in breach_content.TEXTS})
    db.session.add(breach)
    db.session.flush()
    for tenant_id in tenant_ids:
        with use_tenant(tenant_id):
            db.session.add(BreachRecord(tenant_id=tenant_id, discovered_at=discovered, platform_breach_id=breach.id,
                                        authority_due_at=now + timedelta(hours=AUTHORITY_HOURS),
                                        **{k: getattr(breach, k) for k in CONTENT}))
        _tell(db.session.get(Tenant, tenant_id), "breach_notice", breach, clock=clock)
    return breach


def supplement(breach_id: int, data: dict, *, clock: Clock) -> list[str]:
    """DPA §4.11.2: what was not known when the DPOs were first told is passed on as soon as it is. The breach and
    every affected tenant's register take the new description; each DPO is told what is new. A number once told is
    revised, never withdrawn, and a required description is never emptied; the authority's 72 hours stay as they
    were (GDPR art. 33(4): information in phases). Returns the fields that changed."""
    breach = db.session.get(PlatformBreach, breach_id)
    if breach is None:
        raise LookupError(breach_id)
    told = {k: getattr(breach, k) for k in CONTENT}
    given = {k: data[k] for k in CONTENT if k in data}
    for key, value in given.items():
        if value in (None, "") and told[key] not in (None, ""):
            raise DomainError(_("The DPOs were told this already: give the revised value, not none."), field=key,
                              rule="C-05")
    breach_content.check({**told, **given, "discovered_at": breach.discovered_at}, clock=clock)
    changed = [k for k in CONTENT if k in given and given[k] != told[k]]
    if not changed:
        raise DomainError(_("Nothing differs from what the DPOs were told."), rule="C-05")
    for key in changed:
        setattr(breach, key, given[key])
    for tenant_id in breach.tenant_ids:
        tenant = db.session.get(Tenant, tenant_id)
        if tenant is None or tenant.status == "deleted":  # C-04: its data, and its DPO's address, are gone
            continue
        with use_tenant(tenant_id):
            for row in db.session.scalars(select(BreachRecord).where(BreachRecord.platform_breach_id == breach.id)):
                for key in changed:
                    setattr(row, key, given[key])
        _tell(tenant, "breach_update", breach, clock=clock, changed=changed)
    return changed


def _tell(tenant: Tenant, kind: str, breach: PlatformBreach, *, clock: Clock, **params) -> None:
    """The notice says all the register holds: a DPO without an account reads it only here (DPA §4.11.2). The 72
    hours run from the first notice, in the tenant's own time zone."""
    local = ZoneInfo(tenant.timezone or "Europe/Warsaw")
    told = utc(breach.notified_at)
    notifications.notify_dpo(tenant, kind, clock=clock, breach=breach.id,
                             discovered_at=_local(breach.discovered_at, local), notified_at=_local(told, local),
                             authority_due_at=_local(told + timedelta(hours=AUTHORITY_HOURS), local),
                             **{k: getattr(breach, k) for k in CONTENT}, **params)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{utc(moment).astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def deadline_met(breach: PlatformBreach) -> bool:
    return breach.notified_at is not None and utc(breach.notified_at) <= utc(breach.discovered_at) + timedelta(
        hours=PROCESSOR_HOURS)


def all_breaches() -> list[PlatformBreach]:
    return list(db.session.scalars(select(PlatformBreach).order_by(PlatformBreach.discovered_at.desc())))
