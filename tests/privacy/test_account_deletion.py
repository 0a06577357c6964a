"""P-31 / G-03: deleting the account from "my data" asks once more and says what it ends, then files the erasure."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories


def _requests(tenant) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(DataSubjectRequest))


def test_G03_delete_asks_for_confirmation_before_filing_the_erasure(app, client, tenant_a):
    user = factories.user(tenant_a, email="leaving@example.com")
    factories.login(client, tenant_a, user.email)
    asked = client.post("/t/alpha/my-data", data={"action": "delete"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert 'name="confirm" value="yes"' in page and "Yes, delete my account" in page
    assert _requests(tenant_a) == 0  # nothing filed yet
    assert client.post("/t/alpha/my-data", data={"action": "delete", "confirm": "yes"}).status_code == 302
    assert _requests(tenant_a) == 1
