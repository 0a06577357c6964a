"""G-12/G-04: the recipients the records of processing (and an access bundle's summary) name are the organiser's
own — the vendor who verifies leads only where the programme passes leads to one (the distributor's L-21), not a
referral programme whose organiser is itself the vendor."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.privacy import registers
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant

ROOT = Path(__file__).resolve().parents[2]
VENDOR = "the vendor named in the programme, only with the participant's consent"


@pytest.mark.parametrize("slug, names_vendor", [("distributor", True), ("saas-vendor", False)])
def test_G12_the_vendor_is_a_recipient_only_where_the_programme_passes_leads_to_one(app, slug, names_vendor):
    assert app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / slug)]).exit_code == 0
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
    with app.test_request_context(headers={"Accept-Language": "en"}), use_tenant(tenant.id):
        recipients = [str(r) for r in registers.controller_record(tenant)["recipients"]]
    assert (VENDOR in recipients) is names_vendor, recipients
