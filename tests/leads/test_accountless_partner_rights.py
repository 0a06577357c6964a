"""G-07 / G-08 / G-09 for a partner imported from the organiser's file (FORMATS: no account): a request from its
contact person's address restricts the partner's processing (left out of settlement runs until lifted), withdraws
its consent to passing leads to the vendor (a later lead file cannot give it back), or records the objection — as
for a partner with an account, instead of waiting for the DPO."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.privacy import requests
from portal.privacy.models import DataSubjectRequest
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests.leads.conftest import lead_row, nip, partner_row

CONTACT = "jan2@partner2.example.com"  # partner_row(2)'s contact person


def _request(campaign, kind: str, day: str) -> DataSubjectRequest:
    reference = campaign.run("privacy", "request", "distributor", "--kind", kind, "--email", CONTACT,
                             "--as-of", day).output.strip()
    processed = campaign.run("privacy", "process", "distributor", reference, "--as-of", day)
    assert processed.exit_code == 0, processed.output
    db.session.rollback()
    with use_tenant(_tenant().id):
        return db.session.scalars(select(DataSubjectRequest).where(DataSubjectRequest.reference == reference)).one()


def _tenant() -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()


def _settled(campaign):
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(lead_row("A1", 1, 1), lead_row("B1", 2, 2))
    campaign.decide("A1,qualified,2018-08-13,", "B1,qualified,2018-08-13,")
    campaign.sales("A1,2018-08-20,O365,annual,20,1000.00,0,yes", "B1,2018-08-21,O365,annual,20,2000.00,0,yes")


def test_G07_a_restriction_from_an_imported_partners_contact_leaves_it_out_of_the_settlement_until_lifted(campaign):
    _settled(campaign)
    row = _request(campaign, "restriction", "2018-10-01")
    assert row.status == "done" and "restricted" in row.outcome
    _, rows = campaign.settle(1, "2018-10-05")
    assert {r["partner_nip"] for r in rows} == {nip(1)}
    with use_tenant(_tenant().id):
        requests.lift(db.session.get(DataSubjectRequest, row.id), actor=None)
        db.session.commit()
    _, rows = campaign.settle(1, "2018-10-05")
    assert {r["partner_nip"] for r in rows} == {nip(1), nip(2)}


def test_G07_the_settlement_page_says_how_many_partners_a_restriction_leaves_out(campaign, client):
    """The organiser is not left to wonder where a partner's leads went: the draft names the count, not the
    partner (its data stays restricted), and says they are settled once the restriction is lifted."""
    from portal.accounts.models import STAFF
    from tests import factories

    _settled(campaign)
    row = _request(campaign, "restriction", "2018-10-01")
    campaign.settle(1, "2018-10-05")
    staff = factories.user(_tenant(), STAFF, email="staff@distributor.example", locale="en")
    factories.login(client, _tenant(), staff.email)
    page = client.get("/t/distributor/settlements/1").get_data(as_text=True)
    assert "1 partner left out" in page and "G-07" in page and nip(2) not in page
    with use_tenant(_tenant().id):
        requests.lift(db.session.get(DataSubjectRequest, row.id), actor=None)
        db.session.commit()
    assert "left out" not in client.get("/t/distributor/settlements/1").get_data(as_text=True)


def test_G08_a_withdrawal_from_an_imported_partners_contact_stops_the_next_lead_file(campaign):
    _settled(campaign)
    row = _request(campaign, "withdraw_consent", "2018-09-01")
    assert row.status == "done" and row.outcome == "1 consent(s) withdrawn"
    refused = campaign.leads(lead_row("B2", 2, 3, submitted="2018-08-30"))
    assert refused.exit_code == 1 and "L-21" in refused.output and "withdrew" in refused.output
    assert "L-08" not in refused.output
    other = campaign.leads(lead_row("A2", 1, 4, submitted="2018-08-30"))
    assert other.exit_code == 0, other.output


def test_G09_an_objection_from_an_imported_partners_contact_is_recorded_and_closed(campaign):
    _settled(campaign)
    row = _request(campaign, "objection", "2018-09-01")
    assert row.status == "done" and row.outcome == "objection to marketing contact recorded and honoured"


def test_G07_the_dpo_sees_the_imported_partners_restriction_and_lifts_it_on_the_page(campaign, client):
    from portal.accounts.models import DPO
    from portal.leads.models import Partner
    from tests import factories

    _settled(campaign)
    row = _request(campaign, "restriction", "2018-10-01")
    dpo = factories.user(_tenant(), DPO, email="dpo@distributor.example")
    factories.login(client, _tenant(), dpo.email)
    page = client.get(f"/t/distributor/dpo/requests/{row.reference}").get_data(as_text=True)
    assert 'class="flag restricted"' in page and "Partner 2" in page and 'value="lift"' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(f"/t/distributor/dpo/requests/{row.reference}", data={"action": "lift", "csrf_token": token})
    db.session.rollback()
    with use_tenant(_tenant().id):
        assert db.session.scalars(select(Partner).where(Partner.nip == nip(2))).one().restricted_at is None


def test_G07_the_partners_list_flags_the_restricted_imported_partner(campaign, client):
    from portal.accounts.models import ADMIN
    from tests import factories

    _settled(campaign)
    _request(campaign, "restriction", "2018-10-01")
    admin = factories.user(_tenant(), ADMIN, email="admin@distributor.example")
    factories.login(client, _tenant(), admin.email)
    page = client.get("/t/distributor/partners").get_data(as_text=True)
    rows = [chunk for chunk in page.split("<tr") if nip(1) in chunk or nip(2) in chunk]
    assert ["flag restricted" in chunk for chunk in rows] == [False, True]


# --- L-07: a partner without an account hears the decision at its contact person's address -------------------------

def _notices_to(address: str):
    from portal.notifications.models import Notification

    with use_tenant(_tenant().id):
        return db.session.scalars(select(Notification).where(Notification.to_email == address,
                                                             Notification.kind.like("lead_%"))
                                  .order_by(Notification.id)).all()


def test_L07_a_partner_loaded_by_file_is_told_each_decision_with_its_reason(campaign, app, tmp_path):
    from portal.core.clock import get_clock
    from portal.notifications import service as notifications

    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(lead_row("A1", 1, 1), lead_row("B1", 2, 2))
    assert campaign.decide("A1,qualified,2018-08-13,", "B1,rejected,2018-08-13,klient z innego regionu"
                           ).exit_code == 0
    db.session.rollback()
    [received_one, told_one] = _notices_to("jan1@partner1.example.com")  # §9: told it was received, then decided
    [received_two, told_two] = _notices_to(CONTACT)
    assert (received_one.kind, received_two.kind) == ("lead_received", "lead_received")
    assert (told_one.kind, told_one.params["ref"]) == ("lead_qualified", "A1")
    assert (told_two.kind, told_two.params["reason"]) == ("lead_rejected", "klient z innego regionu")
    app.config["MAIL_URL"] = f"file://{tmp_path}"
    with use_tenant(_tenant().id):
        assert notifications.deliver(told_two.id, clock=get_clock()) == "sent"
    [mail] = list(tmp_path.glob("*.eml"))  # only the decision was delivered here
    text = mail.read_text(encoding="utf-8")
    assert CONTACT in text and "B1" in text


def test_L07_G05_the_erasure_of_a_partner_without_an_account_drops_the_mail_queued_to_its_address(campaign):
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(lead_row("B1", 2, 2))
    assert campaign.decide("B1,qualified,2018-08-13,").exit_code == 0
    db.session.rollback()
    assert len(_notices_to(CONTACT)) == 2  # received and qualified: queued, not yet sent
    _request(campaign, "erasure", "2018-08-16")
    assert _notices_to(CONTACT) == []  # the queued mail kept the address: gone with the rest


def test_G07_a_notice_queued_for_the_contact_before_the_restriction_is_not_mailed_after_it(campaign):
    """The lead's 'received' notice to the contact person of a partner without an account waits in the outbox
    (SMTP down, a retry with back-off); the contact restricts processing: it is not mailed. The answers to the
    person's own request still are."""
    from portal.notifications.models import Notification

    campaign.partners(partner_row(2))
    campaign.leads(lead_row("B1", 2, 2))
    with use_tenant(_tenant().id):
        queued = db.session.scalars(select(Notification).where(Notification.to_email == CONTACT)).all()
        assert [n.mail_state for n in queued] == ["pending"]
    _request(campaign, "restriction", "2018-08-14")
    with use_tenant(_tenant().id):
        states = {n.kind: _delivered(n.id) for n in db.session.scalars(
            select(Notification).where(Notification.to_email == CONTACT))}
    assert states[queued[0].kind] == "skipped"
    assert "skipped" not in {state for kind, state in states.items() if kind.startswith("request")}, states


def test_G07_a_notice_still_queued_when_the_contacts_restriction_is_lifted_is_mailed(campaign):
    """As for an account: the restriction stops what would be mailed while it lasts. Once the DPO lifts it, the
    'received' notice still waiting for its retry (SMTP down) goes out — it was never sent, and nothing stops it."""
    from portal.notifications.models import Notification

    campaign.partners(partner_row(2))
    campaign.leads(lead_row("B1", 2, 2))
    row = _request(campaign, "restriction", "2018-08-14")
    with use_tenant(_tenant().id):
        requests.lift(db.session.get(DataSubjectRequest, row.id), actor=None)
        db.session.commit()
        received = db.session.scalars(select(Notification).where(Notification.to_email == CONTACT,
                                                                 Notification.kind == "lead_received")).one()
        assert _delivered(received.id) == "sent"


def _delivered(notification_id: int) -> str:
    from portal.core.clock import FixedClock
    from portal.notifications import service as notifications
    from tests.conftest import START

    return notifications.deliver(notification_id, clock=FixedClock(START))  # when the lead's notice was queued
