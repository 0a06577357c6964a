"""C-04: once the organiser's contract has ended, every page says the programme is read-only until its data is
deleted, and offers the export to the admin and the DPO while it lasts."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts.models import ADMIN, PARTICIPANT
from portal.extensions import db
from portal.operator import contracts
from tests import factories


def test_C04_every_page_of_a_read_only_organiser_says_so_and_offers_the_export_to_the_admin(app, client, tenant_a,
                                                                                             clock):
    today = clock.today(tenant_a.timezone)
    contracts.create(tenant_a.id, starts_on=today.replace(day=1), term_months=12,
                     pricing={"tiers": [{"contacts_max": None, "monthly_fee": "1000.00"}], "premium_rate": "0"})
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["contracts", "end", "alpha", "--on", today.isoformat(),
                                              "--ground", "mutual"]).exit_code == 0
    clock.at = clock.at + timedelta(days=1)
    admin = factories.user(tenant_a, ADMIN, email="adm@alpha.example", locale="en")
    person = factories.user(tenant_a, PARTICIPANT, email="p@alpha.example", locale="en")
    factories.login(client, tenant_a, admin.email)
    page = client.get("/t/alpha/admin").get_data(as_text=True)
    export_until = (today + timedelta(days=7)).isoformat()
    assert "read-only" in page and export_until in page and 'href="/t/alpha/export"' in page
    client.post("/t/alpha/logout")
    factories.login(client, tenant_a, person.email)
    mine = client.get("/t/alpha/my-data").get_data(as_text=True)
    assert "read-only" in mine and 'href="/t/alpha/export"' not in mine
