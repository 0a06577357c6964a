"""C-04: the tenant's full export carries every column of its tables, so a SaaS referral's contact person at the
customer and expected term (SPEC §7, migration 0012) leave with the rest of the lead."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from portal.operator.offboarding import tenant_export
from tests.leads.test_lead_pages_follow_programme import _agency_lead, saas  # noqa: F401 - fixture


def test_C04_tenant_export_holds_the_referrals_contact_person_and_term(app, client, saas):  # noqa: F811
    _agency_lead(client, saas)
    archive = zipfile.ZipFile(io.BytesIO(tenant_export(saas.id)))
    # the phone starts with "+": safecsv quotes it so that no spreadsheet reads the cell as a formula
    [row] = list(csv.DictReader(io.StringIO(archive.read("csv/leads.csv").decode("utf-8"))))
    assert (row["customer_contact_first_name"], row["customer_contact_last_name"], row["customer_contact_phone"],
            row["customer_contact_email"], row["term_months"], row["licences"]) == (
        "Olga", "Wiśniewska", "'+48 601 202 303", "olga@sklep-rowerowy.example.com", "12", "8000")
    [lead] = json.loads(archive.read("json/leads.json"))
    assert lead["customer_contact_email"] == "olga@sklep-rowerowy.example.com" and lead["term_months"] == 12


def test_C04_the_tenants_export_holds_its_uploaded_files(app, tenant_a, tenant_b):
    """DPA §9.3: the organiser secures all the data entrusted within 7 days — the proofs of installation and the
    employers' acceptances too, which the deletion then removes with the rest. Another tenant's files stay out."""
    from pathlib import Path

    root = Path(app.config["UPLOAD_DIR"])
    for tenant, body in ((tenant_a, b"%PDF-1.4 ours"), (tenant_b, b"%PDF-1.4 theirs")):
        folder = root / str(tenant.id) / "proofs"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "proof.pdf").write_bytes(body)
    archive = zipfile.ZipFile(io.BytesIO(tenant_export(tenant_a.id)))
    assert archive.read("files/proofs/proof.pdf") == b"%PDF-1.4 ours"
    assert [n for n in archive.namelist() if n.startswith("files/")] == ["files/proofs/proof.pdf"]
