"""API v1 fixtures: the distributor preset (as `flask tenants create tenants/distributor` loads it), tokens with
scopes, and a client that sends the bearer token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.accounts.models import ADMIN
from portal.api import tokens
from portal.api.tokens import SCOPES
from portal.extensions import db
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.factories import valid_nip

ROOT = Path(__file__).resolve().parents[2]
ALL_SCOPES = tuple(SCOPES)


def nip(n: int) -> str:
    return valid_nip(1000 + n)


def partner_body(n: int, **overrides) -> dict:
    body = {"nip": nip(n), "name": f"Partner {n} Sp. z o.o.", "address": f"ul. Handlowa {n} Warszawa",
            "contact_first_name": "Jan", "contact_last_name": f"Kowalski{n}",
            "contact_phone": f"+48 600 000 00{n % 10}", "contact_email": f"jan{n}@partner{n}.example.com"}
    body.update(overrides)
    return body


def lead_body(ref: str, partner_id: int, customer: int, family: str = "O365", billing: str = "annual",
              licences: int = 20, submitted_on: str = "2018-08-10", **overrides) -> dict:
    body = {"ref": ref, "partner_id": partner_id, "customer_nip": nip(100 + customer),
            "customer_name": f"Klient {customer}", "customer_address": f"ul. Kliencka {customer}", "family": family,
            "plan": "E3", "billing": billing, "licences": licences, "pcs": licences, "submitted_on": submitted_on,
            "vendor_consent": True}
    body.update(overrides)
    return body


class Api:
    """Requests to /api/v1 with one token (each in a fresh context: see tests/conftest.IsolatedClient)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers: dict | None, key: str | None) -> dict:
        out = {"Accept-Language": "en"}
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            out["Idempotency-Key"] = key
        out.update(headers or {})
        return out

    def get(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(headers, None), **kwargs)

    def post(self, path: str, body: object = None, *, key: str | None = None, headers: dict | None = None,
             data: bytes | str | None = None, content_type: str = "application/json"):
        payload = data if data is not None else (json.dumps(body) if body is not None else b"")
        return self.client.post("/api/v1" + path, data=payload, content_type=content_type,
                                headers=self._headers(headers, key))


def make_token(tenant, scopes=ALL_SCOPES, name: str = "ERP") -> str:
    admin = factories.user(tenant, ADMIN)
    with use_tenant(tenant.id):
        _, plaintext = tokens.create_token(tenant.id, name, list(scopes), admin)
    db.session.commit()
    return plaintext


@pytest.fixture
def distributor(app):
    """The distributor preset: a lead-reward campaign (2018-08-01 … 2018-12-27)."""
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / "distributor")])
    assert result.exit_code == 0, result.output
    return tenants.by_slug("distributor")


@pytest.fixture
def token_for():
    return make_token


@pytest.fixture
def api(client, distributor) -> Api:
    """A client holding a token of the distributor with every scope."""
    return Api(client, make_token(distributor))


@pytest.fixture
def api_for(client):
    """``api_for(tenant, scopes)``: a client with a new token of that tenant."""
    return lambda tenant, scopes=ALL_SCOPES: Api(client, make_token(tenant, scopes))


def problem(response) -> dict:
    """The problem+json body, after checking the media type (RFC 9457)."""
    assert response.mimetype == "application/problem+json", (response.status_code, response.data[:300])
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == response.status_code
    return body


def rules_of(response) -> set[str | None]:
    return {e["rule"] for e in problem(response).get("errors", [])}
