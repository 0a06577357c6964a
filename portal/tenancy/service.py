"""Tenants: creation from a definition, resolution by slug."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.tenancy.models import Tenant

TENANT_FIELDS = ("name", "kind", "legal_name", "nip", "address", "dpo_name", "dpo_email", "locale", "timezone",
                 "currency")


def by_slug(slug: str) -> Tenant | None:
    return db.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()


def open_by_slug(slug: str) -> Tenant | None:
    """A tenant whose pages answer: not deleted (an ended contract is read-only but still answers)."""
    tenant = by_slug(slug)
    return tenant if tenant is not None and tenant.is_open else None


def read_only_since(tenant: Tenant) -> date | None:
    """C-04: the first read-only day of a tenant whose contract has ended, once that day has come (on the clock in
    force: a command's ``--as-of``, a request's now — so a day past it counts before the daily job turned the tenant
    read-only) — or the tenant is read-only already; None while it may still be written to."""
    from portal.core.clock import get_clock
    from portal.operator import contracts

    contract = contracts.of_tenant(tenant.id)
    since = contracts.read_only_from(contract) if contract is not None else None
    if tenant.status == "read_only":
        return since or get_clock().today(tenant.timezone)
    if since is not None and since <= get_clock().today(tenant.timezone):
        return since
    return None


class TenantClosed(DomainError):
    """C-04: the organiser's contract has ended (read-only) or it was deleted: nothing of it is written."""


def refuse_if_closed(slug: str) -> None:
    """C-04: the organiser of ``slug`` may be (re)written — refused once its contract has ended (read-only) or it
    was deleted (its slug is not reused: its deletion certificate names it)."""
    tenant = by_slug(slug)
    if tenant is not None:
        refuse_if_read_only(tenant)


def refuse_if_read_only(tenant: Tenant) -> None:
    """C-04: nothing is written to an organiser after its contract ended — read-only from the day after, then
    deleted; its pages refuse every change (423), and a command that writes exits 1 (TenantClosed)."""
    from flask_babel import gettext as _

    if tenant.status == "deleted":
        raise TenantClosed(_("The organiser %(slug)s was deleted after its contract ended; its name is not used "
                             "again.", slug=tenant.slug), rule="C-04")
    if (since := read_only_since(tenant)) is not None:
        raise TenantClosed(_("The organiser's contract has ended: %(slug)s is read-only from %(day)s, so nothing was "
                             "written. Admins and the data-protection officer can still download a full export.",
                             slug=tenant.slug, day=since.isoformat()), rule="C-04")


def upsert(fields: dict) -> Tenant:
    """Create the tenant described by a definition's ``[tenant]`` table, or update its descriptive fields."""
    tenant = by_slug(fields["slug"])
    values = {k: fields[k] for k in TENANT_FIELDS if k in fields}
    if tenant is None:
        tenant = Tenant(slug=fields["slug"], **values)
        db.session.add(tenant)
    else:
        for key, value in values.items():
            setattr(tenant, key, value)
    db.session.flush()
    return tenant


def listed() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).where(Tenant.status != "deleted").order_by(Tenant.name)))


def _local_zone() -> str:
    """The current tenant's time zone (Europe/Warsaw outside a tenant's scope)."""
    from portal.tenancy.guard import current_tenant_id

    tenant_id = current_tenant_id()
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    return tenant.timezone if tenant is not None and tenant.timezone else "Europe/Warsaw"


def local_today(clock) -> date:
    """E-04: today in the current tenant's time zone from ``clock`` (Europe/Warsaw outside a tenant's scope)."""
    return clock.today(_local_zone())


def local_day_span(day: date) -> tuple[datetime, datetime]:
    """The moments (UTC) the current tenant's ``day`` begins and the next begins: "once a day" on its own calendar."""
    zone = ZoneInfo(_local_zone())
    begins = datetime.combine(day, time.min, zone)
    return begins.astimezone(UTC), datetime.combine(day + timedelta(days=1), time.min, zone).astimezone(UTC)
