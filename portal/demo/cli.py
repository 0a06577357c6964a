from __future__ import annotations

import click

from portal.cli import fail, tenants_dir
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.programmes.definition import DefinitionErrors


@click.group(help="The demo organisers.")
def demo() -> None:
    pass


@demo.command("seed", help="Create the demo organisers from tenants/ with an account per role (idempotent).")
@click.option("--if-empty", is_flag=True, help="only when the database has no tenant yet")
def seed(if_empty: bool) -> None:
    from portal.demo import service
    from portal.tenancy import service as tenants

    if if_empty and tenants.listed():
        click.echo("demo: database already has tenants, nothing seeded")
        return
    try:
        slugs = service.seed(tenants_dir(), clock=get_clock())
    except DefinitionErrors as exc:
        raise click.ClickException(str(exc)) from exc
    except DomainError as error:  # a preset changed inside its notice period (E-02): nothing seeded
        db.session.rollback()
        fail(error.describe())
    click.echo(f"demo: seeded {', '.join(slugs)}; every demo password is {service.DEMO_PASSWORD}")
