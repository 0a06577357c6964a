"""Operator commands: contracts (FORMATS.md `flask contracts end SLUG --on DATE`)."""

from __future__ import annotations

from datetime import date

import click

from portal.cli import fail, parse_day
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.operator import contracts
from portal.tenancy import service as tenants


@click.group("contracts", help="Tenant contracts (C-01 … C-04).")
def contracts_group() -> None:
    pass


def _tenant(slug: str):
    tenant = tenants.by_slug(slug)
    if tenant is None or tenant.status == "deleted":
        fail(f"no tenant {slug!r}")
    return tenant


@contracts_group.command("end", help="End a tenant's contract on a day: read-only, export 7 days, deletion 14.")
@click.argument("slug")
@click.option("--on", "day", callback=parse_day, required=True)
@click.option("--ground", default="expiry", show_default=True)
def end_contract(slug: str, day: date, ground: str) -> None:
    tenant = _tenant(slug)
    contract = contracts.of_tenant(tenant.id) or contracts.create(tenant.id, starts_on=tenant.created_at.date(),
                                                                  term_months=12)
    try:
        contracts.end(contract, on=day, ground=ground)
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    if day <= get_clock().today(tenant.timezone):
        tenant.status = "read_only"
    db.session.commit()
    click.echo(f"{slug}: contract ends {day}; export until {contract.export_until}; deletion by {contract.delete_by}")
