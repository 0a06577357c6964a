"""Participants (partners) of a lead-reward programme over API v1 (L-01)."""

from __future__ import annotations

from portal.api import bp, context, schemas, serialise
from portal.api.openapi import operation
from portal.api.pipeline import Reply
from portal.core.errors import NotFound
from portal.leads.service import partners, queries
from portal.leads.service.programme import rules_on

TAG = "participants"


@operation(bp, "/participants", "GET", scope="participants:read", tag=TAG, summary="List partners",
           responses={200: schemas.PARTICIPANT_PAGE}, query=(context.LIMIT_PARAM, context.CURSOR_PARAM),
           errors=(400,))
def list_participants() -> Reply:
    """Partners by NIP, a page at a time (keyset pagination: the same speed however many there are)."""
    size, last_id = context.limit(), context.cursor()
    after = None
    if last_id is not None:
        try:
            after = partners.get(last_id).nip
        except NotFound:
            raise context.invalid_cursor() from None
    rows = queries.partners_page(after=after, limit=size + 1)
    return Reply(context.page([serialise.partner(p) for p in rows], rows, size))


def _replay_participant(ref: dict) -> dict:
    return serialise.partner(partners.get(ref["id"]))


@operation(bp, "/participants", "POST", scope="participants:write", tag=TAG, summary="Register a partner",
           request=schemas.PARTICIPANT_IN, responses={201: schemas.PARTICIPANT}, replay=_replay_participant)
def create_participant(body: dict) -> Reply:
    """L-01: a registered company (NIP with a valid checksum) with correct contact data; refused problems name
    their field and rule. A NIP already in the programme is refused too."""
    data = {key: body.get(key, "") for key in ("nip", "name", "address", *partners.CONTACT_FIELDS)}
    data["flags"] = body.get("flags", [])
    partner = partners.join(data, rules_on(context.today()), tenant_id=context.tenant_id(), actor=context.actor())
    return Reply(serialise.partner(partner), 201, {"id": partner.id})


@operation(bp, "/participants/<int(max=2147483647):participant_id>", "GET", scope="participants:read", tag=TAG,
           summary="Read a partner", responses={200: schemas.PARTICIPANT})
def get_participant(participant_id: int) -> Reply:
    """One partner of the token's organiser; another organiser's partner is 404, like a missing one."""
    return Reply(serialise.partner(partners.get(participant_id)))
