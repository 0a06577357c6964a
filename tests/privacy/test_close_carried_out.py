"""G-05 / G-04 (GDPR art. 12(3), 15, 17): the DPO cannot answer "done" to an erasure nothing erased, or to an access
request no bundle answered, while the programme holds the person's data — the requester would be told it was done.
Carrying it out, or rejecting it with the reasons (art. 12(4)), stays open; so does "done" where nothing is held."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import DPO, PARTICIPANT, User
from portal.core.errors import DomainError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy import requests
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories


def _filed(tenant, kind: str, clock, *, user=None, email=None) -> DataSubjectRequest:
    with use_tenant(tenant.id):
        row, _token = requests.file(kind, channel="dpo", clock=clock, user=user and db.session.get(User, user.id),
                                    email=email, verified=True, note="letter signed by hand")
        db.session.commit()
        return row


@pytest.mark.parametrize("kind", ["erasure", "access"])
def test_G05_closing_as_done_what_was_not_carried_out_is_refused(app, tenant_a, kind):
    clock = app.extensions["clock"]
    subject = factories.user(tenant_a, PARTICIPANT, email="jan@example.com", first_name="Jan")
    row = _filed(tenant_a, kind, clock, user=subject)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        with pytest.raises(DomainError) as refused:
            requests.close(row, "Your request was carried out.", clock=clock)
        assert "carry it out" in refused.value.message.lower() and "reject" in refused.value.message.lower()
        db.session.rollback()
        row = db.session.get(DataSubjectRequest, row.id)
        assert row.status == "open"
        assert db.session.get(User, subject.id).erased_at is None
        assert not db.session.scalars(select(Notification).where(Notification.kind == "request_completed")).all()
        # rejecting with the reasons is still an answer
        requests.close(row, "Kept: the settlement of 2026 must be kept for tax.", clock=clock, rejected=True)
        assert row.status == "rejected"


def test_G05_an_erasure_carried_out_then_closes_and_nothing_held_closes_as_done(app, tenant_a):
    clock = app.extensions["clock"]
    subject = factories.user(tenant_a, PARTICIPANT, email="ewa@example.com")
    row = _filed(tenant_a, "erasure", clock, user=subject)
    with use_tenant(tenant_a.id):
        row = db.session.get(DataSubjectRequest, row.id)
        requests.process(row, clock=clock, tenant_name="Alpha")
        assert row.status == "done"  # carried out: closes by itself
        nobody = _filed(tenant_a, "erasure", clock, email="nobody@example.com")
        nobody = db.session.get(DataSubjectRequest, nobody.id)
        requests.close(nobody, "We hold no data about you.", clock=clock)
        assert nobody.status == "done"


def test_G05_the_dpo_page_says_why_closing_is_refused(app, client, tenant_a):
    clock = app.extensions["clock"]
    subject = factories.user(tenant_a, PARTICIPANT, email="ola@example.com")
    row = _filed(tenant_a, "erasure", clock, user=subject)
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    factories.login(client, tenant_a, dpo.email)
    page = client.post(f"/t/alpha/dpo/requests/{row.reference}",
                       data={"action": "close", "close-outcome": "Your data has been erased."},
                       follow_redirects=True).get_data(as_text=True)
    assert "has not been carried out" in page
    with use_tenant(tenant_a.id):
        assert db.session.get(DataSubjectRequest, row.id).status == "open"
