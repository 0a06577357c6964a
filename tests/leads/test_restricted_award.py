"""G-07 with L-16: a partner whose contact restricted the processing of their data is left out of the settlement
runs — the top-partner award too — and out of the standings, until the restriction is lifted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT
from portal.extensions import db
from portal.leads.models import Partner
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.leads.conftest import lead_row, nip, partner_row
from tests.leads.test_audit_fixes import _standings


def _restrict(partner_nip: str) -> None:
    tenant = tenants.by_slug("distributor")
    user = factories.user(tenant, PARTICIPANT, email="restricted@partner.example.com")
    with use_tenant(tenant.id):
        partner = db.session.scalars(select(Partner).where(Partner.nip == partner_nip)).one()
        partner.user_id = user.id
        db.session.merge(user).restricted_at = datetime(2018, 9, 1, tzinfo=UTC)
        db.session.commit()


def test_G07_L16_a_restricted_partner_wins_no_award_and_is_not_in_the_standings(campaign, app):
    campaign.partners(partner_row(1), partner_row(3))
    campaign.leads(lead_row("P1", 1, 1), lead_row("P2", 1, 2), lead_row("P3", 1, 3), lead_row("Q1", 3, 4))
    campaign.decide(*(f"{r},qualified,2018-08-13," for r in ("P1", "P2", "P3", "Q1")))
    campaign.sales(*(f"{r},2018-08-2{i},O365,annual,20,1000.00,0,yes" for i, r in enumerate(("P1", "P2", "P3", "Q1"))))
    _restrict(nip(1))
    _, rows = campaign.settle(1, "2018-10-05")
    assert all(r["partner_nip"] != nip(1) for r in rows)
    award = [(r["partner_nip"], r["reason"]) for r in rows if r["line"] == "top_partner_award"]
    assert award in ([], [(nip(3), "most realised leads in the campaign: 1")])
    assert nip(1) not in dict(_standings(app))
