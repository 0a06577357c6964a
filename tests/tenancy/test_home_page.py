"""The organiser's home page speaks to who reads it: a visitor is told how to join, with the buttons to register and
log in; a participant already signed in is sent on to the dashboard, not told to create an account."""

from __future__ import annotations

from tests import factories


def test_P01_a_visitor_reads_how_to_join(client, tenant_a):
    page = client.get("/t/alpha/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "How to join" in page and "/t/alpha/register" in page


def test_P01_a_signed_in_participant_is_not_told_to_create_an_account(client, tenant_a):
    user = factories.user(tenant_a, locale="en")
    factories.login(client, tenant_a, user.email)
    page = client.get("/t/alpha/").get_data(as_text=True)
    assert "How to join" not in page and "Create your account" not in page
    assert "/t/alpha/dashboard" in page
