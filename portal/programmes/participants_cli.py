"""`flask participants import SLUG FILE`: the columns depend on the organiser's kind of programme (FORMATS.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from portal.core.clock import get_clock
from portal.programmes import service as programmes


@click.group("participants", help="Participants of a programme.")
def participants() -> None:
    pass


@participants.command("import", help="Import participants (partners or installers, by the programme's kind).")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit-valid", is_flag=True, help="commit the good rows even when some are bad")
@click.option("--as-of", "day", help="run as of this day (YYYY-MM-DD)")
def import_participants(slug: str, file: Path, commit_valid: bool, day: str | None) -> None:
    from portal.cli import fail, parse_day
    from portal.leads.cli import import_partners, open_tenant

    tenant = open_tenant(slug, parse_day(None, None, day))
    version = programmes.in_force(get_clock().today(tenant.timezone))
    kind = version.definition.get("programme", {}).get("type") if version else None
    if kind == "lead_reward":
        import_partners(tenant, file, commit_valid)
    elif kind == "loyalty":
        from portal.loyalty.cli import import_installers

        import_installers(tenant, file, commit_valid)
    else:
        fail(f"{slug}: participants import for {kind or 'no'} programmes is not available")


__all__ = ["date", "participants"]
