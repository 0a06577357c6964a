"""Operator commands: contracts (FORMATS.md `flask contracts end SLUG --on DATE`)."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import click

from portal.cli import fail, parse_day
from portal.core.clock import as_of, get_clock, set_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.operator import contracts, pricing
from portal.tenancy import service as tenants


@click.group("contracts", help="Tenant contracts (C-01 … C-04).")
def contracts_group() -> None:
    pass


# FORMATS.md: `--as-of DATE` replays any day (it sets the clock for that command), as every other command's does
AS_OF = click.option("--as-of", "as_of_day", callback=parse_day, default=None,
                     help="run as of this day (YYYY-MM-DD)")


def _tenant(slug: str, day: date | None = None):
    tenant = tenants.by_slug(slug)
    if tenant is None or tenant.status == "deleted":
        fail(f"no tenant {slug!r}")
    if day is not None:
        set_clock(as_of(day, tenant.timezone))
    return tenant


@contracts_group.command("end", help="End a tenant's contract on a day: read-only, export 7 days, deletion 14.")
@click.argument("slug")
@click.option("--on", "day", callback=parse_day, required=True)
@click.option("--ground", type=click.Choice(list(contracts.GROUNDS)), default=None,
              help="One of the terms' grounds (C-03); without it the term's last day is its expiry and another day "
                   "an end by agreement.")
@click.option("--since", "since", callback=parse_day, default=None,
              help="The day the ground counts from: the outage report accepted (customer_outage_not_fixed, 7 days) "
                   "or the unpaid invoice due (payment_delay_over_30_days, more than 30 days).")
@AS_OF
def end_contract(slug: str, day: date, ground: str | None, since: date | None, as_of_day: date | None) -> None:
    tenant = _tenant(slug, as_of_day)
    contract = contracts.of_tenant(tenant.id) or contracts.create(tenant.id, starts_on=tenant.created_at.date(),
                                                                  term_months=12)
    try:
        contracts.end(contract, on=day, ground=ground or contracts.default_ground(contract, day), since=since)
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    if contracts.read_only_from(contract) <= get_clock().today(tenant.timezone):
        tenant.status = "read_only"
    db.session.commit()
    reclaim, penalty = contracts.reclaim_due(contract), contracts.penalty_due(contract)
    db.session.rollback()  # their fee statement recomputes the tier reached; nothing more is stored
    click.echo(f"{slug}: contract ends {day}; export until {contract.export_until}; deletion by {contract.delete_by}"
               + (f"; term discount reclaimed (C-02, OWU VIII.7): {reclaim:.2f} PLN" if reclaim is not None else "")
               + (f"; contractual penalty (OWU VIII.6): {penalty:.2f} PLN" if penalty is not None else ""))


@contracts_group.command("sign", help="Record a tenant's contract: start date and fixed term in months (C-01), "
                                      "and the order form's price list (C-02).")
@click.argument("slug")
@click.option("--starts", "starts", callback=parse_day, required=True)
@click.option("--term", "term", type=int, required=True, help="The fixed term in months; it renews for the same.")
@click.option("--pricing", "pricing_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None,
              help="The order form's price list, a TOML file (JSON if it ends in .json): [[tiers]] with contacts_max "
                   "(none on the last) and monthly_fee (\"990.00\"), and annual_premium_percent (0-100). Without "
                   "it a new contract gets the default price list and a signed one keeps its own.")
@AS_OF
def sign_contract(slug: str, starts: date, term: int, pricing_file: Path | None, as_of_day: date | None) -> None:
    price_list = _price_list(pricing_file) if pricing_file is not None else None
    tenant = _tenant(slug, as_of_day)
    try:
        contract = contracts.sign(tenant.id, starts_on=starts, term_months=term, pricing=price_list)
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    click.echo(f"{slug}: contract from {contract.starts_on} for {contract.term_months} months, term ends "
               f"{contract.current_end}; notice of non-renewal by {contracts.notice_deadline(contract)}")
    click.echo(f"{slug}: price list: {pricing.summary(contract.pricing or pricing.DEFAULT_PRICING)}")


def _price_list(path: Path) -> dict:
    """C-02: the order form's price list from the operator's file, checked (exit 1 with the reason otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{path}: cannot read the price list ({error})")
    try:
        table = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{path}: not a JSON price list: {error}")
    except tomllib.TOMLDecodeError as error:
        fail(f"{path}: not a TOML price list: {error}")
    try:
        return pricing.from_table(table)
    except DomainError as error:
        fail(f"{path}: {error.describe()}")


@contracts_group.command("notice", help="Record the organiser's written notice of non-renewal received on a day "
                                        "(C-01: at least 30 days before the end of the term).")
@click.argument("slug")
@click.option("--on", "day", callback=parse_day, required=True)
@AS_OF
def notice(slug: str, day: date, as_of_day: date | None) -> None:
    tenant = _tenant(slug, as_of_day)
    contract = contracts.of_tenant(tenant.id)
    if contract is None:
        fail(f"{slug}: no contract recorded (flask contracts sign)")
    today = get_clock().today(tenant.timezone)
    if day > today:  # as on the contract page: a notice is recorded once received
        fail(f"C-01: the notice cannot be received after today ({today}); give --as-of to replay a later day")
    try:
        contracts.give_notice(contract, day)
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    click.echo(f"{slug}: notice of {day} recorded; the contract is not renewed and ends {contract.current_end}")
