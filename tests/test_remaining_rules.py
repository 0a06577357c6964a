"""Rules whose behaviour other tests exercise in passing, each named and checked on its own here."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.core.errors import DomainError
from portal.extensions import db
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.factories import BUSINESS
from tests.leads.conftest import Campaign, lead_row, partner_row
from tests.loyalty.conftest import Programme


def test_C03_termination_grounds_decide_whose_fault_it_is(app, tenant_a):
    from portal.operator import contracts

    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    with pytest.raises(DomainError):
        contracts.end(contract, on=date(2026, 5, 1), ground="because")
    contracts.end(contract, on=date(2026, 5, 1), ground="anti_spam_breach")  # the operator's ground: immediate
    assert contract.customer_fault and contract.ended_on == date(2026, 5, 1)
    outage = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    contracts.end(outage, on=date(2026, 5, 1), ground="customer_outage_not_fixed")
    assert not outage.customer_fault


def test_C08_processing_scope_covers_every_personal_column_of_the_data_map(app):
    from portal.privacy.datamap import personal_columns
    from portal.privacy.registers import records_of_processing

    listed = {c for group in records_of_processing() for c in group["columns"]}
    expected = {f"{t}.{e.column}" for t, entries in personal_columns(db.metadata).items() for e in entries}
    assert listed == expected


def test_G11_audit_log_is_append_only_and_holds_ids_not_values(app, tenant_a):
    from portal.privacy.models import AuditEntry

    user = factories.user(tenant_a, email="ala@example.com", first_name="Ala")
    entry = factories.audit_entry(user)
    with use_tenant(tenant_a.id):
        row = db.session.get(AuditEntry, entry.id)
        assert row.actor_id == user.id and "ala@example.com" not in f"{row.action}{row.object_type}"
        row.action = "tampered"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()


def test_L17_a_sale_settles_in_the_period_of_its_transaction_date(app, tmp_path):
    campaign = Campaign(app, tmp_path)
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("P1", 1, 1), lead_row("P2", 1, 2))
    campaign.decide("P1,qualified,2018-08-13,", "P2,qualified,2018-08-13,")
    campaign.sales("P1,2018-09-30,O365,annual,20,1000.00,0,yes", "P2,2018-10-01,O365,annual,20,1000.00,0,yes")
    _, first = campaign.settle(1, "2018-10-05")
    _, second = campaign.settle(2, "2019-01-10")
    assert {r["ref"] for r in first if r["line"] == "reward"} == {"P1"}
    assert {r["ref"] for r in second if r["line"] == "reward"} == {"P2"}


def test_L20_an_excluded_partner_submits_nothing_and_is_not_paid(app, tmp_path, clock):
    from portal.leads.service import partners

    campaign = Campaign(app, tmp_path)
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("X1", 1, 1))
    campaign.decide("X1,qualified,2018-08-13,")
    campaign.sales("X1,2018-08-20,O365,annual,20,1000.00,0,yes")
    from portal.tenancy.models import Tenant

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    with use_tenant(tenant.id):
        partner = partners.by_nip(partner_row(1).split(",")[0])
        partners.exclude(partner, "false customer data", actor=None, clock=clock)
        db.session.commit()
    refused = campaign.leads(lead_row("X2", 1, 2))
    assert refused.exit_code == 1 and "L-20" in refused.output
    _, rows = campaign.settle(1, "2018-10-05")
    assert [(r["rule"], r["status"]) for r in rows if r["ref"] == "X1"] == [("L-20", "not_paid")]


def test_P06_extra_points_for_devices_of_a_campaign(app, tmp_path):
    programme = Programme(app, tmp_path)
    programme.join("ala@example.com", registered_on="2018-09-01")
    programme.device("ala@example.com", "HP-1", "2018-10-01", model="TV-POMPA-7", code="FD812")
    programme.device("ala@example.com", "HP-2", "2018-12-05", model="TV-POMPA-7", code="FD812")
    lots = programme.statement("ala@example.com", "2018-12-31")["lots"]
    assert sorted(lot["points"] for lot in lots) == [300, 400]  # +100 inside the autumn heat-pump campaign


def test_P26_a_reward_is_not_transferable_to_another_participant(app, client, tmp_path):
    from portal.accounts.models import PARTICIPANT
    from portal.core.clock import as_of
    from portal.tenancy.models import Tenant
    from tests.loyalty.test_programme_commands import _add_reward

    programme = Programme(app, tmp_path)
    programme.join("ala@example.com")
    programme.device("ala@example.com", "SN-1", "2024-02-01")
    _add_reward("R-OWN", 100, "10.00")
    order_id = programme.order("ala@example.com", "R-OWN", "2024-02-02").output.strip()
    app.extensions["clock"] = as_of(date(2024, 2, 3))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    other = factories.user(tenant, PARTICIPANT, email="ola@installer.example")
    factories.login(client, tenant, other.email)
    client.post("/t/manufacturer/installer/join", data={**BUSINESS, "installs_heating": "y", "adult": "y"})
    response = client.post(f"/t/manufacturer/orders/{order_id}/substitute", data={"accept": "no"})
    assert response.status_code == 404


def test_P31_deleting_the_account_is_an_erasure_that_disables_it(app, client, tenant_a):
    from rq import SimpleWorker

    from portal.accounts.models import User
    from portal.core import queue

    user = factories.user(tenant_a, email="leaving@example.com")
    factories.login(client, tenant_a, user.email)
    assert client.post("/t/alpha/my-data", data={"action": "delete", "confirm": "yes"}).status_code == 302
    SimpleWorker([queue.queue("privacy")], connection=queue.connection()).work(burst=True)
    db.session.rollback()
    with use_tenant(tenant_a.id):
        gone = db.session.get(User, user.id)
    assert not gone.is_active_account and gone.email.startswith("erased-")
    assert factories.login(client, tenant_a, "leaving@example.com").status_code == 422
