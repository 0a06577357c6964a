"""Uploads: a body over the limit is a clear 413 page (never a 500), a file is judged by its content not its name,
and the name a browser sends never decides where a file is written."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from portal.accounts.models import PARTICIPANT
from tests.security import world as w

BIG = 25 * 1024 * 1024  # MAX_CONTENT_LENGTH: with the multipart wrapping the body is over it
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
PDF = b"%PDF-1.4\n% proof\n"
DEVICE = {"model_code": "TV-KOND-24C", "production_code": "FD612", "installed_on": "2024-01-20"}
STORED = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png|csv)$")


def _english(client) -> None:
    assert client.post("/lang/en", data={"next": "/"}).status_code == 302


def _installer(app, tmp_path):
    world = w.build(app, "manufacturer", tmp_path)
    client = w.logged_in(app, world.a.slug, world.a.emails[PARTICIPANT])
    _english(client)
    return world, client


def _devices(tenant_id: int) -> int:
    from sqlalchemy import func, select

    from portal.loyalty.models import Device
    from portal.tenancy.guard import use_tenant

    with use_tenant(tenant_id):
        return w.db.session.scalar(select(func.count()).select_from(Device))


def _files(root: Path) -> set[str]:
    """Every file under the test run's work dir (uploads, instance, mail …), but the database and Redis."""
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and not re.search(r"\.db(-\w+)?$|redis", p.name)}


def assert_clear_413(response, what: str) -> None:
    assert response.status_code == 413, (what, response.status_code)
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "File too large" in page, what


# ---------------------------------------------------------------- size


def test_a_25_mb_device_proof_is_a_clear_413_page(app, tmp_path):
    world, client = _installer(app, tmp_path)
    before = _devices(world.a.id)
    response = client.post(f"/t/{world.a.slug}/devices/new", data={
        **DEVICE, "serial": "SN-BIG", "proof": (io.BytesIO(PDF + b"0" * BIG), "proof.pdf")},
        content_type="multipart/form-data")
    assert_clear_413(response, "device proof")
    assert _devices(world.a.id) == before


def test_a_25_mb_employer_acceptance_is_a_clear_413_page(app, tmp_path):
    world, client = _installer(app, tmp_path)
    response = client.post(f"/t/{world.a.slug}/tax-data", data={
        "tax_id": "5252248481", "home_address": "ul. Polna 1", "birth_date": "1980-01-01",
        "employer_acceptance": (io.BytesIO(PDF + b"0" * BIG), "acceptance.pdf")}, content_type="multipart/form-data")
    assert_clear_413(response, "employer acceptance")


def test_a_25_mb_sales_import_is_a_clear_413_page(app, tmp_path):
    world = w.build(app, "distributor", tmp_path)
    staff = w.logged_in(app, world.a.slug, world.a.emails["staff"])
    _english(staff)
    body = b"ref,transaction_date,family,billing,licences,value,months_active,new_tenant\n" + b"x" * BIG
    response = staff.post(f"/t/{world.a.slug}/sales/import", data={"file": (io.BytesIO(body), "sales.csv")},
                          content_type="multipart/form-data")
    assert_clear_413(response, "sales import")


def test_a_25_mb_api_body_is_a_413_problem_not_500(app, client, tmp_path):
    from portal.tenancy import service as tenants
    from tests.api.conftest import Api, make_token

    world = w.build(app, "distributor", tmp_path)
    api = Api(client, make_token(tenants.by_slug(world.a.slug)))
    response = api.post("/sales", data=b'{"rows": [' + b" " * BIG + b"]}")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_proof_over_the_programmes_20_mb_but_under_the_body_limit_is_refused_by_the_rule(app, tmp_path):
    world, client = _installer(app, tmp_path)
    response = client.post(f"/t/{world.a.slug}/devices/new", data={
        **DEVICE, "serial": "SN-21MB", "proof": (io.BytesIO(PDF + b"0" * (21 * 1024 * 1024)), "proof.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "20 MB" in response.get_data(as_text=True)


# ---------------------------------------------------------------- content, not name


@pytest.mark.parametrize("name", ["proof.pdf", "proof.PDF", "proof.pdf.exe", "proof.png", "proof"])
def test_an_executable_named_like_a_document_is_refused_and_not_stored(app, tmp_path, name):
    world, client = _installer(app, tmp_path)
    root = Path(app.config["UPLOAD_DIR"]).parent
    files, devices = _files(root), _devices(world.a.id)
    response = client.post(f"/t/{world.a.slug}/devices/new", data={
        **DEVICE, "serial": "SN-EXE", "proof": (io.BytesIO(EXE), name)}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Upload a PDF, JPEG or PNG file." in response.get_data(as_text=True)
    assert _devices(world.a.id) == devices
    assert _files(root) == files


def test_an_executable_as_the_employer_acceptance_is_refused(app, tmp_path):
    world, client = _installer(app, tmp_path)
    root = Path(app.config["UPLOAD_DIR"]).parent
    files = _files(root)
    response = client.post(f"/t/{world.a.slug}/tax-data", data={
        "tax_id": "5252248481", "home_address": "ul. Polna 1", "birth_date": "1980-01-01",
        "employer_acceptance": (io.BytesIO(EXE), "acceptance.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert _files(root) == files


def test_an_executable_as_the_sales_file_is_refused(app, tmp_path):
    world = w.build(app, "distributor", tmp_path)
    staff = w.logged_in(app, world.a.slug, world.a.emails["staff"])
    _english(staff)
    root = Path(app.config["UPLOAD_DIR"]).parent
    files = _files(root)
    response = staff.post(f"/t/{world.a.slug}/sales/import", data={"file": (io.BytesIO(EXE), "sales.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 422 and "not UTF-8" in response.get_data(as_text=True)
    assert _files(root) == files


# ---------------------------------------------------------------- the browser's file name


TRAVERSALS = ["../../etc/passwd", "../../../../../../tmp/{probe}.pdf", "..\\..\\{probe}.pdf", "/tmp/{probe}.pdf",
              "....//....//{probe}.pdf", "%2e%2e%2f%2e%2e%2f{probe}.pdf", "{probe}.pdf\x00.png"]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_a_traversing_file_name_does_not_write_outside_the_upload_dir(app, tmp_path, name):
    world, client = _installer(app, tmp_path)
    upload = Path(app.config["UPLOAD_DIR"])
    root = upload.parent
    probe = f"probe-{tmp_path.name}"
    name = name.format(probe=probe)
    files = _files(root)
    response = client.post(f"/t/{world.a.slug}/devices/new", data={
        **DEVICE, "serial": f"SN-{abs(hash(name))}", "proof": (io.BytesIO(PDF), name)},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    new = _files(root) - files
    assert len(new) == 1, new
    stored = root / new.pop()
    assert stored.parent == upload / str(world.a.id) / "proofs" and STORED.match(stored.name), stored
    assert stored.read_bytes() == PDF
    for target in (Path("/tmp") / f"{probe}.pdf", root.parent / f"{probe}.pdf", upload.parent.parent / "etc"):
        assert not target.exists(), target


@pytest.mark.parametrize("name", ["../../../{probe}.csv", "/tmp/{probe}.csv"])
def test_a_traversing_sales_file_name_is_ignored(app, tmp_path, name):
    world = w.build(app, "distributor", tmp_path)
    staff = w.logged_in(app, world.a.slug, world.a.emails["staff"])
    upload = Path(app.config["UPLOAD_DIR"])
    root = upload.parent
    probe = f"probe-{tmp_path.name}"
    files = _files(root)
    body = b"ref,transaction_date,family,billing,licences,value,months_active,new_tenant\n"
    response = staff.post(f"/t/{world.a.slug}/sales/import",
                          data={"file": (io.BytesIO(body), name.format(probe=probe))},
                          content_type="multipart/form-data")
    assert response.status_code == 200
    new = [root / n for n in _files(root) - files]
    assert len(new) == 1 and new[0].parent == upload / "imports" / str(world.a.id) and STORED.match(new[0].name)
    assert not (Path("/tmp") / f"{probe}.csv").exists()


@pytest.mark.parametrize("token", ["..%2F..%2F..%2Fetc%2Fpasswd", "..", "%2e%2e", "abc.def", "a" * 31 + "%00"])
def test_the_sales_commit_token_cannot_name_a_file_outside_the_tenants_import_dir(app, tmp_path, token):
    world = w.build(app, "distributor", tmp_path)
    staff = w.logged_in(app, world.a.slug, world.a.emails["staff"])
    assert staff.post(f"/t/{world.a.slug}/sales/import/{token}").status_code == 404


def test_a_cp1250_sales_file_is_refused_at_the_line_of_its_first_foreign_byte(app, tmp_path):
    """FORMATS.md: an export saved in Windows-1250 is named with the line to look at, not read wrongly."""
    world = w.build(app, "distributor", tmp_path)
    staff = w.logged_in(app, world.a.slug, world.a.emails["staff"])
    _english(staff)
    data = "lead_ref,transaction_date\nA1,2018-08-20\nŁ1,2018-08-21\n".encode("cp1250")
    response = staff.post(f"/t/{world.a.slug}/sales/import", data={"file": (io.BytesIO(data), "sales.csv")},
                          content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "not UTF-8" in html and "Line 3" in html and "CSV UTF-8" in html
