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


def test_C04_after_the_export_window_the_banner_no_longer_offers_the_export(app, client, tenant_a, clock):
    """Ended on day 0, the export window closes on day 7 (its last day); on day 9 the export answers 410, so the
    banner names the day the window closed and the deletion date instead of offering a dead link."""
    from portal.accounts.models import DPO

    today = ended_contract(app, tenant_a, clock)
    export_until, delete_by = today + timedelta(days=7), today + timedelta(days=14)
    admin = factories.user(tenant_a, ADMIN, email="adm@alpha.example", locale="en")
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    clock.at = clock.at + timedelta(days=9)
    for who, page in ((admin, "/t/alpha/admin"), (dpo, "/t/alpha/dpo")):
        factories.login(client, tenant_a, who.email)
        assert client.get("/t/alpha/export").status_code == 410
        html = client.get(page).get_data(as_text=True)
        assert 'href="/t/alpha/export"' not in html and "Download the full export" not in html
        assert f"The export window closed on {export_until.isoformat()}" in html
        assert delete_by.isoformat() in html
        client.post("/t/alpha/logout")


def test_C04_the_export_is_offered_through_the_last_local_day_of_the_window(app, client, tenant_a, clock):
    """The window is judged by the organiser's own day: on its last day the link is there and works; from the
    first minute of the next local day (still the last day in UTC) it is gone, as the export answers 410."""
    today = ended_contract(app, tenant_a, clock)
    export_until = today + timedelta(days=7)
    admin = factories.user(tenant_a, ADMIN, email="adm@alpha.example", locale="en")
    factories.login(client, tenant_a, admin.email)
    clock.at = clock.at + timedelta(days=7)
    assert clock.today(tenant_a.timezone) == export_until
    html = client.get("/t/alpha/admin").get_data(as_text=True)
    assert 'href="/t/alpha/export"' in html and export_until.isoformat() in html
    assert client.get("/t/alpha/export").status_code == 200
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    clock.at = datetime.combine(export_until + timedelta(days=1), time(0, 30), ZoneInfo(tenant_a.timezone))
    assert clock.at.astimezone(ZoneInfo("UTC")).date() == export_until
    html = client.get("/t/alpha/admin").get_data(as_text=True)
    assert 'href="/t/alpha/export"' not in html and "The export window closed on" in html
    assert client.get("/t/alpha/export").status_code == 410
