"""P-02/P-03, FORMATS `points statement --as-of`: the statement of a past day gives the status the participant held
on that day, as it gives that day's balance — a status raised by the criteria counts from the day the job raised it,
a title granted or withdrawn from the day the organiser gave."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.loyalty.service import members
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant


def _installer(programme, status: str):
    programme.join("ala@example.com", status=status)
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        return tenant, members.by_email("ala@example.com")


def test_P03_a_past_days_statement_shows_the_status_held_before_the_authorisation_was_withdrawn(programme, clock):
    tenant, installer = _installer(programme, "authorised")
    with use_tenant(tenant.id):
        members.withdraw_title(installer, "authorisation", on=date(2024, 5, 1), clock=clock)
        db.session.commit()
    assert programme.statement("ala@example.com", "2024-04-30")["status"] == "authorised"
    assert programme.statement("ala@example.com", "2024-05-01")["status"] == "installer"
    assert programme.statement("ala@example.com", "2024-06-01")["status"] == "installer"


def test_P02_a_title_granted_counts_from_its_day(programme, clock):
    tenant, installer = _installer(programme, "installer")
    with use_tenant(tenant.id):
        members.grant_title(installer, "authorisation", on=date(2024, 3, 1), clock=clock)
        members.grant_title(installer, "leader", on=date(2024, 6, 1), clock=clock)
        db.session.commit()
    days = ("2024-01-10", "2024-02-29", "2024-03-01", "2024-05-31", "2024-06-01")
    assert [programme.statement("ala@example.com", d)["status"] for d in days] == [
        "installer", "installer", "authorised", "authorised", "premium"]


def test_P03_a_status_the_criteria_gave_counts_from_the_day_the_job_gave_it(programme, clock):
    tenant, installer = _installer(programme, "installer")
    with use_tenant(tenant.id):
        members.record_evidence(installer, "training", on=date(2024, 2, 1), note="")
        members.record_evidence(installer, "promotional_activity", on=date(2024, 2, 1), note="")
        db.session.commit()
    programme.jobs("2024-03-04")
    assert programme.statement("ala@example.com", "2024-03-04")["status"] == "authorised"
    assert programme.statement("ala@example.com", "2024-03-03")["status"] == "installer"


def test_P02_a_withdrawal_dated_before_the_grant_it_undoes_is_refused(programme, clock):
    """A withdrawal entered after a grant but dated before it would leave a history in which the title was never
    held: it is refused on its day, and today's statement says what the participant's page says."""
    import pytest

    from portal.core.errors import DomainError

    tenant, installer = _installer(programme, "authorised")
    with use_tenant(tenant.id):
        members.grant_title(installer, "leader", on=date(2024, 2, 1), clock=clock)
        with pytest.raises(DomainError, match="2024-02-01") as refused:
            members.withdraw_title(installer, "leader", on=date(2024, 1, 15), clock=clock)
        assert refused.value.field == "on"
        db.session.commit()
        assert installer.status == "premium"
    assert programme.statement("ala@example.com", "2024-03-01")["status"] == "premium"


def test_P02_a_title_is_not_granted_on_a_day_still_to_come(programme, clock):
    import pytest

    from portal.core.errors import DomainError

    tenant, installer = _installer(programme, "installer")
    tomorrow = clock.today() + __import__("datetime").timedelta(days=1)
    with use_tenant(tenant.id):
        for change in (members.grant_title, members.withdraw_title):
            with pytest.raises(DomainError, match="still to come") as refused:
                change(installer, "authorisation", on=tomorrow, clock=clock)
            assert refused.value.field == "on"
