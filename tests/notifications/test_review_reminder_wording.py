"""L-07, §7, §9: the staff's review reminder states the review time the programme sets (5 business days in the seed,
the organiser's to edit), and the SaaS vendor's staff read of referrals, as in every other notice of that tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Lead
from portal.leads.service import review
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.notifications.test_every_event import leads_world  # noqa: F401 - the fixture
from tests.notifications.test_mail_audit_fixes import _text


@pytest.mark.parametrize(("locale", "said"), [("en", "each within 3 business days of its submission"),
                                              ("pl", "każde w ciągu 3 dni roboczych od jego złożenia")])
def test_L07_S9_the_reminder_states_the_review_time_in_force(app, locale, said):
    org = factories.tenant("distributor", kind="distributor", locale=locale)
    row = Notification(tenant_id=org.id, to_email="x@example.com", locale=locale, kind="review_deadline",
                       params={"due": 1, "overdue": 0, "today": 1, "soon": 0, "by": "2018-08-10", "days": 3})
    body = _text(app, org, row)[1]
    assert said in body and " 5 " not in body


@pytest.mark.parametrize(("locale", "subject", "body"), [
    ("en", "Referrals waiting for a decision: 1", "referrals waiting for a decision"),
    ("pl", "Polecenia czekające na decyzję: 1", "polecenia czekające na decyzję")])
def test_S7_S9_the_saas_vendors_staff_read_of_referrals(app, client, locale, subject, body):
    org = factories.tenant("saas", kind="saas_vendor", locale=locale)
    row = Notification(tenant_id=org.id, to_email="x@example.com", locale=locale, kind="review_deadline",
                       params={"due": 1, "overdue": 0, "today": 1, "soon": 0, "by": "2024-01-09", "days": 5})
    mail = _text(app, org, row)
    greeting = "Hello," if locale == "en" else "Dzień dobry,"
    assert mail[0] == subject and mail[1].startswith(f"{greeting}\n\n{body}")
    assert "lead" not in mail[0].lower() + mail[1].lower()


def test_L07_remind_overdue_passes_the_programmes_review_days(app, leads_world):  # noqa: F811
    from portal.leads.service.programme import rules_on

    with use_tenant(leads_world.tenant.id):
        leads_world.submit()
        db.session.commit()
        due_on = db.session.scalars(select(Lead.due_on)).one()
        review.remind_overdue(clock=as_of(due_on))
        db.session.commit()
        (row,) = db.session.scalars(select(Notification).where(Notification.kind == "review_deadline",
                                                               Notification.user_id == leads_world.staff.id))
        assert row.params["days"] == rules_on(due_on).review_business_days
