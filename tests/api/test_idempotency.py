"""``Idempotency-Key`` on every POST: a retry returns the stored response and creates nothing."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from portal.api import idempotency
from portal.api.models import IdempotencyKey
from portal.extensions import db
from portal.leads.models import Lead, Partner
from portal.tenancy.guard import use_tenant
from tests.api.conftest import Api, lead_body, make_token, partner_body, problem


def _count(tenant, model) -> int:
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(model))


def test_idempotency_key_replay_creates_one_lead(api, distributor):
    partner = api.post("/participants", partner_body(1)).get_json()
    first = api.post("/leads", lead_body("K1", partner["id"], 1), key="lead-k1")
    again = api.post("/leads", lead_body("K1", partner["id"], 1), key="lead-k1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _count(distributor, Lead) == 1


def test_G10_the_replay_cache_keeps_ids_not_the_personal_data_of_the_response(api, distributor):
    created = api.post("/participants", partner_body(1), key="p1").get_json()
    with use_tenant(distributor.id):
        row = db.session.scalars(select(IdempotencyKey)).one()
    assert (row.response_status, row.response_ref) == (201, {"id": created["id"]})
    assert created["nip"] not in repr([getattr(row, c.key) for c in IdempotencyKey.__table__.columns])


def test_same_body_with_other_key_order_and_spacing_is_the_same_request(api, distributor):
    body = partner_body(1)
    assert api.post("/participants", body, key="p1").status_code == 201
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    assert api.post("/participants", data=reordered, key="p1").headers["Idempotent-Replayed"] == "true"
    assert _count(distributor, Partner) == 1


def test_idempotency_key_with_a_different_body_is_422(api, distributor):
    assert api.post("/participants", partner_body(1), key="same").status_code == 201
    response = api.post("/participants", partner_body(2), key="same")
    assert response.status_code == 422 and problem(response)["type"].endswith("/idempotency-key-reused")
    other_path = api.post("/customers/facts", {"customer_nip": partner_body(3)["nip"], "flag": "holds_m365"},
                          key="same")
    assert problem(other_path)["status"] == 422
    assert _count(distributor, Partner) == 1


def test_a_refused_request_is_not_stored_so_the_corrected_retry_goes_through(api, distributor):
    refused = api.post("/participants", partner_body(1, nip="1234567890"), key="retry-me")
    assert refused.status_code == 422
    fixed = api.post("/participants", partner_body(1), key="retry-me")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers


def test_idempotency_keys_belong_to_one_token(client, api, distributor):
    assert api.post("/participants", partner_body(1), key="k").status_code == 201
    second = Api(client, make_token(distributor))
    response = second.post("/participants", partner_body(2), key="k")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


def test_a_stored_response_expires_after_a_day(api, distributor, clock):
    assert api.post("/participants", partner_body(1), key="old").status_code == 201
    clock.advance(hours=25)
    response = api.post("/participants", partner_body(2), key="old")
    assert response.status_code == 201 and _count(distributor, Partner) == 2
    clock.advance(hours=25)
    with use_tenant(distributor.id):
        assert idempotency.purge_expired(clock=clock) == 1
        db.session.commit()
    assert _count(distributor, IdempotencyKey) == 0


def test_unusable_idempotency_key_is_400(api):
    response = api.post("/participants", partner_body(1), key="has spaces in it")
    assert problem(response)["status"] == 400


def test_idempotency_race_loser_answers_with_the_winners_response_and_writes_nothing(api, distributor,
                                                                                      monkeypatch):
    """Two requests with one key at once: both miss the lookup; the second commit hits the unique key, rolls its
    own work back and answers with the first one's stored response."""
    body = {"customer_nip": partner_body(7)["nip"], "flag": "holds_m365"}
    winner = api.post("/customers/facts", body, key="race")
    real_stored = idempotency.stored
    calls = {"n": 0}

    def miss_first_lookup(*args, **kwargs):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_stored(*args, **kwargs)

    monkeypatch.setattr(idempotency, "stored", miss_first_lookup)
    loser = api.post("/customers/facts", body, key="race")
    assert calls["n"] == 2
    assert loser.status_code == winner.status_code and loser.get_json() == winner.get_json()
    assert loser.headers["Idempotent-Replayed"] == "true"
    assert _count(distributor, IdempotencyKey) == 1


def test_unique_conflict_without_a_key_is_409_not_500(api, distributor, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from portal.leads.service import sales

    def collide(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("unique"))

    monkeypatch.setattr(sales, "flag_customer", collide)
    response = api.post("/customers/facts", {"customer_nip": partner_body(7)["nip"], "flag": "holds_m365"})
    assert problem(response)["status"] == 409


def test_parallel_retries_with_one_key_create_one_lead_on_postgresql(app, api, distributor):
    """Six copies of one POST at the same moment: one creates the lead, the others answer with it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them itself")
    partner = api.post("/participants", partner_body(1)).get_json()
    body = lead_body("PAR", partner["id"], 1)
    start = threading.Barrier(6)
    answers: list[tuple[int, dict]] = []

    def attempt():
        client = Api(app.test_client(), api.token)
        start.wait()
        response = client.post("/leads", body, key="parallel")
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _ in answers] == [201] * 6
    assert len({answer["id"] for _, answer in answers}) == 1
    assert _count(distributor, Lead) == 1 and _count(distributor, IdempotencyKey) == 1
