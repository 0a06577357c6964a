"""SPEC §10: the refusals the document promises — 401, 403, 404, 409, 422 — are given where it promises them, for
every operation, as problems that match the document (status listed for the operation, problem+json, the
Problem schema)."""

from __future__ import annotations

import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api import tokens
from portal.api.openapi import document
from portal.api.tokens import SCOPES
from portal.extensions import db
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests.api_fuzz.conftest import CURRENT_APP, KNOWN, LEAD_REWARD_TAGS, LOYALTY_TAGS, TOKENS

CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance,
               response_headers_conformance]
MISSING = {"participant_id": 2_147_483_647, "installer_id": 2_147_483_647, "order_id": 2_147_483_647,
           "complaint_id": 2_147_483_647, "ref": "NO-SUCH-LEAD", "reference": "DSR-1999-99999", "period": 999}
VALID_BODIES = {  # the fields a POST requires (its other fields are optional: {} is valid)
    "/leads/{ref}/decision": {"decision": "qualified"}, "/installers/{installer_id}/orders": {"reward": "FZ-A"},
    "/orders/{order_id}/substitute": {"code": "FZ-B"}, "/orders/{order_id}/substitute-answer": {"accept": True},
    "/complaints/{complaint_id}/decision": {"upheld": True, "answer": "Uznana."},
    "/installers/{installer_id}/points/revocations": {"reason": "Premia naliczona podwójnie."},
    "/installers/{installer_id}/titles": {"change": "grant", "title": "leader"},
    "/privacy/requests/{reference}/extension": {"months": 1, "reason": "Wiele systemów do przeszukania."},
    "/privacy/requests/{reference}/closure": {"outcome": "Dane poprawione."},
}


def _schema():
    schema = schemathesis.openapi.from_dict(document())
    schema.app = CURRENT_APP
    return schema


def _operations(tags: list[str]):
    for result in _schema().include(tag=tags).get_all_operations():
        operation = result.ok()
        if operation.path != "/openapi.json":
            yield operation


def _organiser(operation) -> str:
    return "distributor" if set(operation.tags or []) & (set(LEAD_REWARD_TAGS) - {"privacy"}) else "manufacturer"


def _known(slug: str, operation) -> dict:
    names = [p.name for p in operation.path_parameters]
    return {name: KNOWN[slug][name][0] for name in names}


def _send(operation, path_parameters: dict, token: str | None, body: object = None, headers: dict | None = None):
    """The request, and the answer checked against the document."""
    sent = {"Accept-Language": "en", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    kwargs = {"body": body if body is not None else {}} if operation.method.upper() == "POST" else {}
    case = operation.Case(path_parameters=path_parameters, headers=sent, media_type="application/json", **kwargs)
    response = case.call()
    case.validate_response(response, checks=CONFORMANCE)
    return response


def _all_operations():
    return [*_operations(LEAD_REWARD_TAGS), *[op for op in _operations(LOYALTY_TAGS) if "privacy" not in op.tags]]


def _token_without(app, slug: str, scope: str) -> str:
    """A token of the organiser with every scope but ``scope``."""
    with app.app_context():
        tenant = tenants.by_slug(slug)
        with use_tenant(tenant.id):
            _, plaintext = tokens.create_token(tenant.id, f"no {scope}", [s for s in SCOPES if s != scope])
        db.session.commit()
    return plaintext


def test_without_a_valid_token_every_operation_is_401(fuzz_world):
    revoked = TOKENS["distributor"][:-1] + "?"
    for operation in _all_operations():
        known = _known(_organiser(operation), operation)
        for token in (None, revoked, "not-a-token"):
            response = _send(operation, known, token)
            assert response.status_code == 401, (operation.label, token, response.text[:200])
            assert response.headers["www-authenticate"][0].startswith("Bearer")


def test_a_token_without_the_operations_scope_is_403(fuzz_world):
    for operation in _all_operations():
        slug = _organiser(operation)
        (requirement,) = operation.definition.raw["security"]
        (scope,) = requirement["bearerAuth"]
        token = _token_without(fuzz_world.app, slug, scope)
        response = _send(operation, _known(slug, operation), token)
        assert response.status_code == 403, (operation.label, response.text[:200])
        assert response.json()["required_scope"] == scope


def test_a_missing_row_and_another_organisers_row_are_404(fuzz_world):
    for operation in _all_operations():
        if not operation.path_parameters or operation.label == "POST /settlements/{period}/run":
            continue  # running a period that has no statement yet makes one
        slug = _organiser(operation)
        other = "manufacturer" if slug == "distributor" else "distributor"
        names = [p.name for p in operation.path_parameters]
        candidates = [{name: MISSING[name] for name in names}]
        if any(isinstance(MISSING[name], int) for name in names):  # beyond the route's bound: 404 too, not 405
            candidates.append({name: 10**11 if isinstance(MISSING[name], int) else MISSING[name] for name in names})
        # the other organiser's rows, except values this organiser holds too (request references count per
        # organiser, so both may have a DSR-…-00001 of their own)
        foreign = {name: [v for v in KNOWN[other].get(name, []) if v not in KNOWN[slug].get(name, [])]
                   for name in names}
        if all(foreign.values()):
            candidates.append({name: foreign[name][0] for name in names})
        for path_parameters in candidates:
            response = _send(operation, path_parameters, TOKENS[slug], body=VALID_BODIES.get(operation.path))
            assert response.status_code == 404, (operation.label, path_parameters, response.text[:200])


def test_a_body_field_the_document_does_not_name_is_422_naming_it(fuzz_world):
    posts = [op for op in _all_operations() if op.method.upper() == "POST"]
    assert len(posts) >= 20
    for operation in posts:
        slug = _organiser(operation)
        response = _send(operation, _known(slug, operation), TOKENS[slug], body={"colour": "red"})
        assert response.status_code == 422, (operation.label, response.text[:200])
        assert "colour" in {error["field"] for error in response.json()["errors"]}


def test_an_idempotency_key_reused_for_another_request_is_422(fuzz_world):
    operation = _schema()["/privacy/requests"]["POST"]
    first = {"kind": "access", "email": "someone@example.com", "verified": True}
    key = {"Idempotency-Key": "fuzz-reused-key"}
    assert _send(operation, {}, TOKENS["distributor"], body=first, headers=key).status_code == 201
    replayed = _send(operation, {}, TOKENS["distributor"], body=first, headers=key)
    assert replayed.status_code == 201 and replayed.headers["idempotent-replayed"] == ["true"]
    other = _send(operation, {}, TOKENS["distributor"], body={**first, "kind": "erasure"}, headers=key)
    assert other.status_code == 422 and other.json()["type"].endswith("/idempotency-key-reused")


def test_a_step_the_state_does_not_allow_is_409(fuzz_world):
    schema = _schema()
    approve = schema["/settlements/{period}/approve"]["POST"]
    assert _send(approve, {"period": 1}, TOKENS["distributor"]).status_code in (200, 409)  # the fuzzing may have
    again = _send(approve, {"period": 1}, TOKENS["distributor"])
    assert again.status_code == 409 and again.json()["rule"] == "L-19"
    rerun = _send(schema["/settlements/{period}/run"]["POST"], {"period": 1}, TOKENS["distributor"],
                  body={"as_of": "2018-10-02"})
    assert rerun.status_code == 409
    filed = _send(schema["/privacy/requests"]["POST"], {}, TOKENS["manufacturer"],
                  body={"kind": "access", "email": "installer1@example.com", "verified": True})
    bundle = _send(schema["/privacy/requests/{reference}/bundle"]["GET"], {"reference": filed.json()["reference"]},
                   TOKENS["manufacturer"])
    assert bundle.status_code == 409  # filed, not processed yet: no bundle to download
