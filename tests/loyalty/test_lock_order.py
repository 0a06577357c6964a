"""SPEC §11 on PostgreSQL: every path that locks both a participant and one of its orders locks the participant
first (an exclusion, a substitute's offer and answer), so two of them at once wait for each other, never deadlock."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.loyalty.models import Installer
from portal.loyalty.service import members, orders
from tests.loyalty.test_orders import _place, world  # noqa: F401 - the fixture


def _locks(action) -> list[str]:
    """The tables ``action`` locks rows of (SELECT … FOR UPDATE), in the order it first locks each."""
    seen: list[str] = []

    def trace(state):
        if getattr(state.statement, "_for_update_arg", None) is not None:
            for table in sorted(t.name for t in state.statement.get_final_froms()):
                if table not in seen:
                    seen.append(table)

    event.listen(Session, "do_orm_execute", trace)
    try:
        action()
    finally:
        event.remove(Session, "do_orm_execute", trace)
    db.session.commit()
    return seen


def test_S11_the_participant_is_locked_before_its_orders_on_every_path(world):  # noqa: F811
    order = _place(world)
    offer = _locks(lambda: orders.offer_substitute(order, orders.reward_by_code("R-B"), on=date(2024, 3, 2),
                                                   rules=world["rules"], clock=world["clock"]))
    answer = _locks(lambda: orders.answer_substitute(order, accept=True, on=date(2024, 3, 3), rules=world["rules"],
                                                     clock=world["clock"]))
    installer = db.session.get(Installer, order.installer_id)
    exclusion = _locks(lambda: members.exclude(installer, "rules_breach", on=date(2024, 3, 4), clock=world["clock"]))
    for path in (offer, answer, exclusion):
        assert path[:2] == ["installers", "reward_orders"], (offer, answer, exclusion)
