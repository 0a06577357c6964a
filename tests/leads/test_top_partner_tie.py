"""L-16: "ties: organiser decides; the engine shows the tie". The organiser decides a tie on the settlement's draft —
to one of the tied partners, or to each of them — and the decision holds through every re-run of that draft until it
is approved (then frozen with it). A decision is refused where there is no tie to decide, for a partner not in it, or
after approval."""

from __future__ import annotations

from tests.leads.conftest import lead_row, nip, partner_row


def tied_leads(campaign):
    """Two partners, three realised leads each: a tie for the top-partner award."""
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(*(lead_row(f"A{i}", 1, i) for i in range(1, 4)),
                   *(lead_row(f"B{i}", 2, 10 + i) for i in range(1, 4)))
    campaign.decide(*(f"{p}{i},qualified,2018-08-13," for p in "AB" for i in range(1, 4)))
    campaign.sales(*(f"{p}{i},2018-10-1{i},O365,annual,20,1000.00,0,yes" for p in "AB" for i in range(1, 4)))


def _tie(campaign):
    tied_leads(campaign)
    campaign.settle(2, "2019-01-10")


def _awards(rows) -> dict[str, tuple[str, str]]:
    return {r["partner_nip"]: (r["amount"], r["status"]) for r in rows if r["line"] == "top_partner_award"}


def _decide(campaign, choice: str, period: int = 2):
    return campaign.run("settlement", "decide-tie", "distributor", "--period", str(period), "--partner", choice)


def test_L16_the_organiser_awards_a_tie_to_one_partner_and_the_decision_holds_through_re_runs(campaign):
    _tie(campaign)
    decided = _decide(campaign, nip(2))
    assert decided.exit_code == 0, decided.output
    _, rows = campaign.settle(2, "2019-01-10")  # re-run: the decision stays
    assert _awards(rows) == {nip(2): ("1000.00", "payable"), nip(1): ("0.00", "not_paid")}
    lost = next(r for r in rows if r["line"] == "top_partner_award" and r["partner_nip"] == nip(1))
    assert "the organiser awarded it to " + nip(2) in lost["reason"]


def test_L16_a_decision_taken_for_one_tie_does_not_decide_another(campaign):
    """The tie changed after the decision (a third partner's sales came in): the organiser decides it anew."""
    _tie(campaign)
    assert _decide(campaign, "all").exit_code == 0
    campaign.partners(partner_row(1), partner_row(2), partner_row(3))
    campaign.leads(*(lead_row(f"C{i}", 3, 20 + i) for i in range(1, 4)))
    campaign.decide(*(f"C{i},qualified,2018-08-13," for i in range(1, 4)))
    campaign.sales(*(f"C{i},2018-10-1{i},O365,annual,20,1000.00,0,yes" for i in range(1, 4)))
    _, rows = campaign.settle(2, "2019-01-10")
    assert set(_awards(rows).values()) == {("1000.00", "withheld")} and len(_awards(rows)) == 3


def test_L16_the_partner_is_named_by_its_nip_as_the_partners_file_writes_it(campaign):
    _tie(campaign)
    written = f"PL {nip(2)[:3]}-{nip(2)[3:6]}-{nip(2)[6:8]}-{nip(2)[8:]}"
    assert _decide(campaign, written).exit_code == 0
    _, rows = campaign.settle(2, "2019-01-10")
    assert _awards(rows)[nip(2)] == ("1000.00", "payable")


def test_L16_the_organiser_may_award_a_tie_to_each_partner_in_it(campaign):
    _tie(campaign)
    assert _decide(campaign, "all").exit_code == 0
    _, rows = campaign.settle(2, "2019-01-10")
    assert _awards(rows) == {nip(1): ("1000.00", "payable"), nip(2): ("1000.00", "payable")}


def test_L16_a_decision_is_refused_without_a_tie_for_a_partner_outside_it_and_after_approval(campaign):
    _tie(campaign)
    outside = _decide(campaign, nip(3))
    assert outside.exit_code == 1 and "L-16" in outside.output
    campaign.settle(1, "2018-10-05")
    no_tie = _decide(campaign, nip(1), period=1)
    assert no_tie.exit_code == 1 and "L-16" in no_tie.output
    assert campaign.run("settlement", "approve", "distributor", "--period", "1").exit_code == 0
    assert _decide(campaign, "all").exit_code == 0  # an undecided tie is not approved (L-16)
    assert campaign.run("settlement", "approve", "distributor", "--period", "2").exit_code == 0
    frozen = _decide(campaign, nip(1))
    assert frozen.exit_code == 1 and "approved" in frozen.output


def test_L16_staff_decide_a_tie_on_the_settlement_page(campaign, app, client):
    from sqlalchemy import select

    from portal.accounts.models import STAFF
    from portal.extensions import db
    from portal.tenancy.models import Tenant
    from tests import factories

    _tie(campaign)
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    staff = factories.user(tenant, STAFF, email="staff@tie.example")
    factories.login(client, tenant, staff.email)
    page = client.get("/t/distributor/settlements/2").get_data(as_text=True)
    assert 'name="choice"' in page and 'value="all"' in page  # the organiser's language: Polish
    bad = client.post("/t/distributor/settlements/2/tie", data={"choice": "nobody"})
    assert bad.status_code == 302
    assert "jeden z partnerów objętych remisem" in client.get("/t/distributor/settlements/2").get_data(as_text=True)
    done = client.post("/t/distributor/settlements/2/tie", data={"choice": "all"})
    assert done.status_code == 302
    page = client.get("/t/distributor/settlements/2").get_data(as_text=True)
    assert "nagrodę otrzymuje każdy partner objęty remisem" in page and 'value="all" selected' in page
