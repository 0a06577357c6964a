"""SPEC §10: the participants' pages are usable on a phone — at 360 px nothing makes the page itself scroll sideways
(a wide table scrolls within itself)."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = pytest.mark.browser

PAGES = {"manufacturer": ("/", "/points", "/rewards", "/devices/new", "/my-data", "/notices", "/my-complaints"),
         "distributor": ("/", "/leads", "/statements", "/my-data", "/notices")}


def test_S10_participant_pages_fit_a_phone(live_server, open_as):
    live_server.at(date(2025, 3, 10))
    wide = []
    for slug, paths in PAGES.items():
        page = open_as(slug, "participant1")
        page.set_viewport_size({"width": 360, "height": 740})
        for path in paths:
            page.goto(f"/t/{slug}{path}")
            sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if sizes[0] > sizes[1] + 1:
                wide.append((slug, path, sizes))
    assert wide == []
