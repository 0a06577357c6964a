"""C-01: the operator records a tenant's contract terms (start, fixed term) and the organiser's written notice of
non-renewal on a page, with each refusal next to its field; the notice tells the organiser at once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.accounts.models import ADMIN
from portal.extensions import db
from portal.notifications.models import Notification
from portal.operator import contracts
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.operator.test_contract_end_page import _operator


def _contract(tenant_id: int):
    db.session.expire_all()
    return contracts.of_tenant(tenant_id)


def test_C01_contract_page_records_the_terms_then_a_timely_notice(app, client, tenant_a, clock):
    factories.user(tenant_a, ADMIN, email="boss@alpha.example")
    _operator(client)
    assert "Terms and notice" in client.get("/operator/").get_data(as_text=True)
    url = f"/operator/tenants/{tenant_a.id}/contract"
    bad = client.post(url, data={"action": "terms", "terms-starts_on": "first of Jan", "terms-term_months": "0"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="terms-starts_on-error"' in text and 'id="terms-term_months-error"' in text
    assert _contract(tenant_a.id) is None  # nothing stored
    ok = client.post(url, data={"action": "terms", "terms-starts_on": "2026-01-01", "terms-term_months": "12"})
    assert ok.status_code == 302
    assert _contract(tenant_a.id).current_end == date(2026, 12, 31)
    page = client.get(url).get_data(as_text=True)
    assert "2026-12-01" in page  # the last day for the notice
    future = client.post(url, data={"action": "notice", "notice-received_on": "2026-03-03"})  # today is 2 March
    assert future.status_code == 422 and 'id="notice-received_on-error"' in future.get_data(as_text=True)
    assert client.post(url, data={"action": "notice", "notice-received_on": "2026-03-01"}).status_code == 302
    contract = _contract(tenant_a.id)
    assert contract.notice_given_on == date(2026, 3, 1) and not contract.auto_renew
    with use_tenant(tenant_a.id):
        told = db.session.scalars(select(Notification).where(Notification.kind == "contract_ended")).all()
    assert {n.params["ended_on"] for n in told} == {"2026-12-31"}
    assert "not renewed" in client.get(url).get_data(as_text=True)


def test_C01_a_late_notice_is_refused_next_to_its_field_with_the_last_day(app, client, tenant_a, clock):
    contracts.create(tenant_a.id, starts_on=date(2025, 4, 1), term_months=12)
    db.session.commit()
    _operator(client)
    late = client.post(f"/operator/tenants/{tenant_a.id}/contract",
                       data={"action": "notice", "notice-received_on": "2026-03-02"})  # the term ends 31 March
    text = late.get_data(as_text=True)
    assert late.status_code == 422 and 'id="notice-received_on-error"' in text and "2026-03-01" in text
    assert _contract(tenant_a.id).auto_renew
