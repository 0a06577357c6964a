"""Tenant isolation, swept over the URL map: every route under /t/<slug>/ that names an object, asked by each role of
tenant A with tenant B's object ids under A's slug, answers 404 (403 for a role without the page) and changes
nothing of B. New routes are covered as they are added: a parameter the sweep does not know fails the test."""

from __future__ import annotations

import pytest

from portal.accounts.models import PARTICIPANT
from tests.security import world as w

# A POST body that would do something on every object route if the object were found (each view reads what it
# needs and ignores the rest); the ids and codes in it are filled in with B's.
FORM = {"decision": "rejected", "reason": "probe", "flag": "csp_direct", "criterion": "training",
        "ground": "false_data", "note": "probe", "accept": "yes", "confirmed": "1", "points": "1", "stock": "0",
        "active": "", "answer": "probe", "outcome": "probe", "action": "process", "password": "N3w-password-123!",
        "as_of": "2018-10-01", "first_name": "Probe", "verify-note": "probe", "close-outcome": "probe",
        "extend-months": "2", "extend-reason": "probe"}
ALLOWED = {403, 404}

# Routes that answer a foreign or missing object with something other than 404, on purpose. The sweep still checks
# that they change nothing of B and show nothing of B.
NOT_404: dict[tuple[str, str], int] = {}


def _sweep(app, world: w.World) -> tuple[list[str], list[str], int]:
    """(unexpected answers, answers of the NOT_404 routes, requests made)."""
    failures, tolerated, count = [], [], 0
    clients = {role: w.logged_in(app, world.a.slug, email) for role, email in world.a.emails.items()}
    for rule in w.tenant_rules(app, with_parameters=True):
        try:
            combos = w.combinations(rule, world.b_values, world.b_tokens)
        except KeyError as missing:
            failures.append(f"{rule.rule}: the sweep has no value of B for {missing}; teach tests/security/world.py")
            continue
        for values in combos:
            path = w.fill(rule, world.a.slug, values)
            for method in w.methods(rule):
                form = {**FORM, "code": world.b_values["code"][0], "revoke": world.b_form_ids["api_token_id"],
                        "breach_id": world.b_form_ids["breach_id"]}
                for role, client in clients.items():
                    count += 1
                    response = client.get(path) if method == "GET" else client.post(path, data=form)
                    body = response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
                    line = (f"{role:11} {method:4} {path} → {response.status_code}"
                            f"{' ' + response.location if response.location else ''}")
                    if w.VICTIM in body:
                        failures.append(line + f" SHOWS B's DATA: …{body[body.index(w.VICTIM) - 80:][:200]}…")
                    elif response.status_code in ALLOWED:
                        continue
                    elif NOT_404.get((rule.endpoint, method)) == response.status_code:
                        tolerated.append(line)
                    else:
                        failures.append(line)
    return failures, tolerated, count


@pytest.mark.parametrize("kind", ["distributor", "manufacturer"])
def test_every_object_route_answers_404_to_each_role_of_another_tenant_and_changes_nothing(app, tmp_path, kind):
    world = w.build(app, kind, tmp_path)
    before = w.snapshot(world.b.id, app.config["UPLOAD_DIR"])
    failures, tolerated, count = _sweep(app, world)
    changed = w.diff(before, w.snapshot(world.b.id, app.config["UPLOAD_DIR"]))
    assert count > 120, count  # the sweep really ran over the routes
    print("\n".join(["tolerated:", *tolerated]))
    assert not failures and not changed, "\n".join(["answers other than 404/403:", *failures,
                                                    "B's data changed:", *changed])


def _answers_with_own_objects(app, world: w.World) -> dict[str, set[int]]:
    """endpoint → the statuses its requests got when A's people name A's own objects (the control)."""
    seen: dict[str, set[int]] = {}
    clients = {role: w.logged_in(app, world.a.slug, email) for role, email in world.a.emails.items()}
    for rule in w.tenant_rules(app, with_parameters=True):
        for values in w.combinations(rule, world.a_values, world.a_tokens):
            path = w.fill(rule, world.a.slug, values)
            for method in w.methods(rule):
                for client in clients.values():
                    response = client.get(path) if method == "GET" else client.post(path, data=FORM)
                    seen.setdefault(rule.endpoint, set()).add(response.status_code)
    return seen


def test_the_sweep_reaches_every_object_route_with_the_tenants_own_objects(app, tmp_path):
    """The control of the sweep above: with A's own ids the same requests get past the role check and find the
    object on every route (in the preset whose programme the route belongs to), so B's 404s are isolation."""
    seen: dict[str, set[int]] = {}
    for kind in ("distributor", "manufacturer"):
        for endpoint, statuses in _answers_with_own_objects(app, w.build(app, kind, tmp_path / kind)).items():
            seen.setdefault(endpoint, set()).update(statuses)
    print(seen)
    never = sorted(e for e, statuses in seen.items() if statuses <= ALLOWED)
    assert not never, never


# ---------------------------------------------------------------- the known exceptions, held to 404


def _world_and_admin(app, tmp_path, kind="distributor"):
    world = w.build(app, kind, tmp_path)
    return world, w.logged_in(app, world.a.slug, world.a.emails["admin"])


def test_deleting_another_tenants_customer_fact_answers_404(app, tmp_path):
    world, admin = _world_and_admin(app, tmp_path)
    response = admin.post(f"/t/{world.a.slug}/customers/{world.b_values['fact_id'][0]}/delete")
    assert response.status_code == 404


def test_ordering_another_tenants_reward_answers_404(app, tmp_path):
    world = w.build(app, "manufacturer", tmp_path)
    participant = w.logged_in(app, world.a.slug, world.a.emails[PARTICIPANT])
    response = participant.post(f"/t/{world.a.slug}/rewards/{world.b_values['code'][0]}/order")
    assert response.status_code == 404


def test_approving_another_tenants_settlement_answers_404(app, tmp_path):
    world, admin = _world_and_admin(app, tmp_path)
    response = admin.post(f"/t/{world.a.slug}/settlements/{world.b_values['period'][0]}/approve")
    assert response.status_code == 404


# ---------------------------------------------------------------- another tenant's ids inside forms


def test_revoking_another_tenants_api_token_from_the_tokens_page_fails_and_the_token_lives(app, tmp_path):
    world, admin = _world_and_admin(app, tmp_path)
    before = w.snapshot(world.b.id)
    response = admin.post(f"/t/{world.a.slug}/api-tokens", data={"revoke": world.b_form_ids["api_token_id"]})
    assert response.status_code == 422
    assert w.diff(before, w.snapshot(world.b.id)) == []


def test_recording_steps_on_another_tenants_breach_answers_404(app, tmp_path):
    world = w.build(app, "distributor", tmp_path)
    dpo = w.logged_in(app, world.a.slug, world.a.emails["dpo"])
    before = w.snapshot(world.b.id)
    response = dpo.post(f"/t/{world.a.slug}/dpo/breaches", data={"breach_id": world.b_form_ids["breach_id"],
                                                                 "authority": "1", "decision": "probe",
                                                                 "subjects": "1"})
    assert response.status_code == 404
    assert w.diff(before, w.snapshot(world.b.id)) == []


def test_offering_another_tenants_reward_as_a_substitute_is_refused(app, tmp_path):
    from portal.loyalty.models import RewardOrder
    from portal.tenancy.guard import use_tenant

    world = w.build(app, "manufacturer", tmp_path)
    staff = w.logged_in(app, world.a.slug, world.a.emails["staff"])
    order_id = world.a_values["order_id"][0]
    before = w.snapshot(world.b.id)
    response = staff.post(f"/t/{world.a.slug}/fulfilment/{order_id}/substitute",
                          data={"code": world.b_values["code"][0]})
    assert response.status_code in (302, 404, 422)
    with use_tenant(world.a.id):
        order = w.db.session.get(RewardOrder, order_id)
        assert order.state == "placed" and order.substitute_id is None
    assert w.diff(before, w.snapshot(world.b.id)) == []


# ---------------------------------------------------------------- another participant of the same tenant


def test_a_participant_cannot_open_another_participants_lead(app, tmp_path):
    world = w.build(app, "distributor", tmp_path)
    p1 = w.logged_in(app, world.a.slug, world.a.emails[PARTICIPANT])
    assert p1.get(f"/t/{world.a.slug}/leads/{world.a_values['lead_id'][0]}").status_code == 200  # control: own
    response = p1.get(f"/t/{world.a.slug}/leads/{world.p2['lead_id'][0]}")
    assert response.status_code == 404 and "Bob2canary" not in response.get_data(as_text=True)


def test_a_participant_cannot_answer_a_substitute_offer_on_another_participants_order(app, tmp_path):
    world = w.build(app, "manufacturer", tmp_path)
    p1 = w.logged_in(app, world.a.slug, world.a.emails[PARTICIPANT])
    before = w.snapshot(world.a.id)
    for answer in ("yes", "no"):
        response = p1.post(f"/t/{world.a.slug}/orders/{world.p2['order_id'][0]}/substitute", data={"accept": answer})
        assert response.status_code == 404
    assert w.diff(before, w.snapshot(world.a.id)) == []


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_a_participants_statement_of_a_period_holds_only_their_own_lines(app, tmp_path, fmt):
    """The statement URL names a period, not a partner: another partner's period gives the participant their own
    (here empty) statement — never the other partner's lines, whatever the query string says."""
    world = w.build(app, "distributor", tmp_path)
    p1 = w.logged_in(app, world.a.slug, world.a.emails[PARTICIPANT])
    own = p1.get(f"/t/{world.a.slug}/statements/{world.a_values['period'][0]}.csv").get_data(as_text=True)
    assert world.a_values["lead_ref"][0] in own  # control: the own statement has the own line
    for query in ("", f"?partner={world.p2['partner_nip'][0]}"):
        response = p1.get(f"/t/{world.a.slug}/statements/{world.p2['period'][0]}.{fmt}{query}")
        assert response.status_code in (200, 404)
        body = response.get_data()
        for secret in (world.p2["partner_nip"][0], world.p2["lead_ref"][0], "Bob2canary"):
            assert secret.encode() not in body, (query, secret)
        if fmt == "csv" and response.status_code == 200:
            assert response.get_data(as_text=True).strip().count("\n") == 0  # the header only


# ---------------------------------------------------------------- listings


def _pages_without_parameters(app):
    return [r for r in w.tenant_rules(app, with_parameters=False) if "GET" in r.methods]


def _readable(response) -> str:
    """The text of a response, with the members of a zip (the tenant export) unpacked."""
    if response.mimetype == "application/zip":
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return response.get_data().decode("utf-8", "replace")


@pytest.mark.parametrize("kind", ["distributor", "manufacturer"])
def test_no_page_or_download_of_a_tenant_shows_another_tenants_or_another_participants_data(app, tmp_path, kind):
    world = w.build(app, kind, tmp_path)
    leaks, seen = [], 0
    for role, email in world.a.emails.items():
        client = w.logged_in(app, world.a.slug, email)
        for rule in _pages_without_parameters(app):
            response = client.get(w.fill(rule, world.a.slug, {}))
            text = _readable(response)
            seen += response.status_code == 200
            foreign = [w.VICTIM] + (["Bob2canary"] if role == PARTICIPANT else [])
            leaks += [f"{role} GET {rule.rule} shows {s}" for s in foreign if s in text]
    assert seen > 20, seen
    assert not leaks, "\n".join(leaks)


def _pending_secrets(tenant_id: int) -> list[str]:
    """The one-time secrets (reset and verification links) still waiting in the outbox of the tenant."""
    from sqlalchemy import select

    from portal.notifications.models import Notification
    from portal.tenancy.guard import use_tenant

    with use_tenant(tenant_id):
        return [n.params["token"] for n in w.db.session.scalars(select(Notification))
                if (n.params or {}).get("token")]


def test_the_tenant_export_holds_no_live_password_reset_link(app, tmp_path):
    world, admin = _world_and_admin(app, tmp_path)
    anonymous = app.test_client()
    assert anonymous.post(f"/t/{world.a.slug}/password/reset",
                          data={"email": world.a.emails[PARTICIPANT]}).status_code == 302
    tokens = _pending_secrets(world.a.id)
    assert tokens  # the link waits in the outbox until the mail worker sends it
    assert anonymous.get(f"/t/{world.a.slug}/password/reset/{tokens[0]}").status_code == 200  # a live link
    export = _readable(admin.get(f"/t/{world.a.slug}/export"))
    assert not [t for t in tokens if t in export]


def test_the_access_bundle_holds_no_live_password_reset_link(app, tenant_a):
    """The subject's own notices are in the bundle (G-04), without the token of a link that may still be live: the
    DPO who downloads the bundle must not be able to take over the account."""
    import json

    from portal.privacy import export
    from portal.tenancy.guard import use_tenant
    from tests import factories

    user = factories.user(tenant_a)
    factories.notification(user, "password_reset", token="live-reset-secret-4242", hours=2)
    with use_tenant(tenant_a.id):
        data = export.gather(user.id)
    notices = [row for row in data["notifications"] if row["kind"] == "password_reset"]
    assert notices and notices[0]["params"] == {"hours": 2}
    assert "live-reset-secret-4242" not in json.dumps(data)
