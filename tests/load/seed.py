"""`python -m tests.load.seed PARTNERS INSTALLERS TOKENS`: what the load test needs beyond the demo, in the database
of DATABASE_URL (the same environment as the server): per lead-reward tenant PARTNERS partners, each the company
of a participant account (so every lead also sends a notice through the outbox and the worker); per loyalty tenant
INSTALLERS installers with three devices each; TOKENS API tokens per tenant (the API's rate limit counts per token,
as one organiser system each). Prints what the driver needs as JSON on stdout."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

from portal import create_app
from portal.accounts import service as accounts
from portal.accounts.models import PARTICIPANT
from portal.accounts.passwords import hash_password
from portal.api import tokens
from portal.core.clock import get_clock
from portal.demo.service import DEMO_PASSWORD, demo_email
from portal.extensions import db
from portal.leads.rules import OPTIONAL_FIELDS
from portal.programmes import service as programmes
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests.factories import valid_nip

LEAD_SCOPES = ["leads:read", "leads:write", "participants:read", "settlements:read", "settlements:write"]
LOYALTY_SCOPES = ["installers:read", "points:read", "devices:read"]
NIP_SEED = {"distributor": 300_000, "saas-vendor": 400_000, "manufacturer": 500_000}


def _lead_tenant(tenant, partners_wanted: int, password_hash: str) -> dict:
    from portal.leads.service import partners
    from portal.leads.service.programme import rules_on

    version = programmes.latest_version()
    rules = rules_on(version.effective_from)
    found = []
    for n in range(1, 4):  # the demo participants with a company (participant1, participant2)
        user = accounts.find_user(demo_email(tenant.slug, f"participant{n}"))
        partner = partners.for_user(user.id) if user is not None else None
        if partner is not None:
            found.append(partner)
    for n in range(partners_wanted):
        nip = valid_nip(NIP_SEED[tenant.slug] + n)
        email = f"load-partner{n}@{tenant.slug}.example"
        user = accounts.create_user(tenant.id, email=email, password=None, role=PARTICIPANT, first_name="Lena",
                                    last_name=f"Load{n}", nip=nip, company_name=f"Load {n} Sp. z o.o.",
                                    locale=tenant.locale)
        user.password_hash = password_hash
        found.append(partners.join({"nip": nip, "name": f"Load {n} Sp. z o.o.", "address": f"ul. Testowa {n}, Łódź",
                                    "contact_first_name": "Lena", "contact_last_name": f"Load{n}",
                                    "contact_phone": "+48 600 700 800", "contact_email": email},
                                   rules, tenant_id=tenant.id, user_id=user.id))
    db.session.flush()
    rule = rules.reward_rules[0]
    settled = _qualified_with_sales(tenant, found, rules, rule.families[0], rule.billing[0])
    return {"partners": [p.id for p in found], "settled_leads": settled, "family": rule.families[0],
            "billing": rule.billing[0],
            "min_quantity": rules.min_quantity, "max_submissions": rules.max_submissions,
            "asks": [column for column in OPTIONAL_FIELDS if rules.asks(column)],
            "starts_on": rules.starts_on.isoformat(), "ends_on": rules.ends_on.isoformat(),
            "periods": [{"number": p.number, "sales_from": p.sales_from.isoformat(),
                         "sales_until": p.sales_until.isoformat(), "payout_by": p.payout_by.isoformat()}
                        for p in rules.periods]}


def _qualified_with_sales(tenant, partners_: list, rules, family: str, billing: str) -> int:
    """Two qualified leads with a sale in the first settlement period per partner: the settlement run during the
    load then explains real lines (rules, caps, bonuses), not an empty period."""
    from portal.leads.service import review, sales, submission

    if not rules.periods:
        return 0
    period, clock = rules.periods[0], get_clock()
    day = max(rules.starts_on, period.sales_from)
    count = 0
    for n, partner in enumerate(partners_):
        for k in range(2):
            lead = submission.submit(partner, {
                "customer_nip": valid_nip(NIP_SEED[tenant.slug] + 50_000 + 2 * n + k),
                "customer_name": f"Klient rozliczany {n}-{k}", "customer_address": "ul. Rozliczeniowa 1, Poznań",
                "family": family, "plan": "Standard", "billing": billing,
                "licences": str(max(rules.min_quantity, 20)), "pcs": "25"},
                rules, submitted_on=day, clock=clock, vendor_consent=True)
            review.decide(lead, "qualified", decided_on=day + timedelta(days=2), clock=clock)
            sales.record_sale({"ref": lead.ref, "transaction_date": (day + timedelta(days=5)).isoformat(),
                               "family": family, "billing": billing, "licences": str(max(rules.min_quantity, 20)),
                               "months_active": "1", "value": "1500.00", "new_tenant": "yes"},
                              rules, tenant_id=tenant.id)
            count += 1
    return count


def _loyalty_tenant(tenant, installers_wanted: int) -> dict:
    from portal.loyalty.service import devices, members
    from portal.loyalty.service.programme import rules_on

    clock = get_clock()
    joined = clock.today(tenant.timezone) - timedelta(days=40)
    rules = rules_on(joined)
    models = sorted(rules.models)
    ids = []
    for n in range(1, 4):
        user = accounts.find_user(demo_email(tenant.slug, f"participant{n}"))
        installer = members.for_user(user.id) if user is not None else None
        if installer is not None:
            ids.append(installer.id)
    for n in range(installers_wanted):
        installer = members.import_row({"email": f"load-installer{n}@{tenant.slug}.example", "first_name": "Igor",
                                        "last_name": f"Load{n}", "nip": "", "business": "no", "status": "installer",
                                        "registered_on": joined.isoformat(), "activated_on": joined.isoformat()},
                                       tenant_id=tenant.id, rules=rules)
        for k in range(3):
            devices.register(installer, {"serial": f"LOAD-{tenant.id}-{n}-{k}", "model_code": models[k % len(models)],
                                         "production_code": f"FD{joined.year % 10}01",
                                         "installed_on": joined.isoformat()},
                             rules, registered_on=joined, clock=clock)
        ids.append(installer.id)
    return {"installers": ids}


def seed(partners_wanted: int, installers_wanted: int, tokens_wanted: int) -> dict:
    out: dict = {"tenants": {}}
    password_hash = hash_password(DEMO_PASSWORD)  # one argon2 hash for every load account: seeding stays quick
    for tenant in tenants.listed():
        with use_tenant(tenant.id):
            version = programmes.latest_version()
            kind = version.definition.get("programme", {}).get("type") if version else None
            if kind == "lead_reward":
                info, scopes = _lead_tenant(tenant, partners_wanted, password_hash), LEAD_SCOPES
            elif kind == "loyalty":
                info, scopes = _loyalty_tenant(tenant, installers_wanted), LOYALTY_SCOPES
            else:
                continue
            info.update(id=tenant.id, kind=kind, timezone=tenant.timezone,
                        tokens=[tokens.create_token(tenant.id, f"load {n}", scopes)[1] for n in range(tokens_wanted)])
            db.session.commit()
        out["tenants"][tenant.slug] = info
    return out


def main(argv: list[str]) -> int:
    partners_wanted, installers_wanted, tokens_wanted = (int(a) for a in argv)
    app = create_app()
    with app.app_context():
        result = seed(partners_wanted, installers_wanted, tokens_wanted)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
