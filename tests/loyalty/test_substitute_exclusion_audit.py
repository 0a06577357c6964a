"""P-23 substitutes and P-31/P-32 exclusion, as the seed states them (§5.5, §6.3)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.service import complaints, ledger, members, orders
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests.loyalty.test_orders import _balance, _place, world  # noqa: F401 - the fixture
from tests.loyalty.test_programme_commands import _add_reward


def test_P23_the_substitute_matches_the_points_the_order_cost_not_the_rewards_new_price(world):  # noqa: F811
    """Seed §5.5: "o identycznej wartości punktowej" — the points value the participant gave for the order. The
    organiser may reprice the catalogue later; the order keeps its price, and so does the substitute's measure."""
    order = _place(world)  # R-A at 100 points
    orders.reward_by_code("R-A").points = 150
    _add_reward("R-D", 150, "50.00", kind="tools")
    db.session.flush()
    with pytest.raises(DomainError, match="same points value"):
        orders.offer_substitute(order, orders.reward_by_code("R-D"), on=date(2024, 3, 2), rules=world["rules"],
                                clock=world["clock"])
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    assert order.state == "substitute_offered" and order.points == 100


def test_P23_a_substitute_cannot_be_accepted_after_the_21_days(world):  # noqa: F811
    """The points are back no later than 21 days after the participant was told: an answer after that day cannot
    keep the order alive, even on a replayed day whose daily job has not run yet."""
    order = _place(world)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    assert order.restore_by == date(2024, 3, 23)
    with pytest.raises(DomainError, match="lapsed on 2024-03-23") as refused:
        orders.answer_substitute(order, accept=True, on=date(2024, 3, 24), rules=world["rules"],
                                 clock=world["clock"])
    assert refused.value.rule == "P-23" and order.state == "substitute_offered"


def test_P23_a_late_refusal_restores_the_points_on_the_21st_day_not_later(world):  # noqa: F811
    order = _place(world)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    orders.answer_substitute(order, accept=False, on=date(2024, 3, 30), rules=world["rules"], clock=world["clock"])
    db.session.commit()
    assert order.state == "cancelled" and order.closed_on == date(2024, 3, 23)
    assert _balance(world, date(2024, 3, 23)) == 360


def test_P23_the_offer_lapses_on_the_21st_day_as_the_daily_job_lapses_it(world):  # noqa: F811
    order = _place(world)
    orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2), rules=world["rules"],
                            clock=world["clock"])
    with pytest.raises(DomainError, match="lapsed on 2024-03-23"):
        orders.answer_substitute(order, accept=True, on=date(2024, 3, 23), rules=world["rules"],
                                 clock=world["clock"])
    orders.answer_substitute(order, accept=True, on=date(2024, 3, 22), rules=world["rules"], clock=world["clock"])
    assert order.state == "placed"


def test_P23_staff_are_offered_substitutes_at_the_points_the_order_cost(world, app):  # noqa: F811
    from portal.accounts.models import STAFF
    from tests import factories

    _place(world)
    orders.reward_by_code("R-A").points = 150  # repriced after the order
    db.session.commit()
    client = app.test_client()
    factories.login(client, world["tenant"], factories.user(world["tenant"], STAFF, email="s@m.example").email)
    page = client.get("/t/manufacturer/fulfilment").get_data(as_text=True)
    assert '<option value="R-B">' in page


def test_P32_an_upheld_complaint_credits_no_points_to_an_excluded_participant(world):  # noqa: F811
    """Seed §6.3: exclusion forfeits the points earned — a complaint decided afterwards cannot bring some back."""
    installer = world["installer"]
    entry = ledger.lots(installer.id)[0]
    complaint = complaints.file(installer, kind="points", text="SN-1 earned too little", on=date(2024, 3, 1),
                                rules=world["rules"], entry_id=entry.id)
    members.exclude(installer, "rules_breach", on=date(2024, 3, 5), clock=world["clock"])
    db.session.commit()
    with pytest.raises(DomainError, match="excluded") as refused:
        complaints.decide(complaint, upheld=True, answer="Right, 50 points were missing.", on=date(2024, 3, 10),
                          rules=world["rules"], clock=world["clock"], points=50)
    assert refused.value.rule == "P-32"
    db.session.rollback()
    assert _balance(world, date(2024, 3, 10)) == 0
    complaints.decide(complaint, upheld=True, answer="Right, but you are excluded.", on=date(2024, 3, 10),
                      rules=world["rules"], clock=world["clock"])  # decided, with no points
    assert complaint.decision == "upheld"


def test_P32_an_opening_balance_is_refused_for_an_excluded_participant(programme, clock):
    programme.join("ala@example.com", registered_on="2024-01-10")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    with use_tenant(tenants.by_slug("manufacturer").id):
        members.exclude(members.by_email("ala@example.com"), "rules_breach", on=date(2024, 3, 5), clock=clock)
        db.session.commit()
    path = programme.csv("email,points,earned_on", ["ala@example.com,500,2024-03-01"])
    result = programme.run("points", "import-opening", "manufacturer", path, "--as-of", "2024-03-10")
    assert result.exit_code == 1 and "line 2: P-32:" in result.output
    assert programme.statement("ala@example.com", "2024-03-10")["balance"] == 0


@pytest.mark.parametrize(("locale", "said"), [("en", "50 points were credited to your account"),
                                              ("pl", "Na Twoje konto przypisano 50 pkt")])
def test_P08_S9_the_decision_notice_names_the_points_an_upheld_complaint_credits(world, app, locale, said):  # noqa: F811
    """§9 "points credited": the participant hears of the points the commission credits, with the decision."""
    from sqlalchemy import select

    from portal.notifications.models import Notification
    from tests.loyalty.test_orders import _mail_of

    installer = world["installer"]
    entry = ledger.lots(installer.id)[0]
    complaint = complaints.file(installer, kind="points", text="SN-1 earned too little", on=date(2024, 3, 1),
                                rules=world["rules"], entry_id=entry.id)
    complaints.decide(complaint, upheld=True, answer="Right, 50 points were missing.", on=date(2024, 3, 10),
                      rules=world["rules"], clock=world["clock"], points=50)
    db.session.commit()
    row = db.session.scalars(select(Notification).where(Notification.kind == "complaint_decided")).one()
    assert row.params["points"] == 50 and row.params["expires_on"] == "2026-03-10"
    assert said in _mail_of(app, row, locale) and "2026-03-10" in _mail_of(app, row, locale)


def test_P08_P22_credited_points_are_told_to_expire_with_the_announced_end(world, app):  # noqa: F811
    """P-22: every point expires when the programme ends — points credited by a complaint after the end was announced
    too, and the notice says that day, not the two years."""
    from sqlalchemy import select

    from portal.notifications.models import Notification
    from tests.loyalty.test_orders import _announce

    installer = world["installer"]
    entry = ledger.lots(installer.id)[0]
    complaint = complaints.file(installer, kind="points", text="SN-1 earned too little", on=date(2024, 3, 1),
                                rules=world["rules"], entry_id=entry.id)
    _announce(world)  # announced 2024-03-10, ends 2024-06-15
    complaints.decide(complaint, upheld=True, answer="Right.", on=date(2024, 3, 12), rules=world["rules"],
                      clock=world["clock"], points=50)
    db.session.commit()
    row = db.session.scalars(select(Notification).where(Notification.kind == "complaint_decided")).one()
    from portal.loyalty.service.programme import end

    assert row.params["expires_on"] == end().ends_on.isoformat()


def test_P08_P22_a_decision_dated_before_the_announcement_but_told_after_it_names_the_end(world, app):  # noqa: F811
    """The notice goes out today: an end announced by then is the points' last day, whatever day the decision bears."""
    from sqlalchemy import select

    from portal.loyalty.service.programme import end
    from portal.notifications.models import Notification
    from tests.loyalty.test_orders import _announce

    installer = world["installer"]
    entry = ledger.lots(installer.id)[0]
    complaint = complaints.file(installer, kind="points", text="SN-1 earned too little", on=date(2024, 3, 1),
                                rules=world["rules"], entry_id=entry.id)
    _announce(world)  # announced 2024-03-10, ends 2024-06-15
    world["clock"].at = world["clock"].at.replace(year=2024, month=3, day=12)
    complaints.decide(complaint, upheld=True, answer="Right.", on=date(2024, 3, 5), rules=world["rules"],
                      clock=world["clock"], points=50)
    db.session.commit()
    row = db.session.scalars(select(Notification).where(Notification.kind == "complaint_decided")).one()
    assert row.params["expires_on"] == end().ends_on.isoformat()
