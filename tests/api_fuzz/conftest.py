"""API fuzzing fixtures: the demo organisers (``flask demo seed``) with a little more data entered through the API
itself, a token with every scope for each, and the app under test reached in process (WSGI), so the fuzzing runs
on PostgreSQL and SQLite alike.

The OpenAPI document is ``portal.api.openapi.document()``, the very document ``/api/v1/openapi.json`` serves
(test_document_is_the_one_served); it is loaded when pytest collects the tests, not from a fixture, because
schemathesis' lazy ``from_fixture`` loader relies on a pytest internal (``Node._nodeid``) that pytest 9.2 removed.

Sizes: ``FUZZ_EXAMPLES`` (default 12) generated requests per operation in the fuzzing phase — the examples and
coverage phases add their own, deterministic, cases; CI keeps the default (about a minute). ``FUZZ_SEED`` (default
2026) fixes what is generated, so a failure replays the same way: ``FUZZ_EXAMPLES=200 FUZZ_SEED=7 pytest
tests/api_fuzz`` is a bigger run.
"""

from __future__ import annotations

import contextvars
import os
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy import select

from portal import create_app
from portal.api.models import ApiToken
from portal.api.openapi import document
from portal.api.tokens import SCOPES, TOKEN_PREFIX, digest
from portal.core.clock import FixedClock
from portal.extensions import db
from portal.privacy.models import REQUEST_KINDS
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests.api.conftest import Api, add_reward, device_body, installer_body, lead_body, make_token
from tests.conftest import START, IsolatedClient, _config, _wipe
from tests.factories import valid_nip

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("FUZZ_SEED", "2026"))
ALL_SCOPES = tuple(SCOPES)
LEAD_REWARD_TAGS = ["meta", "participants", "leads", "customers", "sales", "settlements", "privacy"]
LOYALTY_TAGS = ["installers", "orders", "complaints", "privacy"]
KNOWN: dict[str, dict[str, list]] = {}  # slug → path parameter → ids and references the demo holds
# The tokens are known before the app exists: schemathesis builds its coverage cases, with their credentials, when
# pytest collects the tests. fuzz_world gives each organiser a token with every scope, under this plaintext.
TOKENS = {slug: f"{TOKEN_PREFIX}fuzz-{slug}-0123456789abcdefghijklmnopqrstuvwxyz" for slug in ("distributor",
                                                                                           "manufacturer")}
# Schema-valid requests may still be refused: a programme rule (422), a cursor or filter combination (400), a
# state that does not allow the step (409), a bundle gone (410). Never a 5xx, and never 405/415 (those would mean
# the document promises a method or media type the code does not take).
ACCEPTED_WHEN_VALID = ["2xx", "400", "401", "403", "404", "409", "410", "422", "429"]


class CurrentApp:
    """The WSGI app schemathesis sends to (its own requests and its checks' probes): the package's test app, each
    request in a fresh context, as in production (see tests/conftest.IsolatedClient)."""

    def __init__(self) -> None:
        self.app = None

    def __call__(self, environ, start_response):
        if self.app is None:
            raise RuntimeError("no fuzzing app: use the fuzz_world fixture")
        return contextvars.Context().run(self.app, environ, start_response)


CURRENT_APP = CurrentApp()


@dataclass
class Demo:
    """One demo organiser as a fuzzing target: its token and the ids and references of what it holds."""

    slug: str
    token: str
    known: dict[str, list] = field(default_factory=dict)


def _ok(response, status: int = 201) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json()


def _distributor_extras(api: Api, demo: Demo) -> None:
    """Leads of every status, a sale and a settlement draft beside the demo's two pending leads."""
    partners = [p["id"] for p in _ok(api.get("/participants"), 200)["items"]]
    for n, status in ((1, "qualified"), (2, "rejected"), (3, None)):
        _ok(api.post("/leads", lead_body(f"FZ-{n}", partners[0], 900 + n)))
        if status is not None:
            _ok(api.post(f"/leads/FZ-{n}/decision", {"decision": status, "decided_on": "2018-08-13",
                                                     "reason": "Klient już obsługiwany."}), 200)
    _ok(api.post("/sales", {"ref": "FZ-1", "transaction_date": "2018-08-20", "family": "O365", "billing": "annual",
                            "licences": 20, "value": "1000.00", "months_active": 0, "new_tenant": True}), 200)
    _ok(api.post("/settlements/1/run", {"as_of": "2018-10-01"}), 200)
    leads = [lead["ref"] for status in ("pending", "qualified", "rejected")
             for lead in _ok(api.get(f"/leads?status={status}"), 200)["items"]]
    demo.known.update(participant_id=partners, ref=leads, period=[1, 2])
    demo.known["reference"] = [_ok(api.post("/privacy/requests", {"kind": kind, "email": email, "verified": True}))
                               ["reference"] for kind, email in (("access", "participant1@distributor.example"),
                                                                 ("erasure", "nobody@example.com"))]


def _manufacturer_extras(api: Api, demo: Demo, tenant) -> None:
    """An installer with points, orders in a few states, a complaint and a catalogue reward to order."""
    add_reward(tenant, "FZ-A", 100)
    add_reward(tenant, "FZ-B", 100)
    installer = _ok(api.post("/installers", installer_body(1, delivery_address="ul. Fuzzowa 1, 00-001 Warszawa")))
    for i in range(3):
        _ok(api.post(f"/installers/{installer['id']}/devices", device_body(f"FZ-SN-{i}")))
    orders = [_ok(api.post(f"/installers/{installer['id']}/orders", {"reward": "FZ-A", "on": "2024-03-01"}))["id"]
              for _ in range(2)]
    _ok(api.post(f"/orders/{orders[1]}/ship", {"on": "2024-03-02"}), 200)
    entry = _ok(api.get(f"/installers/{installer['id']}/ledger"), 200)["items"][0]["id"]
    complaint = _ok(api.post(f"/installers/{installer['id']}/complaints",
                             {"kind": "points", "entry_id": entry, "text": "Brakuje punktów.", "on": "2024-02-10"}))
    installers = [i["id"] for i in _ok(api.get("/installers"), 200)["items"]]
    demo.known.update(installer_id=installers, order_id=orders, complaint_id=[complaint["id"]], entry_id=[entry])
    demo.known["reference"] = [_ok(api.post("/privacy/requests", {"kind": "access", "email": "installer1@example.com",
                                                                  "verified": True}))["reference"]]


def schema_for(slug: str, tags: list[str]):
    """The OpenAPI document (the one ``/api/v1/openapi.json`` serves: test_document_is_the_one_served), the
    operations with these tags, and a bias towards ids and references that the organiser ``slug`` holds."""
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_WHEN_VALID}},
        "auth": {"openapi": {"bearerAuth": {"bearer": TOKENS[slug]}}},
    })
    schema = schemathesis.openapi.from_dict(document(), config=config).include(tag=tags)
    schema.app = CURRENT_APP

    @schema.hook("flatmap_case")
    def existing_rows(context, case) -> st.SearchStrategy:
        """In a request meant to be valid, half the time the path names a row the organiser holds (an id or
        reference of the demo) instead of what was generated (mostly a 404), and half the time the body's fields
        take values the programme knows (a partner, a lead, a reward, a day in the campaign), so that requests
        get past the first refusal into the rules behind it."""
        del context
        return st.tuples(_choice(case, ParameterLocation.PATH, case.path_parameters, KNOWN.get(slug, {})),
                         _choice(case, ParameterLocation.BODY, case.body, body_hints(slug, case.operation.path))
                         ).map(lambda chosen: _with(case, *chosen))

    return schema


def _token(tenant, plaintext: str) -> str:
    """A token with every scope, made as the admin page makes one, whose secret is ``plaintext``."""
    make_token(tenant, ALL_SCOPES, name="fuzz")
    with use_tenant(tenant.id):
        row = db.session.scalars(select(ApiToken).where(ApiToken.name == "fuzz")).one()
        row.token_sha256 = digest(plaintext)
    db.session.commit()
    return plaintext


def body_hints(slug: str, path: str) -> dict[str, list]:
    """Values of body fields that the organiser's programme and data know."""
    known = KNOWN.get(slug, {})
    if slug == "distributor":
        hints = {"partner_id": known.get("participant_id", []), "ref": known.get("ref", []),
                 "family": ["O365", "M365", "D365"], "billing": ["monthly", "annual", "triennial"],
                 "customer_nip": [valid_nip(n) for n in range(3)], "nip": [valid_nip(n) for n in range(3, 6)],
                 "submitted_on": ["2018-08-10", "2018-12-27"], "decided_on": ["2018-08-13", "2018-08-31"],
                 "transaction_date": ["2018-08-20", "2018-09-03"], "as_of": ["2018-10-01", "2018-12-31"],
                 "decision": ["qualified", "rejected"], "flag": ["registered_with_vendor", "holds_m365"],
                 "licences": [3, 20], "value": ["1000.00", 250.5], "new_tenant": [True, "no"]}
    else:
        hints = {"reward": ["FZ-A", "FZ-B"], "code": ["FZ-A", "FZ-B"], "entry_id": known.get("entry_id", []),
                 "model_code": ["TV-KOND-24C", "TV-KOND-30C"], "production_code": ["FD612", "FD517"],
                 "status": ["installer", "authorised", "premium"], "business": [True, False],
                 "on": ["2024-02-15", "2024-03-10"], "registered_on": ["2024-02-01"], "installed_on": ["2024-01-20"],
                 "activated_on": ["2024-01-10"], "email": ["installer1@example.com", "nowy@example.com"],
                 "nip": [valid_nip(n) for n in range(6, 9)], "kind": ["points", "programme"]}
    if path.startswith("/privacy"):
        hints = {"kind": list(REQUEST_KINDS), "email": [f"participant1@{slug}.example", "nobody@example.com"],
                 "verified": [True]}
    return {name: values for name, values in hints.items() if values}


def _choice(case, location: ParameterLocation, container, known: dict[str, list]) -> st.SearchStrategy:
    """None (keep what was generated) or, for a part generated to be valid, known values for some of its fields
    (each row of a sales batch too)."""
    component = case.meta.components.get(location) if case.meta else None
    if component is None or not component.mode.is_positive or not isinstance(container, dict):
        return st.none()
    rows = container["rows"] if isinstance(container.get("rows"), list) else [container]
    names = {name for row in rows if isinstance(row, dict) for name in row if known.get(name)}
    if not names:
        return st.none()
    return st.one_of(st.none(), st.fixed_dictionaries({}, optional={name: st.sampled_from(known[name])
                                                                    for name in sorted(names)}))


def _with(case, path_values: dict | None, body_values: dict | None):
    if path_values:
        case.path_parameters = {**case.path_parameters, **path_values}
    if body_values:
        if isinstance(case.body.get("rows"), list):
            case.body = {**case.body, "rows": [{**row, **{k: v for k, v in body_values.items() if k in row}}
                                               if isinstance(row, dict) else row for row in case.body["rows"]]}
        else:
            case.body = {**case.body, **body_values}
    return case


@dataclass
class World:
    """The app every fuzzed request goes to, a client (each request in a fresh context) and the two organisers."""

    app: object
    client: object
    targets: dict[str, Demo]


@pytest.fixture(scope="package")
def fuzz_world(_schema, redis_url):
    """One app for the package (the tests share the demo, as clients of one organiser would): ``flask demo seed``
    (the three organisers), then the extras above, entered through the API; every table emptied after."""
    app = create_app(_config(redis_url, CLOCK=FixedClock(START)))
    app.test_client_class = IsolatedClient
    client = app.test_client()
    CURRENT_APP.app = app
    try:
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["demo", "seed"])
            assert result.exit_code == 0, result.output
            targets = {}
            for slug in ("distributor", "manufacturer"):
                tenant = tenants.by_slug(slug)
                targets[slug] = Demo(slug, _token(tenant, TOKENS[slug]))
                api = Api(client, targets[slug].token)
                if slug == "distributor":
                    _distributor_extras(api, targets[slug])
                else:
                    _manufacturer_extras(api, targets[slug], tenant)
                KNOWN[slug] = targets[slug].known
        yield World(app, client, targets)
    finally:
        KNOWN.clear()
        CURRENT_APP.app = None
        _wipe(app)
