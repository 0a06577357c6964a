"""E-04 on the installer's pages: amounts of money in the reader's notation (``18 000,00 zł`` / ``PLN18,000.00``),
and counts said with Polish plural grammar (1 dzień, 2 dni, 5 dni; 1 punkt, 2 punkty, 5 punktów, 22 punkty)."""

from __future__ import annotations

import re

import pytest

from tests.loyalty.test_pages import _installer
from tests.loyalty.test_programme_commands import _add_reward, _reward

NBSP = "\u00a0"


def _row(html: str, code: str) -> list[str]:
    row = re.search(rf"<tr><td>{code}</td>.*?</tr>", html, re.S).group(0)
    return re.findall(r"<td>(.*?)</td>", row, re.S)


def test_E04_money_is_formatted_for_the_reader_pl(app, client, programme):
    _installer(app, client, programme)
    _add_reward("R-149", 100, "149.00")
    points = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert f"Pozostały limit: 18{NBSP}000,00{NBSP}zł" in points  # P-28: 18 000 PLN gross a calendar year
    assert f"<p>0,00{NBSP}zł</p>" in points  # this year's rewards
    assert "PLN" not in points and "18000.00" not in points
    catalogue = client.get("/t/manufacturer/rewards").get_data(as_text=True)
    assert f"Pozostały limit na ten rok: 18{NBSP}000,00{NBSP}zł brutto." in catalogue
    assert _row(catalogue, "R-149")[2] == f"149,00{NBSP}zł"


def test_E04_money_is_formatted_for_the_reader_en(app, client, programme):
    _installer(app, client, programme)
    _add_reward("R-149", 100, "149.00")
    client.post("/lang/en")
    points = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "Still allowed: PLN18,000.00" in points and "<p>PLN0.00</p>" in points
    catalogue = client.get("/t/manufacturer/rewards").get_data(as_text=True)
    assert "Still allowed this year: PLN18,000.00 gross." in catalogue
    assert _row(catalogue, "R-149")[2] == "PLN149.00"


@pytest.mark.parametrize(("days", "polish", "english"), [
    (1, "1 dzień", "1 day"), (2, "2 dni", "2 days"), (5, "5 dni", "5 days"), (22, "22 dni", "22 days"),
])
def test_E04_delivery_days_take_the_plural_of_the_count(app, client, programme, days, polish, english):
    _installer(app, client, programme)
    _add_reward("R-DAYS", 100, "40.00")
    _reward("R-DAYS", delivery_days=days)
    assert _row(client.get("/t/manufacturer/rewards").get_data(as_text=True), "R-DAYS")[3] == polish
    client.post("/lang/en")
    assert _row(client.get("/t/manufacturer/rewards").get_data(as_text=True), "R-DAYS")[3] == english


def test_E04_the_organisers_catalogue_shows_the_gross_value_as_money(app, client, programme):
    from sqlalchemy import select

    from portal.accounts.models import STAFF
    from portal.extensions import db
    from portal.tenancy.models import Tenant
    from tests import factories

    _add_reward("R-1500", 100, "1500.00")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)
    html = client.get("/t/manufacturer/catalogue").get_data(as_text=True)
    row = re.search(r'<tr id="reward-\d+"><td>R-1500 — .*?</tr>', html, re.S).group(0)
    assert f"<td>1{NBSP}500,00{NBSP}zł</td>" in row


@pytest.mark.parametrize(("points", "polish", "english"), [
    (1, "przepadnie Twój 1 punkt,", "your 1 point is forfeited"),
    (2, "przepadną Twoje 2 punkty,", "your 2 points are forfeited"),
    (5, "przepadnie 5 Twoich punktów,", "your 5 points are forfeited"),
    (22, "przepadną Twoje 22 punkty,", "your 22 points are forfeited"),
])
def test_P31_leaving_says_the_points_forfeited_in_the_plural_of_the_count(app, client, programme, monkeypatch,
                                                                          points, polish, english):
    _installer(app, client, programme)
    monkeypatch.setattr("portal.loyalty.service.members.what_leaving_ends",
                        lambda user_id, *, on: {"points": points, "orders": 0})
    page = client.post("/t/manufacturer/my-data", data={"action": "delete"}).get_data(as_text=True)
    assert f"Wystąpisz z Programu: {polish} a otwarte zamówienia (0) zostaną anulowane." in page
    client.post("/lang/en")
    page = client.post("/t/manufacturer/my-data", data={"action": "delete"}).get_data(as_text=True)
    assert f"You leave the programme: {english} and your open orders (0) cancelled." in page
