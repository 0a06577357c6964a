"""Operator commands (``flask …``). Exit codes: 0 success, 1 rejected input (reasons on stderr), 2 usage."""

from __future__ import annotations

import importlib
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app

from portal.core.bulk import iso_day
from portal.core.clock import as_of, get_clock, set_clock, utc
from portal.extensions import db

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def parse_day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = iso_day(value)  # FORMATS.md: YYYY-MM-DD, as in the files (not 20181005 or 2018-W40-5)
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD") from exc
    if not FIRST_DAY <= day <= LAST_DAY:  # the rules add years and months to a day: keep them far from year 9999
        raise click.BadParameter(f"use a day from {FIRST_DAY} to {LAST_DAY}")
    return day


def fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    from portal.accounts.users_cli import users
    from portal.demo.cli import demo
    from portal.leads.cli import COMMANDS as LEAD_COMMANDS
    from portal.loyalty.cli import COMMANDS as LOYALTY_COMMANDS
    from portal.operator.cli import contracts_group
    from portal.privacy.cli import privacy
    from portal.programmes.cli import programme
    from portal.programmes.participants_cli import participants
    from portal.tenancy.cli import tenants

    app.cli.add_command(demo)
    app.cli.add_command(programme)
    app.cli.add_command(tenants)
    app.cli.add_command(jobs)
    app.cli.add_command(participants)
    app.cli.add_command(privacy)
    app.cli.add_command(contracts_group)
    app.cli.add_command(users)
    for command in (*LEAD_COMMANDS, *LOYALTY_COMMANDS):
        app.cli.add_command(command)


@click.group(help="Scheduled work.")
def jobs() -> None:
    pass


@jobs.command("run", help="Run every daily job once as of a day, for one tenant or (without SLUG) all.")
@click.argument("slug", required=False)
@click.option("--as-of", "day", callback=parse_day, help="replay this day (YYYY-MM-DD)")
def run_jobs(slug: str | None, day: date | None) -> None:
    from portal.tenancy import service as tenants_service

    schedule = importlib.import_module("worker.schedule")
    tenant = None
    if slug:
        tenant = tenants_service.by_slug(slug)
        if tenant is None:
            fail(f"no tenant {slug!r}")
        if tenant.status == "deleted":  # its last daily job deleted it (C-04): a replay of that day or a later one
            click.echo(_deleted(tenant))  # changes nothing, as FORMATS.md asks of a day run twice
            return
    if day:
        set_clock(as_of(day, tenant.timezone) if tenant else as_of(day))
    report = schedule.run_daily(tenant_ids=[tenant.id] if tenant else None, clock=get_clock())
    for line in report:
        click.echo(line)


def _deleted(tenant) -> str:
    from sqlalchemy import select

    from portal.operator.models import DeletionCertificate

    finished = db.session.scalars(select(DeletionCertificate.finished_at).where(
        DeletionCertificate.tenant_id == tenant.id, DeletionCertificate.finished_at.is_not(None))
        .order_by(DeletionCertificate.id.desc()).limit(1)).first()
    on = f" on {utc(finished).astimezone(ZoneInfo(tenant.timezone)).date().isoformat()}" if finished else ""
    return f"tenant {tenant.slug!r} was deleted{on} when its contract ended (C-04): no daily jobs are left to run"


def tenants_dir() -> Path:
    return Path(current_app.config["TENANTS_DIR"])


__all__ = ["db", "fail", "parse_day", "tenants_dir"]
