"""P-02/P-03: losing the authorisation (the certificate) or the installation-leader title changes the status — also
for a participant who joined with it and so never had the training recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import STAFF
from portal.core.errors import DomainError
from portal.extensions import db
from portal.loyalty.models import Installer
from portal.loyalty.service import members
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories


def _joined(programme, clock, status: str) -> tuple[Tenant, Installer]:
    programme.join("ala@example.com", status=status)
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        return tenant, members.by_email("ala@example.com")


def test_P03_an_authorised_installer_who_loses_the_certificate_is_an_installer_again(programme, clock):
    tenant, installer = _joined(programme, clock, "authorised")
    with use_tenant(tenant.id):
        members.withdraw_title(installer, "authorisation", on=date(2024, 3, 1), clock=clock)
        db.session.commit()
        assert installer.status == "installer"
        assert members.evaluate_status(installer, as_of=date(2024, 3, 2), rules=_rules(), clock=clock) is None
        told = db.session.scalars(select(Notification).where(Notification.kind == "status_changed")).all()
        assert [n.params["status"] for n in told] == ["installer"]
        with pytest.raises(DomainError, match="does not hold"):
            members.withdraw_title(installer, "authorisation", on=date(2024, 3, 3), clock=clock)


def test_P02_a_premium_installer_who_loses_the_leader_title_stays_authorised(programme, clock):
    tenant, installer = _joined(programme, clock, "premium")
    with use_tenant(tenant.id):
        members.withdraw_title(installer, "leader", on=date(2024, 3, 1), clock=clock)
        db.session.commit()
        assert installer.status == "authorised"
        with pytest.raises(DomainError):
            members.withdraw_title(installer, "leader", on=date(2024, 3, 2), clock=clock)


def test_P03_organiser_records_the_loss_on_the_participant_page(app, client, programme, clock):
    tenant, installer = _joined(programme, clock, "premium")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)
    url = f"/t/manufacturer/installers/{installer.id}"
    refused = client.post(url, data={"action": "title", "title-lost": ""})
    assert refused.status_code == 422 and 'id="title-lost-error"' in refused.get_data(as_text=True)
    assert client.post(url, data={"action": "title", "title-lost": "authorisation"}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        assert db.session.get(Installer, installer.id).status == "installer"
    assert "cofnięto certyfikat autoryzacji" in client.get(url).get_data(as_text=True)  # the reason, in Polish


def _rules():
    from portal.loyalty.service.programme import rules_on

    return rules_on(date(2024, 3, 1))


def test_P02_the_organiser_grants_the_leader_title_or_the_authorisation_during_the_programme(programme, clock):
    """As at registration (P-02): a certificate holder is an Authorised Installer, an installation leader Premium."""
    tenant, installer = _joined(programme, clock, "installer")
    with use_tenant(tenant.id):
        assert members.grant_title(installer, "authorisation", on=date(2024, 3, 1), clock=clock) == "authorised"
        assert members.grant_title(installer, "leader", on=date(2024, 3, 2), clock=clock) == "premium"
        with pytest.raises(DomainError, match="already"):
            members.grant_title(installer, "leader", on=date(2024, 3, 3), clock=clock)
        with pytest.raises(DomainError, match="already"):
            members.grant_title(installer, "authorisation", on=date(2024, 3, 3), clock=clock)
        db.session.commit()
        told = db.session.scalars(select(Notification).where(Notification.kind == "status_changed")).all()
        assert [n.params["status"] for n in told] == ["authorised", "premium"]


def test_P02_granting_from_the_participant_page(app, client, programme, clock):
    tenant, installer = _joined(programme, clock, "installer")
    staff = factories.user(tenant, STAFF, email="staff@manufacturer.test.example")
    factories.login(client, tenant, staff.email)
    url = f"/t/manufacturer/installers/{installer.id}"
    assert client.post(url, data={"action": "grant", "grant-granted": "leader"}).status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        assert db.session.get(Installer, installer.id).status == "premium"


def test_P03_replaying_a_day_before_the_authorisation_was_withdrawn_does_not_give_the_status_back(programme, clock):
    """Seed §4.9: losing the authorisation changes the status. A day replayed from before the withdrawal
    (``jobs run --as-of``) saw the training in force, but it must not undo the later withdrawal."""
    tenant, installer = _joined(programme, clock, "installer")
    with use_tenant(tenant.id):
        members.record_evidence(installer, "training", on=date(2024, 2, 1))
        members.record_evidence(installer, "sales_activity", on=date(2024, 2, 1))
        assert members.evaluate_status(installer, as_of=date(2024, 2, 2), rules=_rules(), clock=clock) == "authorised"
        members.withdraw_title(installer, "authorisation", on=date(2024, 3, 1), clock=clock)
        db.session.commit()
        assert installer.status == "installer"
        assert members.evaluate_status(installer, as_of=date(2024, 2, 10), rules=_rules(), clock=clock) is None
        assert installer.status == "installer"
        # a new training after the withdrawal counts again, from its own day
        members.record_evidence(installer, "training", on=date(2024, 4, 1))
        assert members.evaluate_status(installer, as_of=date(2024, 4, 2), rules=_rules(), clock=clock) == "authorised"


@pytest.mark.parametrize("lang, raises, lowers", [("en", "raising it", "lowering a status"),
                                                  ("pl", "podnosi go", "obniża")])
def test_P03_the_information_clause_says_the_platform_also_lowers_a_status_the_criteria_gave(lang, raises, lowers):
    from pathlib import Path

    clause = (Path(__file__).parents[2] / "tenants" / "manufacturer" / f"privacy.{lang}.md").read_text()
    assert raises in clause and lowers in clause
