"""SPEC §2: one account per address at an organiser — the same address written with a full-width letter, a
decomposed accent or its domain in punycode is the same address: registering it again is refused next to the
field, and logging in with any of its spellings finds the one account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.service import normalise_email
from portal.extensions import db
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.accounts.test_accounts import REGISTRATION


@pytest.mark.parametrize(("stored", "typed"), [
    ("jan@example.com", "jan@\uff45xample.com"),  # a full-width e
    ("zo\u00eb@example.com", "zoe\u0308@example.com"),  # ë precomposed, then as e + combining diaeresis
    ("jan@ex\u00e4mple.com", "jan@xn--exmple-cua.com"),  # the domain in Unicode, then in punycode
    ("Jan@Example.com", "jan@EXAMPLE.com"),
])
def test_S2_the_same_address_in_another_spelling_is_the_same_account(client, tenant_a, stored, typed):
    assert normalise_email(stored) == normalise_email(typed)
    assert client.post("/t/alpha/register", data=dict(REGISTRATION, email=stored)).status_code == 302
    again = client.application.test_client()
    refused = again.post("/t/alpha/register", data=dict(REGISTRATION, email=typed))
    assert refused.status_code == 422 and "already exists" in refused.get_data(as_text=True)
    with use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert factories.login(client.application.test_client(), tenant_a, typed, REGISTRATION["password"]).status_code \
        == 302


def test_S2_migration_0031_stores_the_addresses_as_they_are_now_looked_up():
    """Accounts stored before in another spelling are renormalised, so a login finds them (0031, as 0030 did)."""
    import importlib.util
    from pathlib import Path

    import portal

    path = Path(portal.__file__).parent / "migrations" / "versions" / "0031_email_spelling.py"
    spec = importlib.util.spec_from_file_location("m0031", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for typed in ("jan@\uff45xample.com", "zoe\u0308@example.com", "jan@xn--exmple-cua.com", " Ann@Example.COM ",
                  "not an address"):
        assert module._normalised(typed) == normalise_email(typed)


def test_S9_an_address_whose_domain_is_not_ascii_is_kept_in_the_form_every_mail_relay_takes():
    assert normalise_email("Jan@Ex\u00e4mple.com") == normalise_email("jan@XN--EXMPLE-CUA.com") == \
        "jan@xn--exmple-cua.com"


def test_G08_the_dpo_finds_an_accounts_consents_by_any_spelling_of_its_address(client, tenant_a):
    from portal.privacy import consents

    assert client.post("/t/alpha/register", data=dict(REGISTRATION, email="jan@ex\u00e4mple.com")).status_code == 302
    with use_tenant(tenant_a.id):
        for typed in ("jan@ex\u00e4mple.com", "jan@xn--exmple-cua.com"):
            rows, _next = consents.records(email=typed)
            assert len(rows) == 2, typed  # the terms and the information clause


def test_G01_a_request_from_a_contacts_address_finds_the_contact_in_the_spelling_it_was_stored(app, tenant_a, clock):
    from portal.leads.models import Partner
    from portal.privacy import contacts, requests

    factories.subject_everywhere(tenant_a, "zzidn")
    with use_tenant(tenant_a.id):
        db.session.scalars(select(Partner)).one().contact_email = "kontakt@xn--bcher-kva.pl"
        db.session.commit()
        row, _token = requests.file("access", channel="public", clock=clock, email="kontakt@xn--bcher-kva.pl")
        assert contacts.find(row.requester_email).get("partners")
