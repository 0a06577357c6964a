"""P-32: someone excluded because the account was not activated, or earned no points, within 3 months may join the
programme again — as a new start (old points are not restored); after an exclusion for false data or a breach of
the rules they may not. Re-joining goes through the same doors as joining: the import and the join page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts import service as accounts
from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import Installer
from portal.loyalty.service import members
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.factories import BUSINESS
from tests.loyalty.test_pages import _installer

IDLE = "idle@example.com,A,B,5252248481,yes,installer,2024-01-10,"


def test_P32_excluded_for_not_activating_joins_again_through_the_import(programme):
    assert programme.participants(IDLE).exit_code == 0
    programme.jobs("2024-04-11")
    assert programme.statement("idle@example.com", "2024-04-11")["status"] == "excluded"
    again = programme.participants("idle@example.com,A,B,5252248481,yes,installer,2024-05-02,2024-05-02")
    assert again.exit_code == 0, again.output
    assert programme.statement("idle@example.com", "2024-05-02")["status"] == "installer"
    programme.device("idle@example.com", "SN-BACK", "2024-05-03")
    assert programme.statement("idle@example.com", "2024-05-03")["balance"] == 120
    programme.jobs("2024-05-04")  # a new start: the 3 months count from re-joining
    assert programme.statement("idle@example.com", "2024-05-04")["status"] == "installer"


def test_P32_a_past_days_statement_inside_an_earlier_exclusion_says_excluded(programme):
    assert programme.participants(IDLE.replace(",installer,", ",authorised,")).exit_code == 0
    programme.jobs("2024-04-11")  # not activated within 3 months
    assert programme.participants("idle@example.com,A,B,5252248481,yes,installer,2024-05-02,2024-05-02").exit_code == 0
    days = ("2024-04-10", "2024-04-11", "2024-05-01", "2024-05-02")
    assert [programme.statement("idle@example.com", day)["status"] for day in days] == \
        ["authorised", "excluded", "excluded", "installer"]


def test_P32_excluded_for_a_breach_of_the_rules_cannot_join_again(programme, app):
    programme.join("cheat@example.com")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        members.exclude(members.by_email("cheat@example.com"), "rules_breach", on=date(2024, 2, 1),
                        clock=as_of(date(2024, 2, 1)))
        db.session.commit()
    again = programme.participants("cheat@example.com,A,B,5252248481,yes,installer,2024-03-01,2024-03-01")
    assert again.exit_code == 1 and "P-32" in again.output
    assert programme.statement("cheat@example.com", "2024-03-01")["status"] == "excluded"


def test_P32_an_excluded_installer_joins_again_on_the_join_page(app, client, programme):
    tenant = _installer(app, client, programme, day="2024-01-10")  # joined on the join page
    with use_tenant(tenant.id):
        user = accounts.find_user("ala@installer.example")
        members.exclude(members.for_user(user.id), "no_points", on=date(2024, 4, 11), clock=as_of(date(2024, 4, 11)))
        db.session.commit()
    app.extensions["clock"] = as_of(date(2024, 5, 2))
    points = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "/t/manufacturer/installer/join" in points  # the points page says so and links to the form
    page = client.get("/t/manufacturer/installer/join")
    assert page.status_code == 200  # the form again, not a redirect to a dead account
    again = client.post("/t/manufacturer/installer/join", data={**BUSINESS, "installs_heating": "y",
                                                                "adult": "y"})
    assert again.status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer).where(Installer.user_id == user.id)).one()
        assert installer.excluded_on is None and installer.registered_on == date(2024, 5, 2)
