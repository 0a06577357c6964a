"""Bulk commands of installer programmes (FORMATS.md). Exit 0 success, 1 rejected input, 2 usage."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import select

from portal.cli import fail, parse_day
from portal.core.bulk import ValidationFailed, by_day, iso_day, run_import
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.leads.cli import AS_OF, COMMIT_VALID, FILE, open_tenant, refuse_if_read_only, report
from portal.loyalty.models import PointsEntry
from portal.loyalty.service import devices, ledger, members, orders
from portal.loyalty.service.programme import announce_end, rules_on
from portal.loyalty.service.statement import statement

PARTICIPANT_COLUMNS = ("email", "first_name", "last_name", "nip", "business", "status", "registered_on",
                       "activated_on")
PARTICIPANT_OPTIONAL = ("delivery_address", "employee")  # P-25, P-29: read when the file has them
DEVICE_COLUMNS = ("email", "serial", "model_code", "production_code", "installed_on", "registered_on")
OPENING_COLUMNS = ("email", "points", "earned_on")


def loyalty_rules(day: date | None = None):
    try:
        return rules_on(day or get_clock().today())
    except DomainError as error:
        fail(error.message)


def _installer(email: str):
    _no_nul({"email": email})
    installer = members.by_email(email)
    if installer is None:
        raise DomainError(f"No participant with e-mail {email}.", field="email", rule="P-01")
    return installer


def _date(value: str, field: str) -> date:
    try:
        return iso_day(value)
    except ValueError as exc:
        raise DomainError(f"{field} must be a date as YYYY-MM-DD.", field=field) from exc


def _no_nul(row: dict) -> None:
    """A row with a NUL character in any column is refused, the column named, before anything is looked up or
    written (PostgreSQL keeps no NUL in text)."""
    problems = members.nul_problems(row)
    if problems:
        raise ValidationFailed(problems)


def import_installers(tenant, file: Path, commit_valid: bool) -> None:
    refuse_if_read_only(tenant)
    rules = loyalty_rules()

    def handle(row: dict):
        # an empty delivery_address cell (an optional column, P-25) gives no address; a given one is checked
        return members.import_row({**row, "delivery_address": row.get("delivery_address") or None},
                                  tenant_id=tenant.id, rules=rules)

    report(run_import(file, PARTICIPANT_COLUMNS, handle, optional=PARTICIPANT_OPTIONAL, commit_valid=commit_valid,
                      key=lambda row: (row.get("email") or "").strip().lower() or None, what=_("e-mail address")),
           "participants")


@click.group("devices", help="Installed devices of an installer programme.")
def devices_group() -> None:
    pass


@devices_group.command("import", help="Register devices as the participants would (P-05).")
@click.argument("slug")
@FILE
@COMMIT_VALID
@AS_OF
def import_devices(slug: str, file: Path, commit_valid: bool, day: date | None) -> None:
    open_tenant(slug, day, write=True)
    loyalty_rules()

    def handle(row: dict) -> None:
        _no_nul(row)
        installer = _installer(row["email"])
        registered_on = _date(row["registered_on"], "registered_on")
        devices.check_registration_day(installer, registered_on)
        devices.register(installer, row, rules_on(registered_on), registered_on=registered_on, clock=get_clock())

    # P-05: a file's devices are registered in the order of their registration days (who registered a serial first)
    report(run_import(file, DEVICE_COLUMNS, handle, commit_valid=commit_valid, order=by_day("registered_on")),
           "devices")


@click.group("rewards", help="Reward orders.")
def rewards_group() -> None:
    pass


@rewards_group.command("order", help="Place an order as the participant would; prints the order id.")
@click.argument("slug")
@click.option("--participant", "email", required=True)
@click.option("--reward", "code", required=True)
@click.option("--as-of", "day", callback=parse_day, required=True)
@click.option("--delivery-address", "address", default=None,
              help="P-25: the address the courier delivers to, kept on the platform as the participant's (optional)")
def order_reward(slug: str, email: str, code: str, day: date, address: str | None) -> None:
    open_tenant(slug, day, write=True)
    rules = loyalty_rules(day)
    try:
        installer = _installer(email)
        if address is not None:  # saved with the order, or not at all
            orders.set_delivery_address(installer, address)
        order = orders.place(installer, orders.reward_by_code(code), on=day, rules=rules, clock=get_clock())
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    click.echo(order.id)


@click.group("points", help="Points ledgers.")
def points_group() -> None:
    pass


@points_group.command("statement", help="A participant's points statement as of a day.")
@click.argument("slug")
@click.argument("email")
@click.option("--as-of", "day", callback=parse_day, required=True)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def points_statement(slug: str, email: str, day: date, as_json: bool) -> None:
    open_tenant(slug, day)
    rules = loyalty_rules(day)  # an organiser that runs no installer programme is told so
    try:
        data = statement(_installer(email), as_of=day, rules=rules)
    except DomainError as error:
        fail(error.describe())
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"balance {data['balance']}, expiring within 30 days {data['expiring_30_days']}, "
               f"status {data['status']}, rewards this year {data['reward_value_this_year']} PLN")
    for lot in data["lots"]:
        click.echo(f"  {lot['earned_on']} → {lot['expires_on']}: {lot['remaining']} of {lot['points']}")


@points_group.command("revoke", help="P-09: take back points credited by mistake or earned in breach of the rules.")
@click.argument("slug")
@click.argument("email")
@click.option("--points", type=int, help="this many points from the balance, soonest-expiring first")
@click.option("--device", "serial", help="what is left of the points one device earned (its serial number)")
@click.option("--reason", default="", help="why (kept on the ledger)")
@click.option("--as-of", "day", callback=parse_day, required=True)
def revoke_points(slug: str, email: str, points: int | None, serial: str | None, reason: str, day: date) -> None:
    open_tenant(slug, day, write=True)
    if (points is None) == (serial is None):
        raise click.UsageError("Give either --points or --device.")
    rules = loyalty_rules(day)
    try:
        installer = _installer(email)
        if serial is not None:
            device = devices.by_serial(installer.id, serial)
            if device is None:
                fail(f"{email} has no device with serial number {serial}.")
            taken = devices.revoke_points(device, on=day, reason=reason, rules=rules)
        else:
            taken = members.revoke_points(installer, points, reason=reason, on=day, rules=rules)
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    click.echo(f"revoked {taken} points")


@points_group.command("import-opening", help="Opening balances from another system, with their accrual dates.")
@click.argument("slug")
@FILE
@COMMIT_VALID
@AS_OF
def import_opening(slug: str, file: Path, commit_valid: bool, day: date | None) -> None:
    tenant = open_tenant(slug, day, write=True)
    rules = loyalty_rules()
    # P-07: a participant's balance from the other system is taken over once — a file loaded again (or a second
    # file) would credit it twice; one file may give a participant several lots
    opened_before = set(db.session.scalars(select(PointsEntry.installer_id).where(PointsEntry.kind == "opening")))

    def handle(row: dict) -> None:
        _no_nul(row)
        installer = _installer(row["email"])
        if installer.id in opened_before:
            raise DomainError(_("%(email)s already has an opening balance from an earlier import; it is taken over "
                                "once.", email=row["email"].strip()), field="email", rule="P-07")
        earned_on = _date(row["earned_on"], "earned_on")
        today = devices.today_of(installer)
        if earned_on > today:  # a lot from another system has been accrued already; a later one would sit unseen
            raise DomainError(_("earned_on cannot be later than today (%(day)s).", day=today), field="earned_on",
                              rule="P-07")
        written = (row["points"] or "").strip()
        if not (written.isascii() and written.isdigit()):  # not "1_000", "١٢٣" nor "-5", which int() would take
            raise DomainError(_("points must be a whole number."), field="points", rule="P-07")
        points = int(written)
        ledger.open_lot(installer.id, points, kind="opening", on=earned_on,
                        expires_on=ledger.expiry_of(earned_on, rules), tenant_id=tenant.id, source="opening")

    report(run_import(file, OPENING_COLUMNS, handle, commit_valid=commit_valid),
           "opening balances")


@click.command("announce-end", help="Announce the end of an installer programme (P-40).")
@click.argument("slug")
@click.option("--on", "announced_on", callback=parse_day, required=True, help="announcement day")
@click.option("--ends-on", callback=parse_day, required=True)
def announce(slug: str, announced_on: date, ends_on: date) -> None:
    tenant = open_tenant(slug, announced_on, write=True)
    try:
        announce_end(announced_on, ends_on, tenant_id=tenant.id, rules=loyalty_rules(announced_on))
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    click.echo(f"{slug}: the programme ends on {ends_on}")


COMMANDS = (devices_group, rewards_group, points_group)
