"""P-23 with the catalogue's stock (P-20): the organiser offers a substitute the participant can actually get — one
available and in stock — and sets that unit aside for the 21 days of the offer; a refused (or unanswered)
substitute goes back in stock, an accepted one stays taken, and exclusion gives it back too (P-32)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Reward
from portal.loyalty.service import daily, members, orders
from tests.loyalty.test_orders import _place, world  # noqa: F401 - the fixture
from tests.loyalty.test_programme_commands import _add_reward


def _stock(code: str) -> int:
    db.session.expire_all()
    return db.session.scalars(select(Reward.stock).where(Reward.code == code)).one()


def _offer(world, order, code: str, day=date(2024, 3, 2)):  # noqa: F811
    orders.offer_substitute(order, orders.reward_by_code(code), on=day, rules=world["rules"], clock=world["clock"])


def test_P23_a_substitute_out_of_stock_or_withdrawn_cannot_be_offered(world):  # noqa: F811
    _add_reward("R-EMPTY", 100, "50.00", kind="tools", stock=0)
    _add_reward("R-OFF", 100, "50.00", kind="tools")
    db.session.execute(Reward.__table__.update().where(Reward.code == "R-OFF").values(active=False))
    order = _place(world)
    for code in ("R-EMPTY", "R-OFF"):
        with pytest.raises(DomainError) as refused:
            _offer(world, order, code)
        assert (refused.value.field, refused.value.rule) == ("substitute", "P-23")
        assert "not available" in refused.value.message
    assert order.state == "placed" and _stock("R-EMPTY") == 0


def test_P23_the_offered_substitute_is_set_aside_and_back_in_stock_when_refused(world):  # noqa: F811
    order = _place(world)
    _offer(world, order, "R-B")
    assert _stock("R-B") == 9  # nobody else can take the unit offered
    orders.answer_substitute(order, accept=False, on=date(2024, 3, 5), rules=world["rules"], clock=world["clock"])
    db.session.commit()
    assert order.state == "cancelled" and _stock("R-B") == 10


def test_P23_an_accepted_substitute_keeps_its_unit_and_a_lapsed_one_gives_it_back(world):  # noqa: F811
    accepted, lapsed = _place(world), _place(world)
    _offer(world, accepted, "R-B")
    _offer(world, lapsed, "R-B")
    orders.answer_substitute(accepted, accept=True, on=date(2024, 3, 3), rules=world["rules"], clock=world["clock"])
    db.session.commit()
    assert _stock("R-B") == 8
    daily.lapse_substitutes(clock=as_of(date(2024, 3, 23)))  # 21 days after the offer
    db.session.commit()
    assert lapsed.state == "cancelled" and accepted.state == "placed" and _stock("R-B") == 9


def test_P32_exclusion_gives_back_the_substitute_set_aside(world):  # noqa: F811
    order = _place(world)
    _offer(world, order, "R-B")
    members.exclude(world["installer"], "rules_breach", on=date(2024, 3, 4), clock=world["clock"])
    db.session.commit()
    assert order.state == "cancelled" and _stock("R-B") == 10



@pytest.mark.parametrize(("ordered", "substitute", "devices"), [("R-WKRETARKA-18V", "R-WKRETARKA-UDAR", 10),
                                                                ("R-KURTKA", "R-KURTKA-ZIMOWA", 3)])
def test_P23_the_presets_catalogue_has_a_substitute_of_the_same_kind_and_points(programme, clock, ordered,
                                                                                substitute, devices):
    """Seed §5.5: an unavailable reward is replaced by another of the same kind and the same points value — the
    organiser's catalogue out of the box holds such pairs, so the offer can be made without editing it first."""
    from portal.loyalty.service.programme import rules_on
    from portal.tenancy import service as tenants
    from portal.tenancy.guard import use_tenant

    programme.join("ala@example.com")
    for i in range(devices):
        programme.device("ala@example.com", f"SN-{i}", "2024-02-01")  # 120 points each
    placed = programme.order("ala@example.com", ordered, "2024-02-05")
    assert placed.exit_code == 0, placed.output
    with use_tenant(tenants.by_slug("manufacturer").id):
        order = db.session.scalars(select(orders.RewardOrder)).one()
        orders.offer_substitute(order, orders.reward_by_code(substitute), on=date(2024, 2, 6),
                                rules=rules_on(date(2024, 2, 6)), clock=as_of(date(2024, 2, 6)))
        assert order.state == "substitute_offered"
