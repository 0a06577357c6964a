"""The OpenAPI 3.1 document (SPEC §10) is generated from the routes' declarations and covers every API route."""

from __future__ import annotations

import re

from portal.api import schemas
from portal.api.openapi import PREFIX, REGISTRY, openapi_path
from portal.api.tokens import SCOPES
from portal.extensions import db
from portal.privacy import datamap


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_openapi_lists_every_api_route(app, client):
    paths = _document(client)["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/") and rule.rule != PREFIX:
            continue
        path = openapi_path(rule.rule.removeprefix(PREFIX))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {rule.rule}")
    assert missing == []
    assert len(REGISTRY) == sum(len(ops) for ops in paths.values())


def test_openapi_document_is_public_and_3_1(client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    assert doc["paths"]["/openapi.json"]["get"]["security"] == []


def test_every_operation_names_a_known_scope_and_problem_responses(client):
    for path, operations in _document(client)["paths"].items():
        for method, op in operations.items():
            if path == "/openapi.json":
                continue
            (requirement,) = op["security"]
            assert set(requirement["bearerAuth"]) <= set(SCOPES), (method, path)
            assert {"401", "403", "404", "500"} <= set(op["responses"]), (method, path)
            if method == "post":
                assert any(p["name"] == "Idempotency-Key" for p in op["parameters"])


def test_path_parameters_are_declared(client):
    for path, operations in _document(client)["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for op in operations.values():
            assert {p["name"] for p in op.get("parameters", []) if p["in"] == "path"} == names


def test_request_schemas_in_the_document_are_the_validators(client):
    components = _document(client)["components"]["schemas"]
    assert components["LeadIn"] == schemas.LEAD_IN
    assert components["SalesIn"] == schemas.SALES_IN
    lead_post = _document(client)["paths"]["/leads"]["post"]
    assert lead_post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/LeadIn"}


def test_settlement_read_documents_both_json_and_csv(client):
    content = _document(client)["paths"]["/settlements/{period}"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}


def test_G10_api_tables_classify_every_column(app):
    unclassified = datamap.unclassified(db.metadata)
    assert [c for c in unclassified if c.split(".")[0] in ("api_tokens", "idempotency_keys")] == []
    personal = datamap.personal_columns(db.metadata)
    assert "api_tokens" not in personal and "idempotency_keys" not in personal


def test_loyalty_and_privacy_operations_are_documented_with_their_scopes(client):
    paths = _document(client)["paths"]
    expected = {
        ("/installers", "get"): "installers:read", ("/installers", "post"): "installers:write",
        ("/installers/{installer_id}", "get"): "installers:read",
        ("/installers/{installer_id}/devices", "post"): "devices:write",
        ("/installers/{installer_id}/devices", "get"): "devices:read",
        ("/installers/{installer_id}/points", "get"): "points:read",
        ("/installers/{installer_id}/ledger", "get"): "points:read",
        ("/installers/{installer_id}/orders", "post"): "orders:write",
        ("/installers/{installer_id}/orders", "get"): "orders:read",
        ("/installers/{installer_id}/complaints", "post"): "complaints:write",
        ("/complaints", "get"): "complaints:read", ("/complaints/{complaint_id}/decision", "post"): "complaints:write",
        ("/privacy/requests", "post"): "privacy:write", ("/privacy/requests/{reference}", "get"): "privacy:read",
        ("/privacy/requests/{reference}/process", "post"): "privacy:write",
        ("/privacy/requests/{reference}/bundle", "get"): "privacy:read",
        **{(f"/orders/{{order_id}}/{action}", "post"): "orders:write"
           for action in ("ship", "delivery-failed", "delivered", "withhold", "release", "substitute",
                          "substitute-answer", "cancel")},
    }
    for (path, method), scope in expected.items():
        assert paths[path][method]["security"] == [{"bearerAuth": [scope]}], (method, path)
    scopes_text = _document(client)["components"]["securitySchemes"]["bearerAuth"]["description"]
    assert "`orders:write`" in scopes_text and "P-21" in scopes_text and "G-01" in scopes_text


def test_bundle_download_is_documented_as_a_zip_with_410_when_gone(client):
    op = _document(client)["paths"]["/privacy/requests/{reference}/bundle"]["get"]
    assert set(op["responses"]["200"]["content"]) == {"application/zip"}
    assert {"409", "410"} <= set(op["responses"])
    components = _document(client)["components"]["schemas"]
    assert components["OrderIn"] == schemas.ORDER_IN and components["SubjectRequestIn"] == schemas.SUBJECT_REQUEST_IN


def test_P07_the_ledger_entry_names_every_kind_an_entry_can_have(client):
    """A client learns the ledger's vocabulary from the document: earn, opening, refund, adjust, redeem, expire,
    forfeit, revoke — each one the ledger writes."""
    from portal.loyalty.labels import LEDGER_KINDS

    page = _document(client)["components"]["schemas"]["LedgerPage"]
    kind = page["properties"]["items"]["items"]["properties"]["kind"]
    assert sorted(kind["enum"]) == sorted(LEDGER_KINDS) and "expire" in kind["enum"]
