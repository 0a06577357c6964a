"""P-20: the organiser edits the reward catalogue at any time — name, description, points price, gross value,
delivery time, stock — and adds rewards; bad values get their message next to the field and change nothing.
Orders already placed keep the price and value they were placed at."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import Reward
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories

FIELDS = {"kind": "tools", "name_pl": "Wkrętarka 18 V", "name_en": "18 V drill", "description": "Z dwiema bateriami.",
          "points": "900", "gross_value": "450.00", "delivery_days": "14", "stock": "5", "active": "y"}


def _staff(app, client):
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    factories.login(client, tenant, factories.user(tenant, STAFF, email="staff@manufacturer.example").email)
    return tenant


def _reward(tenant, code: str) -> Reward | None:
    db.session.rollback()
    with use_tenant(tenant.id):
        return db.session.scalars(select(Reward).where(Reward.code == code)).first()


def test_P20_the_organiser_adds_a_reward(app, client, programme):
    tenant = _staff(app, client)
    response = client.post("/t/manufacturer/catalogue/new", data={"code": "R-NEW", **FIELDS})
    assert response.status_code == 302, response.get_data(as_text=True)
    reward = _reward(tenant, "R-NEW")
    assert (reward.name_en, reward.points, reward.gross_value, reward.delivery_days, reward.stock) == (
        "18 V drill", 900, Decimal("450.00"), 14, 5)
    assert "R-NEW" in client.get("/t/manufacturer/catalogue").get_data(as_text=True)


def test_P20_the_organiser_changes_every_field_of_a_reward(app, client, programme):
    tenant = _staff(app, client)
    with use_tenant(tenant.id):
        existing = db.session.scalars(select(Reward).order_by(Reward.id)).first()
    page = client.get(f"/t/manufacturer/catalogue/{existing.id}/edit")
    assert page.status_code == 200 and existing.name_pl in page.get_data(as_text=True)
    response = client.post(f"/t/manufacturer/catalogue/{existing.id}/edit", data=FIELDS)
    assert response.status_code == 302, response.get_data(as_text=True)
    reward = _reward(tenant, existing.code)
    assert (reward.name_pl, reward.description, reward.gross_value, reward.delivery_days) == (
        "Wkrętarka 18 V", "Z dwiema bateriami.", Decimal("450.00"), 14)


def test_P20_bad_values_are_refused_next_to_their_fields_and_nothing_changes(app, client, programme):
    tenant = _staff(app, client)
    with use_tenant(tenant.id):
        existing = db.session.scalars(select(Reward).order_by(Reward.id)).first()
    before = (existing.points, existing.gross_value, existing.delivery_days)
    response = client.post(f"/t/manufacturer/catalogue/{existing.id}/edit",
                           data={**FIELDS, "points": "0", "gross_value": "-1", "delivery_days": "abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert all(f'id="{name}-error"' in html for name in ("points", "gross_value", "delivery_days"))
    reward = _reward(tenant, existing.code)
    assert (reward.points, reward.gross_value, reward.delivery_days) == before


def test_P20_a_code_already_in_the_catalogue_is_refused(app, client, programme):
    tenant = _staff(app, client)
    with use_tenant(tenant.id):
        taken = db.session.scalars(select(Reward).order_by(Reward.id)).first().code
    response = client.post("/t/manufacturer/catalogue/new", data={"code": taken, **FIELDS})
    assert response.status_code == 422 and 'id="code-error"' in response.get_data(as_text=True)


def test_P20_out_of_range_numbers_are_refused_at_their_field_not_a_500(app, client, programme):
    """Any integer the organiser types — a 20-digit points price, a 400-digit stock — gets a message next to its
    field on both catalogue forms; nothing is stored."""
    tenant = _staff(app, client)
    existing = _reward(tenant, "R-KURTKA")
    huge = "9" * 400
    for field in ("points", "stock", "delivery_days"):
        for value in ("99999999999999999999", huge):
            response = client.post(f"/t/manufacturer/catalogue/{existing.id}/edit", data={**FIELDS, field: value})
            assert response.status_code == 422, (field, value[:5], response.status_code)
            assert 'class="error"' in response.get_data(as_text=True)
            created = client.post("/t/manufacturer/catalogue/new", data={"code": "R-BIG", **FIELDS, field: value})
            assert created.status_code == 422
    for field in ("points", "stock"):
        row = client.post(f"/t/manufacturer/catalogue/{existing.id}", data={"points": "900", "stock": "5",
                                                                           field: huge}, headers={"HX-Request": "1"})
        assert row.status_code == 422
    assert _reward(tenant, "R-BIG") is None
    assert _reward(tenant, "R-KURTKA").points == existing.points
