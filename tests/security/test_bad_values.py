"""SPEC §11 (never a 500): values no column can hold — a NUL character, a number beyond an integer column — sent to
a page's address, query or form are refused with a clear answer on either database (PostgreSQL rejects both in the
driver, SQLite does not), and nothing is written. A login's ``next`` with a line break goes to the dashboard."""

from __future__ import annotations

from datetime import date

import pytest

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF
from portal.core.clock import as_of
from tests import factories
from tests.security import world as w

BIG = "99999999999"


@pytest.fixture
def distributor(app):
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    return w.create_preset(app, "distributor")


@pytest.mark.parametrize("path", ["/t/%00/login", "/t/distributor%00/login",
                                  "/t/distributor/privacy/verify/%00/x"])
def test_S11_a_nul_in_a_page_address_is_not_found(app, distributor, path):
    assert app.test_client().get(path).status_code == 404


def test_S11_a_nul_in_a_form_or_query_is_refused_with_a_message(app, distributor):
    client = app.test_client()
    answer = client.post("/t/distributor/privacy/request", data={"name": "N\x00", "email": "n@example.com",
                                                                  "kind": "access", "details": "x"})
    assert answer.status_code == 422 and 'id="name-error"' in answer.get_data(as_text=True)
    assert "NUL" in answer.get_data(as_text=True)
    staff = factories.user(distributor, STAFF, email="staff@distributor.example", locale="en")
    client = w.logged_in(app, "distributor", staff.email)
    answer = client.get("/t/distributor/partners?after=%00")
    assert answer.status_code == 400 and "NUL" in answer.get_data(as_text=True)


def test_S11_a_number_beyond_an_integer_column_is_not_a_500(app, distributor):
    dpo = factories.user(distributor, DPO, email="dpo@distributor.example", locale="en")
    client = w.logged_in(app, "distributor", dpo.email)
    assert client.post("/t/distributor/dpo/breaches", data={"breach_id": BIG}).status_code in (400, 404)
    assert client.get(f"/t/distributor/dpo/requests?after={BIG}").status_code < 500


@pytest.mark.parametrize("number", [BIG, "9" * 20])  # beyond 32 bits (PostgreSQL's integer) and beyond 64 (SQLite's)
def test_S11_an_id_beyond_any_integer_in_a_form_or_a_list_cursor_is_refused_not_a_500(app, distributor, number):
    dpo = factories.user(distributor, DPO, email="dpo@distributor.example", locale="en")
    client = w.logged_in(app, "distributor", dpo.email)
    assert client.post("/t/distributor/dpo/breaches", data={"breach_id": number, "authority": "1"}).status_code == 404
    staff = factories.user(distributor, STAFF, email="staff@distributor.example", locale="en")
    client = w.logged_in(app, "distributor", staff.email)
    assert client.get(f"/t/distributor/review?after=2018-08-01_{number}").status_code == 400
    assert client.get(f"/t/distributor/review?status=qualified&before=2018-08-01_{number}").status_code == 400
    admin = factories.user(distributor, ADMIN, email="admin@distributor.example", locale="en")
    revoked = w.logged_in(app, "distributor", admin.email).post("/t/distributor/api-tokens", data={"revoke": number})
    assert revoked.status_code == 422 and "No such token." in revoked.get_data(as_text=True)


def test_S11_login_next_with_a_line_break_goes_to_the_dashboard(app, distributor):
    user = factories.user(distributor, PARTICIPANT, email="p@distributor.example")
    answer = app.test_client().post("/t/distributor/login?next=/t/distributor/%0d%0aSet-Cookie:x=1",
                                    data={"email": user.email, "password": factories.PASSWORD})
    assert answer.status_code == 302 and "Set-Cookie" not in answer.location and "\n" not in answer.location
