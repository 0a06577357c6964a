"""Settlement periods over API v1 (L-17, L-19): run a draft, approve (freeze) it, read its lines as JSON or as
the settlement CSV of FORMATS.md — the same bytes as ``flask settlement run``."""

from __future__ import annotations

from datetime import date

from flask import Response, request

from portal.api import bp, schemas, serialise
from portal.api.context import actor, query_choice
from portal.api.openapi import operation, query_param
from portal.api.pipeline import Reply
from portal.core.clock import get_clock
from portal.leads.service import settlement as settlement_service

TAG = "settlements"
PERIOD = "/settlements/<int(max=1000):period>"
CSV = "text/csv"
FORMAT_PARAM = query_param("format", {"type": "string", "enum": ["json", "csv"]},
                           "csv for the FORMATS.md file (the same as sending 'Accept: text/csv')")


def _statement(period: int) -> dict:
    run = settlement_service.by_period(period)
    return serialise.settlement(run, settlement_service.lines_of(run))


def _replay_statement(ref: dict) -> dict:
    return _statement(ref["period"])


@operation(bp, f"{PERIOD}/run", "POST", scope="settlements:write", tag=TAG, summary="Run a settlement period",
           request=schemas.SETTLEMENT_RUN_IN, responses={200: schemas.SETTLEMENT}, replay=_replay_statement)
def run_settlement(period: int, body: dict) -> Reply:
    """Computes the period's statement as of ``as_of`` (L-10 … L-18) and stores it as a draft, replacing the
    previous draft; the same data gives the same lines. An approved period is frozen: 409 (L-19)."""
    as_of = date.fromisoformat(body["as_of"])
    settlement_service.check_as_of(as_of, clock=get_clock())
    settlement_service.run(period, as_of=as_of, clock=get_clock(), actor=actor())
    return Reply(_statement(period), 200, {"period": period})


@operation(bp, f"{PERIOD}/approve", "POST", scope="settlements:write", tag=TAG,
           summary="Approve (freeze) a settlement period", request=schemas.EMPTY_IN,
           responses={200: schemas.SETTLEMENT}, replay=_replay_statement)
def approve_settlement(period: int, body: dict) -> Reply:
    """L-19: the draft becomes final and can no longer be re-run; approving twice is a 409 problem."""
    del body
    settlement_service.approve(period, clock=get_clock(), actor=actor())
    return Reply(_statement(period), 200, {"period": period})


@operation(bp, PERIOD, "GET", scope="settlements:read", tag=TAG, summary="Read a settlement period",
           responses={200: schemas.SETTLEMENT}, alternatives={CSV: schemas.SETTLEMENT_CSV}, query=(FORMAT_PARAM,),
           errors=(400,))
def get_settlement(period: int) -> Reply | Response:
    """The period's lines, each with the rule that decided it, base, rate, amount, status and reason (L-19).
    ``Accept: text/csv`` or ``?format=csv`` gives the FORMATS.md CSV instead."""
    wanted = query_choice("format", ("json", "csv"))
    if wanted is None:
        best = request.accept_mimetypes.best_match(["application/json", CSV], default="application/json")
        wanted = "csv" if best == CSV else "json"
    if wanted == "json":
        return Reply(_statement(period))
    run = settlement_service.by_period(period)
    text = settlement_service.to_csv(settlement_service.lines_of(run))
    response = Response(text, status=200, mimetype=CSV)
    response.headers["Content-Disposition"] = f'attachment; filename="settlement-{period}.csv"'
    response.vary.add("Accept")
    return response
