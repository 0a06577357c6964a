from __future__ import annotations

from pathlib import Path

import click

from portal.cli import fail, parse_day
from portal.core.clock import get_clock
from portal.extensions import db
from portal.programmes import definition, documents
from portal.programmes import service as programmes
from portal.tenancy.guard import use_tenant


@click.group(help="Programme definitions.")
def programme() -> None:
    pass


@programme.command("load", help="Load a definition file as a new version of the tenant's programme.")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective-from", "effective", callback=parse_day, help="YYYY-MM-DD (default: today)")
@click.option("--as-of", "day", callback=parse_day, help="load as of this day (YYYY-MM-DD): notice periods count "
              "from it (E-02)")
def load(slug: str, file: Path, effective, day) -> None:
    from portal.leads.cli import open_tenant

    tenant = open_tenant(slug, day, write=True)  # C-04: no new version once the contract has ended
    try:
        data, text = definition.read(file)
    except definition.DefinitionErrors as exc:
        fail(str(exc))
    if data["tenant"]["slug"] != slug:
        fail(f"{file}: tenant.slug is {data['tenant']['slug']!r}, not {slug!r}")
    try:
        texts = programmes.document_texts(data, file.parent)
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: {exc}")
    with use_tenant(tenant.id):
        from portal.core.errors import DomainError
        from portal.programmes import changes

        try:
            version = changes.publish(tenant.id, text, effective_from=effective or get_clock().today(tenant.timezone),
                                      clock=get_clock())
        except DomainError as error:
            db.session.rollback()
            fail(error.describe())
        # E-03: changed terms or information clause beside the definition become a new version to accept
        before = {kind: documents.current_version(kind) for kind in texts}
        published = {kind: documents.publish(tenant.id, kind, by_locale, clock=get_clock())
                     for kind, by_locale in texts.items()}
    db.session.commit()
    click.echo(f"{slug}: programme {version.code} version {version.version} from {version.effective_from}")
    for kind, number in published.items():
        if number != before[kind]:
            click.echo(f"{slug}: {kind} version {number}, to be accepted at the participants' next login")
    for name in programmes.missing_documents(data, file.parent):
        click.echo(f"{slug}: {name} is not beside {file.name}: that text is not published", err=True)


def _register_loyalty_end() -> None:
    from portal.loyalty.cli import announce

    programme.add_command(announce)


_register_loyalty_end()
