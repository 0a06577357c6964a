"""E-04: money shown to people is written the reader's way (CLDR through Babel): ``18 000,00 zł`` in Polish, with
non-breaking spaces between the thousands and before the symbol, ``PLN18,000.00`` in English; always 2 places. Files
for machines (CSV, API) keep their plain decimal points and do not use it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from portal.core.labels import money

NBSP = "\u00a0"


@pytest.mark.parametrize(("amount", "polish", "english"), [
    (Decimal("18000"), f"18{NBSP}000,00{NBSP}zł", "PLN18,000.00"),
    (Decimal("2516.85"), f"2{NBSP}516,85{NBSP}zł", "PLN2,516.85"),
    (Decimal("149.00"), f"149,00{NBSP}zł", "PLN149.00"),
    ("4947.29", f"4{NBSP}947,29{NBSP}zł", "PLN4,947.29"),  # the notices keep amounts as text in their params
    (Decimal("1234567.5"), f"1{NBSP}234{NBSP}567,50{NBSP}zł", "PLN1,234,567.50"),
    (Decimal("0"), f"0,00{NBSP}zł", "PLN0.00"),
    (Decimal("-3.2"), f"-3,20{NBSP}zł", "-PLN3.20"),
])
def test_E04_money_is_formatted_for_the_reader(app, amount, polish, english):
    with app.test_request_context("/"):
        with force_locale("pl"):
            assert money(amount) == polish
        with force_locale("en"):
            assert money(amount) == english


def test_E04_money_keeps_two_places_rounding_half_up(app):
    with app.test_request_context("/"), force_locale("en"):
        assert money(Decimal("0.005")) == "PLN0.01"
        assert money(Decimal("10.125")) == "PLN10.13"


def test_E04_no_amount_is_shown_as_nothing(app):
    with app.test_request_context("/"), force_locale("pl"):
        assert money(None) == ""
        assert money("") == ""


def test_E04_money_filter_is_there_for_the_notices_mail_outside_a_request(app):
    with app.app_context(), force_locale("pl"):
        rendered = app.jinja_env.from_string("{{ amount|money }}").render(amount="2239.67")
    assert rendered == f"2{NBSP}239,67{NBSP}zł"
