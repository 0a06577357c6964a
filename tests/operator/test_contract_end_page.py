"""The operator ends a tenant's contract on its page (C-03 grounds, C-04 what follows): a ground chosen from the
terms (OWU VIII.1–VIII.3), an end date, and a confirmation step that says what will happen — read-only, the export
window, the deletion date — before anything changes. Bad input gets its message next to the field."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Operator
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.operator import contracts
from portal.operator.models import Contract
from portal.tenancy.models import Tenant
from tests import factories

TODAY = date(2026, 3, 2)  # tests/conftest START
EMAIL, PASSWORD = "op@platform.example", "operator-pass-1"


def _operator(client) -> None:
    db.session.add(Operator(email=EMAIL, name="Op", password_hash=hash_password(PASSWORD)))
    db.session.commit()
    response = client.post("/operator/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    client.post("/lang/en")  # after the login, which starts a new session


@pytest.fixture
def signed(app, tenant_a) -> Contract:
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    return contract


def _state(tenant_id: int) -> tuple:
    db.session.expire_all()
    contract = contracts.of_tenant(tenant_id)
    return (db.session.get(Tenant, tenant_id).status, contract.ended_on, contract.end_ground, contract.delete_by)


def test_C03_end_page_offers_the_grounds_of_the_terms_and_says_what_will_happen(app, client, tenant_a, signed):
    _operator(client)
    assert f'href="/operator/tenants/{tenant_a.id}/end"' in client.get("/operator/").get_data(as_text=True)
    page = client.get(f"/operator/tenants/{tenant_a.id}/end")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    options = re.findall(r'<option[^>]*value="([^"]+)"', html)
    assert set(contracts.GROUNDS) <= set(options)
    for label in ("invoices unpaid for more than 30 days (OWU VIII.3a)",
                  "main functions unavailable and not fixed within 7 days of the report (OWU VIII.2)",
                  "breach of mandatory law (OWU VIII.3c)", "unethical conduct towards the platform"):
        assert label in html, label
    # the confirmation step: what happens, and the organiser's address to type
    assert "read-only" in html and "export" in html and "permanently deleted" in html
    assert 'name="confirm"' in html and "alpha" in html


def test_C04_summary_gives_the_dates_for_the_chosen_day_and_ground(app, client, tenant_a, signed):
    _operator(client)
    response = client.post(f"/operator/tenants/{tenant_a.id}/end/summary",
                           data={"ground": "payment_delay_over_30_days", "on": "2026-03-10"},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "2026-03-17" in html and "2026-03-24" in html  # export until day 7, deletion by day 14
    assert "term discount" in html  # C-02: reclaimed pro rata on a termination for the organiser's fault
    assert _state(tenant_a.id)[1] is None


def test_C04_end_without_confirmation_changes_nothing_and_says_so_next_to_the_field(app, client, tenant_a, signed):
    _operator(client)
    before = _state(tenant_a.id)
    for typed in ("", "beta"):
        response = client.post(f"/operator/tenants/{tenant_a.id}/end",
                               data={"ground": "law_breach", "on": TODAY.isoformat(), "confirm": typed})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'id="confirm-error"' in html and "Type alpha to confirm" in html
        assert "2026-03-16" in html  # the summary stays in view with the dates for the day entered
    assert _state(tenant_a.id) == before == ("active", None, None, None)


def test_C03_bad_ground_and_date_get_a_message_next_to_each_field(app, client, tenant_a, signed):
    _operator(client)
    response = client.post(f"/operator/tenants/{tenant_a.id}/end",
                           data={"ground": "whim", "on": "31.02.2026", "confirm": "alpha"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="ground-error"' in html and "Choose the ground of the contract end." in html
    assert 'id="on-error"' in html and "Enter the end date as YYYY-MM-DD." in html
    past = client.post(f"/operator/tenants/{tenant_a.id}/end",
                       data={"ground": "expiry", "on": "2026-03-01", "confirm": "alpha"})
    assert past.status_code == 422 and "The end date cannot be before today (2026-03-02)." in past.get_data(
        as_text=True)
    assert _state(tenant_a.id) == ("active", None, None, None)


def test_C03_C04_confirmed_end_stores_the_ground_and_the_tenant_turns_read_only(app, client, tenant_a, signed):
    _operator(client)
    response = client.post(f"/operator/tenants/{tenant_a.id}/end",
                           data={"ground": "payment_delay_over_30_days", "on": TODAY.isoformat(), "confirm": " Alpha "})
    assert response.status_code == 302 and response.location.endswith("/operator/")
    assert _state(tenant_a.id) == ("read_only", TODAY, "payment_delay_over_30_days", date(2026, 3, 16))
    assert contracts.of_tenant(tenant_a.id).customer_fault  # C-02: the discount reclaim applies
    page = client.get("/operator/").get_data(as_text=True)
    assert "invoices unpaid for more than 30 days" in page and "2026-03-09" in page and "2026-03-16" in page
    assert f'href="/operator/tenants/{tenant_a.id}/end"' not in page
    again = client.get(f"/operator/tenants/{tenant_a.id}/end")
    assert again.status_code == 200 and 'name="confirm"' not in again.get_data(as_text=True)
    twice = client.post(f"/operator/tenants/{tenant_a.id}/end",
                        data={"ground": "law_breach", "on": TODAY.isoformat(), "confirm": "alpha"})
    assert twice.status_code == 422 and "already ended" in twice.get_data(as_text=True)
    assert _state(tenant_a.id)[2] == "payment_delay_over_30_days"


def test_C04_a_tenant_without_a_contract_gets_one_ended_from_the_page(app, client, tenant_a):
    _operator(client)
    response = client.post(f"/operator/tenants/{tenant_a.id}/end",
                           data={"ground": "mutual", "on": "2026-04-01", "confirm": "alpha"})
    assert response.status_code == 302
    contract = db.session.scalars(select(Contract).where(Contract.tenant_id == tenant_a.id)).one()
    assert (contract.ended_on, contract.end_ground) == (date(2026, 4, 1), "mutual")
    assert db.session.get(Tenant, tenant_a.id).status == "active"  # read-only from the end date, not before


def test_end_page_of_an_unknown_tenant_is_404(app, client):
    _operator(client)
    assert client.get("/operator/tenants/999999/end").status_code == 404
    assert client.post("/operator/tenants/999999/end", data={"confirm": "x"}).status_code == 404


def test_end_contract_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        tenant = factories.tenant("alpha")
        contracts.create(tenant.id, starts_on=date(2026, 1, 1), term_months=12)
        db.session.add(Operator(email=EMAIL, name="Op", password_hash=hash_password(PASSWORD)))
        db.session.commit()
        client = app.test_client()
        html = client.get("/operator/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        client.post("/operator/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
        refused = client.post(f"/operator/tenants/{tenant.id}/end",
                              data={"ground": "mutual", "on": TODAY.isoformat(), "confirm": "alpha"})
        assert refused.status_code == 400
        assert _state(tenant.id) == ("active", None, None, None)
        page = client.get(f"/operator/tenants/{tenant.id}/end").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        done = client.post(f"/operator/tenants/{tenant.id}/end",
                           data={"ground": "mutual", "on": TODAY.isoformat(), "confirm": "alpha",
                                 "csrf_token": token})
        assert done.status_code == 302 and _state(tenant.id)[2] == "mutual"


def test_C03_expiry_on_a_day_that_is_not_the_terms_end_is_refused_next_to_the_date(app, client, tenant_a, signed):
    _operator(client)
    response = client.post(f"/operator/tenants/{tenant_a.id}/end",
                           data={"ground": "expiry", "on": "2026-06-30", "confirm": "alpha"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="on-error"' in html and "2026-12-31" in html
    assert _state(tenant_a.id) == ("active", None, None, None)
    done = client.post(f"/operator/tenants/{tenant_a.id}/end",
                       data={"ground": "expiry", "on": "2026-12-31", "confirm": "alpha"})
    assert done.status_code == 302
    assert _state(tenant_a.id) == ("active", date(2026, 12, 31), "expiry", date(2027, 1, 14))
