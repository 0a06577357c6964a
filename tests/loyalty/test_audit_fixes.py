"""Defects an audit of the installer programme found: a serial number earns once whatever its letter case or
spacing (P-05), a device's registration day lies between the participant's joining and today (P-05, P-40), and a
substitute reward respects the yearly limit of rewards (P-28, seed §5.12: 18 000 PLN gross a calendar year)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Device, RewardOrder
from portal.loyalty.service import members, orders
from portal.loyalty.service.programme import rules_on
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests.api.conftest import Api, device_body, installer_body, make_token, problem
from tests.loyalty.test_pages import PDF
from tests.loyalty.test_pages import _installer as web_installer
from tests.loyalty.test_programme_commands import _add_reward

ALA = "ala@example.com"
ROW = ALA + ",{serial},TV-KOND-24C,FD612,{installed},{registered}"


def _row(serial: str, registered: str = "2024-02-02", installed: str | None = None) -> str:
    return ROW.format(serial=serial, installed=installed or registered, registered=registered)


def _tenant():
    return tenants.by_slug("manufacturer")


def _devices() -> list[Device]:
    with use_tenant(_tenant().id):
        return list(db.session.scalars(select(Device).order_by(Device.id)))


@pytest.fixture
def mapi(client, programme) -> Api:
    return Api(client, make_token(_tenant()))


# ---------------------------------------------------------------- P-05: one serial number earns once


@pytest.mark.parametrize("again", ["sn-1", "SN-1 ", " Sn-1", "s n-1"])
def test_P05_serial_in_another_letter_case_or_spacing_does_not_earn_again_in_the_import(programme, again):
    programme.join(ALA)
    programme.device(ALA, "SN-1", "2024-02-01")
    result = programme.devices(_row(again))
    assert result.exit_code == 1
    assert "line 2: P-05: A device with this serial number is already registered" in result.output
    assert programme.statement(ALA, "2024-02-05")["balance"] == 120
    assert [d.serial for d in _devices()] == ["SN-1"]


def test_P05_serials_are_stored_upper_case_without_spaces(programme):
    programme.join(ALA)
    programme.device(ALA, " sn 1 ", "2024-02-01")
    assert [d.serial for d in _devices()] == ["SN1"]
    again = programme.devices(_row("SN1"))
    assert again.exit_code == 1 and "P-05" in again.output


def test_P05_two_rows_of_one_file_with_the_same_serial_in_another_case_earn_once(programme):
    programme.join(ALA)
    result = programme.devices(_row("ab-7"), _row("AB-7", "2024-02-03"), commit_valid=True)
    assert result.exit_code == 1 and "line 3: P-05" in result.output
    assert programme.statement(ALA, "2024-02-05")["balance"] == 120


def test_P05_a_serial_stored_in_lower_case_before_the_fix_still_counts_as_registered(programme):
    import importlib

    programme.join(ALA)
    programme.device(ALA, "SN-9", "2024-02-01")
    with use_tenant(_tenant().id):
        device = db.session.scalars(select(Device)).one()
        device.serial = "sn 9"  # as a row written before serials were normalised
        db.session.commit()
    # migration 0013 brings such rows to the normalised spelling the duplicate check looks up
    importlib.import_module("portal.migrations.versions.0013_normalise_serials").normalise(db.session.connection())
    db.session.commit()
    result = programme.devices(_row("SN9"))
    assert result.exit_code == 1 and "P-05" in result.output
    assert programme.statement(ALA, "2024-02-05")["balance"] == 120


def test_P05_revoking_by_serial_finds_the_device_in_any_letter_case(programme):
    programme.join(ALA)
    programme.device(ALA, "SN-1", "2024-02-01")
    result = programme.run("points", "revoke", "manufacturer", ALA, "--device", "sn-1", "--reason", "duplicate",
                           "--as-of", "2024-02-10")
    assert result.exit_code == 0, result.output
    assert "revoked 120 points" in result.output


def test_P09_revoking_more_points_than_are_left_names_the_revocation_rule(programme):
    """Seed §4.8: the organiser takes back points credited by mistake; more than the balance is refused under that
    rule (P-09), not the reward order's (P-21)."""
    programme.join(ALA)
    result = programme.run("points", "revoke", "manufacturer", ALA, "--points", "50", "--reason", "mistake",
                           "--as-of", "2024-02-10")
    assert result.exit_code == 1 and "P-09" in result.output and "P-21" not in result.output, result.output


def test_P05_api_serial_in_another_case_is_422_and_stored_normalised(mapi):
    installer = mapi.post("/installers", installer_body(1)).get_json()
    first = mapi.post(f"/installers/{installer['id']}/devices", device_body("sn 1"))
    assert first.status_code == 201 and first.get_json()["serial"] == "SN1"
    again = mapi.post(f"/installers/{installer['id']}/devices", device_body("Sn1", "2024-02-02"))
    body = problem(again)
    assert again.status_code == 422
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("serial", "P-05")]
    assert len(_devices()) == 1


def test_P05_page_form_refuses_a_serial_registered_in_another_case(app, client, programme):
    web_installer(app, client, programme)
    data = {"model_code": "TV-KOND-24C", "serial": "SN-100", "production_code": "FD612", "installed_on": "2024-01-20"}
    first = client.post("/t/manufacturer/devices/new", data={**data, "proof": (io.BytesIO(PDF), "proof.pdf")},
                        content_type="multipart/form-data")
    assert first.status_code == 302, first.get_data(as_text=True)
    kept = set(Path(app.config["UPLOAD_DIR"]).rglob("proofs/*"))
    again = client.post("/t/manufacturer/devices/new", data={**data, "serial": "sn-100 ",
                                                             "proof": (io.BytesIO(PDF), "proof.pdf")},
                        content_type="multipart/form-data")
    assert again.status_code == 422
    assert "(P-05)" in again.get_data(as_text=True)
    assert [d.serial for d in _devices()] == ["SN-100"]
    # P-10, G-05: the refused registration's proof file is not kept either (no file that no record names)
    assert set(Path(app.config["UPLOAD_DIR"]).rglob("proofs/*")) == kept
    assert {p.name for p in kept} >= set(_devices()[0].proof_files)  # the registered device's proof stays


# ---------------------------------------------------------------- P-05 / P-40: the day a device is registered


def test_P05_import_refuses_a_registration_day_after_today(programme):
    programme.join(ALA, registered_on="2024-01-10")
    result = programme.run("devices", "import", "manufacturer",
                           programme.csv("email,serial,model_code,production_code,installed_on,registered_on",
                                         [_row("SN-F", "2030-02-01", "2024-02-01"), _row("SN-T", "2024-03-01")]),
                           "--as-of", "2024-03-01", "--commit-valid")
    assert result.exit_code == 1
    assert "line 2: P-05: The registration date cannot be later than today (2024-03-01)." in result.output
    assert "line 3" not in result.output
    assert [d.serial for d in _devices()] == ["SN-T"]
    assert programme.statement(ALA, "2030-02-02")["balance"] == 0  # SN-T's points expired in 2026, none in 2030


def test_P05_import_refuses_a_registration_day_before_the_participant_joined(programme):
    programme.join(ALA, registered_on="2024-01-10")
    result = programme.run("devices", "import", "manufacturer",
                           programme.csv("email,serial,model_code,production_code,installed_on,registered_on",
                                         [_row("SN-P", "2016-03-01", "2016-02-01"), _row("SN-Q", "2024-01-09"),
                                          _row("SN-J", "2024-01-10")]),
                           "--as-of", "2024-03-01", "--commit-valid")
    assert result.exit_code == 1
    assert ("line 2: P-05: The registration date cannot be earlier than the day the participant joined "
            "(2024-01-10).") in result.output
    assert "line 3: P-05" in result.output and "line 4" not in result.output
    assert [d.serial for d in _devices()] == ["SN-J"]


def test_P05_api_registration_day_must_lie_between_joining_and_today(mapi):
    installer = mapi.post("/installers", installer_body(1, registered_on="2024-01-10")).get_json()
    path = f"/installers/{installer['id']}/devices"
    for day in ("2026-03-03", "2030-02-01", "2024-01-09", "2016-03-01"):
        installed = day if day < "2024-02-01" else "2024-02-01"
        response = mapi.post(path, device_body(f"SN-{day}", day, installed_on=installed))
        body = problem(response)
        assert response.status_code == 422, day
        assert {(e["field"], e["rule"]) for e in body["errors"]} == {("registered_on", "P-05")}, day
    assert not _devices()
    assert mapi.post(path, device_body("SN-TODAY", "2026-03-02", installed_on="2026-03-01")).status_code == 201
    assert mapi.post(path, device_body("SN-JOIN", "2024-01-10")).status_code == 201


# ---------------------------------------------------------------- P-28: substitutes and the yearly limit


@pytest.fixture
def shopper(programme, clock):
    """Ala with 240 points and two orders worth 17 000.00 PLN gross in 2024."""
    programme.join(ALA)
    programme.device(ALA, "SN-1", "2024-02-01")
    programme.device(ALA, "SN-2", "2024-02-01")
    for code, points, gross in (("R-A", 100, "10000.00"), ("R-B", 100, "7000.00"), ("R-C", 100, "9000.00"),
                                ("R-D", 100, "8000.00"), ("R-E", 20, "500.00")):
        _add_reward(code, points, gross, kind="t")
    tenant = _tenant()
    with use_tenant(tenant.id):
        installer = members.by_email(ALA)
        rules = rules_on(date(2024, 3, 1))
        orders.place(installer, orders.reward_by_code("R-A"), on=date(2024, 3, 1), rules=rules, clock=clock)
        order = orders.place(installer, orders.reward_by_code("R-B"), on=date(2024, 3, 1), rules=rules, clock=clock)
        db.session.commit()
        order_id, installer_id = order.id, installer.id
    return tenant, installer_id, order_id


def test_P28_a_substitute_that_would_exceed_the_yearly_limit_cannot_be_offered(shopper, clock):
    tenant, installer_id, order_id = shopper
    with use_tenant(tenant.id):
        order, rules = db.session.get(RewardOrder, order_id), rules_on(date(2024, 3, 2))
        with pytest.raises(DomainError) as refused:
            orders.offer_substitute(order, orders.reward_by_code("R-C"), on=date(2024, 3, 2), rules=rules,
                                    clock=clock)
        assert refused.value.rule == "P-28" and refused.value.field == "substitute"
        assert "18,000.00" in refused.value.message and "19,000.00" in refused.value.message
        db.session.rollback()
        order = db.session.get(RewardOrder, order_id)
        assert (order.state, order.substitute_id) == ("placed", None)
        orders.offer_substitute(order, orders.reward_by_code("R-D"), on=date(2024, 3, 2), rules=rules, clock=clock)
        orders.answer_substitute(order, accept=True, on=date(2024, 3, 3), rules=rules, clock=clock)
        db.session.commit()
        assert orders.value_this_year(installer_id, 2024) == Decimal("18000.00")


def test_P28_accepting_a_substitute_is_refused_once_it_no_longer_fits_the_limit(shopper, clock):
    tenant, installer_id, order_id = shopper
    with use_tenant(tenant.id):
        installer, rules = members.by_email(ALA), rules_on(date(2024, 3, 2))
        order = db.session.get(RewardOrder, order_id)
        orders.offer_substitute(order, orders.reward_by_code("R-D"), on=date(2024, 3, 2), rules=rules, clock=clock)
        # while the offer waits, another order still fits (the offered order counts at its original value)
        orders.place(installer, orders.reward_by_code("R-E"), on=date(2024, 3, 2), rules=rules, clock=clock)
        db.session.commit()
        with pytest.raises(DomainError) as refused:
            orders.answer_substitute(order, accept=True, on=date(2024, 3, 3), rules=rules, clock=clock)
        assert refused.value.rule == "P-28"
        db.session.rollback()
        order = db.session.get(RewardOrder, order_id)
        assert order.state == "substitute_offered" and order.gross_value == Decimal("7000.00")
        assert orders.value_this_year(installer_id, 2024) == Decimal("17500.00")
        orders.answer_substitute(order, accept=False, on=date(2024, 3, 3), rules=rules, clock=clock)
        db.session.commit()
        assert order.state == "cancelled"


def test_P28_a_substitute_whose_value_rose_after_the_offer_cannot_be_accepted(shopper, clock):
    tenant, installer_id, order_id = shopper
    with use_tenant(tenant.id):
        rules = rules_on(date(2024, 3, 2))
        order = db.session.get(RewardOrder, order_id)
        orders.offer_substitute(order, orders.reward_by_code("R-D"), on=date(2024, 3, 2), rules=rules, clock=clock)
        orders.reward_by_code("R-D").gross_value = Decimal("9000.00")  # the organiser edits the catalogue
        db.session.commit()
        with pytest.raises(DomainError) as refused:
            orders.answer_substitute(order, accept=True, on=date(2024, 3, 3), rules=rules, clock=clock)
        assert refused.value.rule == "P-28"
        db.session.rollback()
        assert orders.value_this_year(installer_id, 2024) == Decimal("17000.00")


def test_P28_api_offering_a_substitute_over_the_yearly_limit_is_422(shopper, mapi):
    tenant, installer_id, order_id = shopper
    refused = mapi.post(f"/orders/{order_id}/substitute", {"code": "R-C", "on": "2024-03-02"})
    body = problem(refused)
    assert refused.status_code == 422 and body["rule"] == "P-28"
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("code", "P-28")]  # the body's property
    with use_tenant(tenant.id):
        assert db.session.get(RewardOrder, order_id).state == "placed"
    assert mapi.post(f"/orders/{order_id}/substitute", {"code": "R-D", "on": "2024-03-02"}).status_code == 200


def test_P05_in_one_file_the_earlier_registration_of_a_serial_wins_whatever_the_row_order(programme):
    """A file's devices are registered as the participants registered them, day by day: the installer who registered
    a serial first earns for it, even when a later registration of that serial is listed above it."""
    programme.join(ALA)
    programme.join("ola@example.com", nip="5260250995")
    later = "ola@example.com,SN-9,TV-KOND-24C,FD612,2024-02-01,2024-02-20"
    result = programme.devices(later, _row("SN-9", "2024-02-05"), commit_valid=True)
    assert result.exit_code == 1 and "line 2: P-05" in result.output and "line 3" not in result.output
    assert programme.statement(ALA, "2024-02-25")["balance"] == 120
    assert programme.statement("ola@example.com", "2024-02-25")["balance"] == 0


@pytest.mark.parametrize("written", ["FD 517", "fd-517", " F D517 "])
def test_P05_a_production_code_written_with_a_space_or_dash_is_read_as_FD517(programme, written):
    """Codes are printed and copied as "FD 517" as often as "FD517": the same code, stored as FD517."""
    programme.join("ala@example.com")
    from tests.loyalty.conftest import MODEL

    result = programme.devices(f"ala@example.com,SN-CODE-1,{MODEL},{written},2024-02-01,2024-02-01")
    assert result.exit_code == 0, result.output
    assert programme.statement("ala@example.com", "2024-02-02")["balance"] == 120
    assert db.session.scalars(select(Device.production_code).execution_options(include_all_tenants=True)).all() \
        == ["FD517"]
