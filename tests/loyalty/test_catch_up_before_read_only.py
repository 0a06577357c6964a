"""C-04 with P-23: the worker was down over the days before a contract ended. What fell due while the organiser was
still active — a substitute offer lapsing on its 21st day, restoring the points — is done by the next run (or a replay
of the missed days), dated as it fell due; the programme's reminders stay silent on the read-only days."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.loyalty.models import RewardOrder
from portal.loyalty.service import members, orders
from portal.loyalty.service.programme import rules_on
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.loyalty.test_programme_commands import _add_reward


@pytest.mark.parametrize("days", [["2026-03-09", "2026-03-13"], ["2026-03-09", "2026-03-13", "2026-03-10"]])
def test_C04_P23_a_substitute_lapsing_before_the_read_only_day_is_lapsed_by_a_later_run(programme, clock, days):
    programme.join("ala@example.com", registered_on="2026-01-10")
    programme.device("ala@example.com", "SN-1", "2026-01-20")  # 120 points
    _add_reward("R-A", 100, "50.00", kind="tools")
    _add_reward("R-B", 100, "50.00", kind="tools")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        rules = rules_on(date(2026, 2, 1))
        order = orders.place(members.by_email("ala@example.com"), orders.reward_by_code("R-A"), on=date(2026, 2, 1),
                             rules=rules, clock=clock)
        orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2026, 2, 17), rules=rules, clock=clock)
        db.session.commit()  # restore_by 2026-03-10
    ended = programme.run("contracts", "end", "manufacturer", "--on", "2026-03-12", "--ground", "mutual")
    assert ended.exit_code == 0, ended.output  # read-only from 2026-03-12
    for day in days:  # the worker was down 10–12 March
        assert programme.run("jobs", "run", "manufacturer", "--as-of", day).exit_code == 0
    with use_tenant(tenant.id):
        db.session.expire_all()
        order = db.session.scalars(select(RewardOrder)).one()
        assert (order.state, str(order.closed_on)) == ("cancelled", "2026-03-10")
    assert programme.statement("ala@example.com", "2026-03-13")["balance"] == 120
