"""C-04: once the organiser's contract has ended, every page says the programme is read-only until its data is
deleted, and offers the export to the admin and the DPO while it lasts."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts.models import ADMIN, PARTICIPANT
from tests import factories
from tests.tenancy.test_read_only_by_date import ended_contract


def test_C04_every_page_of_a_read_only_organiser_says_so_and_offers_the_export_to_the_admin(app, client, tenant_a,
                                                                                             clock):
    today = ended_contract(app, tenant_a, clock)
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
