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
