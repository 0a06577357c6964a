"""The installer programme's pages as a demanding participant and organiser use them: a tampered choice is a message,
not a 500 (P-08); amounts as Poles type them and never silently rounded (P-20, E-04); an employee is no business
(P-29); a pending applicant can be refused (P-01); the PIT-8C data page shows what was given (P-29)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import PARTICIPANT, STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import Installer
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.factories import BUSINESS
from tests.loyalty.test_catalogue_editing import FIELDS, _reward, _staff
from tests.loyalty.test_labels_pl import _installer_with_points, _tenant


def test_P08_a_points_entry_that_is_no_number_is_a_message_not_a_500(app, client, programme):
    _installer_with_points(app, client, programme)
    response = client.post("/t/manufacturer/my-complaints", data={"kind": "points", "entry_id": "abc", "text": "x"})
    assert response.status_code == 422 and 'id="entry_id-error"' in response.get_data(as_text=True)


def test_P20_E04_a_gross_value_is_taken_with_a_decimal_comma_and_never_rounded(app, client, programme):
    tenant = _staff(app, client)
    refused = client.post("/t/manufacturer/catalogue/new", data={"code": "R-3DP", **FIELDS, "gross_value": "1.005"})
    assert refused.status_code == 422 and 'id="gross_value-error"' in refused.get_data(as_text=True)
    assert _reward(tenant, "R-3DP") is None
    comma = client.post("/t/manufacturer/catalogue/new", data={"code": "R-COMMA", **FIELDS, "gross_value": "149,00"})
    assert comma.status_code == 302, comma.get_data(as_text=True)
    assert _reward(tenant, "R-COMMA").gross_value == Decimal("149.00")


def test_P29_an_employee_does_not_join_as_a_business(app, client, programme):
    tenant = _tenant(app)
    factories.login(client, tenant, factories.user(tenant, PARTICIPANT, email="emp@installer.example").email)
    response = client.post("/t/manufacturer/installer/join",
                           data={**BUSINESS, "employee": "y", "installs_heating": "y", "adult": "y"})
    assert response.status_code == 422 and 'id="employee-error"' in response.get_data(as_text=True)


def test_P01_staff_may_refuse_a_pending_applicant_from_the_list(app, client, programme):
    tenant = _tenant(app)
    factories.login(client, tenant, factories.user(tenant, PARTICIPANT, email="maybe@installer.example").email)
    assert client.post("/t/manufacturer/installer/join", data={"adult": "y"}).status_code == 302  # pending
    client.post("/t/manufacturer/logout")
    factories.login(client, tenant, factories.user(tenant, STAFF, email="staff@manufacturer.example").email)
    page = client.get("/t/manufacturer/installers").get_data(as_text=True)
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
    assert f"/installers/{installer.id}/refuse" in page and f"/installers/{installer.id}/approve" in page


def test_P29_the_tax_data_page_shows_what_was_given(app, client, programme):
    _installer_with_points(app, client, programme)
    app.extensions["clock"] = as_of(date(2024, 2, 2))
    data = {"tax_id": "44051401359", "home_address": "ul. Domowa 2, 30-001 Kraków", "birth_date": "1944-05-14"}
    assert client.post("/t/manufacturer/tax-data", data=data).status_code == 302
    page = client.get("/t/manufacturer/tax-data").get_data(as_text=True)
    assert "44051401359" in page and "ul. Domowa 2, 30-001 Kraków" in page and "1944-05-14" in page


def test_P29_a_nip_written_with_prefix_and_dashes_is_kept_as_its_digits(app, client, programme):
    _installer_with_points(app, client, programme)
    app.extensions["clock"] = as_of(date(2024, 2, 2))
    data = {"tax_id": "PL 526-000-12-46", "home_address": "ul. Domowa 2, 30-001 Kraków", "birth_date": "1980-05-05"}
    assert client.post("/t/manufacturer/tax-data", data=data).status_code == 302
    assert "5260001246" in client.get("/t/manufacturer/tax-data").get_data(as_text=True)


def test_P29_staff_see_what_a_participant_declared_and_the_employers_acceptance(app, client, programme):
    """Seed §5.16: an employee needs the employer's prior written acceptance — the organiser can see whether it was
    uploaded and open it, with the declarations it rests on (business and NIP, employee, PIT-8C data given)."""
    import io

    from tests.loyalty.test_pages import PDF

    tenant = _tenant(app)
    factories.login(client, tenant, factories.user(tenant, PARTICIPANT, email="emp@installer.example",
                                                   first_name="Ewa", last_name="Monter").email)
    assert client.post("/t/manufacturer/installer/join",
                       data={"employee": "y", "installs_heating": "y", "adult": "y"}).status_code == 302
    app.extensions["clock"] = as_of(date(2024, 2, 2))
    assert client.post("/t/manufacturer/tax-data", data={
        "tax_id": "44051401359", "home_address": "ul. Domowa 2, 30-001 Kraków", "birth_date": "1944-05-14",
        "employer_acceptance": (io.BytesIO(PDF), "zgoda.pdf")}, content_type="multipart/form-data").status_code == 302
    client.post("/t/manufacturer/logout")
    factories.login(client, tenant, factories.user(tenant, STAFF, email="staff@manufacturer.example",
                                                   locale="en").email)
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
    page = client.get(f"/t/manufacturer/installers/{installer.id}").get_data(as_text=True)
    assert "employed by an installation business" in page and "PIT-8C data given" in page
    link = f"/t/manufacturer/installers/{installer.id}/employer-acceptance"
    assert link in page
    download = client.get(link)
    assert download.status_code == 200 and download.data == PDF


def test_P08_P42_a_complaint_cannot_name_another_participants_points(app, client, programme):
    from portal.accounts.models import User
    from portal.loyalty.models import Complaint, PointsEntry

    tenant = _installer_with_points(app, client, programme)
    programme.join("other@installer.example")
    programme.device("other@installer.example", "SN-OTHER", "2024-02-01")
    with use_tenant(tenant.id):
        others = db.session.scalars(select(PointsEntry.id).join(Installer, Installer.id == PointsEntry.installer_id)
                                    .join(User, User.id == Installer.user_id)
                                    .where(User.email == "other@installer.example")).all()
    assert others
    for kind in ("points", "programme"):
        answer = client.post("/t/manufacturer/my-complaints", data={"kind": kind, "entry_id": str(others[0]),
                                                                    "text": "x"})
        assert answer.status_code == 422, kind
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Complaint)).all() == []


def test_G05_P29_a_replaced_employers_acceptance_is_deleted_not_left_on_disk(app, client, programme):
    """The participant uploads the acceptance again: only the file in use is kept, so an erasure (which deletes the
    files its rows name) leaves no earlier copy behind."""
    import io
    from pathlib import Path

    from tests.loyalty.test_pages import PDF

    tenant = _tenant(app)
    factories.login(client, tenant, factories.user(tenant, PARTICIPANT, email="emp@installer.example").email)
    assert client.post("/t/manufacturer/installer/join",
                       data={"employee": "y", "installs_heating": "y", "adult": "y"}).status_code == 302
    folder = Path(app.config["UPLOAD_DIR"]) / str(tenant.id) / "proofs"
    before = set(folder.iterdir()) if folder.exists() else set()
    for version in (b"first", b"second"):
        assert client.post("/t/manufacturer/tax-data", data={
            "tax_id": "44051401359", "home_address": "ul. Domowa 2, 30-001 Kraków", "birth_date": "1944-05-14",
            "employer_acceptance": (io.BytesIO(PDF + version), "zgoda.pdf")},
            content_type="multipart/form-data").status_code == 302
    with use_tenant(tenant.id):
        kept = db.session.scalars(select(Installer)).one().employer_acceptance_file
    assert [p.name for p in set(folder.iterdir()) - before] == [kept]
    assert (folder / kept).read_bytes() == PDF + b"second"


def test_P09_P08_points_taken_back_can_be_complained_about_from_the_page_for_30_days(app, client, programme):
    """The revocation notice says until when a complaint can be filed (30 days from the deduction); the page offers
    the revocation — once, though it drew on two lots — and takes a complaint about it until then."""
    from portal.loyalty.models import Complaint, PointsEntry

    tenant = _installer_with_points(app, client, programme)  # 3 × 120 points, 2024-02-01
    taken = programme.run("points", "revoke", "manufacturer", "ala@installer.example", "--points", "150",
                          "--reason", "credited twice", "--as-of", "2024-04-15")
    assert taken.exit_code == 0, taken.output
    app.extensions["clock"] = as_of(date(2024, 5, 15))  # the 30th day after the deduction
    page = client.get("/t/manufacturer/my-complaints").get_data(as_text=True)
    with use_tenant(tenant.id):
        revoked = db.session.scalars(select(PointsEntry).where(PointsEntry.kind == "revoke")
                                     .order_by(PointsEntry.id)).all()
    assert len(revoked) == 2 and sum(e.points for e in revoked) == -150
    assert page.count(f'value="{revoked[0].id}"') == 1 and f'value="{revoked[1].id}"' not in page
    assert "2024-04-15: −150" in page
    filed = client.post("/t/manufacturer/my-complaints",
                        data={"kind": "points", "entry_id": str(revoked[0].id), "text": "I installed them all"})
    assert filed.status_code == 302, filed.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert db.session.scalars(select(Complaint.entry_id)).all() == [revoked[0].id]
    app.extensions["clock"] = as_of(date(2024, 5, 16))
    late = client.post("/t/manufacturer/my-complaints",
                       data={"kind": "points", "entry_id": str(revoked[0].id), "text": "again"})
    assert late.status_code == 422 and "2024-05-15" in late.get_data(as_text=True)
