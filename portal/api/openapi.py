"""The OpenAPI 3.1 document of API v1 (SPEC §10), generated from the code: each route is declared once with
``operation(...)``, which registers the Flask route, wraps it in the request pipeline and records its scope,
parameters and JSON Schemas; ``document()`` assembles the registry. Nothing here is maintained by hand.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

from flask import Blueprint

from portal.api import pipeline, schemas
from portal.api.idempotency import MAX_KEY_LENGTH
from portal.api.tokens import SCOPES
from portal.api.validation import validate

PREFIX = "/api/v1"
_PARAM = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
_BOUND = re.compile(r"\b(min|max)=(\d+)")
_CONVERTER_TYPES = {"int": {"type": "integer", "minimum": 0}, "float": {"type": "number", "minimum": 0}}
_ERRORS_FOR_ALL = (401, 404, 405, 429, 500, 503)  # 503: the database is unavailable for a moment


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    tag: str
    scope: str | None
    request: dict | None
    responses: dict[int, dict | None]
    query: tuple[dict, ...] = ()
    errors: tuple[int, ...] = ()
    alternatives: dict[str, dict] = field(default_factory=dict)

    @property
    def public(self) -> bool:
        return self.scope is None


REGISTRY: list[Operation] = []


def query_param(name: str, schema: dict, description: str) -> dict:
    """An optional query parameter; ``?name=`` (empty) is the same as leaving it out, as ``context`` reads them."""
    return {"name": name, "in": "query", "required": False, "allowEmptyValue": True, "schema": schema,
            "description": description}


def operation(bp: Blueprint, rule: str, method: str = "GET", *, scope: str | None, summary: str, tag: str,
              request: dict | None = None, responses: dict[int, dict | None] | None = None,
              query: tuple[dict, ...] = (), errors: tuple[int, ...] = (), alternatives: dict[str, dict] | None = None,
              replay: pipeline.Replayer | None = None) -> Callable:
    """Declare one API operation: the route, its pipeline (scope, body schema, Idempotency-Key for POST) and its
    entry in the document. ``scope=None`` is a public operation (only the document itself); ``alternatives``:
    other media types of the success response (e.g. ``text/csv``) with their schemas — a response schema of
    ``None`` means that status has no JSON form (a file download); ``replay`` (every POST):
    renders the response again from the ``ref`` of the view's ``Reply``, for an Idempotency-Key retry."""
    if (method == "POST") != (replay is not None):
        raise TypeError(f"{method} {rule}: a POST needs a replay function (Idempotency-Key), other methods none")

    def decorator(view: Callable) -> Callable:
        op = Operation(rule, method, view.__name__, summary, inspect.cleandoc(view.__doc__ or ""), tag, scope,
                       request, responses or {200: {}}, query, errors, alternatives or {})
        REGISTRY.append(op)
        wrapped = pipeline.run(view, scope=scope, request_schema=request, replay=replay)
        bp.add_url_rule(rule, view.__name__, wrapped, methods=[method])
        return wrapped

    return decorator


def openapi_path(rule: str) -> str:
    """``/leads/<ref>`` → ``/leads/{ref}`` (paths are relative to the server URL ``/api/v1``)."""
    return _PARAM.sub(lambda m: "{" + m.group(3) + "}", rule)


def _path_schema(converter: str, arguments: str) -> dict:
    """What the route's converter matches: ``int(max=2147483647)`` is a non-negative integer up to that bound (a
    larger one names nothing: 404)."""
    schema = dict(_CONVERTER_TYPES.get(converter, {"type": "string"}))
    for name, value in _BOUND.findall(arguments):
        schema["minimum" if name == "min" else "maximum"] = int(value)
    return schema


def _path_parameters(rule: str) -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": _path_schema(conv, args)}
            for conv, args, name in _PARAM.findall(rule)]


def _ref(schema: dict, components: dict[str, dict]) -> dict:
    """A titled schema goes into components once and is referenced; an untitled one stays inline."""
    title = schema.get("title")
    if not title:
        return schema
    components.setdefault(title, schema)
    return {"$ref": f"#/components/schemas/{title}"}


def _operation_object(op: Operation, components: dict[str, dict]) -> dict:
    doc: dict = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag]}
    if op.description:
        doc["description"] = op.description
    parameters = _path_parameters(op.rule) + list(op.query)
    if op.method == "POST":
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                                      "pattern": "^[!-~]+$"},
                           "description": "1 to 200 printable ASCII characters without spaces (a UUID is a good "
                                          "choice). Retrying with the same key (for a day) creates nothing and answers "
                                          "with the first response's status and the objects it described, "
                                          "with 'Idempotent-Replayed: true'; the same key with a different "
                                          "request is a 422 problem."})
    if parameters:
        doc["parameters"] = parameters
    if op.request is not None:
        # an empty body is read as {} (pipeline.parse_body): it may be left out where {} is a valid request
        doc["requestBody"] = {"required": bool(validate({}, op.request)),
                              "content": {"application/json": {"schema": _ref(op.request, components)}}}
    doc["security"] = [] if op.public else [{"bearerAuth": [op.scope]}]
    responses: dict[str, dict] = {}
    for status, schema in op.responses.items():
        content = {} if schema is None else {"application/json": {"schema": _ref(schema, components) if schema
                                                                   else {}}}
        content.update({media: {"schema": alt} for media, alt in op.alternatives.items()})
        responses[str(status)] = {"description": HTTPStatus(status).phrase, "content": content}
    codes = set(op.errors) | ({405, 429, 500} if op.public else set(_ERRORS_FOR_ALL) | {403})
    if op.request is not None:
        codes |= {400, 413, 415, 422}  # 413: a body over MAX_CONTENT_LENGTH
    if op.method == "POST" and not op.public:
        codes |= {409, 422}
    for code in sorted(codes):
        responses[str(code)] = {"$ref": "#/components/responses/Problem"}
    doc["responses"] = responses
    return doc


def document() -> dict:
    """The whole OpenAPI 3.1 document, from the registry."""
    components: dict[str, dict] = {"Problem": schemas.PROBLEM}
    paths: dict[str, dict] = {}
    for op in REGISTRY:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation_object(op, components)
    scope_list = "\n".join(f"- `{name}`: {what}" for name, what in SCOPES.items())
    return {
        "openapi": "3.1.0",
        "info": {"title": "Programme Portal API", "version": "1.0.0",
                 "description": "JSON API v1 for organisers' systems (SPEC §10). Every error is an RFC 9457 "
                                "problem (application/problem+json); validation problems list each field with "
                                "the SPEC rule that refused it."},
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A per-tenant API token; its scopes:\n" + scope_list}},
            "responses": {"Problem": {"description": "RFC 9457 problem details", "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
        },
    }


def public_endpoints(blueprint_name: str) -> set[str]:
    return {f"{blueprint_name}.{op.endpoint}" for op in REGISTRY if op.public}


def endpoints_of_scopes(blueprint_name: str, prefix: str) -> set[str]:
    """The operations whose scope starts with ``prefix`` (``privacy:``: the data subjects' rights)."""
    return {f"{blueprint_name}.{op.endpoint}" for op in REGISTRY if (op.scope or "").startswith(prefix)}
