"""Lead-reward programmes (distributor, SaaS vendor) in a real browser, end to end through the pages: a company
registers and joins, submits a lead (the inline HTMX check speaks first), staff qualify it in the queue (an HTMX
row swap), import the vendor's sales report, run and approve the settlement and download the statement; the
partner then sees the reward on their own statement.

The campaigns are dated (L-08), so the server replays days inside them through its clock file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

from tests.browser import journeys  # noqa: E402 - after the importorskip

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Campaign:
    slug: str
    lang: str
    family: str
    billing: str
    quantity: int
    submitted: date
    sold: date
    settled: date
    sale: str            # the vendor's report row after ref and date (FORMATS.md, sales import)
    amount: str          # the reward the settlement must show, in the reader's notation (E-04)
    texts: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)   # what else the programme's lead form asks (its definition, L-02/§7)


PL = {"join": "Zarejestruj firmę", "pending": "oczekuje na decyzję", "qualified": "zakwalifikowany",
      "preview": "Poprawne wiersze: 1, błędne wiersze: 0", "approved": "Zatwierdzone"}
EN = {"join": "Register your company", "pending": "waiting for decision", "qualified": "qualified",
      "preview": "Good rows: 1; wrong rows: 0", "approved": "Approved"}

CAMPAIGNS = [
    # L-11: 15% of 20,000 PLN, annual Microsoft 365 up to 150 licences
    Campaign("distributor", "pl", "M365", "annual", 40, date(2018, 9, 3), date(2018, 9, 10), date(2018, 10, 15),
             "M365,annual,40,20000.00,,yes", "3\u00a0000,00\u00a0zł", PL, {"plan": "Business Standard", "pcs": "45"}),
    # SPEC §7: 10% of the first year, 8,000 contacts = 2,190 PLN a month, 12-month term = 50% off → 1,314.00 PLN
    # and the referral names the person at the prospect and the expected term, not a plan or PCs
    Campaign("saas-vendor", "en", "engagement_platform", "fixed_term", 8000, date(2024, 2, 5), date(2024, 2, 19),
             date(2024, 4, 15), "engagement_platform,fixed_term,8000,13140.00,12,yes", "PLN1,314.00", EN,
             {"customer_contact_first_name": "Olga", "customer_contact_last_name": "Wiśniewska",
              "customer_contact_phone": "+48 601 202 303", "customer_contact_email": "olga@klient-testowy.example.com",
              "term_months": "12"}),
]


def _to_english(page) -> None:
    page.locator('header form[action$="/lang/en"] button[type=submit]').click()
    page.wait_for_function("document.documentElement.lang === 'en'")


@pytest.mark.parametrize("campaign", CAMPAIGNS, ids=[c.slug for c in CAMPAIGNS])
def test_partner_lead_qualified_and_paid(campaign, live_server, open_as, journey):
    c, t = campaign, campaign.texts
    slug = c.slug
    live_server.at(c.submitted)
    company_nip, customer_nip = journeys.nip(), journeys.nip()
    partner = open_as(slug, None)
    if c.lang == "en":
        partner.goto(f"/t/{slug}/")
        _to_english(partner)

    journeys.register(partner, slug, first="Marta", last="Kowalczyk", address=journeys.email("marta"),
                      company="Kowalczyk IT Sp. z o.o.", tax_id=company_nip)
    assert partner.locator("html").get_attribute("lang") == c.lang
    journey.shot(partner, "participant-dashboard")

    partner.goto(f"/t/{slug}/partner/join")
    expect(partner.get_by_role("heading", level=1)).to_have_text(t["join"])
    partner.locator("#nip").fill(company_nip)
    partner.locator("#name").fill("Kowalczyk IT Sp. z o.o.")
    partner.locator("#address").fill("ul. Długa 5, 00-001 Warszawa")
    journey.shot(partner, "partner-join")
    partner.locator("#partner-form button[type=submit]").click()
    partner.wait_for_url(lambda url: not url.endswith("/partner/join"))

    partner.goto(f"/t/{slug}/leads/new")
    form = partner.locator("#lead-form")
    form.locator("#customer_name").fill("Klient Testowy S.A.")
    form.locator("#customer_address").fill("ul. Rynek 1, 31-001 Kraków")
    form.locator("#customer_nip").fill(customer_nip)
    form.locator("#family").select_option(c.family)
    form.locator("#billing").select_option(c.billing)
    # L-03 checked as the partner types (no preset takes 0): the message appears under the field before any submit
    answer = journeys.htmx_post(partner, "/leads/validate", lambda: form.locator("#licences").fill("0"))
    assert answer.status in (200, 422)
    expect(partner.locator("#licences-error")).to_contain_text("(L-03)")
    expect(partner.locator("#licences")).to_have_attribute("aria-invalid", "true")
    journey.shot(partner, "lead-inline-error")
    journeys.htmx_post(partner, "/leads/validate", lambda: form.locator("#licences").fill(str(c.quantity)))
    expect(partner.locator("#licences-error")).to_have_count(0)
    for name, value in c.fields.items():
        form.locator(f"#{name}").fill(value)
    for absent in {"plan", "pcs", "customer_contact_email", "term_months"} - set(c.fields):
        expect(form.locator(f"#{absent}")).to_have_count(0)  # not this programme's question
    form.locator("#vendor_consent").check()
    journey.shot(partner, "lead-filled")
    form.locator("button[type=submit]").click()
    partner.wait_for_url(re.compile(rf"/t/{slug}/leads/\d+$"))
    ref = re.search(r"L-[0-9A-F]{8}", journeys.main_text(partner)).group(0)
    expect(partner.locator("main")).to_contain_text(t["pending"])
    journey.shot(partner, "lead-submitted")

    staff = open_as(slug, "staff")
    staff.goto(f"/t/{slug}/review")
    if c.lang == "en":
        _to_english(staff)
    row = staff.locator("tr", has_text=ref)
    expect(row).to_be_visible()
    journey.shot(staff, "review-queue")
    queue_url = staff.url
    row.locator("select[name=decision]").select_option("qualified")
    journeys.htmx_post(staff, "/review/", lambda: row.get_by_role("button").click())
    row = staff.locator("tr", has_text=ref)
    expect(row).to_contain_text(t["qualified"])
    expect(row.locator("form")).to_have_count(0)
    assert staff.url == queue_url  # swapped in place, no page load
    journey.shot(staff, "review-qualified")

    live_server.at(c.sold)
    csv = ("ref,transaction_date,family,billing,licences,value,months_active,new_tenant\n"
           f"{ref},{c.sold.isoformat()},{c.sale}\n")
    staff.goto(f"/t/{slug}/sales/import")
    staff.locator("#file").set_input_files(files=[{"name": "sales.csv", "mimeType": "text/csv",
                                                    "buffer": csv.encode()}])
    journey.shot(staff, "sales-import")
    staff.locator("#upload-form button[type=submit]").click()
    staff.wait_for_load_state()
    expect(staff.locator("main")).to_contain_text(t["preview"])
    journey.shot(staff, "sales-preview")
    staff.locator("main form button[type=submit]").click()
    staff.wait_for_load_state()
    journey.shot(staff, "sales-imported")

    live_server.at(c.settled)
    staff.goto(f"/t/{slug}/settlements")
    staff.locator("#as_of-1").fill(c.settled.isoformat())
    journey.shot(staff, "settlements")
    staff.locator('form[action$="/settlements/1/run"] button').click()
    staff.wait_for_url(re.compile(rf"/t/{slug}/settlements/1$"))
    section = staff.locator("section", has_text=company_nip)
    expect(section).to_contain_text(ref)
    expect(section).to_contain_text(c.amount)
    journey.shot(staff, "settlement-draft")
    staff.locator('form[action$="/settlements/1/approve"] button').click()
    staff.wait_for_load_state()
    expect(staff.locator("main")).to_contain_text(t["approved"])
    journey.shot(staff, "settlement-approved")
    body = journeys.download(staff, lambda: section.get_by_role("link", name="CSV").click())
    assert ref in body.decode() and company_nip in body.decode()

    partner.goto(f"/t/{slug}/statements")
    expect(partner.locator("main")).to_contain_text(ref)
    expect(partner.locator("main")).to_contain_text(c.amount)
    journey.shot(partner, "partner-statement")
    statement = journeys.download(partner, lambda: partner.get_by_role("link", name="CSV").first.click())
    assert ref in statement.decode()

    assert partner.console_errors == [] and staff.console_errors == []
    journey.assert_accessible()
