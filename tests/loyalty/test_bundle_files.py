"""G-04: the access bundle holds everything about the subject — the files they uploaded too (device proofs of
purchase, the employer's acceptance), not only the rows that name them."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.clock import as_of
from portal.extensions import db
from portal.privacy import export, requests
from portal.tenancy.guard import use_tenant
from tests.loyalty.test_pages import PDF, _installer


def test_G04_the_bundle_carries_the_subjects_uploaded_proofs(app, client, programme):
    tenant = _installer(app, client, programme)
    response = client.post("/t/manufacturer/devices/new", data={
        "model_code": "TV-KOND-24C", "serial": "SN-100", "production_code": "FD612", "installed_on": "2024-01-20",
        "proof": (io.BytesIO(PDF), "proof.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.rollback()
    with use_tenant(tenant.id):
        user = db.session.scalars(select(User).where(User.email == "ala@installer.example")).one()
        clock = as_of(date(2024, 2, 2))
        row, _ = requests.file("access", channel="account", clock=clock, user=user)
        bundle, _token = export.build(row.id, user.id, tenant_name=tenant.name, clock=clock)
        archive = zipfile.ZipFile(export.bundle_path(bundle.filename))
    proofs = [name for name in archive.namelist() if name.startswith("files/")]
    assert len(proofs) == 1 and proofs[0].endswith(".pdf")
    assert archive.read(proofs[0]) == PDF
