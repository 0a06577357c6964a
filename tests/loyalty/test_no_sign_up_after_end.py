"""P-40 (seed §7.3): once the programme's end is announced nobody joins — so its home page invites no one to join,
and the sign-up page takes no one's data for an account that could never take part."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.clock import as_of
from portal.extensions import db
from portal.tenancy.guard import across_tenants

SIGN_UP = {"first_name": "Ewa", "last_name": "Nowak", "email": "ewa@x.example", "phone": "", "company_name": "",
           "nip": "", "password": "correct-horse-battery", "confirm": "correct-horse-battery", "accept_terms": "y",
           "accept_privacy": "y"}


def _users() -> int:
    with across_tenants("test counts the accounts"):
        return db.session.scalar(select(func.count()).select_from(User).where(User.email == "ewa@x.example"))


def test_P40_after_the_end_is_announced_the_site_invites_no_one_and_signs_no_one_up(programme, app):
    app.extensions["clock"] = as_of(date(2024, 3, 10))
    client = app.test_client()
    client.post("/lang/en")
    assert 'href="/t/manufacturer/register"' in client.get("/t/manufacturer/").get_data(as_text=True)
    assert programme.run("programme", "announce-end", "manufacturer", "--on", "2024-03-15",
                         "--ends-on", "2024-06-15").exit_code == 0
    app.extensions["clock"] = as_of(date(2024, 3, 16))
    home = client.get("/t/manufacturer/").get_data(as_text=True)
    assert 'href="/t/manufacturer/register"' not in home and "joining is closed" in home
    page = client.get("/t/manufacturer/register").get_data(as_text=True)
    assert "joining is closed" in page and 'id="register-form"' not in page
    refused = client.post("/t/manufacturer/register", data=SIGN_UP)
    assert refused.status_code == 403 and "joining is closed" in refused.get_data(as_text=True)
    assert _users() == 0


def test_P40_before_the_announcement_the_sign_up_still_works(programme, app):
    app.extensions["clock"] = as_of(date(2024, 3, 10))
    answer = app.test_client().post("/t/manufacturer/register", data=SIGN_UP)
    assert answer.status_code == 302 and _users() == 1
