"""G-03 / E-04: a request's day of receipt, and so its one-month deadline, is the organiser's day — a London tenant's
request sent at 23:30 on 31 January is due on 28 February, not on 1 March as Warsaw's clock would make it; and the
DPO may enter today's local date as the day of receipt wherever the tenant is."""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.core.clock import FixedClock
from portal.extensions import db
from portal.privacy import requests
from portal.tenancy.guard import use_tenant
from tests import factories


def test_G03_E04_the_day_of_receipt_is_the_organisers_day(app, tenant_a):
    tenant_a.timezone = "Europe/London"
    user = factories.user(tenant_a, email="late@alpha.example")
    db.session.commit()
    late_evening = FixedClock(datetime(2026, 1, 31, 23, 30, tzinfo=UTC))  # 23:30 in London, 00:30 in Warsaw
    with use_tenant(tenant_a.id):
        row, _token = requests.file("access", channel="account", user=user, clock=late_evening)
        assert (row.received_on, row.due_on) == (date(2026, 1, 31), date(2026, 2, 28))


def test_G03_E04_the_dpo_enters_todays_local_date_east_of_warsaw(app, tenant_a):
    tenant_a.timezone = "Europe/Helsinki"
    db.session.commit()
    just_after_midnight = FixedClock(datetime(2026, 1, 31, 22, 30, tzinfo=UTC))  # 00:30 on 1 Feb in Helsinki
    with use_tenant(tenant_a.id):
        row, _token = requests.file("access", channel="letter", email="someone@example.com", verified=True,
                                    received_on=date(2026, 2, 1), clock=just_after_midnight)
        assert row.due_on == date(2026, 3, 1)
