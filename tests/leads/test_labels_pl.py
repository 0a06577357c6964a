"""Settlement pages and files speak the reader's language: line types, statuses and the reasons stored in English
(L-19: "each lead, rule applied, base, cap applied, rate, amount, bonuses, withheld items with reasons")."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, STAFF
from portal.extensions import db
from portal.leads.models import Partner
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.leads.conftest import lead_row, nip, partner_row
from tests.leads.test_campaign_commands import _standard_campaign
from tests.leads.test_pages import _setup

RAW_CODES = ("payable", "not_paid", "new_partner_bonus", "top_partner_award")


def _cells(html: str, column: int) -> list[str]:
    """The text of one column of every body row of the page's tables."""
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", html, flags=re.S)
    return [re.split(r"</td><td>", row)[column] for row in rows if row.count("</td><td>") >= column]


def test_L19_settlement_page_in_polish_shows_labels_and_reasons_not_codes(app, client, campaign):
    tenant = _setup(app, "2018-10-05")  # L-07: the decisions of 2018-08-13 are past
    _standard_campaign(campaign)
    result, _rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)

    html = client.get("/t/distributor/settlements/1").get_data(as_text=True)
    statuses, reasons = _cells(html, 6), _cells(html, 7)
    assert "do wypłaty" in statuses and "wypłata wstrzymana" in statuses and "bez wypłaty" in statuses
    assert "premia dla nowego partnera" in html and "nagroda za lead" in html
    for code in RAW_CODES:
        assert code not in statuses + _cells(html, 1)
    # L-11 / L-12: the rule, its rate as a percentage and the base in words; the cap when it applied
    assert "reguła 2 (o365-annual-upto150): 12%, podstawa: wartość sprzedaży" in reasons
    assert any("ograniczona do wartości 500 licencji" in r for r in reasons)
    # L-18: withheld for arrears, the flag in words; L-10 bought before the qualification; L-11 three months
    # ... after the rule that computed the line (L-19: the rule applied stays on the statement)
    assert any(r.startswith("reguła ") and r.endswith("; wypłata wstrzymana: zaległości w płatnościach faktur "
                                                      "organizatora") for r in reasons)
    assert "sprzedaż z dnia 2018-08-10 nastąpiła przed kwalifikacją leada (2018-08-13)" in reasons
    assert "aktywne zużycie przez 2 mies.; reguła 3 wymaga co najmniej 3 mies." in reasons
    assert "pierwszy zrealizowany lead w kampanii" in reasons
    for english in ("of sale value", "withheld: arrears", "came before the qualification", "months of active"):
        assert english not in html


def test_L19_the_same_settlement_in_english_keeps_its_english_wording(app, client, campaign):
    tenant = _setup(app, "2018-10-05")  # L-07: the decisions of 2018-08-13 are past
    _standard_campaign(campaign)
    campaign.settle(1, "2018-10-05")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com", locale="en")
    factories.login(client, tenant, staff.email)
    html = client.get("/t/distributor/settlements/1").get_data(as_text=True)
    assert "payout withheld: in arrears on the organiser&#39;s invoices" in html
    assert "rule 2 (o365-annual-upto150): 12% of the sale value" in html
    assert "new-partner bonus" in html and "not paid" in html


def test_L05_L14_L16_reasons_from_the_definition_and_the_limits_in_polish(app, client, campaign):
    tenant = _setup(app, "2018-10-05")  # L-07: the decisions of 2018-08-13 are past
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(lead_row("F1", 1, 1), *(lead_row(f"M{i}", 2, 10 + i) for i in range(1, 7)))
    campaign.decide("F1,qualified,2018-08-13,", *(f"M{i},qualified,2018-08-13," for i in range(1, 7)))
    campaign.flags(f"{nip(101)},holds_o365")
    campaign.sales("F1,2018-08-20,O365,annual,20,1000.00,0,yes",
                   *(f"M{i},2018-08-{27 - i:02d},O365,annual,20,1000.00,0,yes" for i in range(1, 7)))
    campaign.settle(1, "2018-10-05")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    reasons = _cells(client.get("/t/distributor/settlements/1").get_data(as_text=True), 7)
    # L-05: the programme definition's own Polish reason (reason_pl), not the stored reason_en
    assert "Klient korzysta już z Office 365 i nie zadeklarował przejścia na plan E3 lub wyższy." in reasons
    assert any(r.startswith("reguła ") and r.endswith("; przekroczony miesięczny limit zrealizowanych leadów (5) "
                                                      "w 2018-08; wypłacane są leady z najwcześniejszymi transakcjami")
               for r in reasons)


def test_L19_partner_statement_in_polish_and_the_csv_keeps_its_codes(app, client, campaign):
    tenant = _setup(app, "2018-10-05")  # L-07: the decisions of 2018-08-13 are past
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("S1", 1, 1))
    campaign.decide("S1,qualified,2018-08-13,")
    campaign.sales("S1,2018-08-20,O365,annual,20,1000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    user = factories.user(tenant, PARTICIPANT, email="jan1@partner1.example.com")
    with use_tenant(tenant.id):
        partner = db.session.scalars(select(Partner).where(Partner.nip == nip(1))).one()
        partner.user_id = user.id
        db.session.commit()
    factories.login(client, tenant, user.email)
    html = client.get("/t/distributor/statements").get_data(as_text=True)
    assert "do wypłaty" in _cells(html, 6) and "premia dla nowego partnera" in _cells(html, 1)
    assert "payable" not in _cells(html, 6)
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    csv_text = client.get("/t/distributor/settlements/1/statement.csv").get_data(as_text=True)
    assert ",payable,rule 2 (o365-annual-upto150): 0.12 of sale value" in csv_text  # FORMATS.md: codes for machines


def test_L19_statement_pdf_in_polish_prints_the_labels(app, client, campaign):
    from portal.leads.documents import statement_rows
    from portal.leads.models import SettlementLine

    tenant = _setup(app, "2018-10-05")  # L-07: the decisions of 2018-08-13 are past
    _standard_campaign(campaign)
    campaign.settle(1, "2018-10-05")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    pdf = client.get(f"/t/distributor/settlements/1/statement.pdf?partner={nip(2)}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.test_request_context("/t/distributor/"), use_tenant(tenant.id):
        from flask_babel import force_locale

        lines = db.session.scalars(select(SettlementLine).where(SettlementLine.partner_nip == nip(2))).all()
        with force_locale("pl"):
            rows = statement_rows(lines)
    assert {row[7] for row in rows} == {"wypłata wstrzymana"}
    assert {row[2] for row in rows} == {"nagroda za lead", "premia dla nowego partnera"}
    assert all(row[8].endswith("; wypłata wstrzymana: zaległości w płatnościach faktur organizatora")
               for row in rows)


def test_partner_flags_and_customer_facts_in_polish(app, client, campaign):
    tenant = _setup(app)
    campaign.partners(partner_row(1, "arrears"))
    campaign.flags(f"{nip(101)},holds_m365")
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com")
    factories.login(client, tenant, staff.email)
    partners = client.get("/t/distributor/partners").get_data(as_text=True)
    assert "zaległości w płatnościach faktur organizatora" in partners and "no cloud agreement" not in partners
    facts = client.get("/t/distributor/customers").get_data(as_text=True)
    assert "korzysta już z Microsoft 365" in facts and "holds m365" not in facts
