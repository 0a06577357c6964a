"""Audit fixes of the installer programme's pages and orders: consent before anything (P-01), the delivery address
(P-25), confirmation of receipt on the fulfilment page (P-30), withholding after a failed delivery (P-27), only the
participant's failures forfeit (P-25), a decision never before the filing (P-42)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accounts import service as accounts
from portal.accounts.models import PARTICIPANT, STAFF
from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Installer, RewardOrder
from portal.loyalty.service import complaints, members, orders
from portal.loyalty.service.programme import rules_on
from portal.programmes import documents
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.factories import BUSINESS
from tests.loyalty.test_programme_commands import _add_reward

JOIN = {**BUSINESS, "installs_heating": "y", "adult": "y"}


def _tenant() -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()


def _count(tenant, model) -> int:
    db.session.rollback()
    with use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(model))


def _joined(app, client, day="2024-02-01", address: str | None = "ul. Polna 1, 00-001 Warszawa"):
    """An installer who joined through the pages and has 120 points, with a delivery address unless None."""
    app.extensions["clock"] = as_of(date.fromisoformat(day))
    tenant = _tenant()
    user = factories.user(tenant, PARTICIPANT, email="ala@installer.example")
    factories.login(client, tenant, user.email)
    assert client.post("/t/manufacturer/installer/join", data=JOIN).status_code == 302
    if address is not None:
        assert client.post("/t/manufacturer/delivery-address", data={"delivery_address": address}).status_code == 302
    return tenant, user


def _staff(client, tenant):
    client.post("/t/manufacturer/logout")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)


def _order(programme, email="ala@example.com", day="2024-02-02", address="ul. Polna 1, 00-001 Warszawa"):
    """An order placed and shipped for an imported participant (the service's own steps)."""
    programme.join(email)
    programme.device(email, "SN-1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    tenant = _tenant()
    with use_tenant(tenant.id):
        installer = members.by_email(email)
        if address:
            orders.set_delivery_address(installer, address)
        db.session.commit()
    assert programme.order(email, "R1", day).exit_code == 0
    return tenant


# ---------------------------------------------------------------- P-01: consent before anything


def test_P01_participant_without_consent_cannot_join_through_a_direct_link(app, client, programme):
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = _tenant()
    with use_tenant(tenant.id):  # as an import or the API creates it: no consent on record
        accounts.create_user(tenant.id, email="imported@installer.example", password=factories.PASSWORD,
                             role=PARTICIPANT, first_name="Ala", last_name="Nowak", locale="pl")
    db.session.commit()
    factories.login(client, tenant, "imported@installer.example")
    for response in (client.get("/t/manufacturer/installer/join"),
                     client.post("/t/manufacturer/installer/join", data=JOIN)):
        assert response.status_code == 302 and response.location.endswith("/t/manufacturer/accept")
    assert _count(tenant, Installer) == 0


def test_P01_participant_must_accept_new_terms_before_ordering_or_registering(app, client, programme, clock):
    tenant, _user = _joined(app, client)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    with use_tenant(tenant.id):
        documents.publish(tenant.id, "terms", {"pl": "nowy regulamin", "en": "new terms"}, clock=clock)
    db.session.commit()
    response = client.post("/t/manufacturer/rewards/R1/order")
    assert response.status_code == 302 and response.location.endswith("/t/manufacturer/accept")
    response = client.get("/t/manufacturer/devices/new")
    assert response.status_code == 302 and response.location.endswith("/t/manufacturer/accept")
    assert _count(tenant, RewardOrder) == 0
    assert client.post("/t/manufacturer/accept", data={"accept": "y"}).status_code == 302
    assert client.post("/t/manufacturer/rewards/R1/order").status_code == 302
    assert _count(tenant, RewardOrder) == 1


# ---------------------------------------------------------------- P-25: the delivery address


def test_P25_participant_sets_the_delivery_address_trimmed_and_checked(app, client, programme):
    tenant, _user = _joined(app, client, address=None)
    page = client.get("/t/manufacturer/delivery-address")
    assert page.status_code == 200 and 'name="delivery_address"' in page.get_data(as_text=True)
    empty = client.post("/t/manufacturer/delivery-address", data={"delivery_address": "   "})
    assert empty.status_code == 422
    too_long = client.post("/t/manufacturer/delivery-address", data={"delivery_address": "x" * 301})
    assert too_long.status_code == 422
    with use_tenant(tenant.id):
        assert members.by_email("ala@installer.example").delivery_address is None
    assert client.post("/t/manufacturer/delivery-address",
                       data={"delivery_address": "  ul. Polna 1, 00-001 Warszawa  "}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        assert members.by_email("ala@installer.example").delivery_address == "ul. Polna 1, 00-001 Warszawa"
    assert "ul. Polna 1, 00-001 Warszawa" in client.get("/t/manufacturer/points").get_data(as_text=True)


def test_P25_the_delivery_address_may_be_given_when_joining(app, client, programme):
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = _tenant()
    user = factories.user(tenant, PARTICIPANT, email="ala@installer.example")
    factories.login(client, tenant, user.email)
    too_long = client.post("/t/manufacturer/installer/join", data={**JOIN, "delivery_address": "x" * 301})
    assert too_long.status_code == 422 and _count(tenant, Installer) == 0
    assert client.post("/t/manufacturer/installer/join",
                       data={**JOIN, "delivery_address": " ul. Polna 1, Warszawa "}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        assert members.by_email("ala@installer.example").delivery_address == "ul. Polna 1, Warszawa"


def test_P25_no_order_without_a_delivery_address(app, client, programme):
    tenant, _user = _joined(app, client, address=None)
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    response = client.post("/t/manufacturer/rewards/R1/order")
    assert response.status_code == 302 and response.location.endswith("/t/manufacturer/delivery-address")
    assert _count(tenant, RewardOrder) == 0
    page = client.get("/t/manufacturer/delivery-address").get_data(as_text=True)
    assert "flash error" in page and 'name="delivery_address"' in page  # the refusal, next to the form
    with use_tenant(tenant.id):
        installer = members.by_email("ala@installer.example")
        with pytest.raises(DomainError) as error:
            orders.place(installer, orders.reward_by_code("R1"), on=date(2024, 2, 2), rules=rules_on(date(2024, 2, 2)),
                         clock=app.extensions["clock"], require_address=True)
        assert (error.value.field, error.value.rule) == ("delivery_address", "P-25")
    db.session.rollback()


def test_P25_fulfilment_page_shows_the_delivery_address(app, client, programme):
    tenant, _user = _joined(app, client, address="ul. Kurierska 7/3, 30-001 Kraków")
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    assert client.post("/t/manufacturer/rewards/R1/order").status_code == 302
    assert _count(tenant, RewardOrder) == 1
    _staff(client, tenant)
    assert "ul. Kurierska 7/3, 30-001 Kraków" in client.get("/t/manufacturer/fulfilment").get_data(as_text=True)


# ---------------------------------------------------------------- P-30: confirmation of receipt on the page


@pytest.mark.parametrize("confirmed", [True, False])
def test_P30_fulfilment_page_records_whether_receipt_was_confirmed(app, client, programme, clock, confirmed):
    tenant = _order(programme)
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
        orders.ship(order, on=date(2024, 2, 3), clock=clock)
        db.session.commit()
        order_id = order.id
    _staff(client, tenant)
    page = client.get("/t/manufacturer/fulfilment").get_data(as_text=True)
    assert 'name="confirmed"' in page
    data = {"confirmed": "1"} if confirmed else {}
    assert client.post(f"/t/manufacturer/fulfilment/{order_id}/delivered", data=data).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        order = db.session.get(RewardOrder, order_id)
        assert (order.state, order.receipt_confirmed) == ("delivered", confirmed)


# ---------------------------------------------------------------- P-27: withheld after a failed delivery


def test_P27_order_whose_delivery_failed_can_be_withheld_and_released_back(app, client, programme, clock):
    tenant = _order(programme)
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
        r = rules_on(date(2024, 2, 3))
        orders.ship(order, on=date(2024, 2, 3), clock=clock)
        orders.delivery_failed(order, on=date(2024, 2, 4), rules=r, clock=clock)
        db.session.commit()
        order_id = order.id
    _staff(client, tenant)
    assert client.post(f"/t/manufacturer/fulfilment/{order_id}/withhold",
                       data={"reason": "checking the address"}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        order = db.session.get(RewardOrder, order_id)
        assert (order.state, order.note) == ("withheld", "checking the address")
        with pytest.raises(DomainError):
            orders.ship(order, on=date(2024, 2, 5), clock=clock)  # a withheld order waits
    db.session.rollback()
    assert client.post(f"/t/manufacturer/fulfilment/{order_id}/release").status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        order = db.session.get(RewardOrder, order_id)
        assert (order.state, order.failed_deliveries) == ("delivery_failed", 1)
        orders.ship(order, on=date(2024, 2, 6), clock=clock)
        assert order.state == "shipped"
    db.session.rollback()


def test_P27_a_placed_order_released_is_placed_again(programme, clock):
    tenant = _order(programme)
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
        orders.withhold(order, reason="checking the points")
        orders.release(order)
        assert order.state == "placed"
    db.session.rollback()


# ---------------------------------------------------------------- P-25: only the participant's failures forfeit


def test_P25_courier_failures_do_not_count_towards_forfeiture(programme, clock):
    tenant = _order(programme)
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
        r = rules_on(date(2024, 2, 3))
        for day in (3, 5, 7):
            orders.ship(order, on=date(2024, 2, day), clock=clock)
            orders.delivery_failed(order, on=date(2024, 2, day + 1), rules=r, clock=clock, participant_fault=False)
        assert (order.state, order.failed_deliveries) == ("delivery_failed", 0)
        orders.ship(order, on=date(2024, 2, 10), clock=clock)
        orders.delivery_failed(order, on=date(2024, 2, 11), rules=r, clock=clock)  # the participant's, by default
        assert (order.state, order.failed_deliveries) == ("delivery_failed", 1)
        orders.ship(order, on=date(2024, 2, 12), clock=clock)
        orders.delivery_failed(order, on=date(2024, 2, 13), rules=r, clock=clock, participant_fault=True)
        assert (order.state, order.failed_deliveries) == ("forfeited", 2)
    db.session.rollback()


@pytest.mark.parametrize(("reason", "state", "failed"), [("courier", "delivery_failed", 0),
                                                         ("participant", "delivery_failed", 1)])
def test_P25_fulfilment_page_asks_whose_fault_the_failure_was(app, client, programme, clock, reason, state, failed):
    tenant = _order(programme)
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
        orders.ship(order, on=date(2024, 2, 3), clock=clock)
        db.session.commit()
        order_id = order.id
    _staff(client, tenant)
    page = client.get("/t/manufacturer/fulfilment").get_data(as_text=True)
    assert 'name="fault"' in page
    assert client.post(f"/t/manufacturer/fulfilment/{order_id}/failed", data={"fault": reason}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        order = db.session.get(RewardOrder, order_id)
        assert (order.state, order.failed_deliveries) == (state, failed)


# ---------------------------------------------------------------- P-42: never decided before it was filed


def test_P42_decision_dated_before_the_filing_is_refused(programme, clock):
    programme.join("ala@example.com")
    tenant = _tenant()
    with use_tenant(tenant.id):
        installer = members.by_email("ala@example.com")
        r = rules_on(date(2024, 3, 3))
        complaint = complaints.file(installer, kind="programme", text="x", on=date(2024, 3, 3), rules=r)
        with pytest.raises(DomainError) as error:
            complaints.decide(complaint, upheld=False, answer="no", on=date(2024, 3, 2), rules=r, clock=clock)
        assert (error.value.field, error.value.rule) == ("on", "P-42")
        assert complaint.decided_on is None and complaint.decision is None
        complaints.decide(complaint, upheld=False, answer="no", on=date(2024, 3, 3), rules=r, clock=clock)
        assert complaint.decided_on == date(2024, 3, 3)
    db.session.rollback()
