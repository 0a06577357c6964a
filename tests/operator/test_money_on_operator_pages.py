"""E-04 on the operator's pages and the organiser's notice: fees and the reclaimed discount are written the reader's
way (``3 008,22 zł`` / ``PLN3,008.22``); the fee CSV keeps plain decimal points (FORMATS.md)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.operator import contracts
from tests import factories
from tests.operator.test_contract_fee_fixes import _ended_on_15_august
from tests.operator.test_platform_terms import PRICING
from tests.operator.test_tenants_page_labels import _operator

NBSP = "\u00a0"


def _fee_cell(html: str) -> str:
    row = re.search(r"<tr><td>Org alpha.*?</tr>", html, re.S).group(0)
    return re.findall(r"<td>(.*?)</td>", row, re.S)[6]


def test_E04_money_is_formatted_for_the_reader_pl(app, client, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12, pricing=PRICING)
    db.session.commit()
    _operator(client, "pl")
    assert f">500,00{NBSP}zł</a>" in _fee_cell(client.get("/operator/").get_data(as_text=True))  # 1000 − 50 %
    summary = client.post(f"/operator/tenants/{tenant_a.id}/end/summary",
                          data={"ground": "law_breach", "on": "2026-07-01"}).get_data(as_text=True)
    assert f"Według opłaty z bieżącego miesiąca: 3{NBSP}008,22{NBSP}zł." in summary and "PLN" not in summary


def test_E04_money_is_formatted_for_the_reader_en(app, client, tenant_a):
    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=3, pricing=PRICING)
    db.session.commit()
    _operator(client, "en")
    assert ">PLN1,000.00</a>" in _fee_cell(client.get("/operator/").get_data(as_text=True))
    csv = client.get(f"/operator/tenants/{tenant_a.id}/fees?format=csv").get_data(as_text=True).splitlines()
    assert csv[1].startswith("2026-01,0,1,1000.00,")  # FORMATS.md: for machines, unchanged


def test_E04_the_contract_ended_mail_writes_the_reclaimed_discount_in_the_readers_notation(app):
    from portal.accounts.models import ADMIN
    from portal.notifications.models import Notification
    from portal.notifications.service import _render
    from portal.tenancy.guard import use_tenant

    polish = factories.tenant("polska", locale="pl")
    factories.user(polish, ADMIN, email="admin@polska.example")
    assert _ended_on_15_august(app, polish).exit_code == 0
    db.session.rollback()
    with use_tenant(polish.id):
        rows = list(db.session.scalars(select(Notification).where(Notification.kind == "contract_ended")))
        mailed = {n.locale: _render(n, None, polish)[1] for n in rows}
    assert f"(OWU VIII.7): 2{NBSP}239,67{NBSP}zł; otrzymają" in mailed["pl"] and "PLN" not in mailed["pl"]


def test_C02_the_operators_fee_page_shows_each_month_with_its_discount_as_a_percentage(app, client, tenant_a):
    """The fee statement page (its CSV worked; the page was a 500: the tenant's own links need a slug)."""
    from datetime import date

    from portal.accounts.models import Operator
    from portal.accounts.passwords import hash_password
    from portal.extensions import db
    from portal.operator import contracts

    contracts.create(tenant_a.id, starts_on=date(2026, 1, 1), term_months=12)
    db.session.add(Operator(email="op@platform.example", name="Op", password_hash=hash_password("operator-pass-1")))
    db.session.commit()
    client.post("/lang/en")
    assert client.post("/operator/login", data={"email": "op@platform.example",
                                                "password": "operator-pass-1"}).status_code == 302
    page = client.get(f"/operator/tenants/{tenant_a.id}/fees")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2026-01" in html and "%)" in html
