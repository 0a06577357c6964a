"""The installer programme through the pages, as an installer and as the organiser (SPEC §6)."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import Device, RewardOrder
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.factories import BUSINESS

PDF = b"%PDF-1.4 proof"


def _installer(app, client, programme, day="2024-02-01"):
    app.extensions["clock"] = as_of(date.fromisoformat(day))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    user = factories.user(tenant, PARTICIPANT, email="ala@installer.example")
    factories.login(client, tenant, user.email)
    response = client.post("/t/manufacturer/installer/join", data={**BUSINESS, "installs_heating": "y",
                                                                  "adult": "y",
                                                                  "delivery_address": "ul. Polna 1, 00-950 Warszawa"})
    assert response.status_code == 302
    return tenant


def test_P05_P10_installer_registers_a_device_with_a_proof_and_earns(app, client, programme):
    tenant = _installer(app, client, programme)
    response = client.post("/t/manufacturer/devices/new", data={
        "model_code": "TV-KOND-24C", "serial": "SN-100", "production_code": "FD612", "installed_on": "2024-01-20",
        "proof": (io.BytesIO(PDF), "proof.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "120" in page and "2026-02-01" in page
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Device)).one().proof_files


def test_P10_proof_of_the_wrong_type_is_refused_by_content(app, client, programme):
    _installer(app, client, programme)
    response = client.post("/t/manufacturer/devices/new", data={
        "model_code": "TV-KOND-24C", "serial": "SN-101", "production_code": "FD612", "installed_on": "2024-01-20",
        "proof": (io.BytesIO(b"MZ\x90 not a pdf"), "proof.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Prześlij plik PDF, JPEG lub PNG" in response.get_data(as_text=True)


def test_P05_inline_validation_flags_an_old_production_code(app, client, programme):
    _installer(app, client, programme)
    response = client.post("/t/manufacturer/devices/validate", data={
        "model_code": "TV-KOND-24C", "serial": "SN-1", "production_code": "FD401", "installed_on": "2016-03-01"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "production_code"})
    assert "FD517 lub nowszym" in response.get_data(as_text=True)


def test_P21_order_from_the_catalogue_and_the_organiser_ships_it(app, client, programme):
    from tests.loyalty.test_programme_commands import _add_reward

    tenant = _installer(app, client, programme)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    _add_reward("R-PAGE", 100, "40.00")
    assert client.post("/t/manufacturer/rewards/R-PAGE/order").status_code == 302
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
    client.post("/t/manufacturer/logout")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)
    assert str(order.id) in client.get("/t/manufacturer/fulfilment").get_data(as_text=True)
    assert client.post(f"/t/manufacturer/fulfilment/{order.id}/ship").status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        assert db.session.get(RewardOrder, order.id).state == "shipped"


def test_P29_pit8c_list_for_the_year(app, client, programme):
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)
    response = client.get("/t/manufacturer/pit8c.csv?year=2024")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).splitlines()[0].startswith("year,first_name,last_name,tax_id")


def test_loyalty_pages_are_not_for_other_roles(app, client, programme):
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    user = factories.user(tenant, PARTICIPANT, email="p@installer.example")
    factories.login(client, tenant, user.email)
    assert client.get("/t/manufacturer/fulfilment").status_code == 403
    assert client.post("/t/manufacturer/rewards/R-KURTKA/order").status_code == 404  # not joined: no action


def test_P01_a_participant_who_has_not_joined_is_sent_to_join_from_every_programme_page(app, client, programme):
    """The dashboard offers the catalogue and device registration to every participant; one who has not joined yet is
    taken to the joining form, as "My points" does, not shown "this page does not exist"."""
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    factories.login(client, tenant, factories.user(tenant, PARTICIPANT, email="nowy@installer.example").email)
    for path in ("/t/manufacturer/points", "/t/manufacturer/rewards", "/t/manufacturer/devices/new",
                 "/t/manufacturer/my-complaints", "/t/manufacturer/tax-data", "/t/manufacturer/delivery-address"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith("/t/manufacturer/installer/join"), path


def test_staff_dashboard_offers_only_pages_staff_may_open(app, client, programme):
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="s@manufacturer.example").email)
    page = client.get("/t/manufacturer/staff")
    hrefs = set(__import__("re").findall(r'href="(/t/manufacturer/[^"#?]+)"', page.get_data(as_text=True)))
    assert hrefs
    for href in hrefs:
        if href.endswith(("/logout", "/export")):
            continue
        assert client.get(href).status_code in (200, 302), href


def test_P04_P06_the_participant_sees_the_points_of_each_model_and_the_bonus_campaigns(app, client, programme):
    """Seed §4.3: the points per device are set out on the platform; P-06: bonus criteria are published there."""
    _installer(app, client, programme, day="2018-09-10")
    page = client.get("/t/manufacturer/devices/new").get_data(as_text=True)
    table = page.split('id="point-table"', 1)[1].split("</table>", 1)[0]
    assert "TV-KOND-24C" in table and "<td>120</td>" in table
    assert "Jesień z pompą ciepła" in page and "2018-11-30" in page and "+100" in page
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    later = client.get("/t/manufacturer/devices/new").get_data(as_text=True)
    assert "Jesień z pompą ciepła" not in later  # an ended campaign is not offered


def test_P04_E02_an_announced_points_change_is_shown_on_the_platform_before_it_takes_effect(app, client, programme):
    """Seed §4.3: a change of the points table is announced through the platform at least 7 days ahead — so the
    device page shows it, with its day, to everyone: also to one who joined after the announcement was mailed."""
    from pathlib import Path

    from portal.programmes import changes, definition
    from portal.programmes.toml_text import dumps

    root = Path(__file__).resolve().parents[2]
    source = dumps(definition.to_json(definition.read(root / "tenants/manufacturer/programme.toml")[0]))
    tenant = _installer(app, client, programme)
    with use_tenant(tenant.id):
        changes.publish(tenant.id, source.replace("points = 120", "points = 60", 1),
                        effective_from=date(2024, 2, 8), clock=as_of(date(2024, 2, 1)))
        db.session.commit()
        changes.publish(tenant.id, source.replace("points = 120", "points = 90", 1),  # corrected the same day
                        effective_from=date(2024, 2, 8), clock=as_of(date(2024, 2, 1)))
        db.session.commit()
    page = client.get("/t/manufacturer/devices/new").get_data(as_text=True)
    assert "2024-02-08" in page and "TV-KOND-24C" in page
    announced = page[page.index('id="announced-points"'):page.index("</section>", page.index('id="announced-points"'))]
    assert announced.count("<tr>") == 2 and "90" in announced and "120" in announced and "60" not in announced
    app.extensions["clock"] = as_of(date(2024, 2, 8))
    page = client.get("/t/manufacturer/devices/new").get_data(as_text=True)
    assert 'id="announced-points"' not in page  # in force now: the table itself says 60
