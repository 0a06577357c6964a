"""Data-subject requests over API v1 (G-01 … G-09): filed from the organiser's systems, processed, and the
access bundle downloaded. The answers show a request's progress, never the requester's personal data; the
checks and the processing are ``portal.privacy.requests``' (the DPO console's and ``flask privacy``'s)."""

from __future__ import annotations

from flask import Response, send_file
from flask_babel import gettext as _

from portal.api import bp, context, pages, schemas, serialise
from portal.api.openapi import operation
from portal.api.pipeline import Reply
from portal.api.problems import ApiProblem
from portal.core.clock import get_clock
from portal.core.errors import NotFound
from portal.privacy import audit, requests
from portal.privacy.labels import API_FILED
from portal.privacy.models import DataSubjectRequest

TAG = "privacy"
REQUEST = "/privacy/requests/<reference>"
BUNDLE_KINDS = ("access", "portability")


def _request_json(row: DataSubjectRequest) -> dict:
    return serialise.subject_request(row, requests.deadline(row))


def _replay_request(ref: dict) -> dict:
    row = requests.by_id(ref["id"])
    if row is None:
        raise NotFound(_("What this request recorded no longer exists."))
    return _request_json(row)


@operation(bp, "/privacy/requests", "POST", scope="privacy:write", tag=TAG, summary="File a data-subject request",
           request=schemas.SUBJECT_REQUEST_IN, responses={201: schemas.SUBJECT_REQUEST}, replay=_replay_request)
def file_request(body: dict) -> Reply:
    """G-01: any right, about the person with ``email``; due one month after receipt (G-03). ``verified=true``
    files it as the DPO would, for a requester whose identity the organiser checked (``note`` says how);
    otherwise the requester is sent a one-time verification link (G-02) and nothing happens until it is used.
    ``received_on`` keeps the day a letter or e-mail reached the organiser (default today). The answer carries
    the request's ``reference``."""
    verified = body.get("verified") is True
    row, token = requests.file(body.get("kind", ""), channel="dpo" if verified else "public", clock=get_clock(),
                               email=body.get("email", ""), name=body.get("name", ""),
                               details=body.get("details", ""), verified=verified,
                               note=(body.get("note") or API_FILED) if verified else "", actor=context.actor(),
                               received_on=context.day_or_today(body.get("received_on")))
    requests.send_verification(row, token, tenant=context.tenant())
    return Reply(_request_json(row), 201, {"id": row.id})


@operation(bp, REQUEST, "GET", scope="privacy:read", tag=TAG, summary="Read a data-subject request",
           responses={200: schemas.SUBJECT_REQUEST})
def get_request(reference: str) -> Reply:
    """Its status, deadline (with any extension, G-03), verification (G-02) and outcome."""
    return Reply(_request_json(requests.get(reference)))


@operation(bp, f"{REQUEST}/process", "POST", scope="privacy:write", tag=TAG,
           summary="Carry a data-subject request out", request=schemas.EMPTY_IN,
           responses={200: schemas.SUBJECT_REQUEST}, replay=_replay_request)
def process_request(reference: str, body: dict) -> Reply:
    """What the background worker does, now (``flask privacy process``): access and portability build the
    bundle (G-04), erasure erases (G-05), restriction restricts (G-07), objection and consent withdrawal take
    effect (G-08, G-09). An unverified requester is refused (G-02); a closed request is left as it is."""
    del body
    row = requests.get(reference)
    requests.process(row, clock=get_clock(), actor=context.actor(), tenant_name=context.tenant().name)
    return Reply(_request_json(row), 200, {"id": row.id})


@operation(bp, f"{REQUEST}/bundle", "GET", scope="privacy:read", tag=TAG, summary="Download an access bundle",
           responses={200: None}, alternatives={"application/zip": schemas.BUNDLE}, errors=(409, 410))
def get_bundle(reference: str) -> Response:
    """G-04: the zip of a done access or portability request (data.json, a CSV per table, summary.html), for
    7 days after it was built; after that it is deleted and this is a 410 problem. Each download is audited."""
    row = requests.get(reference)
    if row.kind not in BUNDLE_KINDS:
        raise NotFound(_("Only access and portability requests have a bundle."))
    bundle = pages.bundle_of(row.id)
    if bundle is None:
        if row.status == "open":
            raise ApiProblem(409, _("The request is not processed yet; its bundle is built when it is."),
                             kind="conflict")
        raise NotFound(_("This request has no bundle: no data of this person is held here."))
    clock = get_clock()
    path = pages.bundle_file(bundle, clock=clock)
    if path is None:
        raise ApiProblem(410, _("The bundle was available for 7 days and has been deleted (G-04); file a new "
                                "access request."), kind="gone", rule="G-04")
    bundle.downloaded_at = clock.now()
    audit.record(context.actor(), "bundle.downloaded", "export_bundle", bundle.id)
    return send_file(path, as_attachment=True, download_name=f"{row.reference}.zip", mimetype="application/zip")


@operation(bp, f"{REQUEST}/extension", "POST", scope="privacy:write", tag=TAG,
           summary="Extend a data-subject request's deadline", request=schemas.EXTENSION_IN,
           responses={200: schemas.SUBJECT_REQUEST}, replay=_replay_request)
def extend_request(reference: str, body: dict) -> Reply:
    """G-03: once, by one or two months counted from receipt, while the first month runs; the requester is sent
    the reason. A closed request, a second extension or a late one is a 422 problem."""
    row = requests.get(reference)
    requests.extend(row, body["months"], body["reason"], actor=context.actor(), clock=get_clock())
    return Reply(_request_json(row), 200, {"id": row.id})


@operation(bp, f"{REQUEST}/closure", "POST", scope="privacy:write", tag=TAG,
           summary="Close a data-subject request with the answer", request=schemas.CLOSURE_IN,
           responses={200: schemas.SUBJECT_REQUEST}, replay=_replay_request)
def close_request(reference: str, body: dict) -> Reply:
    """What the DPO does by hand — a rectification made, a request answered or refused (``rejected``): the
    ``outcome`` is the answer the requester is sent. An already closed request is a 422 problem."""
    row = requests.get(reference)
    requests.close(row, body["outcome"], clock=get_clock(), actor=context.actor(),
                   rejected=body.get("rejected") is True)
    return Reply(_request_json(row), 200, {"id": row.id})
