"""The participant's first visit, in a real browser: join a demo programme, land on the dashboard, log out and
back in — in Polish (the default) and in English — and see a form error next to its field.

Elements are found by id, name and role attributes, never by their wording: the translations may change."""

from __future__ import annotations

import re
import uuid

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from tests.browser import journeys  # noqa: E402 - after the skip above, as the other journeys

pytestmark = pytest.mark.browser

PASSWORD = "browser-pass-2026"


def _unique_email(first: str) -> str:
    return f"{first.lower()}.{uuid.uuid4().hex[:8]}@example.com"


def _lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def _fill_registration(page, *, first: str, last: str, email: str, phone: str = "+48 600 100 200",
                       company: str = "", nip: str = "") -> None:
    page.locator("#first_name").fill(first)
    page.locator("#last_name").fill(last)
    page.locator("#email").fill(email)
    page.locator("#phone").fill(phone)
    if company:
        page.locator("#company_name").fill(company)
    if nip:
        page.locator("#nip").fill(nip)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("input[name=accept_terms]").check()
    page.locator("input[name=accept_privacy]").check()


def _submit(page, form_id: str) -> None:
    page.locator(f"#{form_id} button[type=submit]").click()


def _expect_dashboard(page, slug: str, first: str, *, after: str) -> None:
    try:
        page.wait_for_url(re.compile(rf"/t/{slug}/participant$"))
        arrived = True
    except sync_api.TimeoutError:
        arrived = False
    if not arrived:
        main = " ".join(page.locator("main").inner_text().split())
        pytest.fail(f"after {after} the browser did not reach /t/{slug}/participant: it stayed at {page.url} "
                    f"and <main> shows {main!r}", pytrace=False)
    heading = page.get_by_role("heading", level=1)
    assert first in heading.inner_text()


def _join_log_out_and_in(page, shot, *, slug: str, first: str, last: str, lang: str) -> None:
    email = _unique_email(first)

    page.locator('main a[href$="/register"]').click()
    page.wait_for_url(re.compile(rf"/t/{slug}/register$"))
    assert page.locator("#register-form").is_visible()
    assert _lang(page) == lang
    company = {"company": f"{last} Sp. z o.o.", "nip": journeys.nip()} if slug != "manufacturer" else {}
    _fill_registration(page, first=first, last=last, email=email, **company)  # L-01: a lead campaign admits companies
    shot(page, f"{slug}-{lang}-register-filled")
    _submit(page, "register-form")

    _expect_dashboard(page, slug, first, after="a successful registration")
    assert _lang(page) == lang
    assert email in page.locator("main").inner_text()
    shot(page, f"{slug}-{lang}-dashboard-after-register")

    page.locator('form[action$="/logout"] button').click()
    page.wait_for_url(re.compile(rf"/t/{slug}/$"))
    assert page.locator('form[action$="/logout"]').count() == 0
    assert page.locator('nav a[href$="/login"]').is_visible()
    shot(page, f"{slug}-{lang}-after-logout")

    page.locator('nav a[href$="/login"]').click()
    page.wait_for_url(re.compile(rf"/t/{slug}/login$"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    shot(page, f"{slug}-{lang}-login")
    _submit(page, "login-form")

    _expect_dashboard(page, slug, first, after="a successful login")
    assert _lang(page) == lang
    assert page.locator('form[action$="/logout"] button').is_visible()
    shot(page, f"{slug}-{lang}-dashboard-after-login")


def test_join_in_polish_then_log_out_and_back_in(page, shot):
    page.goto("/t/distributor/")
    assert _lang(page) == "pl"
    shot(page, "distributor-pl-home")

    _join_log_out_and_in(page, shot, slug="distributor", first="Anna", last="Nowicka", lang="pl")
    assert page.console_errors == []


def test_join_in_english_after_switching_language(page, shot):
    page.goto("/t/manufacturer/")
    assert _lang(page) == "pl"
    switch = page.locator('header form[action$="/lang/en"] button[type=submit]')
    switch.click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith("/t/manufacturer/")
    # The switch now offers the way back to Polish.
    assert page.locator('header form[action$="/lang/pl"] button[type=submit]').is_visible()
    shot(page, "manufacturer-en-home")

    _join_log_out_and_in(page, shot, slug="manufacturer", first="Emily", last="Carter", lang="en")
    assert page.console_errors == []


def test_invalid_nip_is_shown_next_to_the_field(page, shot):
    page.goto("/t/distributor/register")
    register_url = page.url
    email = _unique_email("Anna")
    _fill_registration(page, first="Anna", last="Nowicka", email=email, company="Nowicka Instalacje",
                       nip="1234567890")

    with page.expect_response(lambda r: r.url.endswith("/t/distributor/register")
                              and r.request.method == "POST") as answer:
        _submit(page, "register-form")
    response = answer.value
    assert response.status == 422
    assert response.request.headers.get("hx-request") == "true"  # sent by HTMX, not a full page load

    error = page.locator("#nip-error")
    error.wait_for(state="visible")
    assert error.inner_text().strip()
    # The message sits inside the NIP field's own block, and the input points at it.
    assert page.locator("#field-nip #nip-error").count() == 1
    assert page.locator("#nip").get_attribute("aria-invalid") == "true"
    assert "nip-error" in (page.locator("#nip").get_attribute("aria-describedby") or "")
    # No other field complains.
    assert page.locator("#register-form p.error").count() == 1

    assert page.url == register_url
    assert page.locator("#register-form").count() == 1
    assert page.locator("#first_name").input_value() == "Anna"
    assert page.locator("#last_name").input_value() == "Nowicka"
    assert page.locator("#email").input_value() == email
    assert page.locator("#phone").input_value() == "+48 600 100 200"
    assert page.locator("#company_name").input_value() == "Nowicka Instalacje"
    assert page.locator("#nip").input_value() == "1234567890"
    assert page.locator("input[name=accept_terms]").is_checked()
    assert page.locator("input[name=accept_privacy]").is_checked()
    shot(page, "distributor-pl-register-invalid-nip")
    assert page.console_errors == []
