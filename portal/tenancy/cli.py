from __future__ import annotations

from pathlib import Path

import click

from portal.cli import fail
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.programmes.definition import DefinitionErrors


@click.group(help="Tenants (organisers).")
def tenants() -> None:
    pass


@tenants.command("create", help="Create a tenant from a folder holding programme.toml and its texts.")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def create(folder: Path) -> None:
    from portal.demo.service import load_folder

    try:
        tenant = load_folder(folder, clock=get_clock())
    except DefinitionErrors as exc:
        fail(str(exc))
    except DomainError as error:  # a changed definition loaded again, inside its notice period (E-02)
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    click.echo(f"tenant {tenant.slug} ready")
