"""SPEC §10, §11: schemathesis against /api/v1/openapi.json with a demo organiser's token — no 500, and every
answer (status, media type, body, headers) is one the document promises for that operation."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, settings
from schemathesis.core import NotSet
from schemathesis.core.parameters import ParameterLocation

from portal.api.openapi import REGISTRY, document, openapi_path
from portal.api.pipeline import json_number
from portal.api.validation import validate
from tests.api_fuzz.conftest import LEAD_REWARD_TAGS, LOYALTY_TAGS, schema_for

FUZZ_SETTINGS = settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
REQUEST_SCHEMAS = {(op.method.lower(), openapi_path(op.rule)): op.request for op in REGISTRY}

lead_reward = schema_for("distributor", LEAD_REWARD_TAGS)
loyalty = schema_for("manufacturer", LOYALTY_TAGS)


def body_the_document_allows_is_valid(ctx, response, case) -> None:
    """A body generated to fit the document passes the API's own validator (they are the same schemas)."""
    del ctx, response
    component = case.meta.components.get(ParameterLocation.BODY) if case.meta else None
    schema = REQUEST_SCHEMAS.get((case.method.lower(), case.operation.path))
    if component is None or not component.mode.is_positive or schema is None or isinstance(case.body, NotSet):
        return
    sent = json.loads(json.dumps(case.body), parse_float=json_number)  # as the API parses it (20.0 is 20)
    problems = validate(sent, schema)
    assert problems == [], f"the document allows this body, the validator refuses it: {problems}"


def _call(case) -> None:
    case.call_and_validate(headers={"Accept-Language": "en"}, additional_checks=[body_the_document_allows_is_valid])


def test_document_is_the_one_served(fuzz_world):
    response = fuzz_world.client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == document()


@lead_reward.parametrize()
@FUZZ_SETTINGS
def test_lead_reward_api_answers_as_documented(case, fuzz_world):
    del fuzz_world
    _call(case)


@loyalty.parametrize()
@FUZZ_SETTINGS
def test_loyalty_api_answers_as_documented(case, fuzz_world):
    del fuzz_world
    _call(case)
