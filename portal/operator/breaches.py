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


def record(data: dict, tenant_ids: list[int], *, clock: Clock) -> PlatformBreach:
    """The DPA's required content: nature, categories and numbers, contact point, consequences, measures."""
    if not tenant_ids:
        raise DomainError(_("Choose the affected tenants."), field="tenants", rule="C-05")
    discovered = breach_content.check(data, clock=clock)
    now = clock.now()
    breach = PlatformBreach(discovered_at=discovered, tenant_ids=tenant_ids, notified_at=now,
                            people=data.get("people"), records=data.get("records"),
                            **{k: data.get(k) or "" for k in ("nature", "categories", "contact", "consequences",
                                                             "measures")})
    db.session.add(breach)
    db.session.flush()
    for tenant_id in tenant_ids:
        with use_tenant(tenant_id):
            db.session.add(BreachRecord(tenant_id=tenant_id, discovered_at=discovered, nature=breach.nature,
                                        categories=breach.categories, people=breach.people, records=breach.records,
                                        contact=breach.contact, consequences=breach.consequences,
                                        measures=breach.measures, platform_breach_id=breach.id,
                                        authority_due_at=now + timedelta(hours=AUTHORITY_HOURS)))
        tenant = db.session.get(Tenant, tenant_id)
        # DPA §4.11.2: the notice itself says what the register holds — a DPO without an account reads it only here
        local = ZoneInfo(tenant.timezone or "Europe/Warsaw")
        notifications.notify_dpo(tenant, "breach_notice", clock=clock, breach=breach.id, nature=breach.nature,
                                 categories=breach.categories, people=breach.people, records=breach.records,
                                 contact=breach.contact, consequences=breach.consequences, measures=breach.measures,
                                 discovered_at=_local(discovered, local), notified_at=_local(now, local),
                                 authority_due_at=_local(now + timedelta(hours=AUTHORITY_HOURS), local))
    return breach


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{utc(moment).astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def deadline_met(breach: PlatformBreach) -> bool:
    return breach.notified_at is not None and utc(breach.notified_at) <= utc(breach.discovered_at) + timedelta(
        hours=PROCESSOR_HOURS)


def all_breaches() -> list[PlatformBreach]:
    return list(db.session.scalars(select(PlatformBreach).order_by(PlatformBreach.discovered_at.desc())))
