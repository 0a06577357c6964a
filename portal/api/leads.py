"""Leads and their decisions over API v1 (L-02 … L-08, L-07, L-21). The checks are the web form's, in
``portal.leads.service.submission``; a refused lead is a 422 problem listing each field with its rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask_babel import gettext as _
from stdnum.pl import nip as nip_number

from portal.api import bp, context, schemas, serialise
from portal.api.openapi import operation, query_param
from portal.api.pipeline import Reply
from portal.api.problems import ApiProblem
from portal.core.bulk import ValidationFailed
from portal.core.clock import get_clock
from portal.core.errors import NotFound
from portal.leads.models import PENDING, Lead, Partner
from portal.leads.service import partners, queries, review, submission
from portal.leads.service.programme import rules_on

TAG = "leads"
STATUSES = (PENDING, "qualified", "rejected")
STATUS_PARAM = query_param("status", {"type": "string", "enum": list(STATUSES), "default": PENDING},
                           "the review queue of this status, soonest deadline first (without partner_id)")
PARTNER_PARAM = query_param("partner_id", {"type": "integer", "minimum": 1},
                            "one partner's leads, newest first (every status; not combined with status)")


def _lead(ref: str) -> Lead:
    """A lead of the token's organiser by its reference; another organiser's lead is 404, like a missing one."""
    lead = review.by_ref(ref)
    if lead is None:
        raise NotFound(_("No such lead."))
    return lead


@operation(bp, "/leads", "GET", scope="leads:read", tag=TAG, summary="List leads",
           responses={200: schemas.LEAD_PAGE},
           query=(STATUS_PARAM, PARTNER_PARAM, context.LIMIT_PARAM, context.CURSOR_PARAM), errors=(400,))
def list_leads() -> Reply:
    """The review queue of a status by its L-07 deadline (default: pending), or one partner's leads."""
    size, after = context.limit(), context.day_cursor()
    partner_id = context.query_int("partner_id", maximum=2_147_483_647)
    if partner_id is not None and context.request_has("status"):
        raise ApiProblem(400, _("Filter by status or by partner_id, not both."),
                         errors=[("status", _("Not combined with partner_id."), None)])
    if partner_id is not None:
        rows = queries.partner_leads(partner_id, before=after, limit=size + 1)
        cursor_of = _cursor_by(lambda lead: lead.submitted_on)
    else:
        status = context.query_choice("status", STATUSES, default=PENDING)
        rows = review.queue(status=status, after=after, limit=size + 1)
        cursor_of = _cursor_by(lambda lead: lead.due_on)
    return Reply(context.page([serialise.lead(row) for row in rows], rows, size, cursor_of))


def _cursor_by(day_of: Callable[[Lead], date]) -> Callable[[Lead], str]:
    return lambda lead: f"{day_of(lead).isoformat()}_{lead.id}"


def _replay_lead(ref: dict) -> dict:
    return serialise.lead(review.get(ref["id"]))


def _partner(body: dict) -> Partner:
    """The partner the lead is registered for, by ``partner_id`` or ``partner_nip`` (L-02: the partner's data)."""
    if body.get("partner_id") is not None:
        try:
            partner = partners.get(body["partner_id"])
        except NotFound:
            raise ValidationFailed([("partner_id", _("No such partner."), "L-01")]) from None
        if body.get("partner_nip") and nip_number.compact(str(body["partner_nip"])) != partner.nip:
            raise ValidationFailed([("partner_nip", _("partner_nip names another partner than partner_id; give "
                                                      "one of the two."), "L-02")])
        return partner
    if body.get("partner_nip"):
        return partners.named_by_nip(body["partner_nip"])
    raise ValidationFailed([("partner_id", _("Give the partner's id (or partner_nip)."), "L-02")])


@operation(bp, "/leads", "POST", scope="leads:write", tag=TAG, summary="Submit a lead",
           request=schemas.LEAD_IN, responses={201: schemas.LEAD}, replay=_replay_lead)
def create_lead(body: dict) -> Reply:
    """Registers a lead as the partner's web form does, on ``submitted_on`` (default: today) under the rules in
    force that day: L-02 contents, L-03 at least 3 licences, L-04 duplicates, L-05 customer exclusions,
    L-06 submission limit, L-08 campaign dates, L-21 the vendor-transfer consent (``vendor_consent``)."""
    partner = _partner(body)
    submitted_on = context.day_or_today(body.get("submitted_on"))
    data = {key: body.get(key) for key in submission.LEAD_FIELDS}
    lead = submission.submit(partner, data, rules_on(submitted_on), submitted_on=submitted_on, clock=get_clock(),
                             actor=context.actor(), ref=body.get("ref"),
                             vendor_consent=body.get("vendor_consent") is True, channel="api")
    return Reply(serialise.lead(lead), 201, {"id": lead.id})


@operation(bp, "/leads/<ref>", "GET", scope="leads:read", tag=TAG, summary="Read a lead",
           responses={200: schemas.LEAD})
def get_lead(ref: str) -> Reply:
    """One lead by the organiser's reference, with its status, L-07 deadline and decision."""
    return Reply(serialise.lead(_lead(ref)))


@operation(bp, "/leads/<ref>/decision", "POST", scope="leads:decide", tag=TAG, summary="Qualify or reject a lead",
           request=schemas.DECISION_IN, responses={200: schemas.LEAD}, replay=_replay_lead)
def decide_lead(ref: str, body: dict) -> Reply:
    """L-07: ``qualified`` or ``rejected`` (a rejection needs the reason the partner is told), on ``decided_on``
    (default: today). The same decision again changes nothing; a different one is refused. L-30: the programme
    version in force on that day settles the lead."""
    lead = review.decide(_lead(ref), body["decision"].strip().lower(),
                         decided_on=context.day_or_today(body.get("decided_on")), reason=body.get("reason", ""),
                         actor=context.actor(), clock=get_clock())
    return Reply(serialise.lead(lead), 200, {"id": lead.id})
