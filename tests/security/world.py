"""Two organisers of the same kind built from a preset — A (the one whose people attack) and B (the victim) — with
an object of every kind in B, the helpers that log people in, walk the URL map and snapshot a tenant's rows."""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from portal.accounts.models import ADMIN, DPO, PARTICIPANT, STAFF, Operator
from portal.accounts.passwords import hash_password
from portal.core.clock import as_of, get_clock
from portal.extensions import db
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
ROLES = (ADMIN, STAFF, DPO, PARTICIPANT)
# a day inside each preset's programme (the distributor's campaign ran in 2018)
DAYS = {"distributor": date(2018, 8, 10), "manufacturer": date(2024, 2, 1)}
VICTIM = "Zqx9Victim"  # B's canary: it must never appear in anything A's people are shown
OPERATOR_EMAIL, OPERATOR_PASSWORD = "op@platform.example", "operator-pass-1"

# the values an ``<action>`` or ``<fmt>`` segment takes, per endpoint (the views' own lists)
ACTIONS = {
    "loyalty_admin.installer_action": ["approve", "refuse", "evidence", "revoke", "evaluate", "exclude"],
    "loyalty_admin.order_action": ["ship", "failed", "delivered", "withhold", "release", "substitute", "cancel"],
}
FORMATS = ["csv", "pdf"]
_PARAM = re.compile(r"<(?:[^:<>]+:)?([A-Za-z_]\w*)>")


@dataclass
class Side:
    id: int
    slug: str
    emails: dict[str, str] = field(default_factory=dict)  # role → e-mail of an account of that role


@dataclass
class World:
    kind: str
    a: Side
    b: Side
    p2_email: str  # a second participant of A
    b_values: dict[str, list] = field(default_factory=dict)  # URL parameter → B's values
    b_tokens: dict[str, list] = field(default_factory=dict)  # endpoint → B's secret for its <token>
    b_form_ids: dict[str, int] = field(default_factory=dict)  # ids B's objects have in forms (not URLs)
    a_values: dict[str, list] = field(default_factory=dict)  # the same for A's own objects (CSRF test)
    a_tokens: dict[str, list] = field(default_factory=dict)
    p2: dict[str, object] = field(default_factory=dict)  # P2's own objects (same-tenant probes)


def create_preset(app, kind: str, slug: str | None = None, tmp: Path | None = None):
    """``flask tenants create tenants/<kind>``; with ``slug`` a copy of the preset under that slug."""
    folder = ROOT / "tenants" / kind
    if slug:
        copy = tmp / slug
        shutil.copytree(folder, copy)
        toml = copy / "programme.toml"
        text = toml.read_text(encoding="utf-8")
        assert f'slug = "{kind}"' in text
        toml.write_text(text.replace(f'slug = "{kind}"', f'slug = "{slug}"', 1), encoding="utf-8")
        folder = copy
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(folder)])
    assert result.exit_code == 0, result.output
    return tenants.by_slug(slug or kind)


def _objects_of(tenant, user) -> dict[str, list]:
    """Every object id a URL can name, of ``user``'s rows (``subject_everywhere``) in ``tenant``."""
    from portal.leads.models import Lead, Partner, Settlement
    from portal.loyalty.models import Complaint, Device, Installer, Reward, RewardOrder

    with use_tenant(tenant.id):
        partner = db.session.scalars(select(Partner).where(Partner.user_id == user.id)).one()
        installer = db.session.scalars(select(Installer).where(Installer.user_id == user.id)).one()
        lead = db.session.scalars(select(Lead).where(Lead.partner_id == partner.id)).one()
        order = db.session.scalars(select(RewardOrder).where(RewardOrder.installer_id == installer.id)).one()
        complaint = db.session.scalars(select(Complaint).where(Complaint.installer_id == installer.id)).one()
        reward = db.session.get(Reward, order.reward_id)
        device = db.session.scalars(select(Device).where(Device.installer_id == installer.id)).first()
        from portal.leads.models import SettlementLine

        period = db.session.scalars(select(Settlement.period).join(SettlementLine,
                                                                   SettlementLine.settlement_id == Settlement.id)
                                    .where(SettlementLine.partner_id == partner.id)).first()
        return {"lead_id": [lead.id], "partner_id": [partner.id], "installer_id": [installer.id],
                "order_id": [order.id], "complaint_id": [complaint.id], "reward_id": [reward.id],
                "device_id": [device.id], "index": [0], "code": [reward.code], "period": [period],
                "lead_ref": [lead.ref], "partner_nip": [partner.nip]}


def _extras(app, tenant, subject, admin, canary: str) -> tuple[dict[str, list], dict[str, list], dict[str, int]]:
    """The objects ``subject_everywhere`` does not make: a customer fact, a breach, an API token, a reset link,
    privacy requests (public with a verification link, and from the account with a built bundle), a pending
    sales import. Returns (URL values, endpoint → secret, form ids)."""
    from portal.accounts.models import PasswordResetToken
    from portal.api import tokens
    from portal.leads.models import CustomerFact
    from portal.privacy import export, requests
    from portal.privacy.models import BreachRecord

    clock = get_clock()
    with use_tenant(tenant.id):
        fact = CustomerFact(tenant_id=tenant.id, customer_nip=factories.valid_nip(900 + tenant.id),
                            flag="registered_with_vendor")
        breach = BreachRecord(tenant_id=tenant.id, discovered_at=clock.now(), nature=f"{canary} breach",
                              authority_due_at=clock.now() + timedelta(hours=72))
        db.session.add_all([fact, breach])
        token_row, _plain = tokens.create_token(tenant.id, "ERP", ["leads:read"], actor=admin)
        reset_plain = secrets.token_urlsafe(32)
        db.session.add(PasswordResetToken(tenant_id=tenant.id, user_id=subject.id,
                                          token_sha256=hashlib.sha256(reset_plain.encode()).hexdigest(),
                                          expires_at=datetime(2030, 1, 1, tzinfo=UTC)))
        public, verify_token = requests.file("access", channel="public", clock=clock, email=subject.email,
                                             name=f"{canary} requester", details=f"{canary} details")
        mine, _none = requests.file("access", channel="account", clock=clock, user=db.session.merge(subject))
        _bundle, bundle_token = export.build(mine.id, subject.id, tenant_name=tenant.name, clock=clock)
        db.session.flush()
        ids = {"fact_id": fact.id, "breach_id": breach.id, "api_token_id": token_row.id}
        references = [public.reference, mine.reference]
    db.session.commit()
    import_token = secrets.token_hex(16)
    folder = Path(app.config["UPLOAD_DIR"]) / "imports" / str(tenant.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{import_token}.csv").write_text(
        "ref,transaction_date,family,billing,licences,value,months_active,new_tenant\n", encoding="utf-8")
    values = {"fact_id": [ids["fact_id"]], "reference": references, "user_id": [admin.id]}
    secrets_by_endpoint = {"accounts.reset": [reset_plain], "privacy.bundle": [bundle_token],
                           "privacy.verify": [verify_token], "lead_admin.sales_commit": [import_token]}
    return values, secrets_by_endpoint, ids


def build(app, kind: str, tmp: Path) -> World:
    """A = the preset ``kind``, B = a copy of it under ``<kind>-b``; people of every role in A, two participants
    with rows in every table in A, and a participant with rows in every table plus the extras in B."""
    app.extensions["clock"] = as_of(DAYS[kind])
    a = create_preset(app, kind)
    b = create_preset(app, kind, f"{kind}-b", tmp)
    world = World(kind, Side(a.id, a.slug), Side(b.id, b.slug), p2_email="")
    for role in (ADMIN, STAFF, DPO):
        world.a.emails[role] = factories.user(a, role, email=f"{role}@{a.slug}.example").email
    p1 = factories.subject_everywhere(a, "Alice1canary")
    p2 = factories.subject_everywhere(a, "Bob2canary")
    world.a.emails[PARTICIPANT], world.p2_email = p1.email, p2.email
    b_admin = factories.user(b, ADMIN, email=f"admin@{b.slug}.example")
    victim = factories.subject_everywhere(b, VICTIM)
    world.b.emails[ADMIN], world.b.emails[PARTICIPANT] = b_admin.email, victim.email

    b_objects = _objects_of(b, victim)
    values, world.b_tokens, world.b_form_ids = _extras(app, b, victim, b_admin, VICTIM)
    world.b_values = {**b_objects, **values}
    a_objects = _objects_of(a, p1)
    a_admin = db.session.merge(factories.user(a, ADMIN, email=f"admin2@{a.slug}.example"))
    a_extra_values, world.a_tokens, _ids = _extras(app, a, p1, a_admin, "Alice1canary")
    world.a_values = {**a_objects, **a_extra_values}
    world.a_values["period"] = [*world.a_values["period"], 1]  # and a period of A's programme, which A may run
    world.p2 = _objects_of(a, p2)
    # B's period and request references must name nothing in A, or a 200 would be A's own object
    world.b_values["period"] = [p for p in world.b_values["period"] if p not in _periods(a.id)]
    # references count per organiser: B files requests until it holds one that A has not numbered yet
    from portal.privacy import requests

    taken = _references(a.id)
    with use_tenant(b.id):
        while not [r for r in world.b_values["reference"] if r not in taken]:
            extra, _none = requests.file("access", channel="public", clock=app.extensions["clock"],
                                         email=f"{VICTIM.lower()}@b.example", name=f"{VICTIM} extra",
                                         details=f"{VICTIM} details")
            db.session.flush()
            world.b_values["reference"].append(extra.reference)
    world.b_values["reference"] = [r for r in world.b_values["reference"] if r not in taken]
    assert world.b_values["period"] and world.b_values["reference"]
    db.session.commit()
    return world


def _periods(tenant_id: int) -> set[int]:
    from portal.leads.models import Settlement

    with use_tenant(tenant_id):
        return set(db.session.scalars(select(Settlement.period)))


def _references(tenant_id: int) -> set[str]:
    from portal.privacy.models import DataSubjectRequest

    with use_tenant(tenant_id):
        return set(db.session.scalars(select(DataSubjectRequest.reference)))


def operator():
    op = Operator(email=OPERATOR_EMAIL, name="Op", password_hash=hash_password(OPERATOR_PASSWORD))
    db.session.add(op)
    db.session.commit()
    return op


# ---------------------------------------------------------------- clients


def logged_in(app, slug: str, email: str):
    client = app.test_client()
    response = client.post(f"/t/{slug}/login", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    return client


def operator_client(app):
    client = app.test_client()
    response = client.post("/operator/login", data={"email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


# ---------------------------------------------------------------- the URL map


def parameters(rule) -> list[str]:
    """The rule's parameters other than the tenant's slug, in the order they appear."""
    return [name for name in _PARAM.findall(rule.rule) if name != "slug"]


def fill(rule, slug: str, values: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        return slug if name == "slug" else quote(str(values[name]), safe="")

    return _PARAM.sub(one, rule.rule)


def tenant_rules(app, *, with_parameters: bool | None = None) -> list:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/t/<slug>/")]
    if with_parameters is not None:
        rules = [r for r in rules if bool(parameters(r)) == with_parameters]
    return sorted(rules, key=lambda r: r.rule)


def methods(rule) -> list[str]:
    return sorted(m for m in rule.methods if m in ("GET", "POST"))


def combinations(rule, values: dict[str, list], secrets_by_endpoint: dict[str, list]) -> list[dict[str, str]]:
    """Every combination of values for the rule's parameters. Raises KeyError naming a parameter nobody taught
    the sweep, so a new route fails loudly instead of being skipped."""
    combos: list[dict[str, str]] = [{}]
    for name in parameters(rule):
        if name == "action":
            choices = ACTIONS[rule.endpoint]
        elif name == "fmt":
            choices = FORMATS
        elif name == "token":
            choices = secrets_by_endpoint[rule.endpoint]
        else:
            choices = values[name]
        combos = [{**c, name: v} for c in combos for v in choices]
    return combos


# ---------------------------------------------------------------- snapshots


def snapshot(tenant_id: int | None = None, upload_dir: str | None = None) -> dict:
    """Every row of the tenant (every table with tenant_id, and its tenants row) — or of the whole database when
    ``tenant_id`` is None — read with Core (under the guard's radar), plus the files under the upload dir."""
    db.session.commit()
    out: dict[str, object] = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            query = select(table)
            if tenant_id is not None:
                if table.name == "tenants":
                    query = query.where(table.c.id == tenant_id)
                elif "tenant_id" in table.c:
                    query = query.where(table.c.tenant_id == tenant_id)
                else:
                    continue
            out[table.name] = sorted((tuple(row) for row in conn.execute(query)), key=repr)
    if upload_dir:
        root = Path(upload_dir)
        mine = (f"{tenant_id}/", f"imports/{tenant_id}/", "exports/") if tenant_id is not None else ("",)
        out["files"] = sorted(name for name in (str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
                              if name.startswith(mine))
    return out


def diff(before: dict, after: dict) -> list[str]:
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            gone = [r for r in old if r not in new]
            added = [r for r in new if r not in old]
            changes.append(f"{name}: removed {gone[:3]} added {added[:3]}")
    return changes
