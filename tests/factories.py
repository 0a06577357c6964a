"""One factory per model, used by the tests (and by the isolation and erasure sweeps)."""

from __future__ import annotations

import itertools

from stdnum.pl import nip as nip_number

from portal.accounts import service as accounts
from portal.accounts.models import PARTICIPANT
from portal.core.clock import get_clock
from portal.extensions import db
from portal.notifications import service as notifications
from portal.privacy import audit, consents
from portal.programmes import documents
from portal.programmes import service as programmes
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def valid_nip(seed: int) -> str:
    """A 10-digit NIP with a correct checksum, different for each seed."""
    for n in itertools.count(seed * 7919 % 10**8 + 10**8):
        base = f"{n:09d}"[:9]
        weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
        check = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
        if check < 10 and nip_number.is_valid(base + str(check)):
            return base + str(check)
    raise AssertionError("unreachable")


def tenant(slug: str, *, kind: str = "distributor", locale: str = "pl"):
    t = tenants.upsert({"slug": slug, "name": f"Org {slug}", "kind": kind, "legal_name": f"{slug} Sp. z o.o.",
                        "nip": valid_nip(len(slug) + 11), "address": "ul. Testowa 1, Warszawa",
                        "dpo_name": "Inspektor", "dpo_email": f"iod@{slug}.example", "locale": locale})
    with use_tenant(t.id):
        for kind_ in ("terms", "privacy"):
            documents.publish(t.id, kind_, {"pl": f"{kind_} {slug} v1 (pl)", "en": f"{kind_} {slug} v1 (en)"},
                              clock=get_clock())
    db.session.commit()
    return t


def user(t, role: str = PARTICIPANT, *, email: str | None = None, password: str = PASSWORD, **fields):
    with use_tenant(t.id):
        u = accounts.create_user(t.id, email=email or f"user{next(_seq)}@{t.slug}.example", password=password,
                                 role=role, first_name=fields.pop("first_name", "Jan"),
                                 last_name=fields.pop("last_name", "Kowalski"), **fields)
        if role == PARTICIPANT:
            for kind in ("terms", "privacy"):
                doc = documents.current(kind, u.locale)
                consents.give(u, kind, version=doc.version, text_sha256=doc.sha256, channel="web",
                              clock=get_clock())
    db.session.commit()
    return u


def notification(u, kind: str = "account_registered", **params):
    with use_tenant(u.tenant_id):
        row = notifications.notify(u, kind, clock=get_clock(), **params)
    db.session.commit()
    return row


def audit_entry(u, action: str = "test.action"):
    with use_tenant(u.tenant_id):
        entry = audit.record(u, action, "user", u.id)
    db.session.commit()
    return entry


def programme_version(t, data: dict, text: str = "x"):
    from datetime import date

    with use_tenant(t.id):
        v = programmes.add_version(t.id, data, text, effective_from=date(2026, 1, 1), clock=get_clock())
    db.session.commit()
    return v


def login(client, t, email: str, password: str = PASSWORD):
    return client.post(f"/t/{t.slug}/login", data={"email": email, "password": password})
