"""Partners over the API (L-01): registered with the web form's checks, read back, paginated, tenant-scoped."""

from __future__ import annotations

from tests.api.conftest import nip, partner_body, problem, rules_of


def test_L01_api_partner_with_bad_nip_and_no_contact_is_422_with_rule(api):
    response = api.post("/participants", partner_body(1, nip="1234567890", contact_email=""))
    assert response.status_code == 422
    errors = {e["field"]: e for e in problem(response)["errors"]}
    assert errors["nip"]["rule"] == "L-01" and errors["contact_email"]["rule"] == "L-01"


def test_L01_api_partner_is_registered_and_read_back(api):
    response = api.post("/participants", partner_body(1, flags=["arrears"]))
    assert response.status_code == 201
    created = response.get_json()
    assert created["nip"] == nip(1) and created["flags"] == ["arrears"]
    read = api.get(f"/participants/{created['id']}")
    assert read.status_code == 200 and read.get_json() == created


def test_L01_the_same_company_twice_is_refused(api):
    assert api.post("/participants", partner_body(1)).status_code == 201
    response = api.post("/participants", partner_body(1))
    assert response.status_code == 422 and rules_of(response) == {"L-01"}


def test_L01_unknown_partner_flag_is_422_on_the_flags_field_with_its_rule(api):
    """The flags are the organiser's record of a partner's eligibility (L-01) and payout holds: a flag the programme
    does not name is refused at its field, with the rule, as every other refusal of the form."""
    response = api.post("/participants", partner_body(1, flags=["vip"]))
    assert [(e["field"], e["rule"]) for e in problem(response)["errors"]] == [("flags", "L-01")]


def test_L04_L05_an_unknown_customer_fact_is_422_on_the_flag_field_with_its_rule(api):
    response = api.post("/customers/facts", {"customer_nip": partner_body(7)["nip"], "flag": "holds_windows"})
    body = problem(response)
    assert response.status_code == 422 and body["rule"] == "L-04"
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("flag", "L-04")]
    assert "holds_m365" in body["errors"][0]["message"]


def test_participants_pages_walk_every_partner_once(api):
    for n in range(1, 6):
        assert api.post("/participants", partner_body(n)).status_code == 201
    seen, cursor, pages = [], None, 0
    while True:
        response = api.get("/participants?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        body = response.get_json()
        seen += [p["nip"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == sorted(nip(n) for n in range(1, 6))


def test_limit_above_200_is_refused(api):
    assert problem(api.get("/participants?limit=500"))["status"] == 400
    assert api.get("/participants?limit=200").status_code == 200


def test_api_token_of_tenant_a_cannot_read_tenant_b_participant(api, api_for, tenant_a):
    created = api.post("/participants", partner_body(1)).get_json()
    other = api_for(tenant_a)
    assert problem(other.get(f"/participants/{created['id']}"))["status"] == 404
    assert other.get("/participants").get_json() == {"items": [], "next_cursor": None}
    assert problem(other.get(f"/participants?cursor={created['id']}"))["status"] == 400


def test_a_tenant_without_a_lead_programme_cannot_register_partners(api_for, tenant_a):
    response = api_for(tenant_a).post("/participants", partner_body(1))
    assert response.status_code == 422 and "no lead-reward programme" in problem(response)["detail"]
