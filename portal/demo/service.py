"""The demo: the three organisers of ``tenants/`` with one account per role and a few participants."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal.accounts import service as accounts
from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF, Operator
from portal.accounts.passwords import hash_password
from portal.core.clock import Clock
from portal.extensions import db
from portal.privacy import consents
from portal.programmes import definition, documents
from portal.programmes import service as programmes
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password (README)
OPERATOR_EMAIL = "operator@portal.example"
STAFF_ROLES = ((ADMIN, "admin", "Adam", "Admin"), (STAFF, "staff", "Sara", "Staff"), (DPO, "dpo", "Dorota", "IOD"))
PARTICIPANTS = (("Paweł", "Partner", "9512345675"), ("Iwona", "Instalator", "5252248481"), ("Jan", "Nowak", ""))


def demo_email(slug: str, who: str) -> str:
    return f"{who}@{slug}.example"


def load_folder(folder: Path, *, clock: Clock):
    """Create or update one organiser from its folder: tenant, programme version, terms and privacy notice."""
    data, text = definition.read(folder / "programme.toml")
    tenant = tenants.upsert(data["tenant"])
    with use_tenant(tenant.id):
        starts = data["programme"].get("starts_on")
        programmes.add_version(tenant.id, data, text, effective_from=starts if isinstance(starts, date)
                               else clock.today(), clock=clock)
        programmes.publish_texts(tenant.id, folder, clock=clock)
        programmes.after_load(tenant.id, data, clock=clock)
    return tenant


def seed(tenants_dir: Path, *, clock: Clock) -> list[str]:
    """Idempotent: running it again adds nothing that is already there."""
    done = []
    if db.session.scalars(select(Operator).where(Operator.email == OPERATOR_EMAIL)).first() is None:
        db.session.add(Operator(email=OPERATOR_EMAIL, name="Platform Operator",
                                password_hash=hash_password(DEMO_PASSWORD)))
    for folder in sorted(p.parent for p in tenants_dir.glob("*/programme.toml")):
        tenant = load_folder(folder, clock=clock)
        with use_tenant(tenant.id):
            for role, who, first, last in STAFF_ROLES:
                email = demo_email(tenant.slug, who)
                if accounts.find_user(email) is None:
                    accounts.create_user(tenant.id, email=email, password=DEMO_PASSWORD, role=role,
                                         first_name=first, last_name=last, locale=tenant.locale)
            for number, (first, last, nip) in enumerate(PARTICIPANTS, start=1):
                email = demo_email(tenant.slug, f"participant{number}")
                if accounts.find_user(email) is not None:
                    continue
                user = accounts.create_user(tenant.id, email=email, password=DEMO_PASSWORD, role=PARTICIPANT,
                                            first_name=first, last_name=last, nip=nip, locale=tenant.locale,
                                            company_name=f"{last} Sp. z o.o." if nip else "")
                for kind in ("terms", "privacy"):
                    doc = documents.current(kind, user.locale)
                    if doc is not None:
                        consents.give(user, kind, version=doc.version, text_sha256=doc.sha256, channel="import",
                                      clock=clock)
        done.append(tenant.slug)
    db.session.commit()
    return done
