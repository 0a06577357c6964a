"""P-40: the end of the programme is announced on the platform and each participant is told — when it ends, until
when devices are accepted, that unused points expire then — in their own language, by notice and e-mail."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification
from portal.tenancy.guard import across_tenants


def _ending_notices() -> list[Notification]:
    db.session.rollback()
    with across_tenants("test reads the outbox"):
        return list(db.session.scalars(select(Notification).where(Notification.kind == "programme_ending")))


def test_P40_announcing_the_end_tells_every_participant_once(programme):
    programme.join("ala@example.com")
    programme.join("ola@example.com", nip="7740001454")
    assert _ending_notices() == []
    result = programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15",
                           "--ends-on", "2024-06-15")
    assert result.exit_code == 0, result.output
    notices = _ending_notices()
    assert len(notices) == 2 and {n.mail_state for n in notices} == {"pending"}
    assert {(n.params["ends_on"], n.params["last_registration_day"]) for n in notices} == {
        ("2024-06-15", "2024-03-31")}


def test_P40_a_refused_announcement_tells_nobody(programme):
    programme.join("ala@example.com")
    short = programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15", "--ends-on", "2024-06-01")
    assert short.exit_code == 1
    assert _ending_notices() == []


def test_P40_an_end_announced_before_the_programme_started_is_refused(programme):
    """The programme starts on 2016-01-01: an announcement dated before it (a typo: 2015 for 2025) would end it
    before it began, forfeit every balance and close joining — and could not be announced again."""
    programme.join("ala@example.com")
    early = programme.run("programme", "announce-end", "manufacturer", "--on", "2015-06-01", "--ends-on", "2015-12-31")
    assert early.exit_code == 1 and "2016-01-01" in early.output, early.output
    assert _ending_notices() == []
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15",
                         "--ends-on", "2024-06-15").exit_code == 0


def test_P40_the_participant_reads_the_announcement_in_their_language(programme, app):
    programme.join("ala@example.com")
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15",
                         "--ends-on", "2024-06-15").exit_code == 0
    from portal.accounts.models import User
    from portal.notifications import service as notifications
    from portal.tenancy.models import Tenant

    (notice,) = _ending_notices()
    with across_tenants("test renders the notice"):
        user, tenant = db.session.get(User, notice.user_id), db.session.get(Tenant, notice.tenant_id)
        for locale, words in (("pl", ("2024-06-15", "2024-03-31", "punkty")), ("en", ("2024-06-15", "2024-03-31",
                                                                                     "points"))):
            user.locale = locale
            subject, body = notifications._render(notice, user, tenant)
            assert subject and all(word in body for word in words), (locale, subject, body)


def test_P40_E02_a_definition_cannot_shorten_the_three_months_notice(programme, app):
    import dataclasses
    from datetime import date

    import pytest

    from portal.core.errors import DomainError
    from portal.loyalty.service.programme import announce_end, rules_on
    from portal.tenancy.guard import use_tenant
    from portal.tenancy.models import Tenant

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        lax = dataclasses.replace(rules_on(date(2024, 3, 15)), end_notice_months=0)
        with pytest.raises(DomainError) as refused:
            announce_end(date(2024, 3, 15), date(2024, 3, 23), tenant_id=tenant.id, rules=lax)
        assert refused.value.rule == "P-40" and "2024-06-15" in refused.value.message
        db.session.rollback()



def test_P40_an_applicant_cannot_be_approved_once_the_end_is_announced_but_can_be_refused(programme, app):
    """Seed §7.3: from the announcement nobody joins — an applicant waiting for the organiser's decision (P-01)
    included; refusing them stays possible."""
    from datetime import date

    import pytest

    from portal.core.errors import DomainError
    from portal.loyalty.service import members
    from portal.loyalty.service.programme import rules_on
    from portal.tenancy.guard import use_tenant
    from portal.tenancy.models import Tenant
    from tests import factories

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        rules = rules_on(date(2024, 1, 10))
        first, second = (members.join(factories.user(tenant, email=email), business=False, installs_heating=False,
                                      adult=True, registered_on=date(2024, 1, 10), rules=rules)
                         for email in ("ala@example.com", "ola@example.com"))
        db.session.commit()
        assert first.approval == second.approval == "pending"
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15",
                         "--ends-on", "2024-06-15").exit_code == 0
    db.session.rollback()
    with use_tenant(tenant.id):
        with pytest.raises(DomainError, match="joining is closed") as refused:
            members.approve(first, approved=True, on=date(2024, 3, 20))
        assert refused.value.rule == "P-40" and first.approval == "pending"
        members.approve(second, approved=False, on=date(2024, 3, 20))
        assert second.approval == "refused"
