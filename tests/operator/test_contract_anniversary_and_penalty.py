"""Contracts and fees against the vendor's terms, as a later audit found them: the Annual Innovation Premium is
raised on the anniversary day itself, so the month holding it is split (OWU V.3); the order form's own price list
and premium are recorded with the contract (OWU V.1, V.3); and a termination for the organiser's fault charges the
contractual penalty of the rest of the term (OWU VIII.6)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.core.clock import as_of, set_clock
from portal.extensions import db
from portal.operator import contracts, fees, register
from tests import factories
from tests.operator.test_contract_end_page import _operator

# one tier at 1,990.00 a month: with a 12-month term, 50 % off, 995.00; the premium 5 % makes it 1,044.75
FLAT = {"tiers": [{"contacts_max": None, "monthly_fee": "1990.00"}], "premium_rate": "0.05"}


def _contract(tenant_id: int):
    db.session.expire_all()
    return contracts.of_tenant(tenant_id)


# C-02 (OWU V.3): "Opłaty … będą podwyższane w ramach Annual Innovation Premium w każdą rocznicę wejścia w życie
# Umowy" — from the anniversary day, not from the first of the month after it or of the month holding it

def test_C02_the_month_holding_the_anniversary_is_split_at_the_anniversary_day(app, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2024, 1, 15), term_months=12, pricing=FLAT)
    db.session.commit()
    lines = register.fee_statement(tenant_a.id, until=date(2025, 2, 28))
    by_month = {ln.month: ln for ln in lines}
    assert by_month[date(2024, 12, 1)].fee == Decimal("995.00")
    january = by_month[date(2025, 1, 1)]
    # 14 days (1 … 14 January) at the old rate, 17 days (15 … 31 January) at the new: each part to the grosz
    assert january.fee == Decimal("1022.28")  # 995.00 × 14/31 = 449.35 + 1044.75 × 17/31 = 572.93
    assert january.list_fee == Decimal("2044.56")  # 1990.00 × 14/31 = 898.71 + 2089.50 × 17/31 = 1145.85
    assert january.discount == Decimal("1022.28")  # the columns add up to the grosz
    assert (january.days, january.month_days) == (31, 31)
    assert january.premium_years == 1 and january.premium_from == date(2025, 1, 15)
    assert by_month[date(2025, 2, 1)].fee == Decimal("1044.75") and by_month[date(2025, 2, 1)].premium_from is None
    assert by_month[date(2024, 1, 1)].fee == Decimal("545.65")  # the first part month as before: 995 × 17/31


def test_C02_the_operator_fee_csv_splits_the_anniversary_month(app, client, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2024, 1, 15), term_months=12, pricing=FLAT)
    db.session.commit()
    set_clock(as_of(date(2025, 2, 10), "Europe/Warsaw"))
    _operator(client)
    rows = client.get(f"/operator/tenants/{tenant_a.id}/fees?format=csv").get_data(as_text=True).splitlines()
    assert rows[0] == "month,participants,tier,list_fee,premium_years,discount_rate,discount,fee,days,premium_from"
    assert "2025-01,0,1,2044.56,1,0.50,1022.28,1022.28,31,2025-01-15" in rows
    assert "2024-12,0,1,1990.00,0,0.50,995.00,995.00,31," in rows
    page = client.get(f"/operator/tenants/{tenant_a.id}/fees").get_data(as_text=True)
    assert "PLN1,022.28" in page and "2025-01-15" in page  # the page says from which day the premium applies


def test_C02_a_contract_starting_on_the_first_takes_the_premium_for_the_whole_month(app, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2024, 1, 1), term_months=12, pricing=FLAT)
    db.session.commit()
    lines = register.fee_statement(tenant_a.id, until=date(2025, 1, 31))
    assert lines[-2].fee == Decimal("995.00") and lines[-2].premium_years == 0
    assert lines[-1].fee == Decimal("1044.75") and lines[-1].premium_years == 1 and lines[-1].premium_from is None


def test_C02_a_part_month_holding_the_anniversary_splits_the_days_served(app, tenant_a):
    """Served 1 … 20 January 2025 (the contract ended on the 20th): 14 days at the old rate, 6 at the new."""
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 1, 15), term_months=12, pricing=FLAT)
    line = fees.monthly_fee(contract, date(2025, 1, 1), 0, served=(date(2025, 1, 1), date(2025, 1, 20)))
    assert line.fee == Decimal("651.56")  # 449.35 + 1044.75 × 6/31 = 202.21
    assert line.days == 20
    before = fees.monthly_fee(contract, date(2025, 1, 1), 0, served=(date(2025, 1, 1), date(2025, 1, 10)))
    assert before.fee == Decimal("320.97") and before.premium_years == 0 and before.premium_from is None  # 995×10/31


def test_C02_a_contract_from_29_february_takes_the_premium_from_1_march(app, tenant_a):
    """The first year of a contract from 2024-02-29 ends on 2025-02-28, as its 12-month term does (art. 112 KC):
    the second year, and its premium, start on 1 March — February is not split."""
    contracts.create(tenant_a.id, starts_on=date(2024, 2, 29), term_months=12, pricing=FLAT)
    db.session.commit()
    lines = register.fee_statement(tenant_a.id, until=date(2025, 3, 31))
    assert (lines[-2].fee, lines[-2].premium_from) == (Decimal("995.00"), None)
    assert (lines[-1].fee, lines[-1].premium_years) == (Decimal("1044.75"), 1)


def test_C02_the_discount_reclaimed_in_the_anniversary_month_is_at_the_rate_in_force_on_the_end_day(app, tenant_a):
    """Ended on 2025-01-20 in the renewed term 2025-01-15 … 2026-01-14 (365 days): the monthly discount is then
    1,044.75 (the premium in force since the 15th), 12 × 1,044.75 = 12,537.00 for the term; 359 days unexpired."""
    contract = contracts.create(tenant_a.id, starts_on=date(2024, 1, 15), term_months=12, pricing=FLAT)
    db.session.commit()
    contract.customer_fault = True
    assert contracts.reclaim_estimate(contract, on=date(2025, 1, 20)) == Decimal("12330.91")  # 12537 × 359 / 365


# C-02 (OWU V.1, V.3): "zgodnie ze szczegółowym cennikiem opisanym w Formularzu Zamówienia" / "o wartość wskazaną
# w Formularzu Zamówienia" — the order form's tiers, list prices and premium, given when the contract is signed

PRICE_LIST_TOML = """\
annual_premium_percent = 3.5

[[tiers]]
contacts_max = 500
monthly_fee = "600.00"

[[tiers]]
contacts_max = 2000
monthly_fee = "1200.00"

[[tiers]]
monthly_fee = "2500.00"
"""
STORED = {"tiers": [{"contacts_max": 500, "monthly_fee": "600.00"}, {"contacts_max": 2000, "monthly_fee": "1200.00"},
                    {"contacts_max": None, "monthly_fee": "2500.00"}], "premium_rate": "0.035"}


def test_C02_cli_sign_records_the_order_forms_price_list_from_a_toml_file(app, tenant_a, tmp_path):
    path = tmp_path / "pricing.toml"
    path.write_text(PRICE_LIST_TOML, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["contracts", "sign", "alpha", "--starts", "2026-01-01", "--term",
                                                "12", "--pricing", str(path)])
    assert result.exit_code == 0, result.output
    assert "term ends 2026-12-31" in result.output and "2500.00" in result.output and "3.5 %" in result.output
    contract = _contract(tenant_a.id)
    assert contract.pricing == STORED
    lines = register.fee_statement(tenant_a.id, until=date(2026, 1, 31))
    assert lines[0].fee == Decimal("300.00")  # 600.00 − 50 %
    assert fees.monthly_fee(contract, date(2027, 1, 1), 0).list_fee == Decimal("621.00")  # + 3.5 %


def test_C02_cli_sign_takes_a_json_price_list_and_a_later_sign_without_one_keeps_it(app, tenant_a, tmp_path):
    path = tmp_path / "pricing.json"
    path.write_text(json.dumps({"tiers": [{"contacts_max": 500, "monthly_fee": "600.00"},
                                          {"contacts_max": 2000, "monthly_fee": "1200.00"},
                                          {"contacts_max": None, "monthly_fee": "2500.00"}],
                                "annual_premium_percent": "3.5"}), encoding="utf-8")
    runner = app.test_cli_runner()
    signed = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2026-01-01", "--term", "12",
                                 "--pricing", str(path)])
    assert signed.exit_code == 0, signed.output
    assert _contract(tenant_a.id).pricing == STORED
    corrected = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2026-02-01", "--term", "12"])
    assert corrected.exit_code == 0, corrected.output
    contract = _contract(tenant_a.id)
    assert contract.starts_on == date(2026, 2, 1) and contract.pricing == STORED  # the dates corrected, not the prices


def test_C02_cli_sign_without_a_price_list_gives_the_default_one(app, tenant_a):
    result = app.test_cli_runner().invoke(args=["contracts", "sign", "alpha", "--starts", "2026-01-01", "--term",
                                                "12"])
    assert result.exit_code == 0, result.output
    assert _contract(tenant_a.id).pricing == contracts.DEFAULT_PRICING


@pytest.mark.parametrize(("text", "said"), [
    ('annual_premium_percent = 5\n[[tiers]]\ncontacts_max = 2000\nmonthly_fee = "600.00"\n'
     '[[tiers]]\ncontacts_max = 500\nmonthly_fee = "900.00"\n[[tiers]]\nmonthly_fee = "1900.00"\n', "tier 2"),
    ('annual_premium_percent = 5\n[[tiers]]\ncontacts_max = 500\nmonthly_fee = "600.0"\n'
     '[[tiers]]\nmonthly_fee = "900.00"\n', "2 decimals"),
    ('annual_premium_percent = 5\n[[tiers]]\ncontacts_max = 500\nmonthly_fee = 600.00\n'
     '[[tiers]]\nmonthly_fee = "900.00"\n', "2 decimals"),
    ('annual_premium_percent = 150\n[[tiers]]\nmonthly_fee = "900.00"\n', "0 to 100"),
    ('annual_premium_percent = -1\n[[tiers]]\nmonthly_fee = "900.00"\n', "0 to 100"),
    ('annual_premium_percent = 5\n[[tiers]]\ncontacts_max = 500\nmonthly_fee = "900.00"\n', "last tier"),
    ('annual_premium_percent = 5\n[[tiers]]\nmonthly_fee = "600.00"\n[[tiers]]\nmonthly_fee = "900.00"\n',
     "tier 1"),
    ('annual_premium_percent = 5\n', "tiers"),
    ('[[tiers]]\nmonthly_fee = "900.00"\n', "annual_premium_percent"),
    ('premium = 5\nannual_premium_percent = 5\n[[tiers]]\nmonthly_fee = "900.00"\n', "unknown key premium"),
    ('annual_premium_percent = 5\ntiers = [ "900.00" ]\n', "tier 1"),
    ("annual_premium_percent = 5\n[[tiers]\n", "TOML"),
])
def test_C02_cli_sign_refuses_a_bad_price_list_with_the_reason(app, tenant_a, tmp_path, text, said):
    path = tmp_path / "pricing.toml"
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["contracts", "sign", "alpha", "--starts", "2026-01-01", "--term",
                                                "12", "--pricing", str(path)])
    assert result.exit_code == 1, result.output
    assert said.lower() in result.output.lower() and "Traceback" not in result.output
    assert _contract(tenant_a.id) is None  # nothing recorded


def test_C02_cli_sign_refuses_a_missing_or_unreadable_price_list_file(app, tenant_a, tmp_path):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2026-01-01", "--term", "12",
                                  "--pricing", str(tmp_path / "none.toml")])
    assert missing.exit_code == 2 and "none.toml" in missing.output  # a usage error, as for every FILE argument
    broken = tmp_path / "pricing.json"
    broken.write_text("{not json", encoding="utf-8")
    bad = runner.invoke(args=["contracts", "sign", "alpha", "--starts", "2026-01-01", "--term", "12",
                              "--pricing", str(broken)])
    assert bad.exit_code == 1 and "JSON" in bad.output
    assert _contract(tenant_a.id) is None


def test_C02_contract_page_records_the_price_list_and_premium(app, client, tenant_a):
    _operator(client)
    url = f"/operator/tenants/{tenant_a.id}/contract"
    page = client.get(url).get_data(as_text=True)
    assert 'name="terms-tiers"' in page and 'name="terms-premium"' in page
    assert "990.00" in page  # the default price list, offered until another is given
    ok = client.post(url, data={"action": "terms", "terms-starts_on": "2026-01-01", "terms-term_months": "12",
                                "terms-tiers": "500 600.00\r\n2000 1200,00\r\n2500.00\r\n", "terms-premium": "3.5"})
    assert ok.status_code == 302
    assert _contract(tenant_a.id).pricing == STORED
    again = client.get(url).get_data(as_text=True)
    assert "2000 1200.00" in again and 'value="3.5"' in again  # shown as recorded


def test_C02_contract_page_refuses_a_bad_price_list_next_to_its_fields(app, client, tenant_a):
    _operator(client)
    url = f"/operator/tenants/{tenant_a.id}/contract"
    for tiers, premium in [("2000 600.00\n500 900.00\n1900.00", "5"), ("500 600.0\n900.00", "101"),
                           ("lots of money", "five"), ("500 600.00 700.00\n900", "5%"), ("500 600.00", "")]:
        bad = client.post(url, data={"action": "terms", "terms-starts_on": "2026-01-01", "terms-term_months": "12",
                                     "terms-tiers": tiers, "terms-premium": premium})
        text = bad.get_data(as_text=True)
        assert bad.status_code == 422, (tiers, premium)
        assert 'id="terms-tiers-error"' in text, tiers
        if premium not in ("5", ""):
            assert 'id="terms-premium-error"' in text, premium
    assert _contract(tenant_a.id) is None


def test_C02_contract_page_with_the_price_list_left_empty_gives_the_default_one(app, client, tenant_a):
    _operator(client)
    url = f"/operator/tenants/{tenant_a.id}/contract"
    ok = client.post(url, data={"action": "terms", "terms-starts_on": "2026-01-01", "terms-term_months": "12",
                                "terms-tiers": "  ", "terms-premium": ""})
    assert ok.status_code == 302
    assert _contract(tenant_a.id).pricing == contracts.DEFAULT_PRICING


def test_C02_fee_page_shows_the_contracts_price_list(app, client, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=STORED)
    db.session.commit()
    _operator(client)
    page = client.get(f"/operator/tenants/{tenant_a.id}/fees").get_data(as_text=True)
    assert "PLN600.00" in page and "PLN1,200.00" in page and "PLN2,500.00" in page
    assert "2,000" in page and "3.5%" in page


# OWU VIII.6: "kary umownej w wysokości odpowiadającej niezapłaconej części wynagrodzenia … z tytułu bieżącego okresu
# obowiązywania Umowy na podstawie wynagrodzenia z ostatniego miesiąca przed rozwiązaniem pomnożonego przez okres
# obowiązywania Umowy do końca obowiązywania Umowy"

def _six_months(tenant) -> contracts.Contract:
    """The default tiers, 6 months from 2026-01-01 (30 % off): 693.00 a month; the term ends 2026-06-30."""
    contract = contracts.create(tenant.id, starts_on=date(2026, 1, 1), term_months=6)
    db.session.commit()
    return contract


def test_C03_VIII6_penalty_is_the_last_months_fee_times_the_months_left(app, tenant_a):
    contract = _six_months(tenant_a)
    contracts.end(contract, on=date(2026, 3, 31), ground="anti_spam_breach")
    assert contracts.penalty_due(contract) == Decimal("2079.00")  # 693.00 × 3 (April, May, June)


def test_C03_VIII6_a_part_month_left_is_charged_by_its_days(app, tenant_a):
    contract = _six_months(tenant_a)
    contracts.end(contract, on=date(2026, 3, 15), ground="law_breach")
    assert contracts.penalty_due(contract) == Decimal("2436.68")  # 693.00 × 16/31 = 357.68, + 3 × 693.00


@pytest.mark.parametrize("ground", ["customer_outage_not_fixed", "mutual"])
def test_C03_VIII6_no_penalty_without_the_organisers_fault(app, tenant_a, ground):
    contract = _six_months(tenant_a)
    contracts.end(contract, on=date(2026, 3, 31), ground=ground)
    assert contracts.penalty_due(contract) is None
    assert not contracts.end_summary(contract, on=date(2026, 3, 31), ground=ground).penalty_charged


def test_C03_VIII6_no_penalty_when_ended_on_the_terms_last_day(app, tenant_a):
    contract = _six_months(tenant_a)
    contracts.end(contract, on=date(2026, 6, 30), ground="payment_delay_over_30_days")
    assert contracts.penalty_due(contract) is None


def test_C03_VIII6_cli_end_prints_the_penalty(app, tenant_a):
    _six_months(tenant_a)
    result = app.test_cli_runner().invoke(args=["contracts", "end", "alpha", "--on", "2026-03-31", "--ground",
                                                "anti_spam_breach"])
    assert result.exit_code == 0, result.output
    assert "contractual penalty (OWU VIII.6): 2079.00 PLN" in result.output


def test_C03_VIII6_cli_end_without_fault_prints_no_penalty(app, tenant_a):
    _six_months(tenant_a)
    result = app.test_cli_runner().invoke(args=["contracts", "end", "alpha", "--on", "2026-03-31", "--ground",
                                                "mutual"])
    assert result.exit_code == 0 and "penalty" not in result.output


def test_C03_VIII6_end_page_shows_the_penalty_before_and_after_the_confirmation(app, client, tenant_a):
    _six_months(tenant_a)
    _operator(client)
    url = f"/operator/tenants/{tenant_a.id}/end"
    preview = client.post(f"{url}/summary", data={"ground": "anti_spam_breach", "on": "2026-03-31"})
    assert "PLN2,079.00" in preview.get_data(as_text=True) and "VIII.6" in preview.get_data(as_text=True)
    none = client.post(f"{url}/summary", data={"ground": "mutual", "on": "2026-03-31"}).get_data(as_text=True)
    assert "VIII.6" not in none
    done = client.post(url, data={"ground": "anti_spam_breach", "on": "2026-03-31", "confirm": "alpha"},
                       follow_redirects=True)
    assert done.status_code == 200 and "PLN2,079.00" in done.get_data(as_text=True)


def test_C03_VIII6_the_organisers_notice_carries_the_penalty(app, tenant_a):
    from portal.accounts.models import ADMIN
    from portal.notifications.models import Notification
    from portal.tenancy.guard import use_tenant

    factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    contract = _six_months(tenant_a)
    contracts.end(contract, on=date(2026, 3, 31), ground="anti_spam_breach")
    db.session.commit()
    with use_tenant(tenant_a.id):
        params = [n.params for n in db.session.scalars(select(Notification)
                                                       .where(Notification.kind == "contract_ended"))]
    assert params and all(p["contractual_penalty"] == "2079.00" for p in params)



def test_C03_VIII6_the_contract_ended_mail_states_the_penalty(app, tenant_a):
    from types import SimpleNamespace

    from portal.accounts.models import ADMIN
    from portal.notifications import service as notifications
    from portal.notifications.models import Notification
    from portal.tenancy.guard import use_tenant

    factories.user(tenant_a, ADMIN, email="admin@alpha.example")
    contracts.end(_six_months(tenant_a), on=date(2026, 3, 31), ground="anti_spam_breach")
    db.session.commit()
    with use_tenant(tenant_a.id):
        row = db.session.scalars(select(Notification).where(Notification.kind == "contract_ended")).first()
    texts = {}
    with app.test_request_context():
        for locale in ("en", "pl"):
            texts[locale] = "\n".join(notifications._render(row, SimpleNamespace(locale=locale), tenant_a))
    assert "OWU VIII.6" in texts["en"] and "PLN2,079.00" in texts["en"]
    assert "kara umowna" in texts["pl"] and "2\u00a0079,00\u00a0zł" in texts["pl"]


def test_C03_VIII6_an_end_on_the_anniversary_takes_the_fee_of_the_month_before_it(app, tenant_a):
    """"Wynagrodzenie z ostatniego miesiąca przed rozwiązaniem": ended on the first day of the renewed term, the last
    month before is April at 495.00 (990.00 less 50 %), not the new year's 519.75 with the 5 % premium."""
    contract = contracts.create(tenant_a.id, starts_on=date(2025, 5, 1), term_months=12)
    db.session.commit()
    app.extensions["clock"] = as_of(date(2026, 5, 1))
    contracts.end(contract, on=date(2026, 5, 1), ground="law_breach")
    assert contracts.penalty_due(contract) == Decimal("5924.03")  # 495.00 × 30/31 = 479.03, + 11 × 495.00


def test_C02_the_tenants_page_shows_the_monthly_fee_not_a_part_months_bill(app, client, tenant_a):
    """C-02 "the resulting monthly fee per tenant": a contract from 15 March, seen on 20 March, costs 495.00 a month
    (990.00 less 50 % for 12 months), though March is billed for 17 days (271.45)."""
    contracts.create(tenant_a.id, starts_on=date(2026, 3, 15), term_months=12)
    db.session.commit()
    app.extensions["clock"] = as_of(date(2026, 3, 20))
    _operator(client)
    page = client.get("/operator/").get_data(as_text=True)
    assert "PLN495.00" in page and "PLN271.45" not in page


def test_C03_VIII6_VIII7_an_end_set_in_the_renewed_term_charges_that_terms_penalty_and_reclaim(app, tenant_a):
    """A contract that renews, ended for the organiser's fault on 2027-02-15 (set on 2026-03-02): the end falls in
    the term 2027-01-01 … 2027-12-31, whose rest is charged at 519.75 (990.00 + 5 % premium, less 50 %), and whose
    discount (12 × 519.75 = 6,237.00) is reclaimed for its 319 unexpired days."""
    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.commit()
    summary = contracts.with_amounts(contract, contracts.end_summary(contract, on=date(2027, 2, 15),
                                                                     ground="law_breach"))
    assert (summary.penalty, summary.reclaim) == (Decimal("5438.81"), Decimal("5450.97"))
    contracts.end(contract, on=date(2027, 2, 15), ground="law_breach")
    assert contracts.penalty_due(contract) == Decimal("5438.81")  # 519.75 × 13/28 = 241.31, + 10 × 519.75
    assert contracts.reclaim_due(contract) == Decimal("5450.97")  # 6,237.00 × 319/365
