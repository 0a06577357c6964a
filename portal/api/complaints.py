"""Complaints over API v1: about points (P-08, within 30 days of their accrual) or about the programme (P-42),
filed for an installer and decided by the organiser's commission."""

from __future__ import annotations

from portal.api import bp, context, pages, schemas, serialise
from portal.api.openapi import operation, query_param
from portal.api.pipeline import Reply
from portal.core.clock import get_clock
from portal.loyalty.service import complaints, members
from portal.loyalty.service.programme import rules_on

TAG = "complaints"
OPEN_PARAM = query_param("open", {"type": "string", "enum": ["true", "false"]},
                         "true: only the undecided ones (the commission's queue); every complaint when absent")


def _replay_complaint(ref: dict) -> dict:
    return serialise.complaint(complaints.get(ref["id"]))


@operation(bp, "/installers/<int(max=2147483647):installer_id>/complaints", "POST", scope="complaints:write",
           tag=TAG, summary="File a complaint", request=schemas.COMPLAINT_IN, responses={201: schemas.COMPLAINT},
           replay=_replay_complaint)
def file_complaint(installer_id: int, body: dict) -> Reply:
    """``kind`` points (P-08: name the ledger entry, ``entry_id``, within 30 days of its accrual on the platform —
    for an imported opening balance, the day it was imported) or programme (P-42); the commission's deadline
    (``decide_by``) follows from the filing day ``on`` (default: today)."""
    installer = members.get(installer_id)
    on = context.day_so_far(body.get("on"), rule="P-42")
    complaint = complaints.file(installer, kind=body.get("kind", ""), text=body.get("text", ""), on=on,
                                rules=rules_on(on), entry_id=body.get("entry_id"), actor=context.actor())
    return Reply(serialise.complaint(complaint), 201, {"id": complaint.id})


@operation(bp, "/complaints", "GET", scope="complaints:read", tag=TAG, summary="List complaints",
           responses={200: schemas.COMPLAINT_PAGE}, query=(OPEN_PARAM, context.LIMIT_PARAM, context.CURSOR_PARAM),
           errors=(400,))
def list_complaints() -> Reply:
    """Soonest decision deadline first (P-42: the commission aims at 14 days); ``open=true`` for the undecided."""
    size, after = context.limit(), context.day_cursor()
    rows = pages.complaints(open_only=context.query_flag("open") is True, after=after, limit=size + 1)
    return Reply(context.page([serialise.complaint(c) for c in rows], rows, size,
                              lambda row: f"{row.decide_by.isoformat()}_{row.id}"))


@operation(bp, "/complaints/<int(max=2147483647):complaint_id>/decision", "POST", scope="complaints:write",
           tag=TAG, summary="Decide a complaint", request=schemas.COMPLAINT_DECISION_IN,
           responses={200: schemas.COMPLAINT}, replay=_replay_complaint)
def decide_complaint(complaint_id: int, body: dict) -> Reply:
    """P-42: upheld or refused, with the answer the participant is told at once (within the 7 days allowed);
    a complaint is decided once. P-08: an upheld complaint about points may credit the points it finds missing."""
    complaint = complaints.get(complaint_id)
    on = context.day_so_far(body.get("on"), rule="P-42")
    complaints.decide(complaint, upheld=body["upheld"], answer=body.get("answer", ""), on=on, rules=rules_on(on),
                      clock=get_clock(), actor=context.actor(), points=body.get("points"))
    return Reply(serialise.complaint(complaint), 200, {"id": complaint.id})
