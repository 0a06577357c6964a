"""L-17: when the organiser approves a period's settlement, each partner on it is told what it will be paid, by
which day, and what is held back (L-18) or left unpaid — the decision it waits for after the sale. A partner with
no line on the statement hears nothing; a draft tells no one."""

from __future__ import annotations

from email import message_from_bytes

from sqlalchemy import select

from portal.core.clock import get_clock
from portal.extensions import db
from portal.notifications import service as notifications
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.leads.conftest import lead_row, partner_row


def _told(kind: str = "settlement_approved") -> dict[str, Notification]:
    db.session.rollback()
    rows = db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)
                              .execution_options(include_all_tenants=True)).all()
    return {row.to_email: row for row in rows}


def _tenant():
    return db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()


def test_L17_approval_tells_each_partner_its_amount_payout_day_and_what_is_held_back(campaign, app, tmp_path):
    campaign.partners(partner_row(1), partner_row(2, "arrears"), partner_row(3))
    campaign.leads(lead_row("A1", 1, 1), lead_row("B1", 2, 2), lead_row("C1", 3, 3))
    campaign.decide("A1,qualified,2018-08-13,", "B1,qualified,2018-08-13,", "C1,qualified,2018-08-13,")
    # partner 1: 12% of 1000 + the 365 zł new-partner bonus; partner 2 is in arrears; partner 3 sold nothing
    campaign.sales("A1,2018-08-20,O365,annual,20,1000.00,0,yes", "B1,2018-08-21,O365,annual,20,500.00,0,yes")
    campaign.settle(1, "2018-10-05")
    assert _told() == {}  # a draft is not a decision
    assert campaign.run("settlement", "approve", "distributor", "--period", 1).exit_code == 0
    told = _told()
    assert set(told) == {"jan1@partner1.example.com", "jan2@partner2.example.com"}
    one, two = told["jan1@partner1.example.com"].params, told["jan2@partner2.example.com"].params
    assert (one["period"], one["payable"], one["withheld"], one["payout_by"]) == (1, "485.00", "0.00", "2018-10-31")
    assert (two["payable"], two["withheld"], two["held_for"]) == ("0.00", "425.00", ["arrears"])
    app.config["MAIL_URL"] = f"file://{tmp_path}"
    with use_tenant(_tenant().id):
        assert notifications.deliver(told["jan2@partner2.example.com"].id, clock=get_clock()) == "sent"
    [mail] = list(tmp_path.glob("*.eml"))
    text = message_from_bytes(mail.read_bytes()).get_payload(decode=True).decode("utf-8")
    assert "425,00\xa0zł" in text and "zaległości" in text  # Polish: held back, in arrears
    assert "nie ma kwoty do wypłaty" in text


def test_L17_approving_again_or_a_later_redraft_tells_no_one_twice(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("A1", 1, 1), lead_row("A2", 1, 2, submitted="2018-10-10"))
    campaign.decide("A1,qualified,2018-08-13,", "A2,qualified,2018-10-12,")
    campaign.sales("A1,2018-08-20,O365,annual,20,1000.00,0,yes", "A2,2018-11-20,O365,annual,20,1000.00,0,yes")
    campaign.settle(1, "2018-10-05")
    campaign.settle(2, "2019-01-10")
    assert campaign.run("settlement", "approve", "distributor", "--period", 1).exit_code == 0
    assert campaign.run("settlement", "approve", "distributor", "--period", 1).exit_code != 0
    assert [row.params["period"] for row in _told().values()] == [1]
    assert campaign.run("settlement", "approve", "distributor", "--period", 2).exit_code == 0
    db.session.rollback()
    periods = sorted(row.params["period"] for row in db.session.scalars(
        select(Notification).where(Notification.kind == "settlement_approved")
        .execution_options(include_all_tenants=True)))
    assert periods == [1, 2]
