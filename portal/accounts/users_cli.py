"""`flask users add`: the operator gives a tenant its first admin (or any admin, staff or DPO account), SPEC §2."""

from __future__ import annotations

import click
from flask import current_app

from portal.cli import fail
from portal.core.clock import get_clock
from portal.core.errors import DomainError
from portal.extensions import db


@click.group("users", help="The organiser's own accounts: admin, staff, DPO.")
def users() -> None:
    pass


@users.command("add", help="Add an admin, staff or DPO account to a tenant; prints the one-time link to set its "
                           "password (or, with --mail, mails it to the person).")
@click.argument("slug")
@click.option("--email", required=True)
@click.option("--role", required=True, help="admin, staff or dpo")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--locale", help="pl or en: the language of the account (default: the organiser's)")
@click.option("--mail", is_flag=True, help="mail the link to the person instead of printing it")
def add(slug: str, email: str, role: str, first_name: str, last_name: str, locale: str | None, mail: bool) -> None:
    from portal.accounts import service
    from portal.leads.cli import open_tenant

    tenant = open_tenant(slug, None, write=True)  # C-04: a read-only tenant gets no new account
    data = {"email": email, "role": role, "first_name": first_name, "last_name": last_name,
            "locale": locale or tenant.locale}
    try:
        user, token = service.add_organiser_account(tenant.id, data, actor=None, clock=get_clock(), mail=mail)
    except DomainError as error:
        db.session.rollback()
        fail(error.describe())
    db.session.commit()
    hours = service.INVITATION_HOURS
    if mail:
        click.echo(f"{user.email}: {user.role} account created; the link to set a password (valid {hours} h) "
                   "is mailed")
        return
    click.echo(f"{user.email}: {user.role} account created; the link to set a password works once, for {hours} h:")
    click.echo(f"{current_app.config['BASE_URL']}/t/{tenant.slug}/password/reset/{token}")
