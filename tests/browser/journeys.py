"""Shared steps of the role journeys: unique test data, registration, HTMX waits, downloads."""

from __future__ import annotations

import random
import re
import uuid

from playwright.sync_api import expect

PASSWORD = "browser-pass-2026"  # noqa: S105 - a test account's password
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def nip() -> str:
    """A fresh NIP with a valid checksum (L-01), different on every call."""
    while True:
        digits = [random.randint(1, 9)] + [random.randint(0, 9) for _ in range(8)]  # noqa: S311 - test data
        check = sum(d * w for d, w in zip(digits, _NIP_WEIGHTS, strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def email(first: str) -> str:
    return f"{first.lower()}.{uuid.uuid4().hex[:8]}@example.com"


def main_text(page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def register(page, slug: str, *, first: str, last: str, address: str, company: str = "", tax_id: str = "",
             expect_dashboard: bool = True) -> None:
    """Join the organiser through its home page and registration form; lands on the participant dashboard."""
    page.goto(f"/t/{slug}/")
    page.locator('main a[href$="/register"]').first.click()
    page.wait_for_url(re.compile(rf"/t/{slug}/register$"))
    page.locator("#first_name").fill(first)
    page.locator("#last_name").fill(last)
    page.locator("#email").fill(address)
    page.locator("#phone").fill("+48 600 100 200")
    if company:
        page.locator("#company_name").fill(company)
    if tax_id:
        page.locator("#nip").fill(tax_id)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("input[name=accept_terms]").check()
    page.locator("input[name=accept_privacy]").check()
    if not expect_dashboard:
        htmx_post(page, f"/t/{slug}/register", lambda: page.locator("#register-form button[type=submit]").click())
        return
    page.locator("#register-form button[type=submit]").click()
    try:
        page.wait_for_url(re.compile(rf"/t/{slug}/participant$"))
    except Exception as exc:  # noqa: BLE001 - say what the page shows instead of a bare timeout
        flash = " ".join(page.locator("#flash").inner_text().split())
        raise AssertionError(f"registration stayed at {page.url}: {flash!r}; {main_text(page)}") from exc
    expect(page.get_by_role("heading", level=1)).to_contain_text(first)


def htmx_post(page, url_part: str, action) -> object:
    """Do ``action`` and wait for the HTMX POST it sends to a URL containing ``url_part``; returns the response."""
    with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"
                              and r.request.headers.get("hx-request") == "true") as answer:
        action()
    page.wait_for_load_state()
    return answer.value


def download(page, action) -> bytes:
    with page.expect_download() as info:
        action()
    path = info.value.path()
    return open(path, "rb").read()  # noqa: PTH123 - Playwright gives a str path


def reload_until(page, locator_fn, *, seconds: float = 45.0, what: str = "") -> None:
    """Reload until ``locator_fn(page)`` matches something: a worker job runs between two page loads."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        if locator_fn(page).count():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"after {seconds:.0f}s {page.url} still does not show {what}: {main_text(page)}")
        page.wait_for_timeout(500)
        page.reload()


def last_mail_link(instance, to: str, path_part: str, *, seconds: float = 90.0) -> str:
    """The link containing ``path_part`` in the newest e-mail to ``to`` (MAIL_URL=file://…/mail), waiting for the
    worker to send it from the outbox (a send that failed is retried after a minute: see the report on SQLite's
    "database is locked" under ``make run``)."""
    import email as mail
    import time
    from email import policy

    deadline = time.monotonic() + seconds
    while True:
        found = []
        for file in (instance / "mail").glob("*.eml"):
            message = mail.message_from_bytes(file.read_bytes(), policy=policy.default)
            if to in str(message["To"]):
                body = message.get_body(("plain",)).get_content()
                found += [(file.stat().st_mtime, link) for link in re.findall(r"https?://\S+", body)
                          if path_part in link]
        if found:
            return max(found)[1]
        assert time.monotonic() < deadline, f"no e-mail to {to} with a {path_part} link in {instance / 'mail'}"
        time.sleep(0.5)
