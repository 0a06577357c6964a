"""Audit fixes of the organiser's pages of the installer programme: a plain form post (no JavaScript) answers with a
page (P-20), the fulfilment page says who gets what by when (P-20 … P-27) and keeps the finished orders, applicants
are decided with their answers in view and told (P-01), refusals stand in their row (P-27, P-42), a revoked device
reads as revoked (P-09, P-10) and the end page names its last days (P-40, P-41)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.accounts.models import ADMIN, PARTICIPANT, STAFF
from portal.core.clock import as_of
from portal.extensions import db
from portal.loyalty.models import Complaint, Device, Installer, Reward, RewardOrder
from portal.loyalty.service import members
from portal.notifications.models import Notification
from portal.tenancy.guard import use_tenant
from portal.tenancy.models import Tenant
from tests import factories
from tests.factories import BUSINESS
from tests.loyalty.test_programme_commands import _add_reward

EMAIL = "ala@installer.example"


def _tenant(app, day: str = "2024-02-01") -> Tenant:
    app.extensions["clock"] = as_of(date.fromisoformat(day))
    return db.session.scalars(select(Tenant).where(Tenant.slug == "manufacturer")).one()


def _staff(client, tenant, role: str = STAFF) -> None:
    client.post(f"/t/{tenant.slug}/logout")
    staff = factories.user(tenant, role, email=f"{role}@manufacturer.test.example", locale="en")
    factories.login(client, tenant, staff.email)


def _row(html: str, row_id: str) -> str:
    start = html.index(f'id="{row_id}"')
    return html[start:html.index("</tr>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _participant(app, client, programme, **answers):
    """A participant who joined through the page (English account) and has 360 points from three boilers."""
    tenant = _tenant(app)
    user = factories.user(tenant, PARTICIPANT, email=EMAIL, locale="en", first_name="Ala", last_name="Nowak")
    factories.login(client, tenant, user.email)
    join = {**BUSINESS, "installs_heating": "y", "adult": "y", "delivery_address": "ul. Polna 1, 00-950 Warszawa",
            **answers}
    assert client.post("/t/manufacturer/installer/join", data=join).status_code == 302
    return tenant, user


def _order(app, client, programme) -> tuple[Tenant, RewardOrder]:
    tenant, _user = _participant(app, client, programme)
    for n in range(3):
        programme.device(EMAIL, f"SN-{n}", "2024-02-01")
    _add_reward("R1", 100, "40.00")
    assert client.post("/t/manufacturer/rewards/R1/order").status_code == 302
    with use_tenant(tenant.id):
        order = db.session.scalars(select(RewardOrder)).one()
    db.session.rollback()
    _staff(client, tenant)
    return tenant, order


# ---------------------------------------------------------------- P-20: a plain post of a catalogue row


def test_P20_a_catalogue_row_saved_without_javascript_answers_with_the_catalogue_page(app, client, programme):
    tenant = _tenant(app)
    _staff(client, tenant)
    _add_reward("R1", 100, "40.00")
    with use_tenant(tenant.id):
        reward_id = db.session.scalars(select(Reward.id).where(Reward.code == "R1")).one()
    saved = client.post(f"/t/manufacturer/catalogue/{reward_id}", data={"points": "150", "stock": "4", "active": "y"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/t/manufacturer/catalogue")
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "<html" in page and 'value="150"' in _row(page, f"reward-{reward_id}")
    refused = client.post(f"/t/manufacturer/catalogue/{reward_id}", data={"points": "abc", "stock": "4",
                                                                         "active": "y"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<html" in page
    row = _row(page, f"reward-{reward_id}")
    assert 'class="error"' in row and 'value="abc"' in row
    assert page.count('class="error"') == 1  # the other rows are as they were
    with use_tenant(tenant.id):
        db.session.expire_all()
        assert db.session.scalars(select(Reward.points).where(Reward.code == "R1")).one() == 150


# ---------------------------------------------------------------- P-20 … P-27: the fulfilment page


def test_P25_fulfilment_page_says_who_to_ship_to_by_when_and_what_the_order_is_worth(app, client, programme):
    tenant, order = _order(app, client, programme)
    page = client.get("/t/manufacturer/fulfilment").get_data(as_text=True)
    row = _row(page, f"order-{order.id}")
    assert "Ala Nowak" in row and EMAIL in row
    assert f'href="/t/manufacturer/installers/{order.installer_id}"' in row
    assert "2024-02-08" in row  # ordered 2024-02-01, delivered within the reward's 7 days
    assert "100" in row and "PLN40.00" in row


def test_P27_a_withheld_order_shows_why_and_a_withholding_without_reason_is_refused_in_its_row(app, client,
                                                                                                programme):
    tenant, order = _order(app, client, programme)
    refused = client.post(f"/t/manufacturer/fulfilment/{order.id}/withhold", data={"reason": " "})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<html" in page
    assert "Give the reason." in _row(page, f"order-{order.id}")
    assert f"#{order.id}" in _text(_row(page, f"order-{order.id}"))
    with use_tenant(tenant.id):
        assert db.session.get(RewardOrder, order.id).state == "placed"
    db.session.rollback()
    assert client.post(f"/t/manufacturer/fulfilment/{order.id}/withhold",
                       data={"reason": "Checking the proof of SN-1"}).status_code == 302
    row = _row(client.get("/t/manufacturer/fulfilment").get_data(as_text=True), f"order-{order.id}")
    assert "Checking the proof of SN-1" in row


def test_P25_finished_orders_stay_findable_and_the_participants_page_lists_the_orders(app, client, programme):
    tenant, order = _order(app, client, programme)
    assert client.post(f"/t/manufacturer/fulfilment/{order.id}/ship").status_code == 302
    assert client.post(f"/t/manufacturer/fulfilment/{order.id}/delivered", data={"confirmed": "1"}).status_code == 302
    page = client.get("/t/manufacturer/fulfilment").get_data(as_text=True)
    history = page[page.index('id="finished-orders"'):]
    assert f'id="order-{order.id}"' in history and "delivered" in _row(history, f"order-{order.id}")
    installer = _text(client.get(f"/t/manufacturer/installers/{order.installer_id}").get_data(as_text=True))
    assert f"#{order.id}" in installer and "R1" in installer and "delivered" in installer


# ---------------------------------------------------------------- P-01: applicants


def test_P01_an_applicant_is_decided_on_their_page_with_their_answers_in_view_and_told(app, client, programme):
    tenant, user = _participant(app, client, programme, installs_heating="")
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
        assert installer.approval == "pending"
    db.session.rollback()
    _staff(client, tenant)
    listing = _text(client.get("/t/manufacturer/installers").get_data(as_text=True))
    assert "Runs a business" in listing and BUSINESS["nip"] in listing
    assert "does not install or service heating devices" in listing
    page = client.get(f"/t/manufacturer/installers/{installer.id}").get_data(as_text=True)
    assert "does not install or service heating devices" in _text(page)
    assert f"/t/manufacturer/installers/{installer.id}/approve" in page
    assert f"/t/manufacturer/installers/{installer.id}/refuse" in page
    assert 'name="back" value="participant"' in page  # back to the participant's page after the decision
    decided = client.post(f"/t/manufacturer/installers/{installer.id}/approve", data={"back": "participant"})
    assert decided.status_code == 302 and decided.headers["Location"].endswith(f"/installers/{installer.id}")
    with use_tenant(tenant.id):
        assert db.session.get(Installer, installer.id).approval == "approved"
        kinds = [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]
    assert kinds.count("participation_approved") == 1


def test_P01_the_applicants_page_names_which_answer_put_them_outside_the_usual_group(app, client, programme):
    """An individual who installs heating devices but declared not being of age: the organiser reads exactly that,
    not "one of the two"."""
    tenant, _user = _participant(app, client, programme, business="", nip="", adult="")
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
        assert installer.approval == "pending"
        assert (installer.declared_heating, installer.declared_adult) == (True, False)
    db.session.rollback()
    _staff(client, tenant)
    page = _text(client.get(f"/t/manufacturer/installers/{installer.id}").get_data(as_text=True))
    assert "not of age" in page and "does not install" not in page


def test_P01_a_refused_applicant_is_told_by_notice_and_mail_in_both_languages(app, client, programme):
    from types import SimpleNamespace

    from portal.notifications import service as notifications

    tenant, user = _participant(app, client, programme, installs_heating="")
    with use_tenant(tenant.id):
        installer = db.session.scalars(select(Installer)).one()
        members.approve(installer, approved=False, actor=None, clock=app.extensions["clock"])
        db.session.commit()
        row = db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                            Notification.kind == "participation_refused")).one()
    texts = []
    with app.test_request_context():
        for locale in ("pl", "en"):
            subject, body = notifications._render(row, SimpleNamespace(locale=locale, first_name="Ala"),
                                                  SimpleNamespace(slug="manufacturer", name="Termovia"))
            texts.append(subject + body)
        notice = app.jinja_env.get_template("notices/participation_refused.html").render(n=row)
    assert texts[0] != texts[1] and all("Termovia" in t for t in texts)
    assert notice.strip()


# ---------------------------------------------------------------- P-42: the commission's refusal in its row


def test_P42_a_commission_decision_refused_without_javascript_is_said_in_the_complaints_row(app, client, programme):
    tenant, _user = _participant(app, client, programme)
    assert client.post("/t/manufacturer/my-complaints", data={"kind": "programme", "text": "Too few rewards."}
                       ).status_code == 302
    _staff(client, tenant)
    with use_tenant(tenant.id):
        complaint = db.session.scalars(select(Complaint)).one()
    db.session.rollback()
    refused = client.post(f"/t/manufacturer/commission/{complaint.id}", data={"decision": "refused", "answer": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<html" in page
    row = _row(page, f"complaint-{complaint.id}")
    assert "Write the answer." in row and '<option value="refused" selected>' in row
    assert "Ala Nowak" in _text(page[page.index('class="flash'):]) or "Ala Nowak" in row
    with use_tenant(tenant.id):
        assert db.session.get(Complaint, complaint.id).decided_on is None


# ---------------------------------------------------------------- P-09 / P-10: a revoked device


def test_P09_P10_a_revoked_device_reads_as_revoked_and_is_not_asked_for_proof(app, client, programme):
    tenant, _user = _participant(app, client, programme)
    programme.device(EMAIL, "SN-1", "2024-02-01", installed_on="2024-01-20", code="FD612")
    programme.device(EMAIL, "SN-2", "2024-02-01")
    _staff(client, tenant)
    with use_tenant(tenant.id):
        installer_id = db.session.scalars(select(Installer.id)).one()
        device = db.session.scalars(select(Device).where(Device.serial == "SN-1")).one()
    db.session.rollback()
    url = f"/t/manufacturer/installers/{installer_id}"
    assert client.post(url, data={"action": "revoke_device", "device-device": str(device.id),
                                  "device-reason": "Registered twice"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    row = _row(page, f"device-{device.id}")
    assert "revoked" in _text(row) and "2024-01-20" in row and "FD612" in row
    assert "ask-proof" not in row
    assert f'<option value="{device.id}"' not in page  # nothing left to revoke
    other = page[page.index("SN-2"):]
    assert "ask-proof" in other[:other.index("</tr>")]


# ---------------------------------------------------------------- P-40 / P-41: the end page


def test_P40_P41_the_end_page_names_the_last_registration_day_and_the_last_day_for_restored_points(app, client,
                                                                                                     programme):
    tenant = _tenant(app, "2024-02-10")
    _staff(client, tenant, ADMIN)
    assert client.post("/t/manufacturer/programme-end", data={"ends_on": "2024-06-30"}).status_code == 302
    page = _text(client.get("/t/manufacturer/programme-end").get_data(as_text=True))
    assert "2024-02-29" in page  # devices until the last day of the announcement's month
    assert "2024-07-07" in page  # restored points usable 7 days after the end (``post_end_deadline``)


def test_P01_the_participants_list_pages_past_fifty_and_a_junk_cursor_is_a_400(app, client, programme):
    """The organiser reaches every participant: the list shows 50 at a time with a link to the next ones, and an
    address-bar cursor no id can reach (a typo, a fuzzer) is refused as a bad request, not a server error."""
    tenant = _tenant(app)
    rows = [f"p{n:02d}@installer.example,Jan,Nowak{n:02d},,no,installer,2024-01-10,2024-01-10" for n in range(55)]
    assert programme.participants(*rows).exit_code == 0
    _staff(client, tenant)
    first = client.get(f"/t/{tenant.slug}/installers").get_data(as_text=True)
    assert first.count("Nowak") == 50 and "Nowak00" in first and "Nowak54" not in first
    link = re.search(r'href="([^"]*/installers\?after=\d+)"', first)
    assert link, "no link to the next participants"
    second = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("Nowak") == 5 and "Nowak54" in second and "Nowak00" not in second
    assert "No participants yet." not in client.get(f"/t/{tenant.slug}/installers?after=2147483647").get_data(
        as_text=True)
    for junk in ("99999999999999999999", "9223372036854775808", "abc", "-1"):
        assert client.get(f"/t/{tenant.slug}/installers?after={junk}").status_code == 400, junk
