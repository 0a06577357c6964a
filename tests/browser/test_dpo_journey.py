"""The data-protection officer of each demo organiser in a real browser: records an access request received by
letter, has it carried out (the worker gathers the bundle, G-04; the requester downloads it through the link
mailed to them), then records and carries out an erasure request for the same person (G-05) and sees what was
erased and kept; the erased person can no longer log in. Polish for the Polish presets, English for the SaaS
vendor (switched in the header)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

from tests.browser import journeys  # noqa: E402 - after the importorskip

pytestmark = pytest.mark.browser

TENANTS = [("distributor", "pl"), ("manufacturer", "pl"), ("saas-vendor", "en")]
HEADINGS = {"pl": "Wnioski osób, których dane dotyczą", "en": "Data-subject requests"}
# the request's status and the erasure's effects, in words of the page's language (never the stored codes)
DONE = {"pl": "zrealizowany", "en": "completed"}
MASKED = {"pl": "zamaskowano: 1", "en": "masked: 1"}
DELETED = {"pl": "usunięto", "en": "deleted"}
RECORDS = {"pl": ("Konto", "Zgody"), "en": ("Account", "Consents")}  # the records by name, not the tables'


def _to_english(page) -> None:
    page.locator('header form[action$="/lang/en"] button[type=submit]').click()
    page.wait_for_function("document.documentElement.lang === 'en'")


def _record(dpo, slug: str, kind: str, address: str, name: str) -> str:
    dpo.goto(f"/t/{slug}/dpo/requests")
    dpo.locator("#kind").select_option(kind)
    dpo.locator("#email").fill(address)
    dpo.locator("#name").fill(name)
    dpo.locator("#note").fill("Signed letter; signature compared with the registration form.")
    dpo.locator("main form button[type=submit]").click()
    dpo.wait_for_url(re.compile(rf"/t/{slug}/dpo/requests/[^/]+$"))
    return dpo.url.rsplit("/", 1)[1]


def _carry_out(dpo, lang: str) -> None:
    dpo.locator('button[name=action][value=process]').click()
    dpo.wait_for_load_state()
    journeys.reload_until(dpo, lambda p: p.locator("main dd").get_by_text(re.compile(rf"^{DONE[lang]}:")),
                          what="a request done")


@pytest.mark.parametrize(("slug", "lang"), TENANTS, ids=[t[0] for t in TENANTS])
def test_dpo_answers_access_and_erasure(slug, lang, live_server, open_as, journey):
    subject = open_as(slug, None)
    if lang == "en":
        subject.goto(f"/t/{slug}/")
        _to_english(subject)
    address = journeys.email("ewa")
    company = {"company": "Zielińska IT", "tax_id": journeys.nip()} if slug != "manufacturer" else {}
    journeys.register(subject, slug, first="Ewa", last="Zielińska", address=address, **company)  # L-01

    dpo = open_as(slug, "dpo")
    dpo.goto(f"/t/{slug}/dpo/requests")
    if lang == "en":
        _to_english(dpo)
    expect(dpo.get_by_role("heading", level=1)).to_have_text(HEADINGS[lang])
    journey.shot(dpo, "console")

    reference = _record(dpo, slug, "access", address, "Ewa Zielińska")
    journey.shot(dpo, "access-recorded")
    _carry_out(dpo, lang)
    journey.shot(dpo, "access-completed")

    link = journeys.last_mail_link(live_server.instance, address, "/privacy/bundle/")
    body = journeys.download(subject, lambda: subject.evaluate("url => { window.location.href = url }", link))
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        names = bundle.namelist()
        data = "".join(bundle.read(n).decode("utf-8", "replace") for n in names if n.endswith(".json"))
    assert any(n.endswith(".json") for n in names) and any(n.endswith(".csv") for n in names), names
    assert address in data, "the bundle's JSON holds the requester's own data"

    erasure = _record(dpo, slug, "erasure", address, "Ewa Zielińska")
    assert erasure != reference
    journey.shot(dpo, "erasure-recorded")
    _carry_out(dpo, lang)
    # what the erasure changed, table by table: the account masked, its consents and notices deleted
    changed = dpo.locator("main section", has=dpo.locator("h2")).first
    account, consents = RECORDS[lang]
    expect(changed.locator("li", has_text=account).first).to_contain_text(MASKED[lang])
    expect(changed.locator("li", has_text=consents).first).to_contain_text(DELETED[lang])
    journey.shot(dpo, "erasure-completed")

    again = open_as(slug, None, locale="pl-PL")
    again.goto(f"/t/{slug}/login")
    again.locator("#email").fill(address)
    again.locator("#password").fill(journeys.PASSWORD)
    again.locator("#login-form button[type=submit]").click()
    expect(again.locator("#login-form")).to_be_visible()
    again.wait_for_timeout(500)
    assert "/login" in again.url
    journey.shot(again, "erased-login-refused")

    assert subject.console_errors == [] and dpo.console_errors == []
    journey.assert_accessible()
