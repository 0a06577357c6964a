"""L-02/§7: the SaaS vendor runs a referral programme in editions, not a lead campaign — its Polish pages say
"polecenie" and "edycja" where the distributor's say "lead" and "kampania" (the pages a partner and the
organiser's staff meet with nothing in them yet)."""

from __future__ import annotations

import re
from datetime import date

from portal.accounts.models import PARTICIPANT, STAFF
from portal.core.clock import as_of
from tests import factories
from tests.factories import valid_nip
from tests.leads.test_lead_pages_follow_programme import _main, saas  # noqa: F401 - fixture

CAMPAIGN_WORDS = re.compile(r"\blead|kampani", re.I)


def _words(html: str) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", re.sub(r'(href|action|hx-\w+|id|name|for|class)="[^"]*"', "", html))
    return CAMPAIGN_WORDS.findall(text)


def test_L02_the_referral_programmes_polish_pages_speak_of_referrals_and_editions(app, client, saas):  # noqa: F811
    agency = factories.user(saas, PARTICIPANT, email="marta@agencja.example.com", locale="pl")
    factories.login(client, saas, agency.email)
    assert _words(_main(client.get("/t/saas-vendor/partner/join").get_data(as_text=True))) == []
    assert _words(_main(client.get("/t/saas-vendor/").get_data(as_text=True))) == []
    joined = client.post("/t/saas-vendor/partner/join", data={
        "nip": valid_nip(77), "name": "Agencja Kowalczyk", "address": "ul. Długa 5, Warszawa",
        "contact_first_name": "Marta", "contact_last_name": "Kowalczyk", "contact_phone": "+48 600 100 200",
        "contact_email": "marta@agencja.example.com"})
    assert joined.status_code == 302, joined.get_data(as_text=True)
    assert _words(_main(client.get("/t/saas-vendor/leads").get_data(as_text=True))) == []
    staff = factories.user(saas, STAFF, email="opiekun@kontaktio.example.com", locale="pl")
    factories.login(client, saas, staff.email)
    assert _words(_main(client.get("/t/saas-vendor/review").get_data(as_text=True))) == []
    app.extensions["clock"] = as_of(date(2025, 3, 1))  # after the edition: the submission page says it is closed
    factories.login(client, saas, agency.email)
    assert _words(_main(client.get("/t/saas-vendor/leads/new").get_data(as_text=True))) == []
