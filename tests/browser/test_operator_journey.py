"""The platform operator in a real browser: logs in, finds an organiser among the tenants, ends its contract on a
ground from the terms (C-03), confirmed after a summary of what follows (C-04: read-only at once, export for 7 days,
deletion within 14) and sees the dates on the tenants page; the
organiser's pages then refuse new participants. The organiser is made for this test with the operator command
``flask tenants create`` from a copy of a preset, so the demo organisers the other journeys use stay intact."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

from tests.browser import journeys  # noqa: E402 - after the importorskip

pytestmark = pytest.mark.browser

PRESET = "saas-vendor"
SLUG, NAME = "journey-ending", "Kończąca Umowę Sp. z o.o."


@pytest.fixture(scope="module")
def ending_tenant(live_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tenant") / SLUG
    shutil.copytree(Path(__file__).resolve().parents[2] / "tenants" / PRESET, folder)
    text = (folder / "programme.toml").read_text()
    text = re.sub(r'(?m)^slug = ".*"$', f'slug = "{SLUG}"', text, count=1)
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{NAME}"', text, count=1)
    (folder / "programme.toml").write_text(text)
    live_server.flask("tenants", "create", str(folder))
    return SLUG


def test_operator_ends_a_contract(ending_tenant, live_server, open_as, journey):
    operator = open_as(None, "operator", locale="en-GB")
    operator.goto("/operator/")
    row = operator.locator("tr", has_text=NAME)
    expect(row).to_be_visible()
    for demo in ("Chmurex Dystrybucja", "Termovia", "Kontaktio"):
        expect(operator.locator("tr", has_text=demo).first).to_be_visible()
    journey.shot(operator, "tenants")

    # C-03: a ground from the terms; C-04: the page says what follows before anything changes
    today = datetime.now(ZoneInfo("Europe/Warsaw")).date()  # the tenant's day, as the page counts it
    row.get_by_role("link", name=f"End the contract of {NAME}").click()
    operator.wait_for_url(re.compile(r"/operator/tenants/\d+/end$"))
    form = operator.locator("#end-form")
    form.locator("#ground").select_option("payment_delay_over_30_days")
    journeys.htmx_post(operator, "/end/summary", lambda: form.locator("#on").fill(today.isoformat()))
    expect(operator.locator("#end-summary")).to_contain_text(str(today + timedelta(days=14)))  # deletion by
    journey.shot(operator, "contract-end-summary")
    # not confirmed: the message stands next to the field and nothing has ended
    with operator.expect_response(lambda r: r.url.endswith("/end") and r.request.method == "POST") as answer:
        form.get_by_role("button", name="End the contract").click()
    assert answer.value.status == 422
    expect(operator.locator("#confirm-error")).to_contain_text(SLUG)
    expect(operator.locator("#confirm")).to_have_attribute("aria-invalid", "true")
    journey.shot(operator, "contract-end-not-confirmed")
    operator.locator("#confirm").fill(SLUG)
    operator.locator("#end-form").get_by_role("button", name="End the contract").click()
    operator.wait_for_url(re.compile(r"/operator/$"))
    row = operator.locator("tr", has_text=NAME)
    expect(row).to_contain_text(str(today + timedelta(days=7)))    # export until
    expect(row).to_contain_text(str(today + timedelta(days=14)))   # deletion by
    expect(row).to_contain_text("invoices unpaid for more than 30 days")  # the ground chosen
    expect(row.get_by_role("link", name=f"End the contract of {NAME}")).to_have_count(0)
    journey.shot(operator, "contract-ended")

    operator.goto("/operator/jobs")
    journey.shot(operator, "jobs")
    operator.goto("/operator/certificates")
    journey.shot(operator, "certificates")

    # C-04: read-only at once. A visitor who still tries to join is told why, where the form was.
    visitor = open_as(ending_tenant, None)
    journeys.register(visitor, ending_tenant, first="Olga", last="Spóźniona", address=journeys.email("olga"),
                      expect_dashboard=False)
    expect(visitor.locator("#flash .error-page")).to_contain_text("Tylko do odczytu")
    assert "/register" in visitor.url
    journey.shot(visitor, "ended-tenant-register-refused")

    assert operator.console_errors == []
    assert [e for e in visitor.console_errors if "Response Status Error Code 423" not in e] == []
    journey.assert_accessible()
