"""Installer programme audit fixes: the status job keeps what the organiser granted (P-02, P-03), only approved
participants are excluded for inactivity (P-01, P-32), exclusion and leaving give the reward's stock back (P-31,
P-32), revoked device points do not count (P-03, P-09), no "next status" above Authorised (P-03), the PIT-8C list
keeps the name (P-29), and the date of birth is that of an adult (P-01, P-29)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, STAFF, User
from portal.core.clock import as_of
from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Installer, Reward, RewardOrder
from portal.loyalty.service import members, orders
from portal.loyalty.service.programme import rules_on
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.factories import BUSINESS
from tests.loyalty.test_programme_commands import _add_reward

NIP = "5252248481"


def _tenant() -> Tenant:
    return db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()


def _notices(tenant: Tenant, kind: str) -> list[Notification]:
    with use_tenant(tenant.id):
        return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def _reload(tenant: Tenant, installer_id: int) -> Installer:
    db.session.rollback()
    with use_tenant(tenant.id):
        return db.session.get(Installer, installer_id)


def _trained(programme, *, revoked_on: date | None = None) -> tuple[Tenant, int]:
    """An installer with the training and the sales activity recorded on 2024-02-01 (two criteria, P-03)."""
    programme.join("ala@example.com", status="installer")
    tenant = _tenant()
    with use_tenant(tenant.id):
        installer = members.by_email("ala@example.com")
        members.record_evidence(installer, "training", on=date(2024, 2, 1))
        members.record_evidence(installer, "sales_activity", on=date(2024, 2, 1))
        if revoked_on:
            members.revoke_evidence(installer, "training", on=revoked_on)
        db.session.commit()
        return tenant, installer.id


# --- P-02/P-03: the nightly status job ----------------------------------------------------------------------------

def test_P03_a_re_granted_authorisation_survives_the_daily_status_job(programme, clock):
    tenant, _ = _trained(programme)
    programme.jobs("2024-02-02")  # the criteria raise the status
    with use_tenant(tenant.id):
        installer = members.by_email("ala@example.com")
        assert installer.status == "authorised"
        members.withdraw_title(installer, "authorisation", on=date(2024, 3, 1), clock=clock)
        db.session.commit()
        assert installer.status == "installer"
        members.grant_title(installer, "authorisation", on=date(2024, 4, 1), clock=clock)
        db.session.commit()
    told = len(_notices(tenant, "status_changed"))
    programme.jobs("2024-04-02")
    installer = _reload(tenant, installer.id)
    assert installer.status == "authorised"
    assert len(_notices(tenant, "status_changed")) == told  # nothing new to tell


def test_P02_a_certificate_holder_keeps_the_status_when_a_training_record_is_revoked(programme):
    programme.join("ala@example.com", status="authorised")  # joined holding a valid certificate
    tenant = _tenant()
    with use_tenant(tenant.id):
        installer = members.by_email("ala@example.com")
        members.record_evidence(installer, "training", on=date(2024, 2, 1))
        members.revoke_evidence(installer, "training", on=date(2024, 2, 2))  # recorded by mistake
        db.session.commit()
    programme.jobs("2024-02-03")
    assert _reload(tenant, installer.id).status == "authorised"
    assert _notices(tenant, "status_changed") == []


def test_P03_a_status_from_the_criteria_still_falls_back_when_the_training_is_revoked(programme):
    tenant, installer_id = _trained(programme)
    programme.jobs("2024-02-02")
    with use_tenant(tenant.id):
        members.revoke_evidence(members.by_email("ala@example.com"), "training", on=date(2024, 3, 1))
        db.session.commit()
    programme.jobs("2024-03-02")
    assert _reload(tenant, installer_id).status == "installer"


# --- P-01/P-32: the exclusion checks look only at approved participants -------------------------------------------

def _applicant(tenant: Tenant, email: str, on: date) -> int:
    """Someone outside the usual group (neither a business nor of age declared): waits for the organiser."""
    user = factories.user(tenant, PARTICIPANT, email=email)
    with use_tenant(tenant.id):
        installer = members.join(db.session.get(User, user.id), business=False, installs_heating=True, adult=False,
                                 registered_on=on, rules=rules_on(on), activated_on=on)
        db.session.commit()
        assert installer.approval == "pending"
        return installer.id


def test_P32_an_applicant_waiting_for_approval_or_refused_is_not_excluded_for_inactivity(app, programme):
    tenant = _tenant()
    waiting = _applicant(tenant, "wait@installer.example", date(2024, 2, 1))
    refused = _applicant(tenant, "refused@installer.example", date(2024, 2, 1))
    with use_tenant(tenant.id):
        members.approve(db.session.get(Installer, refused), approved=False, on=date(2024, 2, 5))
        db.session.commit()
    programme.jobs("2024-06-02")  # four months without points: they could not register a device
    assert _reload(tenant, waiting).excluded_on is None
    assert _reload(tenant, refused).excluded_on is None
    assert _notices(tenant, "excluded") == []


def test_P32_the_three_months_count_from_the_organisers_approval(app, client, programme):
    tenant = _tenant()
    installer_id = _applicant(tenant, "late@installer.example", date(2024, 2, 1))
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    app.extensions["clock"] = as_of(date(2024, 4, 1))
    factories.login(client, tenant, staff.email)
    assert client.post(f"/t/manufacturer/installers/{installer_id}/approve").status_code == 302
    programme.jobs("2024-07-01")  # five months after registering, three after the approval
    assert _reload(tenant, installer_id).excluded_on is None
    programme.jobs("2024-07-02")  # more than three months after the approval, still no points
    installer = _reload(tenant, installer_id)
    assert installer.excluded_on == date(2024, 7, 2) and installer.exclusion_ground == "no_points"
    assert len(_notices(tenant, "excluded")) == 1


# --- P-31/P-32: open orders cancelled on exclusion or leaving give the stock back ---------------------------------

def test_P31_P32_exclusion_and_leaving_put_the_ordered_rewards_back_in_stock(programme, clock):
    programme.join("ala@example.com")
    programme.join("ola@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    programme.device("ola@example.com", "SN-2", "2024-02-01")
    _add_reward("R1", 100, "40.00", stock=2)
    assert programme.order("ala@example.com", "R1", "2024-02-02").exit_code == 0
    assert programme.order("ola@example.com", "R1", "2024-02-02").exit_code == 0
    tenant = _tenant()
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Reward.stock).where(Reward.code == "R1")).one() == 0
        members.exclude(members.by_email("ala@example.com"), "rules_breach", on=date(2024, 2, 3), clock=clock)
        members.leave(members.by_email("ola@example.com"), on=date(2024, 2, 3))
        db.session.commit()
        assert [o.state for o in db.session.scalars(select(RewardOrder))] == ["cancelled", "cancelled"]
        db.session.expire_all()
        assert db.session.scalars(select(Reward.stock).where(Reward.code == "R1")).one() == 2


# --- P-03/P-09: revoked device points -----------------------------------------------------------------------------

def test_P03_revoked_device_points_do_not_meet_the_points_criterion(programme):
    programme.join("ala@example.com", status="installer")
    for i in range(13):  # 13 × 120 = 1560 points, the threshold is 1500
        programme.device("ala@example.com", f"SN-{i}", "2024-02-01")
    tenant = _tenant()
    with use_tenant(tenant.id):
        installer = members.by_email("ala@example.com")
        rules = rules_on(date(2024, 2, 2))
        assert "device_points" in members.criteria_met(installer, as_of=date(2024, 2, 2), rules=rules)
        members.revoke_points(installer, 120, reason="credited twice", on=date(2024, 2, 3), rules=rules)
        db.session.commit()
        assert "device_points" not in members.criteria_met(installer, as_of=date(2024, 2, 3), rules=rules)
        # the day before the revocation the points were still there
        assert "device_points" in members.criteria_met(installer, as_of=date(2024, 2, 2), rules=rules)


# --- P-03: what is missing for the next status --------------------------------------------------------------------

def _web_installer(app, client, data: dict, email: str = "ala@installer.example"):
    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = _tenant()
    user = factories.user(tenant, PARTICIPANT, email=email, first_name="Ala", last_name="Nowak")
    factories.login(client, tenant, user.email)
    assert client.post("/t/manufacturer/installer/join", data=data).status_code == 302
    return tenant, user


@pytest.mark.parametrize("data", [{"certificate": "y"}, {"leader": "y"}], ids=["authorised", "premium"])
def test_P03_no_missing_criteria_are_shown_above_the_installer_status(app, client, programme, data):
    _web_installer(app, client, {**BUSINESS, "installs_heating": "y", "adult": "y", **data})
    page = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "Brakuje do kolejnego statusu" not in page and "Missing for the next status" not in page


def test_P03_an_installer_still_sees_what_is_missing(app, client, programme):
    _web_installer(app, client, {**BUSINESS, "installs_heating": "y", "adult": "y"})
    page = client.get("/t/manufacturer/points").get_data(as_text=True)
    assert "Brakuje do kolejnego statusu" in page or "Missing for the next status" in page


# --- P-29: the PIT-8C list keeps the name -------------------------------------------------------------------------

def test_P29_the_pit8c_row_keeps_the_name_after_the_participant_leaves(app, client, programme, clock):
    tenant, user = _web_installer(app, client, {"installs_heating": "y", "adult": "y",
                                                "delivery_address": "ul. Polna 1, 30-001 Kraków"})
    assert client.post("/t/manufacturer/tax-data", data={"tax_id": NIP, "home_address": "ul. Polna 1, Kraków",
                                                         "birth_date": "1980-01-01"}).status_code == 302
    programme.device("ala@installer.example", "SN-1", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    assert client.post("/t/manufacturer/rewards/R1/order").status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
        orders.ship(order, on=date(2024, 3, 1), clock=clock)
        orders.delivered(order, on=date(2024, 3, 5), confirmed=True)
        db.session.commit()
    from portal.privacy import erasure

    app.extensions["clock"] = as_of(date(2024, 12, 1))
    with use_tenant(tenant.id):
        erasure.erase(user.id, clock=app.extensions["clock"])  # deleting the account is leaving (P-31)
        db.session.commit()
        assert db.session.get(User, user.id).first_name in ("", None)  # the account's own name is erased
        [row] = orders.pit8c_rows(2024)
    assert (row["first_name"], row["last_name"], row["tax_id"]) == ("Ala", "Nowak", NIP)
    assert row["gross_value"] == "40.00"


# --- P-01/P-29: the date of birth ---------------------------------------------------------------------------------

def test_P01_P29_the_date_of_birth_is_that_of_an_adult(app, client, programme):
    tenant, user = _web_installer(app, client, {"installs_heating": "y", "adult": "y"})  # today: 2024-02-01
    data = {"tax_id": NIP, "home_address": "ul. Polna 1, Kraków"}
    one_day_short = client.post("/t/manufacturer/tax-data", data={**data, "birth_date": "2006-02-02"})
    assert one_day_short.status_code == 422 and 'id="birth_date-error"' in one_day_short.get_data(as_text=True)
    future = client.post("/t/manufacturer/tax-data", data={**data, "birth_date": "2024-02-02"})
    assert future.status_code == 422 and 'id="birth_date-error"' in future.get_data(as_text=True)
    db.session.rollback()
    with use_tenant(tenant.id):
        installer = members.for_user(user.id)
        assert installer.birth_date is None and installer.tax_id is None  # nothing half-saved
    eighteen_today = client.post("/t/manufacturer/tax-data", data={**data, "birth_date": "2006-02-01"})
    assert eighteen_today.status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        assert members.for_user(user.id).birth_date == date(2006, 2, 1)


def test_P01_P29_the_refusals_name_the_field_and_the_rule(programme):
    programme.join("ala@example.com", business="no")
    tenant = _tenant()
    with use_tenant(tenant.id):
        installer = members.by_email("ala@example.com")
        for born, rule in ((date(2024, 2, 2), "P-29"), (date(2006, 2, 2), "P-01")):
            with pytest.raises(DomainError) as refused:
                members.set_tax_data(installer, tax_id=NIP, home_address="ul. Polna 1", birth_date=born,
                                     on=date(2024, 2, 1))
            assert (refused.value.field, refused.value.rule) == ("birth_date", rule)
        members.set_tax_data(installer, tax_id=NIP, home_address="ul. Polna 1", birth_date=date(2006, 2, 1),
                             on=date(2024, 2, 1))
        assert installer.birth_date == date(2006, 2, 1)


# --- P-01/P-29: a business joins with its NIP --------------------------------------------------------------------

def test_P01_P29_a_business_joining_on_the_page_gives_a_valid_nip(app, client, programme):
    """As the import and the API refuse a business without a valid NIP, so does the joining form: else an individual
    could tick "I run a business" and order rewards without the PIT-8C data (P-29)."""
    from tests.factories import valid_nip

    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = _tenant()
    user = factories.user(tenant, PARTICIPANT, email="ola@installer.example")
    factories.login(client, tenant, user.email)
    data = {**BUSINESS, "installs_heating": "y", "adult": "y"}
    for nip in ("", "1234567890"):
        refused = client.post("/t/manufacturer/installer/join", data={**data, "nip": nip})
        assert refused.status_code == 422
        assert 'id="nip-error"' in refused.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert members.for_user(user.id) is None
    good = valid_nip(4242)
    assert client.post("/t/manufacturer/installer/join", data={**data, "nip": f"PL {good[:3]}-{good[3:]}"}) \
        .status_code == 302
    with use_tenant(tenant.id):
        db.session.expire_all()
        assert members.for_user(user.id).business is True
        assert db.session.get(type(user), user.id).nip == good


def test_P01_an_account_registered_with_its_nip_joins_as_a_business_without_typing_it_again(app, client, programme):
    from tests.factories import valid_nip

    app.extensions["clock"] = as_of(date(2024, 2, 1))
    tenant = _tenant()
    user = factories.user(tenant, PARTICIPANT, email="firma@installer.example", nip=valid_nip(4343))
    factories.login(client, tenant, user.email)
    page = client.get("/t/manufacturer/installer/join").get_data(as_text=True)
    assert valid_nip(4343) in page
    assert client.post("/t/manufacturer/installer/join",
                       data={"business": "y", "installs_heating": "y", "adult": "y", "nip": valid_nip(4343)}) \
        .status_code == 302


def test_P01_an_individual_joins_without_a_nip(app, client, programme):
    _web_installer(app, client, {"installs_heating": "y", "adult": "y"})


def test_G06_P29_a_rectified_name_reaches_the_name_kept_for_the_pit8c(app, programme):
    """The name copied with the tax data (kept for the PIT-8C after an erasure) follows a correction of the name:
    the tax form is not printed with the name the person had corrected."""
    from portal.accounts import service as accounts

    programme.join("jan@example.com", business="no")
    tenant = _tenant()
    with use_tenant(tenant.id):
        installer = members.by_email("jan@example.com")
        members.set_tax_data(installer, tax_id="44051401359", home_address="ul. Domowa 2, 30-001 Kraków",
                             birth_date=date(1944, 5, 14), on=date(2024, 2, 2))
        db.session.commit()
        user = db.session.get(User, installer.user_id)
        assert installer.tax_last_name == "Kowalski"
        accounts.update_profile(user, {"last_name": "Kowalewski"}, actor=None)
        db.session.commit()
        db.session.expire_all()
        assert members.by_email("jan@example.com").tax_last_name == "Kowalewski"


# --- P-20: the participant sees what a reward is ------------------------------------------------------------------

def test_P20_the_catalogue_shows_each_rewards_description_to_participants(app, client, programme):
    """P-20: the catalogue holds a description; the participant choosing a reward is shown it (escaped)."""
    tenant, _user = _web_installer(app, client, {"installs_heating": "y", "adult": "y"})
    _add_reward("R1", 100, "40.00")
    with use_tenant(tenant.id):
        reward = db.session.scalars(select(Reward).where(Reward.code == "R1")).one()
        reward.description = "Wkrętarka 18 V z dwoma akumulatorami <b>"
        db.session.commit()
    page = client.get("/t/manufacturer/rewards").get_data(as_text=True)
    assert "Wkrętarka 18 V z dwoma akumulatorami &lt;b&gt;" in page


def test_P03_replaying_a_day_before_the_criteria_were_recorded_keeps_the_status_and_tells_nothing(programme):
    tenant, installer_id = _trained(programme)
    programme.jobs("2024-02-02")
    assert _reload(tenant, installer_id).status == "authorised"
    told = len(_notices(tenant, "status_changed"))
    programme.jobs("2024-01-20")  # the organiser replays a missed day from before the training
    assert _reload(tenant, installer_id).status == "authorised"
    assert len(_notices(tenant, "status_changed")) == told


def test_P03_a_training_revoked_later_still_counted_on_a_replayed_earlier_day(programme):
    tenant, installer_id = _trained(programme, revoked_on=date(2024, 3, 1))
    programme.jobs("2024-02-10")  # a day between the training and its revocation: the criteria were met then
    assert _reload(tenant, installer_id).status == "authorised"
    programme.jobs("2024-03-01")  # the revocation's day: the authorisation is lost
    assert _reload(tenant, installer_id).status == "installer"
