"""Leads and decisions over the API: the web form's rules (L-02 … L-08, L-21), review (L-07), tenant isolation."""

from __future__ import annotations

import pytest

from tests.api.conftest import lead_body, nip, partner_body, problem, rules_of


@pytest.fixture
def partner_id(api) -> int:
    return api.post("/participants", partner_body(1)).get_json()["id"]


def test_L03_api_lead_with_two_licences_is_422_with_rule(api, partner_id):
    response = api.post("/leads", lead_body("FEW", partner_id, 1, licences=2))
    body = problem(response)
    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("licences", "L-03")]


def test_L02_missing_contents_are_each_named_with_the_rule(api, partner_id):
    response = api.post("/leads", {"partner_id": partner_id, "vendor_consent": True, "submitted_on": "2018-08-10"})
    errors = {e["field"]: e["rule"] for e in problem(response)["errors"]}
    assert errors["customer_name"] == errors["customer_nip"] == errors["plan"] == "L-02"


def test_L21_lead_without_vendor_consent_is_422(api, partner_id):
    response = api.post("/leads", lead_body("NC", partner_id, 1, vendor_consent=False))
    assert rules_of(response) == {"L-21"}


def test_lead_needs_a_partner_of_this_organiser(api, partner_id):
    response = api.post("/leads", lead_body("X", 999_999, 1))
    assert [(e["field"], e["rule"]) for e in problem(response)["errors"]] == [("partner_id", "L-01")]
    by_nip = lead_body("Y", partner_id, 1)
    del by_nip["partner_id"]
    by_nip["partner_nip"] = nip(1)
    assert api.post("/leads", by_nip).status_code == 201


def test_L07_api_lead_is_submitted_with_its_deadline_and_read_by_ref(api, partner_id):
    response = api.post("/leads", lead_body("A1", partner_id, 1))
    assert response.status_code == 201
    created = response.get_json()
    # L-07: 5 business days from Friday 10 August, skipping the 15 August holiday
    assert (created["ref"], created["status"], created["due_on"]) == ("A1", "pending", "2018-08-20")
    assert created["vendor_consent_at"] is not None
    assert api.get("/leads/A1").get_json() == created


def test_lead_without_ref_gets_one(api, partner_id):
    body = lead_body("", partner_id, 1)
    del body["ref"]
    assert api.post("/leads", body).get_json()["ref"].startswith("L-")


def test_L04_a_customer_fact_recorded_via_api_refuses_later_leads(api, partner_id):
    fact = api.post("/customers/facts", {"customer_nip": nip(101), "flag": "registered_with_vendor"})
    assert fact.status_code == 200 and fact.get_json()["flag"] == "registered_with_vendor"
    assert api.post("/customers/facts", {"customer_nip": nip(101), "flag": "registered_with_vendor"}
                    ).get_json()["id"] == fact.get_json()["id"]
    assert rules_of(api.post("/leads", lead_body("V1", partner_id, 1))) == {"L-04"}
    bad = api.post("/customers/facts", {"customer_nip": "123", "flag": "holds_m365"})
    assert rules_of(bad) == {"L-04"}


def test_api_token_of_tenant_a_cannot_read_tenant_b_lead(api, api_for, partner_id, tenant_a):
    assert api.post("/leads", lead_body("SECRET", partner_id, 1)).status_code == 201
    other = api_for(tenant_a)
    assert problem(other.get("/leads/SECRET"))["status"] == 404
    assert problem(other.post("/leads/SECRET/decision", {"decision": "qualified"}))["status"] == 404
    assert other.get(f"/leads?partner_id={partner_id}").get_json()["items"] == []
    assert other.get("/leads").get_json()["items"] == []


def test_L07_decision_via_api_and_a_rejection_needs_a_reason(api, partner_id):
    api.post("/leads", lead_body("A1", partner_id, 1))
    api.post("/leads", lead_body("A2", partner_id, 2))
    refused = api.post("/leads/A2/decision", {"decision": "rejected", "decided_on": "2018-08-13"})
    assert [(e["field"], e["rule"]) for e in problem(refused)["errors"]] == [("reason", "L-07")]
    ok = api.post("/leads/A1/decision", {"decision": "qualified", "decided_on": "2018-08-13"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "qualified"
    again = api.post("/leads/A1/decision", {"decision": "rejected", "decided_on": "2018-08-20", "reason": "no"})
    assert again.status_code == 422 and "already qualified" in problem(again)["detail"]


def test_leads_list_the_review_queue_by_deadline_and_a_partners_leads_newest_first(api, partner_id):
    for i, day in enumerate(("2018-08-10", "2018-08-13", "2018-08-14"), start=1):
        api.post("/leads", lead_body(f"Q{i}", partner_id, i, submitted_on=day))
    api.post("/leads/Q2/decision", {"decision": "qualified", "decided_on": "2018-08-14"})
    first = api.get("/leads?limit=1").get_json()
    # the keyset cursor survives a change to the last row: deciding Q1 between two pages skips nothing
    api.post("/leads/Q1/decision", {"decision": "qualified", "decided_on": "2018-08-14"})
    second = api.get(f"/leads?limit=1&cursor={first['next_cursor']}").get_json()
    assert [first["items"][0]["ref"], second["items"][0]["ref"], second["next_cursor"]] == ["Q1", "Q3", None]
    assert [x["ref"] for x in api.get("/leads?status=qualified").get_json()["items"]] == ["Q1", "Q2"]
    mine = api.get(f"/leads?partner_id={partner_id}&limit=2").get_json()
    rest = api.get(f"/leads?partner_id={partner_id}&limit=2&cursor={mine['next_cursor']}").get_json()
    assert [x["ref"] for x in mine["items"] + rest["items"]] == ["Q3", "Q2", "Q1"]
    assert problem(api.get(f"/leads?partner_id={partner_id}&status=pending"))["status"] == 400


def test_G11_the_audit_log_names_the_token_that_decided_and_the_lead_its_creator(client, distributor, partner_id):
    from sqlalchemy import select

    from portal.api import tokens
    from portal.api.models import ApiToken
    from portal.extensions import db
    from portal.leads.models import Lead
    from portal.privacy.models import AuditEntry
    from portal.tenancy.guard import use_tenant
    from tests.api.conftest import ALL_SCOPES, Api, make_token

    admin_api = Api(client, make_token(distributor, [s for s in ALL_SCOPES if s not in tokens.PRIVACY_SCOPES],
                                       name="CRM"))
    admin_api.post("/leads", lead_body("T1", partner_id, 1))
    assert admin_api.post("/leads/T1/decision", {"decision": "qualified", "decided_on": "2018-08-13"}
                          ).status_code == 200
    db.session.rollback()
    with use_tenant(distributor.id):
        token = db.session.scalars(select(ApiToken).where(ApiToken.name == "CRM")).one()
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "lead.qualified")).one()
        lead = db.session.scalars(select(Lead).where(Lead.ref == "T1")).one()
        assert (entry.actor_kind, entry.actor_id) == ("api_token", token.id)  # which system did it
        assert lead.decided_by == token.created_by  # and on whose authority


def test_L02_a_refusal_of_the_lead_s_shape_names_the_rule_and_the_term_is_at_least_a_month(api, partner_id):
    """Every refusal names its field and rule: a count of the wrong shape is L-02's, as the service's refusals are;
    the term's documented minimum is the rule's one month, not 0 (which the service would then refuse)."""
    response = api.post("/leads", lead_body("SHAPE", partner_id, 1, licences="twenty", pcs=20, term_months=0))
    assert response.status_code == 422
    assert {(e["field"], e["rule"]) for e in problem(response)["errors"]} == {("licences", "L-02"),
                                                                             ("term_months", "L-02")}
    schema = api.get("/openapi.json").get_json()["components"]["schemas"]["LeadIn"]["properties"]["term_months"]
    assert schema["minimum"] == 1
