"""Defects found by the lead-reward audit: the cap over several sales (L-12), amounts reproducible from the
shown base (E-04), decisions dated in the future (L-07), each lead counted once in the standings (L-16)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.clock import FixedClock, as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.leads.models import Sale
from portal.leads.service import queries, review
from portal.leads.service import settlement as settlement_service
from portal.tenancy import service as tenants
from portal.tenancy.guard import set_current_tenant
from tests import factories
from tests.api.conftest import api, distributor, lead_body, partner_body, problem  # noqa: F401
from tests.leads.conftest import lead_row, nip, partner_row
from tests.leads.test_campaign_commands import by_ref


def _approve(campaign, period: int):
    result = campaign.run("settlement", "approve", "distributor", "--period", period)
    assert result.exit_code == 0, result.output


def _in_distributor(app):
    ctx = app.app_context()
    ctx.push()
    set_current_tenant(tenants.by_slug("distributor").id)
    return ctx


# ---------------------------------------------------------------- L-12


def _two_sales_of_300(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("C1", 1, 1, "M365", "annual", 300))
    campaign.decide("C1,qualified,2018-08-13,")
    result = campaign.sales("C1,2018-08-20,M365,annual,300,30000.00,0,yes",
                            "C1,2018-08-27,M365,annual,300,30000.00,0,yes")
    assert result.exit_code == 0, result.output


def test_L12_the_cap_counts_the_licences_of_all_the_leads_sales(campaign):
    """Two sales of 300 licences are 600 licences: the base is the value of 500 of them, 60000 × 500/600."""
    _two_sales_of_300(campaign)
    result, rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    line = by_ref(rows)["C1"]
    assert (line["rule"], line["base"], line["rate"], line["amount"], line["status"]) == (
        "L-12", "50000.00", "0.02", "1000.00", "payable")
    assert line["reason"].endswith("base capped at 500 licences")


def test_L12_the_database_and_the_python_realisation_agree_on_the_licences(campaign, app):
    _two_sales_of_300(campaign)
    ctx = _in_distributor(app)
    try:
        [(lead, in_sql)] = settlement_service._realisations(date(2018, 8, 1), date(2018, 9, 30))
        in_python = settlement_service.Realisation.of(list(db.session.scalars(select(Sale))))
        assert (in_sql.licences, in_sql.value) == (in_python.licences, in_python.value) == (600, Decimal("60000.00"))
    finally:
        ctx.pop()


def test_L12_L19_a_capped_lead_paid_in_period_one_is_not_clawed_back_in_period_two(campaign):
    """The clawback re-evaluates the paid lead from its sales: it must see the same capped amount, not less."""
    _two_sales_of_300(campaign)
    campaign.settle(1, "2018-10-05")
    _approve(campaign, 1)
    result, rows = campaign.settle(2, "2019-01-10")
    assert result.exit_code == 0, result.output
    assert [r for r in rows if r["rule"] == "L-19"] == []


# ---------------------------------------------------------------- E-04


def test_E04_the_amount_is_the_shown_base_times_the_rate_rounded_half_up(campaign):
    """1000.01 for 503 licences: base 1000.01 × 500/503 = 994.0457… shown as 994.05; 10 % of 994.05 is 99.405,
    so the line pays 99.41 (from the unrounded base it would be 99.40, a grosz off what the line shows)."""
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("E1", 1, 1, "O365", "monthly", 20))
    campaign.decide("E1,qualified,2018-08-13,")
    campaign.sales("E1,2018-08-20,O365,monthly,503,1000.01,3,yes")
    result, rows = campaign.settle(1, "2018-10-05")
    assert result.exit_code == 0, result.output
    line = by_ref(rows)["E1"]
    assert (line["rule"], line["base"], line["rate"], line["amount"]) == ("L-12", "994.05", "0.10", "99.41")


def test_E04_every_payable_line_is_reproducible_from_its_base_and_rate(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(*(lead_row(f"R{i}", 1, i, "O365", "annual", 20) for i in range(1, 5)))
    campaign.decide(*(f"R{i},qualified,2018-08-13," for i in range(1, 5)))
    campaign.sales("R1,2018-08-20,O365,annual,503,1000.01,0,yes", "R2,2018-08-21,O365,annual,777,1234.56,0,yes",
                   "R3,2018-08-22,O365,annual,999,333.33,0,yes", "R4,2018-08-23,O365,annual,20,100.05,0,yes")
    _, rows = campaign.settle(1, "2018-10-05")
    lines = by_ref(rows)
    assert len(lines) == 4
    for line in lines.values():
        shown = (Decimal(line["base"]) * Decimal(line["rate"])).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert Decimal(line["amount"]) == shown, line


# ---------------------------------------------------------------- L-07


def _decide_file(campaign, *rows: str):
    return campaign.csv("future.csv", "ref,decision,decided_on,reason", list(rows))


def test_L07_cli_refuses_a_decision_dated_after_today(campaign, app):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("D1", 1, 1), lead_row("D2", 1, 2))
    result = campaign.run("leads", "decide", "distributor",
                          _decide_file(campaign, "D1,qualified,2018-08-20,", "D2,qualified,2030-01-01,"),
                          "--as-of", "2018-08-20")
    assert result.exit_code != 0
    assert "line 3: L-07" in result.output and "2030-01-01" in result.output
    ctx = _in_distributor(app)
    try:  # all or nothing: the good row is not written either
        assert review.by_ref("D1").status == review.by_ref("D2").status == "pending"
    finally:
        ctx.pop()
    # the same file without the future row goes through: a decision on the day itself is fine
    ok = campaign.run("leads", "decide", "distributor", _decide_file(campaign, "D1,qualified,2018-08-20,"),
                      "--as-of", "2018-08-20")
    assert ok.exit_code == 0, ok.output


def test_L07_decide_names_the_field_and_today_is_the_tenants_day(campaign, app):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("D1", 1, 1))
    ctx = _in_distributor(app)
    try:
        lead = review.by_ref("D1")
        # 22:30 UTC on 20 August is already 21 August in Warsaw
        late = FixedClock(datetime(2018, 8, 20, 22, 30, tzinfo=UTC))
        with pytest.raises(DomainError) as refused:
            review.decide(lead, "qualified", decided_on=date(2018, 8, 22), clock=late)
        assert (refused.value.field, refused.value.rule) == ("decided_on", "L-07")
        assert "2018-08-21" in refused.value.message
        assert lead.status == "pending"
        review.decide(lead, "qualified", decided_on=date(2018, 8, 21), clock=late)
        assert (lead.status, lead.decided_on) == ("qualified", date(2018, 8, 21))
    finally:
        db.session.rollback()
        ctx.pop()


def test_L07_api_answers_422_on_decided_on_for_a_future_decision(api, app):  # noqa: F811
    partner_id = api.post("/participants", partner_body(1)).get_json()["id"]
    assert api.post("/leads", lead_body("F1", partner_id, 1)).status_code == 201
    app.extensions["clock"] = as_of(date(2018, 8, 20))
    response = api.post("/leads/F1/decision", {"decision": "qualified", "decided_on": "2018-08-21"})
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in problem(response)["errors"]] == [("decided_on", "L-07")]
    assert api.get("/leads/F1").get_json()["status"] == "pending"
    ok = api.post("/leads/F1/decision", {"decision": "qualified", "decided_on": "2018-08-20"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "qualified"


# ---------------------------------------------------------------- L-16


def _standings(app) -> list[tuple[str, int]]:
    ctx = _in_distributor(app)
    try:
        return [(p.nip, n) for p, n in queries.standings()]
    finally:
        ctx.pop()


def test_L16_a_lead_withheld_in_one_period_and_paid_in_the_next_counts_once(campaign, app, client):
    campaign.partners(partner_row(2, "arrears"))
    campaign.leads(*(lead_row(f"W{i}", 2, i) for i in range(1, 4)))
    campaign.decide(*(f"W{i},qualified,2018-08-13," for i in range(1, 4)))
    campaign.sales(*(f"W{i},2018-08-2{i},O365,annual,20,1000.00,0,yes" for i in range(1, 4)))
    _, rows = campaign.settle(1, "2018-10-05")
    assert {r["status"] for r in by_ref(rows).values()} == {"withheld"}
    _approve(campaign, 1)
    campaign.partners(partner_row(2))  # the arrears are paid
    _, rows = campaign.settle(2, "2019-01-10")
    assert {r["status"] for r in by_ref(rows).values()} == {"payable"}
    award = [r for r in rows if r["line"] == "top_partner_award"]
    assert [(r["partner_nip"], r["reason"], r["amount"]) for r in award] == [
        (nip(2), "most realised leads in the campaign: 3", "1000.00")]
    assert _standings(app) == [(nip(2), 3)]
    tenant = tenants.by_slug("distributor")
    factories.login(client, tenant, factories.user(tenant, STAFF, email="staff@distributor.example.com").email)
    page = client.get("/t/distributor/standings").get_data(as_text=True)
    assert f"({nip(2)})</td><td>3</td>" in page and "1\u00a0000,00\u00a0zł" in page


def test_L16_standings_count_as_the_settlement_does(campaign, app):
    """A lead realised but not paid (monthly, too few months of consumption) is realised for the award; the
    standings show the same count the settlement's award line names."""
    campaign.partners(partner_row(1), partner_row(3))
    campaign.leads(lead_row("P1", 1, 1), lead_row("P2", 1, 2), lead_row("P3", 1, 3, "O365", "monthly", 20),
                   lead_row("Q1", 3, 4), lead_row("Q2", 3, 5))
    campaign.decide(*(f"{r},qualified,2018-08-13," for r in ("P1", "P2", "P3", "Q1", "Q2")))
    campaign.sales("P1,2018-08-20,O365,annual,20,1000.00,0,yes", "P2,2018-08-21,O365,annual,20,1000.00,0,yes",
                   "P3,2018-08-22,O365,monthly,20,300.00,1,yes", "Q1,2018-10-20,O365,annual,20,1000.00,0,yes",
                   "Q2,2018-10-21,O365,annual,20,1000.00,0,yes")
    assert _standings(app) == []  # nothing settled yet
    campaign.settle(1, "2018-10-05")
    assert _standings(app) == [(nip(1), 3)]  # the period-1 run sees partner 1's three realised leads
    _approve(campaign, 1)
    _, rows = campaign.settle(2, "2019-01-10")
    award = [(r["partner_nip"], r["reason"]) for r in rows if r["line"] == "top_partner_award"]
    assert award == [(nip(1), "most realised leads in the campaign: 3")]
    assert _standings(app) == [(nip(1), 3), (nip(3), 2)]
