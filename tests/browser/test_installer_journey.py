"""The manufacturer's installer loyalty programme in a real browser, end to end through the pages (Polish, the
preset's default): an installer joins and waits for the organiser's decision (P-01), registers devices with the
inline HTMX check (P-05), orders a reward (P-21); the organiser approves the installer, edits the catalogue in
place (an HTMX row swap) and offers a substitute for the ordered reward (P-23); the installer accepts it and the
organiser ships and delivers it. Points are credited by the worker that ``make run`` starts."""

from __future__ import annotations

import re
from datetime import date

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

from tests.browser import journeys  # noqa: E402 - after the importorskip

pytestmark = pytest.mark.browser

SLUG = "manufacturer"
TODAY = date(2025, 3, 10)
MODEL, MODEL_POINTS = "TV-KOND-PRO-100", 400       # tenants/manufacturer/programme.toml
ORDERED, SUBSTITUTE = "R-WKRETARKA-18V", "R-MLOTOWIERTARKA"   # both power tools: 1100 and 1000 points


def _register_device(page, journey, serial: str, *, first: bool) -> None:
    page.goto(f"/t/{SLUG}/devices/new")
    form = page.locator("#device-form")
    form.locator("#model_code").select_option(MODEL)
    form.locator("#serial").fill(serial)
    form.locator("#installed_on").fill(TODAY.isoformat())
    if first:
        # P-05: the production code is checked under the field while the installer types
        journeys.htmx_post(page, "/devices/validate", lambda: form.locator("#production_code").fill("FD5X"))
        expect(page.locator("#production_code-error")).to_contain_text("FD517")
        expect(page.locator("#production_code")).to_have_attribute("aria-invalid", "true")
        journey.shot(page, "device-inline-error")
    journeys.htmx_post(page, "/devices/validate", lambda: form.locator("#production_code").fill("FD503"))
    expect(page.locator("#production_code-error")).to_have_count(0)
    if first:
        journey.shot(page, "device-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/t/{SLUG}/points$"))


def test_installer_orders_a_reward_and_gets_a_substitute(live_server, open_as, journey):
    live_server.at(TODAY)
    installer = open_as(SLUG, None)
    journeys.register(installer, SLUG, first="Tomasz", last="Wiśniewski", address=journeys.email("tomasz"),
                      company="Wiśniewski Instalacje", tax_id=journeys.nip())
    journey.shot(installer, "participant-dashboard")

    installer.goto(f"/t/{SLUG}/installer/join")
    expect(installer.get_by_role("heading", level=1)).to_have_text("Dołącz do programu dla instalatorów")
    installer.locator("#business").check()
    installer.locator("#adult").check()  # does not install heating devices: the organiser decides (P-01)
    installer.locator("#delivery_address").fill("ul. Monterska 7, 30-001 Kraków")  # the courier's address (P-25)
    journey.shot(installer, "installer-join")
    installer.locator("main form button[type=submit]").click()
    installer.wait_for_url(re.compile(rf"/t/{SLUG}/points$"))
    expect(installer.locator("main")).to_contain_text("Organizator nie zdecydował jeszcze")
    journey.shot(installer, "points-pending")

    staff = open_as(SLUG, "staff")
    staff.goto(f"/t/{SLUG}/installers")
    row = staff.locator("tr", has_text="Tomasz Wiśniewski")
    expect(row).to_contain_text("oczekuje na decyzję organizatora")  # approval pending, in words
    journey.shot(staff, "installers-review")
    row.get_by_role("button", name="Zatwierdź").click()
    staff.wait_for_load_state()
    expect(staff.locator("tr", has_text="Tomasz Wiśniewski").get_by_role("button", name="Zatwierdź")).to_have_count(0)

    for n in range(3):
        _register_device(installer, journey, f"BT-{TODAY:%y%m%d}-{journeys.nip()}", first=n == 0)
    # the balance as Polish groups numbers (E-04): 1200 is "1 200", with a non-breaking space
    expect(installer.locator(".card p.big").first).to_have_text(f"{3 * MODEL_POINTS:,}".replace(",", "\u00a0"))
    journey.shot(installer, "points-after-devices")

    installer.goto(f"/t/{SLUG}/rewards")
    reward_row = installer.locator("tr", has=installer.locator(f'form[action$="/rewards/{ORDERED}/order"]'))
    journey.shot(installer, "rewards")
    reward_row.get_by_role("button").click()
    installer.wait_for_load_state()
    installer.goto(f"/t/{SLUG}/points")
    expect(installer.locator(".card p.big").first).to_have_text(str(3 * MODEL_POINTS - 1100))

    # The organiser prices the hammer drill like the ordered screwdriver, in place, then offers it instead.
    staff.goto(f"/t/{SLUG}/catalogue")
    row = staff.locator("tr", has_text=SUBSTITUTE)
    points = row.locator('input[name="points"]')
    catalogue_url = staff.url
    points.fill("abc")
    answer = journeys.htmx_post(staff, "/catalogue/", lambda: row.get_by_role("button").click())
    assert answer.status == 422
    row = staff.locator("tr", has_text=SUBSTITUTE)
    expect(row.locator("p.error")).to_have_count(1)
    expect(row.locator('input[name="points"]')).to_have_attribute("aria-invalid", "true")
    journey.shot(staff, "catalogue-row-error")
    row.locator('input[name="points"]').fill("1100")
    journeys.htmx_post(staff, "/catalogue/", lambda: row.get_by_role("button").click())
    row = staff.locator("tr", has_text=SUBSTITUTE)
    expect(row.locator('input[name="points"]')).to_have_value("1100")
    expect(row.locator(".error")).to_have_count(0)
    assert staff.url == catalogue_url
    journey.shot(staff, "catalogue-row-saved")

    staff.goto(f"/t/{SLUG}/fulfilment")
    order = staff.locator("tr", has_text=ORDERED)
    expect(order).to_be_visible()
    journey.shot(staff, "fulfilment")
    order.locator("select[name=code]").select_option(SUBSTITUTE)
    order.locator('form[action$="/substitute"] button').click()
    staff.wait_for_load_state()
    journey.shot(staff, "fulfilment-substitute-offered")

    installer.goto(f"/t/{SLUG}/points")
    offer = installer.locator("li", has=installer.locator('button[name=accept][value=yes]'))
    expect(offer).to_contain_text("Wkrętarka akumulatorowa")   # what was ordered …
    expect(offer).to_contain_text("Młotowiertarka")            # … and what is offered instead
    journey.shot(installer, "points-substitute-offered")
    offer.get_by_role("button", name="Przyjmij nagrodę zamienną").click()
    installer.wait_for_load_state()
    expect(installer.locator('button[name=accept]')).to_have_count(0)

    staff.goto(f"/t/{SLUG}/fulfilment")
    order = staff.locator("tr", has_text=SUBSTITUTE)
    order.locator('form[action$="/ship"] button').click()
    staff.wait_for_load_state()
    staff.locator("tr", has_text=SUBSTITUTE).locator('form[action$="/delivered"] button').click()
    staff.wait_for_load_state()
    expect(staff.locator("#open-orders tr", has_text=SUBSTITUTE)).to_have_count(0)  # delivered: no longer open …
    expect(staff.locator("#finished-orders tr", has_text=SUBSTITUTE)).to_have_count(1)  # … but listed as finished
    journey.shot(staff, "fulfilment-done")

    installer.goto(f"/t/{SLUG}/points")
    expect(installer.locator("main")).to_contain_text("doręczone")
    journey.shot(installer, "points-delivered")

    # P-09: the organiser takes back points from the participant's page; the messages stand next to the fields
    staff.goto(f"/t/{SLUG}/installers")
    staff.get_by_role("link", name="Tomasz Wiśniewski").click()
    staff.wait_for_load_state()
    staff.get_by_role("button", name="Odbierz punkty").click()
    staff.wait_for_load_state()
    expect(staff.locator("#points-points-error")).to_be_visible()
    journey.shot(staff, "participant-revoke-error")
    staff.fill("#points-points", "10")
    staff.fill("#points-reason", "premia naliczona omyłkowo")
    staff.get_by_role("button", name="Odbierz punkty").click()
    staff.wait_for_load_state()
    expect(staff.locator("main")).to_contain_text("premia naliczona omyłkowo")
    expect(staff.locator("main")).to_contain_text("odebrane przez organizatora")
    journey.shot(staff, "participant-revoked")

    assert installer.console_errors == [] and staff.console_errors == []
    journey.assert_accessible()
