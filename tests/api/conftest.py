"""API v1 fixtures: the distributor preset (as `flask tenants create tenants/distributor` loads it), tokens with
scopes, and a client that sends the bearer token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.accounts.models import ADMIN, DPO
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
    """A token made by the role whose scopes it carries: the DPO's privacy scopes, the admin's the others; one
    carrying both (the fuzzing's and the sweeps' all-scopes token) is made by the system, as a command makes it."""
    privacy = set(scopes) & tokens.PRIVACY_SCOPES
    creator = None if privacy and set(scopes) - privacy else factories.user(tenant, DPO if privacy else ADMIN)
    with use_tenant(tenant.id):
        _, plaintext = tokens.create_token(tenant.id, name, list(scopes), creator)
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


# ---------------------------------------------------------------- installer loyalty programmes

MODEL = "TV-KOND-24C"  # 120 points in the manufacturer preset's table


@pytest.fixture
def manufacturer(app):
    """The manufacturer preset: an installer loyalty programme (as `flask tenants create tenants/manufacturer`)."""
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / "manufacturer")])
    assert result.exit_code == 0, result.output
    return tenants.by_slug("manufacturer")


@pytest.fixture
def mapi(client, manufacturer) -> Api:
    """A client holding a token of the manufacturer with every scope."""
    return Api(client, make_token(manufacturer))


def installer_body(n: int, **overrides) -> dict:
    body = {"email": f"installer{n}@example.com", "first_name": "Jan", "last_name": f"Kowalski{n}", "nip": nip(n),
            "business": True, "status": "installer", "registered_on": "2024-01-10", "activated_on": "2024-01-10"}
    body.update(overrides)
    return body


def device_body(serial: str, registered_on: str = "2024-02-01", **overrides) -> dict:
    body = {"serial": serial, "model_code": MODEL, "production_code": "FD612", "installed_on": registered_on,
            "registered_on": registered_on}
    body.update(overrides)
    return body


def add_reward(tenant, code: str, points: int, gross: str = "50.00", kind: str = "tools", stock: int = 10) -> None:
    """A catalogue reward of the organiser's own (as the catalogue page adds one)."""
    from decimal import Decimal

    from portal.loyalty.models import Reward

    with use_tenant(tenant.id):
        db.session.add(Reward(tenant_id=tenant.id, code=code, kind=kind, name_pl=code, name_en=code, points=points,
                              gross_value=Decimal(gross), delivery_days=7, stock=stock))
        db.session.commit()


def installer_with_points(api: Api, n: int = 1, devices: int = 3,
                          address: str | None = "ul. Montażowa 1, 00-001 Warszawa") -> dict:
    """An installer with ``devices`` × 120 points, earned on 2024-02-01, and the address rewards go to (P-25)."""
    created = api.post("/installers", installer_body(n, **({"delivery_address": address} if address else {})))
    assert created.status_code == 201, created.get_json()
    installer = created.get_json()
    for i in range(devices):
        response = api.post(f"/installers/{installer['id']}/devices", device_body(f"SN-{n}-{i}"))
        assert response.status_code == 201, response.get_json()
    return installer
