"""G-03: a request is answered within one month of receipt; the DPO may extend that by up to two further months,
telling the requester within the first month with the reason. The extended deadline counts from the day the
request was received, so a month end stays a month end."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import DPO
from portal.core.clock import as_of, set_clock
from portal.core.errors import DomainError
from portal.extensions import db
from portal.notifications.models import Notification
from portal.privacy import requests
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from tests import factories

EMAIL = "ala@example.com"


def _filed(tenant, received: date) -> DataSubjectRequest:
    factories.user(tenant, email=EMAIL)
    with use_tenant(tenant.id):
        row, _token = requests.file("access", channel="dpo", clock=as_of(received), email=EMAIL, verified=True,
                                    note="letter checked")
        db.session.commit()
        return row


def _extension_notices(tenant) -> list[Notification]:
    with use_tenant(tenant.id):
        return list(db.session.scalars(select(Notification).where(Notification.kind == "request_extended")))


@pytest.mark.parametrize(("months", "expected"), [(1, date(2026, 3, 31)), (2, date(2026, 4, 30))])
def test_G03_extension_from_31_january_counts_from_receipt_and_keeps_the_month_end(app, tenant_a, months,
                                                                                    expected):
    row = _filed(tenant_a, date(2026, 1, 31))
    assert row.due_on == date(2026, 2, 28)
    with use_tenant(tenant_a.id):
        requests.extend(row, months, "many records", actor=None, clock=as_of(date(2026, 2, 10)))
        assert row.extended_to == expected
        assert requests.deadline(row) == expected
    assert [n.params["due"] for n in _extension_notices(tenant_a)] == [expected.isoformat()]


def test_G03_extension_on_the_last_day_of_the_first_month_is_accepted(app, tenant_a):
    row = _filed(tenant_a, date(2026, 1, 31))
    with use_tenant(tenant_a.id):
        requests.extend(row, 2, "many records", actor=None, clock=as_of(date(2026, 2, 28)))
        assert row.extended_to == date(2026, 4, 30)


def test_G03_extension_after_the_deadline_is_refused_and_the_requester_is_not_told(app, tenant_a):
    row = _filed(tenant_a, date(2026, 1, 31))
    with use_tenant(tenant_a.id):
        with pytest.raises(DomainError) as refused:
            requests.extend(row, 2, "busy", actor=None, clock=as_of(date(2026, 3, 1)))
        assert refused.value.rule == "G-03" and "2026-02-28" in refused.value.message
        assert row.extended_to is None and row.extension_reason is None
    assert _extension_notices(tenant_a) == []


def test_G03_extension_of_a_closed_request_is_refused_and_the_requester_is_not_told(app, tenant_a):
    row = _filed(tenant_a, date(2026, 1, 31))
    with use_tenant(tenant_a.id):
        requests.close(row, "answered: no data is held", clock=as_of(date(2026, 2, 5)), rejected=True)
        with pytest.raises(DomainError) as refused:
            requests.extend(row, 1, "again", actor=None, clock=as_of(date(2026, 2, 6)))
        assert refused.value.rule == "G-03" and "closed" in refused.value.message
        assert row.extended_to is None
    assert _extension_notices(tenant_a) == []


def _extend_on_page(client, tenant, row, day: date, *, months: str, reason: str):
    """The DPO, logged in on ``day``, asks on the request's page for an extension."""
    dpo = factories.user(tenant, DPO, email="dpo@alpha.example")
    set_clock(as_of(day))
    factories.login(client, tenant, dpo.email)
    return client.post(f"/t/alpha/dpo/requests/{row.reference}",
                       data={"action": "extend", "extend-months": months, "extend-reason": reason},
                       follow_redirects=True)


def test_G03_late_extension_on_the_page_shows_the_reason_instead_of_saving(app, client, tenant_a):
    row = _filed(tenant_a, date(2026, 1, 31))
    response = _extend_on_page(client, tenant_a, row, date(2026, 3, 2), months="2", reason="busy")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2026-02-28" in html and "Saved." not in html
    with use_tenant(tenant_a.id):
        assert db.session.scalars(select(DataSubjectRequest)).one().extended_to is None
    assert _extension_notices(tenant_a) == []


def test_G03_extension_of_a_closed_request_on_the_page_shows_the_reason(app, client, tenant_a):
    row = _filed(tenant_a, date(2026, 1, 31))
    with use_tenant(tenant_a.id):
        requests.close(row, "answered: no data is held", clock=as_of(date(2026, 2, 5)), rejected=True)
        db.session.commit()
    response = _extend_on_page(client, tenant_a, row, date(2026, 2, 6), months="1", reason="again")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "closed" in html and "Saved." not in html
    assert _extension_notices(tenant_a) == []


def test_G03_the_page_offers_no_extension_once_the_first_month_is_over(app, client, tenant_a):
    row = _filed(tenant_a, date(2026, 1, 31))
    dpo = factories.user(tenant_a, DPO, email="dpo@alpha.example")
    factories.login(client, tenant_a, dpo.email)
    set_clock(as_of(date(2026, 2, 27)))
    assert 'value="extend"' in client.get(f"/t/alpha/dpo/requests/{row.reference}").get_data(as_text=True)
    set_clock(as_of(date(2026, 3, 2)))
    assert 'value="extend"' not in client.get(f"/t/alpha/dpo/requests/{row.reference}").get_data(as_text=True)
