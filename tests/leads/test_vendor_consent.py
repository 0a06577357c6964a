"""L-21 / G-08: the consent to pass a lead's data to the vendor, given on the lead form, is a consent like the others:
in the partner's consent ledger with its time, the hash of the text agreed to and the channel; the partner can see
and withdraw it on the My data page, and the next lead asks for it again."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.privacy.models import Consent
from portal.tenancy.guard import use_tenant
from tests.leads.conftest import nip
from tests.leads.test_pages import LEAD, _partner, _setup

ROOT = Path(__file__).resolve().parents[2]


def _text_sha256(lang: str) -> str:
    definition = tomllib.loads((ROOT / "tenants" / "distributor" / "programme.toml").read_text(encoding="utf-8"))
    text = next(c for c in definition["consents"] if c.get("scope") == "lead_form")[f"text_{lang}"]
    return hashlib.sha256(text.encode()).hexdigest()


def _vendor_consents(tenant, user) -> list[Consent]:
    db.session.rollback()
    with use_tenant(tenant.id):
        return list(db.session.scalars(select(Consent).where(Consent.user_id == user.id,
                                                             Consent.kind == "vendor_transfer")
                                       .order_by(Consent.id)))


def test_L21_G08_the_lead_forms_consent_enters_the_ledger_once_per_text(app, client, campaign):
    tenant = _setup(app)
    user = _partner(client, tenant)
    assert client.post("/t/distributor/leads/new", data=LEAD).status_code == 302
    (consent,) = _vendor_consents(tenant, user)
    assert consent.channel == "web" and consent.withdrawn_at is None and consent.given_at is not None
    assert consent.text_sha256 == _text_sha256(user.locale if user.locale in ("pl", "en") else "pl")
    assert client.post("/t/distributor/leads/new", data=dict(LEAD, customer_nip=nip(102))).status_code == 302
    assert len(_vendor_consents(tenant, user)) == 1  # the same text agreed again: still one consent in force


def test_G08_withdrawn_on_my_data_then_given_again_with_the_next_lead(app, client, campaign):
    tenant = _setup(app)
    user = _partner(client, tenant)
    client.post("/t/distributor/leads/new", data=LEAD)
    assert client.post("/t/distributor/my-data", data={"action": "withdraw:vendor_transfer"}).status_code in (200, 302)
    (withdrawn,) = _vendor_consents(tenant, user)
    assert withdrawn.withdrawn_at is not None
    assert client.post("/t/distributor/leads/new", data=dict(LEAD, customer_nip=nip(103))).status_code == 302
    first, again = _vendor_consents(tenant, user)
    assert first.withdrawn_at is not None and again.withdrawn_at is None


def test_L21_a_refused_lead_records_no_consent(app, client, campaign):
    tenant = _setup(app)
    user = _partner(client, tenant)
    assert client.post("/t/distributor/leads/new", data=dict(LEAD, licences="2")).status_code == 422
    assert _vendor_consents(tenant, user) == []


def test_G08_a_lead_sent_through_the_api_records_the_consent_with_the_api_channel(app, client, campaign):
    from portal.api import tokens
    from portal.leads.models import Partner

    tenant = _setup(app)
    user = _partner(client, tenant)
    with use_tenant(tenant.id):
        partner_id = db.session.scalars(select(Partner).where(Partner.user_id == user.id)).one().id
        _row, token = tokens.create_token(tenant.id, "crm", ["leads:write"], actor=None)
        db.session.commit()
    body = {key: value for key, value in LEAD.items() if key != "vendor_consent"}
    body.update(partner_id=partner_id, licences=20, pcs=25, vendor_consent=True)
    answer = client.post("/api/v1/leads", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    (consent,) = _vendor_consents(tenant, user)
    assert consent.channel == "api"
