"""Bulk commands of lead-reward programmes (FORMATS.md). Exit 0 success, 1 rejected input, 2 usage."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import click
from flask_babel import gettext as _
from stdnum.pl import nip as nip_number

from portal.cli import fail, parse_day
from portal.core.bulk import ImportResult, ValidationFailed, by_day, iso_day, run_import
from portal.core.clock import as_of, get_clock, set_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.leads.formats import DECISION_COLUMNS, FACT_COLUMNS, LEAD_COLUMNS, PARTNER_COLUMNS
from portal.leads.service import partners, review, sales, settlement, submission
from portal.leads.service.limits import INT32
from portal.leads.service.programme import rules_on
from portal.tenancy import service as tenants
from portal.tenancy.guard import set_current_tenant

FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
COMMIT_VALID = click.option("--commit-valid", is_flag=True, help="commit the good rows even when some are bad")
AS_OF = click.option("--as-of", "day", callback=parse_day, help="run as of this day (YYYY-MM-DD)")


def open_tenant(slug: str, day: date | None, *, write: bool = False):
    """Set the tenant (and the clock, with --as-of) for the rest of the command; a command that writes (``write``)
    is refused on a tenant whose contract has ended (C-04)."""
    tenant = tenants.by_slug(slug)
    if tenant is None or tenant.status == "deleted":
        fail(f"no tenant {slug!r}")
    set_current_tenant(tenant.id)
    if day:
        set_clock(as_of(day, tenant.timezone))
    if write:
        refuse_if_read_only(tenant)
    return tenant


def refuse_if_read_only(tenant) -> None:
    """C-04: a command that writes exits 1 and writes nothing once the contract has ended; reading (a points
    statement) and the daily jobs go on."""
    try:
        tenants.refuse_if_read_only(tenant)
    except tenants.TenantClosed as closed:
        fail(closed.describe())


def report(result: ImportResult, what: str) -> None:
    for error in result.errors:
        click.echo(str(error), err=True)
    state = "committed" if result.committed and result.accepted else "nothing written"
    click.echo(f"{what}: {result.accepted} good row(s), {len(result.errors)} bad row(s); {state}")
    if result.errors:
        sys.exit(1)


def _date(value: str, field: str) -> date:
    try:
        return iso_day(value)
    except ValueError as exc:
        raise DomainError(f"{field} must be a date as YYYY-MM-DD, not {value!r}.", field=field) from exc


def lead_rules():
    try:
        return rules_on(get_clock().today())
    except DomainError as error:
        fail(error.message)


@click.group("leads", help="Leads of a lead-reward programme.")
def leads_group() -> None:
    pass


@leads_group.command("import", help="Import leads (checked as web submissions on their submitted_on).")
@click.argument("slug")
@FILE
@COMMIT_VALID
@AS_OF
def import_leads(slug: str, file: Path, commit_valid: bool, day: date | None) -> None:
    tenant = open_tenant(slug, day, write=True)
    lead_rules()

    def handle(row: dict) -> None:
        submitted_on = _date(row["submitted_on"], "submitted_on")
        partner = partners.named_by_nip(row["partner_nip"])
        submission.submit(partner, row, rules_on(submitted_on), submitted_on=submitted_on, clock=get_clock(),
                          ref=row["ref"], vendor_consent=True, channel="import")

    del tenant
    # L-04 first come: a file's rows are applied in the order they were submitted, not the order they are listed
    report(run_import(file, LEAD_COLUMNS, handle, commit_valid=commit_valid, order=by_day("submitted_on"),
                      key=lambda row: (row.get("ref") or "").strip() or None, what=_("lead reference")),
           "leads")


@leads_group.command("decide", help="Qualify or reject leads (L-07).")
@click.argument("slug")
@FILE
@COMMIT_VALID
@AS_OF
def decide_leads(slug: str, file: Path, commit_valid: bool, day: date | None) -> None:
    open_tenant(slug, day, write=True)
    lead_rules()  # an organiser that runs no lead programme is told so

    def handle(row: dict) -> None:
        lead = review.by_ref(row["ref"])
        if lead is None:
            raise DomainError(f"No lead has the reference {row['ref']}.", field="ref", rule="L-07")
        review.decide(lead, row["decision"].strip().lower(), decided_on=_date(row["decided_on"], "decided_on"),
                      reason=row.get("reason", ""), clock=get_clock())

    report(run_import(file, DECISION_COLUMNS, handle, commit_valid=commit_valid),
           "decisions")


@click.group("customers", help="Facts about end customers from the vendor (L-04, L-05).")
def customers_group() -> None:
    pass


@customers_group.command("flag", help="Flag customers: customer_nip,flag.")
@click.argument("slug")
@FILE
@COMMIT_VALID
@AS_OF
def flag_customers(slug: str, file: Path, commit_valid: bool, day: date | None) -> None:
    tenant = open_tenant(slug, day, write=True)
    rules = lead_rules()
    report(run_import(file, FACT_COLUMNS,
                      lambda row: sales.flag_customer(row["customer_nip"], row["flag"], rules, tenant_id=tenant.id),
                      commit_valid=commit_valid), "customer facts")


@click.group("sales", help="The vendor's sales reports (L-10).")
def sales_group() -> None:
    pass


@sales_group.command("import", help="Import a sales report.")
@click.argument("slug")
@FILE
@COMMIT_VALID
@AS_OF
def import_sales(slug: str, file: Path, commit_valid: bool, day: date | None) -> None:
    tenant = open_tenant(slug, day, write=True)
    rules = lead_rules()
    report(sales.import_report(file, rules, tenant_id=tenant.id, commit_valid=commit_valid), "sales")


@click.group("settlement", help="Settlement periods (L-17, L-19).")
def settlement_group() -> None:
    pass


@settlement_group.command("run", help="Settle period N as of a day and write the statement CSV.")
@click.argument("slug")
@click.option("--period", type=click.IntRange(min=1, max=INT32), required=True)
@click.option("--as-of", "day", callback=parse_day, required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def run_settlement(slug: str, period: int, day: date, out: Path) -> None:
    open_tenant(slug, day, write=True)
    try:
        result = settlement.run(period, as_of=day, clock=get_clock())
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    try:  # the file first: a statement that cannot be written leaves no draft behind either
        out.write_text(settlement.to_csv(settlement.lines_of(result)), encoding="utf-8")
    except OSError as error:
        db.session.rollback()
        raise click.BadParameter(f"cannot write {out}: {error.strerror or error}", param_hint="--out") from error
    db.session.commit()
    click.echo(f"period {period}: draft written to {out}")


@settlement_group.command("approve", help="Approve (freeze) the settlement of period N.")
@click.argument("slug")
@click.option("--period", type=click.IntRange(min=1, max=INT32), required=True)
@AS_OF
def approve_settlement(slug: str, period: int, day: date | None) -> None:
    open_tenant(slug, day, write=True)
    lead_rules()  # an organiser that runs no lead programme is told so
    try:
        settlement.approve(period, clock=get_clock())
    except DomainError as error:
        fail(error.describe())
    db.session.commit()
    click.echo(f"period {period}: approved")


@settlement_group.command("decide-tie", help="L-16: award a top-partner tie to one partner (its NIP) or to all.")
@click.argument("slug")
@click.option("--period", type=click.IntRange(min=1, max=INT32), required=True)
@click.option("--partner", "choice", required=True, help="the NIP of the partner awarded, or 'all'")
@AS_OF
def decide_tie(slug: str, period: int, choice: str, day: date | None) -> None:
    open_tenant(slug, day, write=True)
    lead_rules()  # an organiser that runs no lead programme is told so
    wanted = choice.strip()
    if wanted.lower() == "all":
        value = "all"
    else:
        partner = partners.by_nip(nip_number.compact(wanted))  # written as the partners file takes it
        value = str(partner.id) if partner is not None else "-"  # no such partner: refused as not in the tie
    try:
        settlement.decide_tie(period, value, clock=get_clock())
    except DomainError as error:
        fail(error.describe())
    db.session.commit()
    click.echo(f"period {period}: top-partner award decided ({wanted})")


def import_partners(tenant, file: Path, commit_valid: bool) -> None:
    refuse_if_read_only(tenant)
    rules = lead_rules()

    def handle(row: dict) -> None:
        data = dict(row)
        data["flags"] = [f.strip() for f in (row.get("flags") or "").split(";") if f.strip()]
        partners.join(data, rules, tenant_id=tenant.id, update=True)

    report(run_import(file, PARTNER_COLUMNS, handle, commit_valid=commit_valid,
                      key=lambda row: re.sub(r"\D", "", row.get("nip") or "") or None, what=_("NIP")),
           "partners")


COMMANDS = (leads_group, customers_group, sales_group, settlement_group)
__all__ = ["COMMANDS", "ValidationFailed", "import_partners"]
