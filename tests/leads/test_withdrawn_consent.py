"""G-08 / L-21: a withdrawn consent stays withdrawn — the organiser's lead file, which has no consent column, cannot
give it again in the partner's name; the partner gives it anew on the lead form or through the API call that says so."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.clock import get_clock
from portal.extensions import db
from portal.leads.models import Lead, Partner
from portal.privacy import consents
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.leads.conftest import lead_row, nip, partner_row


def test_G08_L21_an_import_does_not_consent_for_a_partner_who_withdrew(campaign):
    campaign.partners(partner_row(1))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    with use_tenant(tenant.id):
        partner = db.session.scalars(select(Partner).where(Partner.nip == nip(1))).one()
        user = factories.user(tenant, email="owner1@partner1.example.com")
        partner.user_id = user.id
        consents.give(user, "vendor_transfer", version=None, text_sha256="0" * 64, channel="web", clock=get_clock())
        consents.withdraw(user, "vendor_transfer", clock=get_clock())
        db.session.commit()
    refused = campaign.leads(lead_row("W1", 1, 1))
    assert refused.exit_code == 1 and "L-21" in refused.output and "withdrew" in refused.output
    with use_tenant(tenant.id):
        assert consents.active(user.id, "vendor_transfer") is None
        assert db.session.scalars(select(Lead)).all() == []
