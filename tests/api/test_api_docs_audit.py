"""SPEC §10/§11: what the API answers is what its OpenAPI document lists (413 for a body over the limit, 405 and 429
on the public document too), and a refusal explains itself: a page size too large says the range, a number too long
for any field says so in the reader's words, and a throttled caller without a token is not told about "this token"."""

from __future__ import annotations

from tests.api.conftest import Api, make_token, problem
from tests.api.test_openapi import _document


def test_S10_every_operation_with_a_body_lists_413_and_the_public_document_405_and_429(client):
    paths = _document(client)["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
    public = paths["/openapi.json"]["get"]["responses"]
    assert {"405", "429"} <= set(public)


def test_S11_a_body_over_the_size_limit_is_a_413_problem(make_app, distributor):
    app = make_app(MAX_CONTENT_LENGTH=1000)
    with app.app_context():
        from portal.tenancy import service as tenants

        api = Api(app.test_client(), make_token(tenants.by_slug("distributor")))
        response = api.post("/participants", {"name": "x" * 2000})
        assert response.status_code == 413 and problem(response)["status"] == 413


def test_S11_a_page_size_of_many_digits_is_told_the_range(api):
    response = api.get("/leads?limit=99999999999")
    assert response.status_code == 400
    assert "between 1 and 200" in problem(response)["errors"][0]["message"]


def test_S11_a_number_of_thousands_of_digits_is_refused_in_the_readers_words(api):
    response = api.client.post("/api/v1/participants", data='{"name": ' + "9" * 5000 + "}",
                               headers=api._headers({"Content-Type": "application/json"}, None))
    body = problem(response)
    assert response.status_code == 400 and "sys.set_int_max_str_digits" not in body["detail"]
    assert "digits" in body["detail"]


def test_S11_a_throttled_caller_without_a_token_is_told_about_its_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.get("/api/v1/openapi.json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    detail = problem(client.get("/api/v1/openapi.json"))["detail"]
    assert "token" not in detail


def test_S11_a_page_size_written_with_leading_zeros_is_its_value(api):
    assert api.get("/leads?limit=0000000000000000050").status_code == 200
