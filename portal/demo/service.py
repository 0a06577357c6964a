"""The demo: the three organisers of ``tenants/`` with one account per role and a few participants."""

from __future__ import annotations

from datetime import date, timedelta
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
    """Create or update one organiser from its folder: tenant, programme version, terms and privacy notice. An
    organiser whose contract has ended is not written to (C-04: read-only, then deleted — its slug is not reused)."""
    data, text = definition.read(folder / "programme.toml")
    tenants.refuse_if_closed(data["tenant"]["slug"])
    tenant = tenants.upsert(data["tenant"])
    with use_tenant(tenant.id):
        if programmes.latest_version() is None:  # the organiser's first definition (another code: refused below)
            starts = data["programme"].get("starts_on")
            programmes.add_version(tenant.id, data, text, effective_from=starts if isinstance(starts, date)
                                   else clock.today(tenant.timezone), clock=clock)
        else:  # loaded again: a change like any other, from today, with its notice (E-02) and its announcement
            from portal.programmes import changes

            changes.publish(tenant.id, text, effective_from=clock.today(tenant.timezone), clock=clock)
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
        try:
            tenant = load_folder(folder, clock=clock)
        except tenants.TenantClosed:  # C-04: an organiser whose contract ended keeps what it has, or is gone
            continue
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
            _demo_programme(tenant, data_type(tenant), clock=clock)
        done.append(tenant.slug)
    db.session.commit()
    return done


def data_type(tenant) -> str | None:
    version = programmes.in_force(date.today()) or programmes.latest_version()
    return version.definition.get("programme", {}).get("type") if version else None


def _demo_programme(tenant, kind: str | None, *, clock: Clock) -> None:
    """Enough for every page to show something: partners with a lead, installers with devices and points."""
    from portal.accounts.models import User

    users = [accounts.find_user(demo_email(tenant.slug, f"participant{n}")) for n in (1, 2)]
    if kind == "lead_reward":
        _demo_campaign(tenant, users, clock=clock)
    elif kind == "loyalty":
        from portal.loyalty.service import devices, members, orders
        from portal.loyalty.service.programme import rules_on

        for n, user in enumerate(users, start=1):
            if user is None or members.for_user(user.id) is not None:
                continue
            joined = clock.today() - timedelta(days=40)
            rules = rules_on(joined)
            installer = members.join(db.session.get(User, user.id), business=bool(user.nip), installs_heating=True,
                                     adult=True, registered_on=joined, rules=rules, activated_on=joined)
            orders.set_delivery_address(installer, f"ul. Monterska {n}, 00-95{n} Warszawa")
            model = sorted(rules.models)[0]
            devices.register(installer, {"serial": f"DEMO-{tenant.id}-{n}", "model_code": model,
                                         "production_code": f"FD{(joined.year % 10)}01",
                                         "installed_on": joined.isoformat()},
                             rules, registered_on=joined, clock=clock)


def _demo_campaign(tenant, users, *, clock: Clock) -> None:
    """A lead campaign as it went, on its own days (the seed's dates, so in the past): each partner submitted a lead
    on the first day; the first was qualified two business days later and sold a week after that, the second still
    waits for its decision; once the first period's sales are closed its settlement is drafted. Each step runs on its
    day's clock, so the notices and the statement are dated as they would have been."""
    from portal.core.businessdays import add_business_days
    from portal.core.clock import as_of
    from portal.leads.service import partners, review, sales, settlement, submission
    from portal.leads.service.programme import rules_on

    version = programmes.latest_version()
    rules = rules_on(version.effective_from)
    family, billing = rules.reward_rules[0].families[0], rules.reward_rules[0].billing[0]
    contacts = rules.quantity_unit == "contacts"
    submitted = []
    for n, user in enumerate(users, start=1):
        if user is None or partners.for_user(user.id) is not None:
            continue
        partner = partners.join({"nip": user.nip or _DEMO_NIPS[n], "name": user.company_name or f"Partner {n}",
                                 "address": f"ul. Handlowa {n}, Warszawa", "contact_first_name": user.first_name,
                                 "contact_last_name": user.last_name, "contact_phone": "+48 600 100 20" + str(n),
                                 "contact_email": user.email}, rules, tenant_id=tenant.id, user_id=user.id)
        quantity = max(rules.min_quantity, 2000 if contacts else 20)
        lead = submission.submit(partner, {
            "customer_nip": _DEMO_CUSTOMERS[n], "customer_name": f"Klient demo {n}",
            "customer_address": "ul. Przykładowa 1, Kraków", "family": family, "plan": "Standard", "billing": billing,
            "licences": str(quantity), "pcs": "25", "term_months": "12", "customer_contact_first_name": "Ewa",
            "customer_contact_last_name": f"Klient{n}", "customer_contact_phone": "+48 600 300 40" + str(n),
            "customer_contact_email": f"ewa.klient{n}@klient-demo.example"},
            rules, submitted_on=rules.starts_on, clock=as_of(rules.starts_on), vendor_consent=True, channel="import")
        submitted.append(lead)
    if not submitted:
        return
    decided_on = add_business_days(rules.starts_on, 2)
    today = clock.today(tenant.timezone)
    first = rules.periods[0] if rules.periods else None
    sold_on = decided_on + timedelta(days=7)
    if decided_on > today or first is None or sold_on > min(first.sales_until, today):
        return  # a campaign that has not got that far yet: its leads wait for their decision
    review.decide(submitted[0], "qualified", decided_on=decided_on, clock=as_of(decided_on))
    sales.record_sale({"ref": submitted[0].ref, "transaction_date": sold_on.isoformat(), "family": family,
                       "billing": billing, "licences": str(submitted[0].licences),
                       "value": "0.00" if contacts else "12000.00", "months_active": "12" if contacts else "0",
                       "new_tenant": "yes"}, rules, tenant_id=tenant.id)
    settle_on = first.sales_until + timedelta(days=5)
    if settle_on <= today:
        settlement.run(first.number, as_of=settle_on, clock=as_of(settle_on))


_DEMO_NIPS = {1: "9512345675", 2: "5252248481"}
_DEMO_CUSTOMERS = {1: "6771234561", 2: "5260250274"}
