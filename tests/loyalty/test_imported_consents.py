"""P-01 with E-03/G-08: a participant the organiser imported accepts the terms and the information clause at first
login; that page carries the programme's own statements as the registration form does — the consent to processing
without which taking part is not valid among them — not only "I accept the new version"."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.service import hash_password
from portal.extensions import db
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories


def test_P01_an_imported_participant_reads_the_consent_to_processing_it_gives(programme, client):
    programme.join("ala@example.com")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()
    with use_tenant(tenant.id):
        user = db.session.scalars(select(User).where(User.email == "ala@example.com")).one()
        user.password_hash, user.locale = hash_password("long-enough-pw"), "en"
        db.session.commit()
    assert factories.login(client, tenant, "ala@example.com", "long-enough-pw").status_code == 302
    page = client.get("/t/manufacturer/accept")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "I consent to Termovia Sp. z o.o. processing my personal data" in text
    assert "I have read the information on the processing of personal data." in text
