"""C-05 / C-07 / C-04: what the platform must tell an organiser's data-protection officer reaches them even when
the DPO named in the contract has no account on the platform yet — by e-mail to the contract's DPO address. With a
DPO account, the account is told (and the address is not mailed twice). A sub-processor notice says where the new
sub-processor processes the data and whether it leaves the EEA."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import DPO
from portal.extensions import db
from portal.notifications.models import Notification
from portal.operator import breaches, register
from portal.tenancy.guard import use_tenant
from tests import factories

BREACH = {"nature": "lost laptop", "contact": "security@platform.example", "consequences": "low",
          "measures": "disk encrypted", "people": 10, "records": 20}


def _notices(tenant, kind: str) -> list[Notification]:
    db.session.rollback()
    with use_tenant(tenant.id):
        return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_C05_a_breach_reaches_the_contracts_dpo_address_when_no_dpo_account_exists(app, tenant_a, tenant_b, clock):
    factories.user(tenant_b, DPO, email="dpo@beta.example")
    breaches.record(BREACH, [tenant_a.id, tenant_b.id], clock=clock)
    db.session.commit()
    (mailed,) = _notices(tenant_a, "breach_notice")
    assert mailed.user_id is None and mailed.to_email == "iod@alpha.example"
    (account,) = _notices(tenant_b, "breach_notice")
    assert account.user_id is not None and account.to_email is None


def test_C07_a_new_subprocessor_reaches_every_dpo_with_where_it_processes(app, tenant_a, tenant_b, clock):
    factories.user(tenant_b, DPO, email="dpo@beta.example")
    register.add_subprocessor({"name": "MailCo", "purpose": "e-mail delivery", "location": "Ireland"}, clock=clock)
    db.session.commit()
    (mailed,) = _notices(tenant_a, "subprocessor_notice")
    assert mailed.to_email == "iod@alpha.example" and mailed.params["location"] == "Ireland"
    assert mailed.params["outside_eea"] is False
    assert len(_notices(tenant_b, "subprocessor_notice")) == 1


def test_C04_the_contract_end_reaches_the_contracts_dpo_address_too(app, tenant_a, clock):
    from datetime import date

    from portal.operator import contracts

    contract = contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    contracts.end(contract, on=clock.today(), ground="payment_delay_over_30_days")
    db.session.commit()
    (mailed,) = _notices(tenant_a, "contract_ended")
    assert mailed.to_email == "iod@alpha.example" and mailed.params["delete_by"] == contract.delete_by.isoformat()
