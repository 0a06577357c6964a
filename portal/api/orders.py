"""Reward orders over API v1 (P-20 … P-30, P-41): placed for an installer as the participant would
(``flask rewards order``), then fulfilled as on the organiser's fulfilment page. Each step is the service's;
a step the order's state does not allow is a 422 problem naming the rule."""

from __future__ import annotations

from portal.api import bp, context, pages, schemas, serialise
from portal.api.openapi import operation
from portal.api.pipeline import Reply
from portal.core.bulk import ValidationFailed
from portal.core.clock import get_clock
from portal.core.errors import NotFound
from portal.loyalty.models import Reward, RewardOrder
from portal.loyalty.service import members
from portal.loyalty.service import orders as order_service
from portal.loyalty.service.programme import rules_on

TAG = "orders"
ORDER = "/orders/<int(max=2147483647):order_id>"
INSTALLER_ORDERS = "/installers/<int(max=2147483647):installer_id>/orders"


def _reward(code: str, field: str, rule: str) -> Reward:
    """A catalogue reward named in the body; an unknown code is a problem with that field, not a 404."""
    try:
        return order_service.reward_by_code(code)
    except NotFound as error:
        raise ValidationFailed([(field, error.message, rule)]) from None


def _orders_json(rows: list[RewardOrder]) -> list[dict]:
    """Each order as ``serialise.order`` gives it, with the installer's delivery address (P-25)."""
    codes = {reward.id: reward.code for reward in order_service.catalogue(active_only=False)}
    addresses = order_service.delivery_addresses({row.installer_id for row in rows})
    return [{**serialise.order(row, codes), "delivery_address": addresses.get(row.installer_id)} for row in rows]


def _order_json(order: RewardOrder) -> dict:
    return _orders_json([order])[0]


def _replay_order(ref: dict) -> dict:
    return _order_json(order_service.get(ref["id"]))


def _done(order: RewardOrder) -> Reply:
    return Reply(_order_json(order), 200, {"id": order.id})


@operation(bp, INSTALLER_ORDERS, "POST", scope="orders:write", tag=TAG, summary="Place a reward order",
           request=schemas.ORDER_IN, responses={201: schemas.ORDER}, replay=_replay_order)
def place_order(installer_id: int, body: dict) -> Reply:
    """P-21: only with enough points (no cash top-up), deducted at ordering from the soonest-expiring lots;
    P-20 the reward is available; P-28 the yearly gross cap; P-29 the PIT-8C data of a non-business participant;
    P-31/P-32 nobody who left or was excluded; P-41 after the programme's end. On ``on`` (default: today)."""
    installer = members.get(installer_id)
    on = context.day_or_today(body.get("on"))
    rules = rules_on(on)
    if body.get("delivery_address") is not None:  # P-25, as ``flask rewards order --delivery-address``
        order_service.set_delivery_address(installer, body["delivery_address"], actor=context.actor())
    order = order_service.place(installer, _reward(body["reward"], "reward", "P-20"), on=on, rules=rules,
                                clock=get_clock(), actor=context.actor())
    return Reply(_order_json(order), 201, {"id": order.id})


@operation(bp, INSTALLER_ORDERS, "GET", scope="orders:read", tag=TAG, summary="List an installer's orders",
           responses={200: schemas.ORDER_PAGE}, query=(context.LIMIT_PARAM, context.CURSOR_PARAM), errors=(400,))
def list_orders(installer_id: int) -> Reply:
    """The installer's orders in the order they were placed, each with its state."""
    installer = members.get(installer_id)
    size = context.limit()
    rows = pages.orders(installer.id, after=context.cursor(), limit=size + 1)
    return Reply(context.page(_orders_json(rows), rows, size))


@operation(bp, ORDER, "GET", scope="orders:read", tag=TAG, summary="Read an order",
           responses={200: schemas.ORDER})
def get_order(order_id: int) -> Reply:
    """One order of the token's organiser; another organiser's order is 404, like a missing one."""
    return Reply(_order_json(order_service.get(order_id)))


@operation(bp, f"{ORDER}/ship", "POST", scope="orders:write", tag=TAG, summary="Ship an order",
           request=schemas.ORDER_STEP_IN, responses={200: schemas.ORDER}, replay=_replay_order)
def ship_order(order_id: int, body: dict) -> Reply:
    """A placed order (or one whose delivery failed) goes out; a withheld one waits (P-27). P-25: ``on`` is not
    before the order was placed, nor before its last shipment."""
    order = order_service.get(order_id)
    order_service.ship(order, on=context.day_so_far(body.get("on"), rule="P-25"), clock=get_clock(),
                       actor=context.actor())
    return _done(order)


@operation(bp, f"{ORDER}/delivery-failed", "POST", scope="orders:write", tag=TAG,
           summary="Record a failed delivery", request=schemas.ORDER_FAILED_IN, responses={200: schemas.ORDER},
           replay=_replay_order)
def order_delivery_failed(order_id: int, body: dict) -> Reply:
    """P-25: after the second failed attempt for the participant's reasons the reward is forfeited and the points
    are not restored; ``participant_fault`` false (e.g. the courier's fault) does not count (default true); ``on``
    is not before the shipment."""
    order = order_service.get(order_id)
    on = context.day_so_far(body.get("on"), rule="P-25")
    order_service.delivery_failed(order, on=on, rules=rules_on(on), clock=get_clock(), actor=context.actor(),
                                  participant_fault=body.get("participant_fault") is not False)
    return _done(order)


@operation(bp, f"{ORDER}/delivered", "POST", scope="orders:write", tag=TAG, summary="Record a delivery",
           request=schemas.ORDER_DELIVERED_IN, responses={200: schemas.ORDER}, replay=_replay_order)
def order_delivered(order_id: int, body: dict) -> Reply:
    """P-30: a shipped order is delivered, with the participant's confirmation of receipt (``confirmed``), on ``on``
    — not before it was shipped: the delivery day decides the year the reward counts in (P-28)."""
    order = order_service.get(order_id)
    order_service.delivered(order, on=context.day_so_far(body.get("on"), rule="P-30"),
                            confirmed=body.get("confirmed") is True, actor=context.actor())
    return _done(order)


@operation(bp, f"{ORDER}/withhold", "POST", scope="orders:write", tag=TAG, summary="Withhold an order",
           request=schemas.ORDER_WITHHOLD_IN, responses={200: schemas.ORDER}, replay=_replay_order)
def withhold_order(order_id: int, body: dict) -> Reply:
    """P-27: a placed order, or one whose delivery failed, waits while data or points are clarified; the reason is
    required."""
    order = order_service.get(order_id)
    order_service.withhold(order, reason=body.get("reason", ""), actor=context.actor())
    return _done(order)


@operation(bp, f"{ORDER}/release", "POST", scope="orders:write", tag=TAG, summary="Release a withheld order",
           request=schemas.EMPTY_IN, responses={200: schemas.ORDER}, replay=_replay_order)
def release_order(order_id: int, body: dict) -> Reply:
    """P-27: the clarification is over; the order is placed again (or, withheld after a failed delivery, waits for
    another attempt)."""
    del body
    order = order_service.get(order_id)
    order_service.release(order, actor=context.actor())
    return _done(order)


@operation(bp, f"{ORDER}/substitute", "POST", scope="orders:write", tag=TAG, summary="Offer a substitute",
           request=schemas.ORDER_SUBSTITUTE_IN, responses={200: schemas.ORDER}, replay=_replay_order)
def offer_substitute(order_id: int, body: dict) -> Reply:
    """P-23: the reward is unavailable for reasons outside the organiser; another reward of the same kind and
    points value is offered, and the points are restored by ``restore_by`` if the participant refuses."""
    order = order_service.get(order_id)
    substitute = _reward(body["code"], "code", "P-23")
    on = context.day_so_far(body.get("on"), rule="P-23")
    with context.body_fields(substitute="code", reward="code"):
        order_service.offer_substitute(order, substitute, on=on, rules=rules_on(on), clock=get_clock(),
                                       actor=context.actor())
    return _done(order)


@operation(bp, f"{ORDER}/substitute-answer", "POST", scope="orders:write", tag=TAG,
           summary="Answer a substitute offer", request=schemas.ORDER_SUBSTITUTE_ANSWER_IN,
           responses={200: schemas.ORDER}, replay=_replay_order)
def answer_substitute(order_id: int, body: dict) -> Reply:
    """P-23: the participant's answer; accepting replaces the reward, refusing cancels the order and restores
    the points."""
    order = order_service.get(order_id)
    on = context.day_so_far(body.get("on"), rule="P-23")
    order_service.answer_substitute(order, accept=body["accept"], on=on, rules=rules_on(on), clock=get_clock(),
                                    actor=context.actor())
    return _done(order)


@operation(bp, f"{ORDER}/cancel", "POST", scope="orders:write", tag=TAG, summary="Cancel an order",
           request=schemas.ORDER_CANCEL_IN, responses={200: schemas.ORDER}, replay=_replay_order)
def cancel_order(order_id: int, body: dict) -> Reply:
    """An open order is cancelled and its points restored (P-23); they expire with the programme's end like every
    other point — only points restored after a refused substitute stay usable until 7 days after the end (P-41,
    ``/substitute``). Delivered, forfeited or cancelled orders are closed."""
    order = order_service.get(order_id)
    on = context.day_so_far(body.get("on"), rule="P-23")
    order_service.cancel(order, on=on, rules=rules_on(on), clock=get_clock(), actor=context.actor(),
                         reason=body.get("reason") or "cancelled by the organiser",
                         unavailable=body.get("unavailable") is True)
    return _done(order)
