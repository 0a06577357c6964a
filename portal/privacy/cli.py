"""Privacy commands (FORMATS.md): file a request as the DPO, process it now, replay erasures after a restore."""

from __future__ import annotations

import sys

import click

from portal.cli import fail
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.leads.cli import AS_OF, open_tenant
from portal.privacy import erasure, requests
from portal.privacy.labels import DPO_FILED
from portal.privacy.models import REQUEST_KINDS


@click.group("privacy", help="Data-subject requests.")
def privacy() -> None:
    pass


@privacy.command("request", help="File a request as the DPO would, for a verified requester; prints its reference.")
@click.argument("slug")
@click.option("--kind", type=click.Choice(REQUEST_KINDS), required=True)
@click.option("--email", required=True)
@AS_OF
def file_request(slug: str, kind: str, email: str, day) -> None:
    open_tenant(slug, day)
    try:
        row, _ = requests.file(kind, channel="dpo", clock=get_clock(), email=email, verified=True,
                               note=DPO_FILED)
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    click.echo(row.reference)


@privacy.command("process", help="Carry a request out now (the worker does the same in the background).")
@click.argument("slug")
@click.argument("reference")
@AS_OF
def process_request(slug: str, reference: str, day) -> None:
    tenant = open_tenant(slug, day)
    try:
        row = requests.get(reference)
        outcome = requests.process(row, clock=get_clock(), tenant_name=tenant.name)
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    click.echo(f"{reference}: {outcome}")
    if row.kind == "erasure" and row.status != "done":
        sys.exit(1)


@privacy.command("replay-erasures", help="After restoring a backup: erase again everyone erased since.")
@click.argument("slug", required=False)
@AS_OF
def replay_erasures(slug: str | None, day) -> None:
    from portal.tenancy import service as tenants
    from portal.tenancy.guard import use_tenant

    targets = [open_tenant(slug, day)] if slug else tenants.listed()
    for tenant in targets:
        with use_tenant(tenant.id):
            users = erasure.replay(clock=get_clock())
            db.session.commit()
        click.echo(f"{tenant.slug}: re-erased {len(users)} subject(s)")
