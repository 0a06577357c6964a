"""G-05 with L-04 and L-19: a partner who erased their account leaves behind what is not theirs — the customer they
registered, which still may not be registered by another partner — and what the law keeps: the NIP on the period's
settlement lines, which a re-run of the draft carries over instead of writing the masked value."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.clock import get_clock
from portal.extensions import db
from portal.leads.models import Lead, Partner
from portal.privacy import erasure
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.leads.conftest import lead_row, nip, partner_row


def _erase_partner(n: int) -> None:
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    with use_tenant(tenant.id):
        partner = db.session.scalars(select(Partner).where(Partner.nip == nip(n))).one()
        user = factories.user(tenant, email=f"owner{n}@partner{n}.example.com")
        partner.user_id = user.id
        db.session.commit()
        erasure.erase(user.id, clock=get_clock())
        db.session.commit()


def test_G05_L04_an_erased_partners_customer_is_still_registered(campaign):
    campaign.partners(partner_row(1), partner_row(2))
    assert campaign.leads(lead_row("E1", 1, 1)).exit_code == 0
    _erase_partner(1)
    with use_tenant(db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one().id):
        lead = db.session.scalars(select(Lead).where(Lead.ref == "E1")).one()
        assert (lead.customer_nip, lead.customer_name) == (nip(101), "Klient 1")  # the customer's, not the partner's
    refused = campaign.leads(lead_row("E2", 2, 1, submitted="2018-08-20"))
    assert refused.exit_code == 1 and "L-04" in refused.output


def test_G05_L19_a_redrawn_draft_keeps_the_erased_partners_nip_the_law_keeps(campaign):
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(lead_row("E1", 1, 1), lead_row("E2", 2, 2))
    campaign.decide("E1,qualified,2018-08-13,", "E2,qualified,2018-08-13,")
    campaign.sales("E1,2018-08-20,O365,annual,20,1000.00,0,yes", "E2,2018-08-20,O365,annual,20,1000.00,0,yes")
    _, before = campaign.settle(1, "2018-10-05")
    assert {row["partner_nip"] for row in before} == {nip(1), nip(2)}
    _erase_partner(1)
    result, after = campaign.settle(1, "2018-10-06")
    assert result.exit_code == 0, result.output
    assert {row["partner_nip"] for row in after} == {nip(1), nip(2)}
    assert [row["amount"] for row in after] == [row["amount"] for row in before]
