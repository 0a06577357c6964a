"""What the seed bounds and every path must refuse alike: a submission dated after today (L-08), the 100 submissions
counted in this campaign only (L-06), values the records cannot hold refused next to their field on the bulk
commands as the pages and the API refuse them (L-01, L-02, L-10)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.core.clock import as_of
from portal.extensions import db
from portal.leads.models import Lead, Partner, Sale
from portal.tenancy.guard import use_tenant
from tests.api.conftest import api, distributor, lead_body, partner_body, problem  # noqa: F401 - fixtures
from tests.leads.conftest import lead_row, nip, partner_row

LEAD_HEADER = "ref,partner_nip,customer_nip,customer_name,customer_address,family,plan,billing,licences,pcs," \
              "submitted_on"


def test_L08_api_refuses_a_lead_dated_after_today_on_submitted_on(app, api, distributor):  # noqa: F811
    app.extensions["clock"] = as_of(date(2018, 8, 10))
    partner_id = api.post("/participants", partner_body(1)).get_json()["id"]
    refused = api.post("/leads", lead_body("LATER", partner_id, 1, submitted_on="2018-08-13"))
    assert refused.status_code == 422
    errors = problem(refused)["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [("submitted_on", "L-08")]
    assert "2018-08-13" in errors[0]["message"] and "2018-08-10" in errors[0]["message"]
    # today itself is a day a lead may be registered on; its deadline counts from it (L-07)
    accepted = api.post("/leads", lead_body("TODAY", partner_id, 2, submitted_on="2018-08-10"))
    assert accepted.status_code == 201 and accepted.get_json()["due_on"] == "2018-08-20"
    with use_tenant(distributor.id):
        assert db.session.scalar(select(func.count()).select_from(Lead)) == 1


def test_L08_leads_import_refuses_a_row_dated_after_the_commands_day(campaign):
    campaign.partners(partner_row(1))
    file = campaign.csv("leads.csv", LEAD_HEADER, [lead_row("NOW", 1, 1, submitted="2018-08-10"),
                                                   lead_row("LATER", 1, 2, submitted="2018-08-11")])
    result = campaign.run("leads", "import", "distributor", file, "--as-of", "2018-08-10")
    assert result.exit_code == 1
    assert "line 3: L-08:" in result.output and "2018-08-11" in result.output
    assert "nothing written" in result.output


def test_L06_previous_edition_leads_carried_over_do_not_use_up_the_100_of_this_campaign(campaign):
    campaign.partners(partner_row(1))
    carried = [lead_row(f"III-{i}", 1, i, submitted="2018-05-10") for i in range(1, 31)]
    assert campaign.leads(*carried).exit_code == 0
    fresh = [lead_row(f"IV-{i}", 1, 100 + i) for i in range(1, 102)]
    result = campaign.leads(*fresh, commit_valid=True)
    # the 100 of this campaign are all accepted; only the 101st is refused
    assert "100 good row(s), 1 bad row(s)" in result.output
    assert "line 102: L-06: You have reached the limit of 100 submissions" in result.output
    assert db.session.scalar(select(func.count()).select_from(Lead).where(Lead.carried_over.is_(False))) == 100


def test_L06_L08_a_carried_over_lead_is_re_verified_whatever_the_partners_new_submissions(campaign):
    campaign.partners(partner_row(1))
    assert campaign.leads(*[lead_row(f"IV-{i}", 1, i) for i in range(1, 101)]).exit_code == 0
    result = campaign.leads(lead_row("III-1", 1, 200, submitted="2018-06-20"))
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Lead).where(Lead.ref == "III-1")).one().carried_over


def test_L02_leads_import_names_each_value_too_long_for_its_field(campaign):
    campaign.partners(partner_row(1))
    rows = [
        f"{'R' * 41},{nip(1)},{nip(101)},Klient,ul. Kliencka 1,O365,E3,annual,20,20,2018-08-10",
        f"OK2,{nip(1)},{nip(102)},{'K' * 201},ul. Kliencka 2,O365,E3,annual,20,20,2018-08-10",
        f"OK3,{nip(1)},{nip(103)},Klient,{'u' * 301},O365,E3,annual,20,20,2018-08-10",
        f"OK4,{nip(1)},{nip(104)},Klient,ul. Kliencka 4,O365,{'E' * 101},annual,20,20,2018-08-10",
        f"OK5,{nip(1)},{nip(105)},Klient\x00,ul. Kliencka 5,O365,E3,annual,20,20,2018-08-10",
    ]
    result = campaign.leads(*rows)
    assert result.exit_code == 1
    out = result.output
    assert "line 2: Reference: at most 40 characters." in out
    assert "line 3: L-02: Customer name: at most 200 characters." in out
    assert "line 4: L-02: Customer address: at most 300 characters." in out
    assert "line 5: L-02: Service plan: at most 100 characters." in out
    assert "line 6: L-02: Customer name: remove the NUL character." in out
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 0


def test_L01_partner_import_names_each_value_too_long_for_its_field(campaign):
    long_name = f"{nip(2)},{'N' * 201},ul. X,Jan,Kowalski,+48 600 000 002,jan@p2.example.com,"
    long_phone = f"{nip(3)},Partner 3,ul. X,Jan,Kowalski,{'1' * 31},jan@p3.example.com,"
    long_email = f"{nip(4)},Partner 4,ul. X,Jan,Kowalski,+48 600 000 004,{'j' * 250}@p4.example.com,"
    result = campaign.partners(partner_row(1), long_name, long_phone, long_email)
    assert result.exit_code == 1
    assert "line 3: L-01: Company name: at most 200 characters." in result.output
    assert "line 4: L-01: Contact person: phone: at most 30 characters." in result.output
    assert "line 5: L-01: Contact person: e-mail: at most 254 characters." in result.output
    assert db.session.scalar(select(func.count()).select_from(Partner)) == 0


def test_L10_sales_import_refuses_figures_the_report_cannot_hold(campaign):
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("A1", 1, 1))
    result = campaign.sales("A1,2018-08-20,O365,annual,3000000000,100.00,0,yes",
                            "A1,2018-08-21,O365,annual,20,1000000000000.00,0,yes",
                            "A1,2018-08-22,O365,annual,20,100.00,2147483648,yes")
    assert result.exit_code == 1
    assert "line 2: L-10: licences is too large: at most 2147483647." in result.output
    assert "line 3: L-10: value is too large: at most 999999999999.99." in result.output
    assert "line 4: L-10: months_active is too large: at most 2147483647." in result.output
    assert db.session.scalar(select(func.count()).select_from(Sale)) == 0


def test_L07_L20_a_reason_with_a_nul_is_refused_next_to_its_field_on_the_pages(app, client, campaign):
    from portal.accounts.models import STAFF
    from portal.tenancy.models import Tenant
    from tests import factories

    app.extensions["clock"] = as_of(date(2018, 8, 13))
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("A1", 1, 1))
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    staff = factories.user(tenant, STAFF, email="staff@distributor.example.com", locale="en")
    factories.login(client, tenant, staff.email)
    with use_tenant(tenant.id):
        lead_id = db.session.scalars(select(Lead.id)).one()
        partner_id = db.session.scalars(select(Partner.id)).one()
    decided = client.post(f"/t/distributor/review/{lead_id}", data={"decision": "rejected", "reason": "zły\x00klient"},
                          headers={"HX-Request": "true"})
    assert decided.status_code == 422 and "Remove the NUL character" in decided.get_data(as_text=True)
    excluded = client.post(f"/t/distributor/partners/{partner_id}/exclude", data={"reason": "fałszywe\x00dane"})
    assert excluded.status_code == 422 and "Remove the NUL character" in excluded.get_data(as_text=True)
    with use_tenant(tenant.id):
        assert db.session.get(Lead, lead_id).status == "pending"
        assert db.session.get(Partner, partner_id).excluded_at is None


def test_L01_L02_contact_data_must_be_a_reachable_phone_and_e_mail_on_every_path(app, api, campaign):  # noqa: F811
    """Seed: joining needs "prawidłowe dane kontaktowe" — a phone that can be dialled, an e-mail with a domain."""
    bad_partner = f"{nip(2)},Partner 2,ul. X,Jan,Kowalski,abc,jan@p2.example.com,"
    result = campaign.partners(partner_row(1), bad_partner)
    assert result.exit_code == 1
    assert "line 3: L-01: Enter a phone number of 9 to 15 digits, e.g. +48 600 100 200." in result.output
    assert campaign.partners(partner_row(1)).exit_code == 0
    partner_id = db.session.scalars(select(Partner.id)).one()
    refused = api.post("/leads", lead_body("PH", partner_id, 1, contact_phone="12-34", contact_email="ewa@partner"))
    assert refused.status_code == 422
    assert {(e["field"], e["rule"]) for e in problem(refused)["errors"]} == {("contact_phone", "L-02"),
                                                                          ("contact_email", "L-02")}
    ok = api.post("/leads", lead_body("OK", partner_id, 1, contact_phone="(22) 123-45-67",
                                      contact_email="ewa@partner.example.com"))
    assert ok.status_code == 201, ok.get_json()


def test_L02_leads_import_names_the_column_of_a_number_too_large(campaign):
    campaign.partners(partner_row(1))
    too_many_pcs = lead_row("A2", 1, 2).replace(",20,2018", ",99999999999,2018")  # licences 20, pcs beyond
    result = campaign.leads(lead_row("A1", 1, 1, licences=99999999999), too_many_pcs)
    assert result.exit_code == 1
    assert "line 2: L-02: licences is too large: at most 2147483647." in result.output
    assert "line 3: L-02: pcs is too large: at most 2147483647." in result.output
