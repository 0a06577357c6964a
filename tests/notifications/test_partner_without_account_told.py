"""L-07, §9: a partner loaded from the organiser's file (no account) hears of each submission at its contact
person's address, as it hears of the decision that follows — not a rejection of a lead it was never told was
received."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from tests.leads.conftest import nip
from tests.notifications.test_every_event import LEAD, leads_world  # noqa: F401 - the fixture


def test_L07_S9_a_partner_without_an_account_is_told_its_lead_was_received(app, leads_world):  # noqa: F811
    from portal.leads.service import partners, review, submission

    w = leads_world
    with use_tenant(w.tenant.id):
        partner = partners.join({"nip": nip(2), "name": "Partner 2", "address": "ul. Krótka 1, Kraków",
                                 "contact_first_name": "Jan", "contact_last_name": "Nowy",
                                 "contact_phone": "+48 600 100 300", "contact_email": "jan@nowy.example"},
                                w.rules, tenant_id=w.tenant.id, user_id=None)
        lead = submission.submit(partner, dict(LEAD), w.rules, submitted_on=date(2018, 8, 10),
                                 clock=app.extensions["clock"], vendor_consent=True, channel="import")
        review.decide(lead, "rejected", decided_on=date(2018, 8, 10), reason="Klient już zgłoszony",
                      clock=app.extensions["clock"])
        db.session.commit()
        told = list(db.session.scalars(select(Notification).where(Notification.to_email == "jan@nowy.example")
                                       .order_by(Notification.id)))
    assert [(n.kind, n.params["ref"]) for n in told] == [("lead_received", lead.ref), ("lead_rejected", lead.ref)]
    assert told[0].params["due_on"] == lead.due_on.isoformat()
