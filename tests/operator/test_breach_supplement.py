"""C-05, DPA §4.11.2: when not everything can be told at once, the first notice holds what is known then, and the rest
is passed on without undue delay as it becomes known. The operator completes a recorded breach; every affected
tenant's register holds the completed description, its DPO is told what is new, and the 72 hours to the authority
stay as they were (GDPR art. 33(4): information may be given in phases)."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import DPO, User
from portal.core.clock import utc
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.service import _render
from portal.operator.models import PlatformBreach
from portal.privacy.models import BreachRecord
from portal.tenancy.guard import use_tenant
from tests import factories
from tests.operator.test_contract_end_page import _operator

FIRST = {"nature": "lost laptop", "contact": "security@platform.example", "consequences": "not yet assessed",
         "measures": "disk encrypted", "people": "", "records": ""}


def _recorded(client, *tenants) -> PlatformBreach:
    response = client.post("/operator/breaches", data={**FIRST, "tenant": [str(t.id) for t in tenants]})
    assert response.status_code == 302
    db.session.rollback()
    return db.session.scalars(select(PlatformBreach)).one()


def _notices(tenant, kind: str) -> list[Notification]:
    db.session.rollback()
    with use_tenant(tenant.id):
        return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_C05_further_information_completes_every_register_and_tells_each_dpo_what_is_new(app, client, tenant_a,
                                                                                         tenant_b, clock):
    factories.user(tenant_a, DPO, email="dpo@alpha.example", locale="en")
    factories.user(tenant_b, DPO, email="dpo@beta.example", locale="pl")
    _operator(client)
    breach = _recorded(client, tenant_a, tenant_b)
    with use_tenant(tenant_a.id):
        due = utc(db.session.scalars(select(BreachRecord)).one().authority_due_at)
    clock.advance(hours=30)
    page = client.get(f"/operator/breaches/{breach.id}")
    assert page.status_code == 200 and "lost laptop" in page.get_data(as_text=True)
    response = client.post(f"/operator/breaches/{breach.id}", data={
        **FIRST, "categories": "installers: e-mail addresses", "people": "120",
        "consequences": "phishing attempts likely"})
    assert response.status_code == 302
    db.session.rollback()
    breach = db.session.get(PlatformBreach, breach.id)
    assert (breach.categories, breach.people, breach.records) == ("installers: e-mail addresses", 120, None)
    for tenant in (tenant_a, tenant_b):
        with use_tenant(tenant.id):
            record = db.session.scalars(select(BreachRecord)).one()
            assert (record.categories, record.people, record.consequences) == (
                "installers: e-mail addresses", 120, "phishing attempts likely")
            assert utc(record.authority_due_at) == due  # art. 33(4): the phases do not move the deadline
    (english,) = _notices(tenant_a, "breach_update")
    with use_tenant(tenant_a.id):
        subject, body = _render(english, db.session.get(User, english.user_id), tenant_a)
    assert "lost laptop" in subject
    assert "installers: e-mail addresses" in body and "120" in body and "phishing attempts likely" in body
    assert "New: categories of people and data, approximate number of people concerned, likely consequences" in body
    assert "records: not yet known" in body
    (polish,) = _notices(tenant_b, "breach_update")
    with use_tenant(tenant_b.id):
        body = _render(polish, db.session.get(User, polish.user_id), tenant_b)[1]
    assert ("Nowe: kategorie osób i danych, przybliżona liczba osób, których dane dotyczą, prawdopodobne konsekwencje"
            in body)
    assert len(_notices(tenant_a, "breach_notice")) == 1  # the first notice stays as it was sent


def test_C05_nothing_new_is_a_message_and_nobody_is_told_again(app, client, tenant_a):
    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    _operator(client)
    breach = _recorded(client, tenant_a)
    response = client.post(f"/operator/breaches/{breach.id}", data=FIRST)
    assert response.status_code == 422
    assert "Nothing differs from what the DPOs were told." in response.get_data(as_text=True)
    assert _notices(tenant_a, "breach_update") == []


def test_C05_a_number_told_is_revised_not_withdrawn_and_a_description_is_not_emptied(app, client, tenant_a):
    factories.user(tenant_a, DPO, email="dpo@alpha.example")
    _operator(client)
    breach = _recorded(client, tenant_a)
    assert client.post(f"/operator/breaches/{breach.id}", data={**FIRST, "people": "120"}).status_code == 302
    for changes, field in (({"people": ""}, "people"), ({"people": "x"}, "people"), ({"measures": " "}, "measures")):
        response = client.post(f"/operator/breaches/{breach.id}", data={**FIRST, "people": "120", **changes})
        assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert (db.session.get(PlatformBreach, breach.id).people, db.session.get(PlatformBreach, breach.id).measures) == (
        120, "disk encrypted")
    assert len(_notices(tenant_a, "breach_update")) == 1
    assert client.post(f"/operator/breaches/{breach.id}", data={**FIRST, "people": "150"}).status_code == 302
    assert db.session.get(PlatformBreach, breach.id).people == 150


def test_C05_an_unknown_breach_is_not_found_and_the_list_links_each_breach(app, client, tenant_a):
    _operator(client)
    breach = _recorded(client, tenant_a)
    assert client.get("/operator/breaches/999999").status_code == 404
    assert client.post("/operator/breaches/999999", data=FIRST).status_code == 404
    assert f'href="/operator/breaches/{breach.id}"' in client.get("/operator/breaches").get_data(as_text=True)
