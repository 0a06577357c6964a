"""C-07, DPA §6: no transfer outside the EEA unless the platform is configured for it. The "outside the EEA" box is
not the only word on it: a sub-processor whose location names a country outside the EEA (in English or Polish, or
by its ISO code) is a transfer outside the EEA whether or not the box was ticked — refused on a platform not
configured for transfers, recorded and announced as a transfer on one that is."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import DPO
from portal.core.errors import DomainError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.operator import register
from portal.operator.models import SubProcessor
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.operator.test_contract_end_page import _operator

OUTSIDE = ("Virginia, USA", "US", "Stany Zjednoczone", "London, United Kingdom", "Mumbai (India)",
           "Zurich, Switzerland", "Frankfurt, Germany / Ashburn, USA", "Niemcy, USA", "Istanbul, Turkey",
           "Hong Kong", "Germany and USA", "Niemcy i USA", "Germany + United States", "Ashburn, USA.", "Hongkong",
           "Zjednoczone Królestwo", "Dublin, Ireland & London, UK")
INSIDE = ("Frankfurt, Germany", "Ireland", "PL", "Warszawa, Polska", "Oslo, Norway", "Reykjavík, Iceland",
          "eu-central-1", "Prague, Czech Republic", "Amsterdam, The Netherlands", "Nürnberg, BY, Germany",
          "Arezzo (AR), Italy", "Torino (TO), Italy", "Dublin, Ireland", "Irlandia", "Czechy")


@pytest.mark.parametrize("location", OUTSIDE)
def test_C07_a_location_outside_the_eea_is_refused_unticked_when_transfers_are_not_configured(app, location, clock):
    with pytest.raises(DomainError, match="outside the EEA") as refused:
        register.add_subprocessor({"name": "Far", "purpose": "hosting", "location": location}, clock=clock)
    assert refused.value.field == "location"
    db.session.rollback()
    assert db.session.scalars(select(SubProcessor)).all() == []


@pytest.mark.parametrize("location", INSIDE)
def test_C07_a_location_in_the_eea_needs_no_configuration(app, location, clock):
    row = register.add_subprocessor({"name": "Near", "purpose": "hosting", "location": location}, clock=clock)
    assert row.outside_eea is False


def test_C07_on_a_configured_platform_the_location_makes_it_a_transfer_the_dpos_are_told_of(app, tenant_a, clock,
                                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_TRANSFERS_OUTSIDE_EEA", True)
    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    row = register.add_subprocessor({"name": "Far", "purpose": "hosting", "location": "Virginia, USA"}, clock=clock)
    db.session.commit()
    assert row.outside_eea is True
    with use_tenant(tenant_a.id):
        notice = db.session.scalars(select(Notification).where(Notification.kind == "subprocessor_notice")).one()
    assert notice.params["outside_eea"] is True


def test_C07_the_page_says_it_next_to_the_location(app, client):
    _operator(client)
    response = client.post("/operator/subprocessors", data={"name": "Far", "purpose": "hosting",
                                                            "location": "Virginia, USA"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="location-error"' in html and "United States is outside the EEA" in html
