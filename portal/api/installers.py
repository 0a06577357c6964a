"""Installers of a loyalty programme over API v1 (SPEC §6): joining (P-01, P-02), their devices (P-04 … P-06),
points statements and ledgers (P-07, P-21, P-22, P-28). The checks are the participants and devices imports'
(``flask participants import``, ``flask devices import``); a refusal is a 422 problem naming each rule."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.api import bp, context, pages, schemas, serialise
from portal.api.openapi import operation, query_param
from portal.api.pipeline import Reply
from portal.core.bulk import ValidationFailed
from portal.core.clock import get_clock
from portal.extensions import db
from portal.loyalty.models import Device, Installer, PointsEntry
from portal.loyalty.service import devices, ledger, members
from portal.loyalty.service.programme import end as programme_end
from portal.loyalty.service.programme import rules_on
from portal.loyalty.service.statement import statement

TAG = "installers"
INSTALLER = "/installers/<int(max=2147483647):installer_id>"
PAGING = (context.LIMIT_PARAM, context.CURSOR_PARAM)
AS_OF_PARAM = query_param("as_of", {key: value for key, value in schemas.DAY.items() if key != "description"},
                          "the statement's day; today when absent")
IMPORT_FIELDS = ("email", "first_name", "last_name", "nip", "status")


def _installer_json(installer: Installer) -> dict:
    return serialise.installer(installer, pages.account(installer))


def _replay_installer(ref: dict) -> dict:
    return _installer_json(members.get(ref["id"]))


@operation(bp, "/installers", "GET", scope="installers:read", tag=TAG, summary="List installers",
           responses={200: schemas.INSTALLER_PAGE}, query=PAGING, errors=(400,))
def list_installers() -> Reply:
    """Installers in the order they joined, a page at a time."""
    size = context.limit()
    rows = pages.installers(after=context.cursor(), limit=size + 1)
    return Reply(context.page([serialise.installer(i, u) for i, u in rows], rows, size,
                              lambda row: str(row[0].id)))


@operation(bp, "/installers", "POST", scope="installers:write", tag=TAG, summary="Register an installer",
           request=schemas.INSTALLER_IN, responses={201: schemas.INSTALLER}, replay=_replay_installer)
def create_installer(body: dict) -> Reply:
    """A row of the participants import (FORMATS.md): P-01 a business needs a valid NIP, the e-mail joins once;
    P-02 the starting status; P-40 joining is closed from the end's announcement (judged on ``registered_on``);
    P-25 a ``delivery_address`` given is trimmed and must not be blank. ``registered_on`` defaults to today; the
    programme version in force that day applies."""
    registered_on = context.day_or_today(body.get("registered_on"))
    row = {key: body.get(key) or "" for key in IMPORT_FIELDS}
    row["business"] = {True: "yes", False: "no"}.get(body.get("business"), "")
    row["employee"] = {True: "yes", False: "no"}.get(body.get("employee"), "")
    row["registered_on"] = registered_on.isoformat()
    row["activated_on"] = body.get("activated_on") or ""
    # P-25: given (even blank), the address is checked as on an order — trimmed, then at most 300 characters
    row["delivery_address"] = body.get("delivery_address")
    installer = members.import_row(row, tenant_id=context.tenant_id(), rules=rules_on(registered_on))
    return Reply(_installer_json(installer), 201, {"id": installer.id})


@operation(bp, INSTALLER, "GET", scope="installers:read", tag=TAG, summary="Read an installer",
           responses={200: schemas.INSTALLER})
def get_installer(installer_id: int) -> Reply:
    """One installer of the token's organiser; another organiser's installer is 404, like a missing one."""
    return Reply(_installer_json(members.get(installer_id)))


def _replay_device(ref: dict) -> dict:
    return serialise.device(pages.by_id(Device, ref["id"]))


@operation(bp, f"{INSTALLER}/devices", "POST", scope="devices:write", tag=TAG, summary="Register a device",
           request=schemas.DEVICE_IN, responses={201: schemas.DEVICE}, replay=_replay_device)
def register_device(installer_id: int, body: dict) -> Reply:
    """As the installer registers it (``flask devices import``): P-04 a model of the point table in force,
    P-05 serial earns once, installation and production-code limits, P-06 running campaigns add points, P-40 no
    registrations after the month of the end's announcement. The points accrue on ``registered_on`` (today), which
    lies between the installer's joining day and today."""
    installer = members.get(installer_id)
    registered_on = context.day_or_today(body.get("registered_on"))
    data = {key: body.get(key) for key in ("serial", "model_code", "production_code", "installed_on")}
    devices.check_registration_day(installer, registered_on, today=context.today())
    device = devices.register(installer, data, rules_on(registered_on), registered_on=registered_on,
                              clock=get_clock(), actor=context.actor())
    return Reply(serialise.device(device), 201, {"id": device.id})


@operation(bp, f"{INSTALLER}/devices", "GET", scope="devices:read", tag=TAG, summary="List an installer's devices",
           responses={200: schemas.DEVICE_PAGE}, query=PAGING, errors=(400,))
def list_devices(installer_id: int) -> Reply:
    """The installer's devices in the order they were registered, with the points each earned."""
    installer = members.get(installer_id)
    size = context.limit()
    rows = pages.devices(installer.id, after=context.cursor(), limit=size + 1)
    return Reply(context.page([serialise.device(d) for d in rows], rows, size))


@operation(bp, f"{INSTALLER}/points", "GET", scope="points:read", tag=TAG, summary="Read a points statement",
           responses={200: schemas.POINTS_STATEMENT}, query=(AS_OF_PARAM,), errors=(400,))
def get_points(installer_id: int) -> Reply:
    """Balance, live lots with their effective expiry (P-22, P-41), points expiring within 30 days, the status
    and this year's reward value (P-28) as of ``as_of`` — the figures of ``flask points statement --json``."""
    installer = members.get(installer_id)
    as_of = context.query_day("as_of", default=context.today())
    figures = statement(installer, as_of=as_of, rules=rules_on(as_of))
    return Reply(serialise.points_statement(installer.id, as_of, figures))


@operation(bp, f"{INSTALLER}/ledger", "GET", scope="points:read", tag=TAG, summary="List ledger entries",
           responses={200: schemas.LEDGER_PAGE}, query=PAGING, errors=(400,))
def list_ledger(installer_id: int) -> Reply:
    """The installer's append-only points ledger (P-07) in the order it was written: earned, redeemed, refunded,
    expired, forfeited and revoked points; a complaint about points names one entry (P-08)."""
    installer = members.get(installer_id)
    size = context.limit()
    rows = pages.ledger(installer.id, after=context.cursor(), limit=size + 1)
    return Reply(context.page([serialise.ledger_entry(e) for e in rows], rows, size))


def _revocation(installer_id: int, on: str, revoked: int, balance: int, entry_ids: list[int]) -> dict:
    entries = db.session.scalars(select(PointsEntry).where(PointsEntry.id.in_(entry_ids))
                                 .order_by(PointsEntry.id)) if entry_ids else []
    return {"installer_id": installer_id, "on": on, "revoked": revoked, "balance": balance,
            "entries": [serialise.ledger_entry(e) for e in entries]}


def _replay_revocation(ref: dict) -> dict:
    return _revocation(ref["id"], ref["on"], ref["revoked"], ref["balance"], ref["entries"])


@operation(bp, f"{INSTALLER}/points/revocations", "POST", scope="points:write", tag=TAG, summary="Revoke points",
           request=schemas.REVOCATION_IN, responses={201: schemas.REVOCATION}, replay=_replay_revocation)
def revoke_points(installer_id: int, body: dict) -> Reply:
    """P-09: ``points`` from the balance, soonest-expiring first, or what is left of the points of ``device_id``
    (one of the two), never below zero; the ``reason`` stays on each ledger line."""
    installer = members.get(installer_id)
    if (body.get("points") is None) == (body.get("device_id") is None):
        message = _("Give either points or device_id.")
        raise ValidationFailed([("points", message, "P-09"), ("device_id", message, "P-09")])
    on = context.day_so_far(body.get("on"), rule="P-09")  # a balance cut on a day to come: today's would overstate
    rules, written = rules_on(on), []
    if body.get("device_id") is not None:
        device = db.session.get(Device, body["device_id"])
        if device is None or device.installer_id != installer.id:
            raise ValidationFailed([("device_id", _("The installer has no such device."), "P-09")])
        revoked = devices.revoke_points(device, on=on, reason=body["reason"], rules=rules, actor=context.actor(),
                                        into=written)
    else:
        revoked = members.revoke_points(installer, body["points"], reason=body["reason"], on=on, rules=rules,
                                        actor=context.actor(), into=written)
    db.session.flush()
    balance = ledger.balance(installer.id, as_of=on, end=programme_end(), rules=rules)
    ids = [e.id for e in written]
    return Reply(_revocation(installer.id, on.isoformat(), revoked, balance, ids), 201,
                 {"id": installer.id, "on": on.isoformat(), "revoked": revoked, "balance": balance, "entries": ids})


@operation(bp, f"{INSTALLER}/titles", "POST", scope="installers:write", tag=TAG,
           summary="Grant or withdraw a title", request=schemas.TITLE_CHANGE_IN, responses={200: schemas.INSTALLER},
           replay=_replay_installer)
def change_title(installer_id: int, body: dict) -> Reply:
    """P-02: a granted authorisation makes an Authorised Installer, a granted installation-leader title Premium;
    P-03: losing the authorisation takes the status back to Installer (the training no longer counts), losing the
    leader title takes Premium back to Authorised. The installer is told."""
    installer = members.get(installer_id)
    on, clock = context.day_or_today(body.get("on")), get_clock()
    change = members.grant_title if body["change"] == "grant" else members.withdraw_title
    with context.body_fields(granted="title", lost="title"):
        change(installer, body["title"], on=on, clock=clock, actor=context.actor())
    return Reply(_installer_json(installer), 200, {"id": installer.id})
