"""Audit of the manufacturer's programme: the yearly limit of rewards received (P-28, seed §5 pkt 12) can no longer
be passed by orders still on their way on 1 January, and a limit already passed is said as such; staff cancel an
order from the fulfilment page (P-23, seed §5 pkt 5); a reward cancelled because it is unavailable does not go back
to stock (P-20); a business participant keeps a valid NIP (P-01, P-29); texts addressed to the right reader."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.accounts.models import ADMIN, PARTICIPANT, STAFF, User
from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Installer, RewardOrder
from portal.loyalty.service import members, orders
from portal.loyalty.service.programme import rules_on
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.loyalty.test_orders_audit_fixes import _joined as _joined_pl
from tests.loyalty.test_programme_commands import _add_reward

EMAIL = "ala@example.com"


def _tenant(slug: str = "manufacturer") -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _joined(app, client, day: str = "2024-02-01"):
    """An installer who joined through the pages (a business, with 120 points to come), reading them in English."""
    tenant, user = _joined_pl(app, client, day=day)
    with use_tenant(tenant.id):
        db.session.get(User, user.id).locale = "en"
        db.session.commit()
    return tenant, user


def _staff(client, tenant):
    client.post("/t/manufacturer/logout")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example", locale="en")
    factories.login(client, tenant, staff.email)


def _rich(programme, email: str = EMAIL, day: str = "2026-12-01") -> None:
    programme.join(email, registered_on=day)
    for n in range(3):
        programme.device(email, f"SN-{email[:3]}-{n}", day)  # 3 × 120 = 360 points


def _ids(programme, email: str, code: str, day: str, times: int) -> list[int]:
    placed = []
    for _n in range(times):
        result = programme.order(email, code, day)
        assert result.exit_code == 0, result.output
        placed.append(int(result.output.strip()))
    return placed


def _stock(code: str) -> int:
    db.session.rollback()
    with use_tenant(_tenant().id):
        return orders.reward_by_code(code).stock


def _order(order_id: int) -> RewardOrder:
    db.session.rollback()
    with use_tenant(_tenant().id):
        return db.session.get(RewardOrder, order_id)


# ---------------------------------------------------------------- P-28: orders on their way on 1 January


def test_P28_orders_still_on_their_way_on_new_year_count_towards_the_new_year(app, programme):
    """§5 pkt 12 caps the rewards *received* in a calendar year: an order placed in December and not delivered by
    1 January will be received in January at the earliest, so it fills the new year's allowance from that day."""
    app.extensions["clock"] = as_of(date(2027, 1, 4))
    _rich(programme)
    _add_reward("R-PRESS", 10, "2999.00")
    _add_reward("R-ANALYSER", 10, "2490.00")
    december = _ids(programme, EMAIL, "R-PRESS", "2026-12-28", 5)  # 14,995
    assert programme.statement(EMAIL, "2027-01-04")["reward_value_this_year"] == "14995.00"
    january = _ids(programme, EMAIL, "R-ANALYSER", "2027-01-04", 1)  # 17,485
    refused = programme.order(EMAIL, "R-ANALYSER", "2027-01-04")
    assert refused.exit_code == 1 and "P-28" in refused.output and "PLN515.00 is left" in refused.output
    tenant = _tenant()
    with use_tenant(tenant.id):
        for order_id in december + january:  # staff ship and deliver them all in January
            order = db.session.get(RewardOrder, order_id)
            orders.ship(order, on=date(2027, 1, 4), clock=as_of(date(2027, 1, 4)))
            orders.delivered(order, on=date(2027, 1, 4), confirmed=True)
        db.session.commit()
    assert programme.statement(EMAIL, "2027-01-04")["reward_value_this_year"] == "17485.00"
    assert programme.statement(EMAIL, "2026-12-31")["reward_value_this_year"] == "14995.00"


def test_P28_an_order_replayed_into_the_old_year_counts_in_the_year_it_will_be_received(app, programme):
    """The organiser's system may date an order on an earlier day (the API's ``on``): dated 30 December but placed
    on 5 January, the reward is received in the new year at the earliest, whose allowance is already taken."""
    app.extensions["clock"] = as_of(date(2027, 1, 5))
    _rich(programme)
    _add_reward("R-BIG", 10, "17500.00")
    _add_reward("R-SMALL", 10, "600.00")
    _ids(programme, EMAIL, "R-BIG", "2027-01-02", 1)
    with use_tenant(_tenant().id):
        day = date(2026, 12, 30)
        with pytest.raises(DomainError) as refused:
            orders.place(members.by_email(EMAIL), orders.reward_by_code("R-SMALL"), on=day, rules=rules_on(day),
                         clock=as_of(date(2027, 1, 5)))
        assert refused.value.rule == "P-28" and "PLN500.00 is left" in refused.value.message
        db.session.rollback()


def test_P28_a_limit_already_passed_is_shown_as_passed_never_as_a_negative_allowance(app, client, programme):
    """A year over the limit (rewards recorded before the check, or a lower limit published by the organiser):
    the participant reads that nothing more can be ordered, not "Still allowed: -PLN1,975.00"."""
    tenant, user = _joined(app, client, day="2024-02-01")
    programme.device(user.email, "SN-1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    assert client.post("/t/manufacturer/rewards/R1/order").status_code == 302
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
        order.gross_value = Decimal("19975.00")  # as recorded before the limit counted orders on their way
        db.session.commit()
    for url in ("/t/manufacturer/points", "/t/manufacturer/rewards"):
        page = _text(client.get(url).get_data(as_text=True))
        assert "-PLN" not in page and "PLN0.00" in page, url
        assert "This year's rewards exceed the yearly limit of PLN18,000.00 by PLN1,975.00: no reward can be " \
               "ordered now." in page, url
    _staff(client, tenant)
    with use_tenant(tenant.id):
        installer_id = members.by_email(user.email).id
    staff_page = _text(client.get(f"/t/manufacturer/installers/{installer_id}").get_data(as_text=True))
    assert "exceed the yearly limit of PLN18,000.00 by PLN1,975.00" in staff_page


# ---------------------------------------------------------------- P-23: staff cancel from the fulfilment page


def _kurtka_order(programme) -> int:
    _rich(programme, day="2024-02-01")
    result = programme.order(EMAIL, "R-KURTKA", "2024-03-01")
    assert result.exit_code == 0, result.output
    return int(result.output.strip())


def _as_staff(app, client):
    app.extensions["clock"] = as_of(date(2024, 3, 2))
    tenant = _tenant()
    _staff(client, tenant)
    return tenant


def test_P23_staff_cancel_an_order_from_the_fulfilment_page_and_its_points_come_back(app, client, programme):
    """§5 pkt 5: a reward unavailable with no substitute — the order is cancelled and its points restored."""
    order_id = _kurtka_order(programme)
    assert programme.statement(EMAIL, "2024-03-01")["balance"] == 60
    _as_staff(app, client)
    page = client.get("/t/manufacturer/fulfilment").get_data(as_text=True)
    action = f'action="/t/manufacturer/fulfilment/{order_id}/cancel"'
    assert action in page
    form = page[page.index(action):]
    form = form[:form.index("</form>")]
    assert 'name="csrf_token"' in form and 'name="cause"' in form and 'name="reason"' in form
    assert "Cancel the order (points restored)" in form
    response = client.post(f"/t/manufacturer/fulfilment/{order_id}/cancel",
                           data={"cause": "unavailable", "reason": "discontinued by the maker"})
    assert response.status_code == 302
    order = _order(order_id)
    assert (order.state, order.closed_on) == ("cancelled", date(2024, 3, 2))
    assert "discontinued by the maker" in order.note
    assert programme.statement(EMAIL, "2024-03-02")["balance"] == 360
    assert _stock("R-KURTKA") == 99  # unavailable: not put back for anyone else to order
    assert f'action="/t/manufacturer/fulfilment/{order_id}/cancel"' not in \
        client.get("/t/manufacturer/fulfilment").get_data(as_text=True)


def test_P23_a_cancel_without_saying_why_is_refused_in_the_orders_row(app, client, programme):
    order_id = _kurtka_order(programme)
    _as_staff(app, client)
    response = client.post(f"/t/manufacturer/fulfilment/{order_id}/cancel", data={"reason": "x"})
    assert response.status_code == 422
    row = _text(response.get_data(as_text=True))
    assert f"Order #{order_id}: Choose why the order is cancelled." in row
    assert (_order(order_id).state, _stock("R-KURTKA")) == ("placed", 99)


def test_P20_a_staff_cancel_for_another_reason_puts_the_reward_back_in_stock(app, client, programme):
    order_id = _kurtka_order(programme)
    _as_staff(app, client)
    assert client.post(f"/t/manufacturer/fulfilment/{order_id}/cancel",
                       data={"cause": "other", "reason": ""}).status_code == 302
    assert _order(order_id).state == "cancelled"
    assert _stock("R-KURTKA") == 100


def test_P23_a_shipped_order_offers_no_cancel_on_the_fulfilment_page(app, client, programme):
    order_id = _kurtka_order(programme)
    with use_tenant(_tenant().id):
        orders.ship(db.session.get(RewardOrder, order_id), on=date(2024, 3, 2), clock=as_of(date(2024, 3, 2)))
        db.session.commit()
    _as_staff(app, client)
    page = client.get("/t/manufacturer/fulfilment").get_data(as_text=True)
    assert f"/fulfilment/{order_id}/ship" not in page and f"/fulfilment/{order_id}/cancel" not in page


# ---------------------------------------------------------------- P-20: an unavailable reward stays unavailable


def test_P20_P23_a_refused_substitute_does_not_make_the_unavailable_reward_orderable_again(app, client, programme):
    order_id = _kurtka_order(programme)
    tenant = _as_staff(app, client)
    with use_tenant(tenant.id):
        kurtka_id = orders.reward_by_code("R-KURTKA").id
    assert client.post(f"/t/manufacturer/catalogue/{kurtka_id}",
                       data={"points": "300", "stock": "0", "active": "y"}).status_code == 302
    assert client.post(f"/t/manufacturer/fulfilment/{order_id}/substitute",
                       data={"code": "R-KURTKA-ZIMOWA"}).status_code == 302
    assert (_order(order_id).state, _stock("R-KURTKA-ZIMOWA")) == ("substitute_offered", 59)
    with use_tenant(tenant.id):
        order, day = db.session.get(RewardOrder, order_id), date(2024, 3, 3)
        orders.answer_substitute(order, accept=False, on=day, rules=rules_on(day), clock=as_of(day))
        db.session.commit()
    assert _order(order_id).state == "cancelled"
    assert programme.statement(EMAIL, "2024-03-03")["balance"] == 360
    assert (_stock("R-KURTKA"), _stock("R-KURTKA-ZIMOWA")) == (0, 60)  # the substitute set aside comes back
    again = programme.order(EMAIL, "R-KURTKA", "2024-03-03")
    assert again.exit_code == 1 and "P-20" in again.output


def _offered_for_unavailable(order_id: int, day: date = date(2024, 3, 2)) -> RewardOrder:
    """The jacket ordered runs out (stock 0) and staff offer the winter jacket instead (P-23)."""
    order = db.session.get(RewardOrder, order_id)
    orders.reward_by_code("R-KURTKA").stock = 0
    orders.offer_substitute(order, orders.reward_by_code("R-KURTKA-ZIMOWA"), on=day, rules=rules_on(day),
                            clock=as_of(day))
    return order


def test_P20_P23_a_lapsed_substitute_does_not_put_the_unavailable_reward_back(app, client, programme):
    order_id = _kurtka_order(programme)
    with use_tenant(_tenant().id):
        _offered_for_unavailable(order_id)
        db.session.commit()
    programme.jobs("2024-03-23")
    assert _order(order_id).state == "cancelled"
    assert (_stock("R-KURTKA"), _stock("R-KURTKA-ZIMOWA")) == (0, 60)


def test_P20_an_exclusion_cancelling_an_offered_order_does_not_put_the_unavailable_reward_back(programme):
    order_id = _kurtka_order(programme)
    with use_tenant(_tenant().id):
        _offered_for_unavailable(order_id)
        day = date(2024, 3, 2)
        members.exclude(members.by_email(EMAIL), "rules_breach", on=day, clock=as_of(day))
        db.session.commit()
    assert _order(order_id).state == "cancelled"
    assert (_stock("R-KURTKA"), _stock("R-KURTKA-ZIMOWA")) == (0, 60)


# ---------------------------------------------------------------- P-01 / P-29: a business keeps a valid NIP


def _profile(user: User, **changes) -> dict:
    return {"first_name": user.first_name, "last_name": user.last_name, "phone": "", "company_name": "",
            "nip": user.nip or "", "locale": "en", **changes}


def test_P01_P29_a_business_participant_cannot_empty_or_spoil_the_nip_in_the_profile(app, client, programme):
    tenant, user = _joined(app, client)
    with use_tenant(tenant.id):
        user = db.session.get(User, user.id)
        nip = user.nip
    assert nip
    for typed in ("", "123"):
        response = client.post("/t/manufacturer/profile", data=_profile(user, nip=typed))
        page = response.get_data(as_text=True)
        assert response.status_code == 422, typed
        assert 'aria-invalid="true"' in page[page.index('name="nip"') - 300:page.index('name="nip"') + 300]
        assert "A business participant needs a valid NIP." in page
        db.session.rollback()
        with use_tenant(tenant.id):
            assert db.session.get(User, user.id).nip == nip
            assert members.by_email(user.email).business is True


def test_P01_a_business_participant_may_correct_the_nip_to_another_valid_one(app, client, programme):
    tenant, user = _joined(app, client)
    other = factories.valid_nip(4321)
    assert client.post("/t/manufacturer/profile", data=_profile(user, nip=other)).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        assert db.session.get(User, user.id).nip == other


def test_P01_an_individual_participant_may_keep_the_nip_empty(app, client, programme):
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = _tenant()
    user = factories.user(tenant, PARTICIPANT, email="jan@installer.example", locale="en")
    factories.login(client, tenant, user.email)
    assert client.post("/t/manufacturer/installer/join",
                       data={"business": "", "nip": "", "installs_heating": "y", "adult": "y"}).status_code == 302
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Installer).where(Installer.user_id == user.id)).one().business is False
    assert client.post("/t/manufacturer/profile", data=_profile(user, nip="")).status_code == 302


# ---------------------------------------------------------------- texts addressed to their reader


def test_P07_the_staff_page_of_a_participant_without_points_does_not_address_the_participant(app, client,
                                                                                              programme):
    programme.join(EMAIL, registered_on="2024-02-01")
    tenant = _as_staff(app, client)
    with use_tenant(tenant.id):
        installer_id = members.by_email(EMAIL).id
    page = _text(client.get(f"/t/manufacturer/installers/{installer_id}").get_data(as_text=True))
    assert "This participant has no points yet." in page and "You have no points" not in page


def test_E01_the_programme_page_of_a_loyalty_programme_does_not_speak_of_a_reward_table(app, client, programme):
    tenant = _tenant()
    admin = factories.user(tenant, ADMIN, email="admin@manufacturer.test.example", locale="en")
    factories.login(client, tenant, admin.email)
    page = _text(client.get("/t/manufacturer/programme").get_data(as_text=True))
    assert "In force: version 1" in page and "reward table" not in page


def test_E01_the_programme_page_of_a_lead_programme_still_says_the_first_matching_row_wins(app, client):
    from tests.programmes.test_editor import _tenant as created

    tenant = created(app, "distributor")
    admin = factories.user(tenant, ADMIN, email="admin@distributor.test.example", locale="en")
    factories.login(client, tenant, admin.email)
    page = _text(client.get("/t/distributor/programme").get_data(as_text=True))
    assert "the first matching row of the reward table wins" in page


def test_P28_a_substitute_offered_on_a_replayed_old_year_day_is_checked_against_the_new_year_too(app, programme):
    """An order on its way counts in every year until it is received (``value_this_year``): a substitute of higher
    value, offered on a December day replayed in January, would be received in the new year, so that year's limit
    is checked too — 17,000 + 1,500 would pass 18,000."""
    app.extensions["clock"] = as_of(date(2027, 1, 5))
    _rich(programme)
    _add_reward("R-SMALL", 10, "600.00")
    _add_reward("R-SUB", 10, "1500.00")
    _add_reward("R-BIG", 10, "17000.00")
    [small] = _ids(programme, EMAIL, "R-SMALL", "2026-12-20", 1)
    _ids(programme, EMAIL, "R-BIG", "2027-01-02", 1)
    with use_tenant(_tenant().id):
        day = date(2026, 12, 28)
        with pytest.raises(DomainError) as refused:
            orders.offer_substitute(db.session.get(RewardOrder, small), orders.reward_by_code("R-SUB"), on=day,
                                    rules=rules_on(day), clock=as_of(date(2027, 1, 5)))
        assert refused.value.rule == "P-28" and "18500.00" in refused.value.message.replace(",", "")
        db.session.rollback()


def test_P01_P29_G06_the_dpos_correction_cannot_empty_a_business_participants_nip_either(app, client, programme):
    """The same rule holds on the DPO's rectification (it writes the profile through the same service): a business
    keeps a valid NIP; ceasing to be one is not a correction of data."""
    from portal.accounts.service import update_profile

    tenant, user = _joined(app, client)
    with use_tenant(tenant.id):
        subject = db.session.get(User, user.id)
        with pytest.raises(DomainError) as refused:
            update_profile(subject, {"nip": ""}, actor=None)
        assert refused.value.field == "nip" and refused.value.rule == "P-01"
        db.session.rollback()
