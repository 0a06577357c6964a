"""E-04: points in mails and on the notices list are grouped by thousands as the reader writes numbers, as on the
pages: 12 500 in Polish (a non-breaking space), 12,500 in English."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import force_locale

from portal.notifications import service as notifications

GROUPED = {"pl": "12\xa0500", "en": "12,500"}
PARAMS = {
    "points_credited": {"points": 12500, "serial": "SN-1"},
    "points_revoked": {"points": 12500, "on": "2024-03-01", "reason": "duplicate", "complain_by": "2024-03-15"},
    "points_expiring": {"points": 12500, "on": "2024-03-01", "by_date": [["2024-03-01", 12500]]},
    "complaint_decided": {"decision": "accepted", "points": 12500, "expires_on": "2026-03-01"},
    "order_placed": {"order": 7, "reward": "R-A", "points": 12500},
    "order_cancelled": {"order": 7, "points": 13500, "expired": 1000, "expired_until": "2024-02-29"},
}


def _mail(app, kind: str, locale: str) -> str:
    tenant = SimpleNamespace(slug="no-such-tenant", name="Organiser")
    row = SimpleNamespace(kind=kind, params=PARAMS[kind], locale=locale)
    with app.test_request_context():
        return "\n".join(notifications._render(row, SimpleNamespace(locale=locale, first_name="Jan"), tenant))


@pytest.mark.parametrize("locale", ["pl", "en"])
@pytest.mark.parametrize("kind", sorted(PARAMS))
def test_E04_points_in_a_mail_are_grouped_by_thousands(app, kind, locale):
    text = _mail(app, kind, locale)
    assert GROUPED[locale] in text and "12500" not in text, text


@pytest.mark.parametrize("locale", ["pl", "en"])
@pytest.mark.parametrize("kind", sorted(set(PARAMS) - {"order_placed"}))  # its notice names the order only
def test_E04_points_on_the_notices_list_are_grouped_by_thousands(app, kind, locale):
    notice = SimpleNamespace(kind=kind, params=PARAMS[kind])
    with app.test_request_context(), force_locale(locale):
        text = render_template_string('{% include "notices/" ~ n.kind ~ ".html" %}', n=notice)
    assert GROUPED[locale] in text and "12500" not in text, text
