"""What a reader sees, in their language (E-04): a bad request explained in it (not the web server's English), one
way of writing a moment on every page, points grouped by thousands as money is, and no doubled full stop after a
company name ending in one ("Sp. z o.o.")."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.accounts.models import PARTICIPANT
from portal.core.labels import points
from tests import factories

WERKZEUG_400 = "The browser (or proxy) sent a request that this server could not understand."


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_E04_a_bad_request_page_explains_itself_in_the_readers_language(app, client, tenant_a, locale):
    person = factories.user(tenant_a, PARTICIPANT, email="ola@alpha.example", locale=locale)
    factories.login(client, tenant_a, person.email)
    answer = client.post("/t/alpha/my-data", data={"action": "no-such-right"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and WERKZEUG_400 not in page
    with app.test_request_context(), force_locale(locale):
        from flask_babel import gettext

        assert gettext("This page could not read the request: a value in its address or form is not one it "
                       "takes.") in page


@pytest.mark.parametrize(("locale", "shown"), [("pl", "19\u00a0330"), ("en", "19,330")])
def test_E04_points_are_grouped_by_thousands_as_money_is(app, locale, shown):
    with app.test_request_context(), force_locale(locale):
        assert points(19330) == shown and points(360) == "360" and points(None) == ""


def test_E04_the_terms_page_writes_its_publication_moment_as_every_other_page(app, client, tenant_a):
    person = factories.user(tenant_a, email="ola@alpha.example", locale="pl")
    factories.login(client, tenant_a, person.email)
    page = client.get("/t/alpha/terms").get_data(as_text=True)
    published = page.split("opublikowana ")[1].split("<")[0]
    assert published.count(":") == 1, published  # "2.03.2026, 10:00", no seconds
