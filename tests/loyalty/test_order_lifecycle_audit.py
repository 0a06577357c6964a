"""The order lifecycle held to its order of events (P-23, P-25, P-27) and the catalogue's codes (P-20): a withheld
order stays withheld until clarified, an order with the courier is not cancelled, no step is dated before the step
it follows, and every reward code can be ordered from the participant's page."""

from __future__ import annotations

from datetime import date

import pytest

from portal.core.errors import DomainError
from portal.loyalty.service import orders
from tests.loyalty.test_orders import _balance, _place, world  # noqa: F401 - the fixture


def _offer(world, order, day, code="R-B"):  # noqa: F811
    orders.offer_substitute(order, orders.reward_by_code(code), on=day, rules=world["rules"], clock=world["clock"])


def test_P27_a_withheld_order_gets_no_substitute_until_it_is_released(world):  # noqa: F811
    """Seed §5.11: a reward may be withheld while the data or points are clarified. Offering a substitute and the
    participant accepting it must not ship it unclarified: the order is released (or cancelled) first."""
    order = _place(world)
    orders.withhold(order, reason="checking the NIP")
    with pytest.raises(DomainError, match="withheld") as refused:
        _offer(world, order, date(2024, 3, 2))
    assert refused.value.rule == "P-27" and order.state == "withheld" and order.substitute_id is None
    orders.release(order)
    _offer(world, order, date(2024, 3, 2))
    assert order.state == "substitute_offered"


def test_P25_an_order_with_the_courier_cannot_be_cancelled(world):  # noqa: F811
    """Shipped, the reward is on its way: only its delivery or a failed delivery closes it (two failures for the
    participant's reasons forfeit it, P-25). Cancelling would give the points back for a reward being delivered."""
    order = _place(world)
    orders.ship(order, on=date(2024, 3, 2), clock=world["clock"])
    with pytest.raises(DomainError, match="courier") as refused:
        orders.cancel(order, on=date(2024, 3, 3), rules=world["rules"], clock=world["clock"], reason="changed mind")
    assert refused.value.rule == "P-25" and order.state == "shipped" and _balance(world) == 260
    orders.delivery_failed(order, on=date(2024, 3, 4), rules=world["rules"], clock=world["clock"])
    orders.cancel(order, on=date(2024, 3, 5), rules=world["rules"], clock=world["clock"], reason="back at the depot")
    assert order.state == "cancelled" and _balance(world) == 360


def test_P23_a_cancellation_dated_before_the_order_is_refused(world):  # noqa: F811
    """Cancelled 'on' a day before it was placed, the points would come back before they were spent: the statement of
    the days between would show 460 of the 360 ever earned."""
    order = _place(world, day=date(2024, 3, 10))
    with pytest.raises(DomainError, match="2024-03-10") as refused:
        orders.cancel(order, on=date(2024, 3, 1), rules=world["rules"], clock=world["clock"], reason="x")
    assert (refused.value.field, refused.value.rule) == ("on", "P-23") and order.state == "placed"
    assert _balance(world, date(2024, 3, 5)) == 360


def test_P23_a_substitute_is_not_offered_before_the_order_nor_answered_before_the_offer(world):  # noqa: F811
    """The 21 days to restore the points run from the day the participant was told (seed §5.5): an offer dated before
    the order, or an answer before the offer, would start or stop that clock on a day that never happened."""
    order = _place(world, day=date(2024, 3, 10))
    with pytest.raises(DomainError, match="2024-03-10") as early_offer:
        _offer(world, order, date(2024, 3, 1))
    assert (early_offer.value.field, early_offer.value.rule) == ("on", "P-23") and order.state == "placed"
    _offer(world, order, date(2024, 3, 12))
    assert order.restore_by == date(2024, 4, 2)
    with pytest.raises(DomainError, match="2024-03-12") as early_answer:
        orders.answer_substitute(order, accept=False, on=date(2024, 3, 11), rules=world["rules"],
                                 clock=world["clock"])
    assert (early_answer.value.field, early_answer.value.rule) == ("on", "P-23")
    assert order.state == "substitute_offered"


@pytest.mark.parametrize("code", ["ZESTAW/1", "A B", "50%", "R?1", "R#1", ".."])
def test_P20_a_reward_code_that_cannot_be_part_of_a_link_is_refused_at_its_field(world, code):  # noqa: F811
    """The participant orders a reward from /rewards/<code>/order: a code with a slash (or a space, %, ?, #) would
    be shown with an Order button that answers 404."""
    data = {"kind": "tools", "name_pl": "Zestaw", "name_en": "Set", "description": "", "points": 100,
            "gross_value": "40.00", "delivery_days": 14, "stock": 5, "active": True, "code": code}
    with pytest.raises(DomainError, match="letters, digits") as refused:
        orders.save_reward(None, data, tenant_id=world["tenant"].id)
    assert (refused.value.field, refused.value.rule) == ("code", "P-20")


def test_P20_E01_a_definition_with_a_reward_code_that_cannot_be_a_link_is_refused_at_its_line():
    import tomllib
    from pathlib import Path

    from portal.loyalty.rules import problems

    preset = tomllib.loads((Path(__file__).parents[2] / "tenants" / "manufacturer" / "programme.toml").read_text())
    assert problems(preset) == []
    preset["rewards"] = [{"code": "ZESTAW/1", "points": 100, "gross_value": "40.00"},
                         {"code": "NAGRODA-ŁÓDŹ", "points": 100, "gross_value": "40.00"}]
    assert [key for key, _message in problems(preset)] == ["rewards[1].code"]


def test_P05_the_serials_migration_normalises_as_the_code_does():
    import importlib.util
    from pathlib import Path

    import portal

    path = Path(portal.__file__).parent / "migrations" / "versions" / "0030_serials_nfkc.py"
    spec = importlib.util.spec_from_file_location("m0030", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from portal.loyalty.service.devices import normalise_serial

    for typed in ("ＳＮ－１００", "SN\u200b-100", " sn 100 ", "\ufeffSN-\u00ad9"):
        assert module._normalised(typed) == normalise_serial(typed)
