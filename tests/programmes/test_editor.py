"""The programme editor (E-01, E-02): round trip, line-precise errors, preview, notice periods."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from portal.accounts.models import ADMIN
from portal.core.clock import as_of
from portal.extensions import db
from portal.programmes import definition
from portal.programmes.toml_text import dumps
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _tenant(app, slug):
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(ROOT / "tenants" / slug)])
    assert result.exit_code == 0, result.output
    from sqlalchemy import select

    from portal.tenancy.models import Tenant

    return db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one()


def test_E01_stored_definition_round_trips_to_the_same_data(tmp_path):
    for path in sorted((ROOT / "tenants").glob("*/programme.toml")):
        data, _ = definition.read(path)
        copy = tmp_path / "programme.toml"
        copy.write_text(dumps(definition.to_json(data)))
        again, _ = definition.read(copy)
        assert definition.to_json(again) == definition.to_json(data), path


def test_E01_editor_shows_the_broken_key_and_publishes_nothing(app, client):
    tenant = _tenant(app, "distributor")
    admin = factories.user(tenant, ADMIN, email="admin@distributor.test.example")
    factories.login(client, tenant, admin.email)
    text = client.get("/t/distributor/programme").get_data(as_text=True)
    assert "[[lead.reward_rules]]" in text
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/distributor/programme.toml")[0]))
    broken = source.replace('rate = "0.12"', 'rate = "twelve"', 1)
    response = client.post("/t/distributor/programme", data={"text": broken, "action": "publish",
                                                             "effective_from": "2018-09-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "lead.reward_rules[2].rate" in html
    assert client.get("/t/distributor/programme").get_data(as_text=True).count("version 2") == 0


def test_E02_points_cut_needs_seven_days_notice(app, client):
    app.extensions["clock"] = as_of(date(2024, 5, 1))
    tenant = _tenant(app, "manufacturer")
    admin = factories.user(tenant, ADMIN, email="admin@manufacturer.test.example")
    factories.login(client, tenant, admin.email)
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/manufacturer/programme.toml")[0]))
    cut = source.replace("points = 120", "points = 100", 1)
    early = client.post("/t/manufacturer/programme", data={"text": cut, "action": "publish",
                                                           "effective_from": "2024-05-05"})
    assert early.status_code == 422 and "P-04" in early.get_data(as_text=True)
    ok = client.post("/t/manufacturer/programme", data={"text": cut, "action": "publish",
                                                        "effective_from": "2024-05-08"})
    assert ok.status_code == 302


def test_L30_preview_shows_the_change_per_partner(app, client, tmp_path):
    from tests.leads.conftest import Campaign, lead_row, nip, partner_row

    app.extensions["clock"] = as_of(date(2018, 9, 20))
    campaign = Campaign(app, tmp_path)
    campaign.partners(partner_row(1))
    campaign.leads(lead_row("P1", 1, 1))
    campaign.decide("P1,qualified,2018-08-13,")
    campaign.sales("P1,2018-08-20,O365,annual,20,1000.00,0,yes")
    from sqlalchemy import select

    from portal.tenancy.models import Tenant

    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    admin = factories.user(tenant, ADMIN, email="admin@distributor.test.example")
    factories.login(client, tenant, admin.email)
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/distributor/programme.toml")[0]))
    raised = source.replace('rate = "0.12"', 'rate = "0.20"', 1)
    html = client.post("/t/distributor/programme", data={"text": raised, "action": "preview",
                                                         "effective_from": "2018-09-21"}).get_data(as_text=True)
    # P1 was qualified before the change: it keeps 12 % (L-30); were the new rules to reach it, 20 %
    row = html.split(nip(1), 1)[1].split("</tr>", 1)[0]
    assert row.count("485,00\u00a0zł") == 2 and "565,00\u00a0zł" in row, row  # 120 + 365, 120 + 365, 200 + 365


def test_E02_L30_the_preview_changes_the_payout_of_a_lead_qualified_on_or_after_the_effective_day(app, client,
                                                                                                    tmp_path):
    """A lead qualified before the change keeps its rules (before = after); one qualified on the effective day is
    settled by the new version — the preview says so, as the settlement will."""
    from sqlalchemy import select

    from portal.tenancy.models import Tenant
    from tests.leads.conftest import Campaign, lead_row, nip, partner_row

    app.extensions["clock"] = as_of(date(2018, 9, 20))
    campaign = Campaign(app, tmp_path)
    campaign.partners(partner_row(1), partner_row(2))
    campaign.leads(lead_row("P1", 1, 1), lead_row("P2", 2, 2))
    campaign.decide("P1,qualified,2018-08-13,", "P2,qualified,2018-09-17,")
    campaign.sales("P1,2018-08-20,O365,annual,20,1000.00,0,yes", "P2,2018-09-18,O365,annual,20,1000.00,0,yes")
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "distributor")).one()
    factories.login(client, tenant, factories.user(tenant, ADMIN, email="admin@distributor.test.example").email)
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/distributor/programme.toml")[0]))
    html = client.post("/t/distributor/programme", data={
        "text": source.replace('rate = "0.12"', 'rate = "0.20"', 1), "action": "preview",
        "effective_from": "2018-09-17"}).get_data(as_text=True)
    first = html.split(nip(1), 1)[1].split("</tr>", 1)[0]
    second = html.split(nip(2), 1)[1].split("</tr>", 1)[0]
    assert first.count("485,00\u00a0zł") == 2, first  # qualified 08-13: 120 + 365 before and after
    assert second.index("485,00\u00a0zł") < second.index("565,00\u00a0zł"), second  # qualified 09-17: 200 + 365


def test_E01_editor_names_the_line_of_each_error(app, client):
    response = _preview(app, client, "manufacturer", "en", "max_failed_deliveries = 2",
                        'max_failed_deliveries = "two"')
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/manufacturer/programme.toml")[0]))
    line = source.splitlines().index("max_failed_deliveries = 2") + 1
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Line {line}: loyalty.orders.max_failed_deliveries: must be a whole number" in html


def test_E01_a_polish_organiser_reads_the_editors_errors_in_polish(app, client):
    """The key and line stay as written in the file; what is wrong and what to write is in the reader's language."""
    tenant = _tenant(app, "manufacturer")
    admin = factories.user(tenant, ADMIN, email="admin@manufacturer.test.example", locale="pl")
    factories.login(client, tenant, admin.email)
    client.get("/t/manufacturer/language/pl")
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/manufacturer/programme.toml")[0]))
    broken = source.replace("max_failed_deliveries = 2", 'max_failed_deliveries = "two"', 1) \
        .replace("[loyalty.orders]", "[loyalty.orders]\nmax_failed_delivery = 3", 1)
    html = client.post("/t/manufacturer/programme", data={"text": broken, "action": "preview",
                                                          "effective_from": "2030-01-01"}).get_data(as_text=True)
    assert "loyalty.orders.max_failed_deliveries: musi być liczbą całkowitą" in html
    assert "must be a whole number" not in html
    assert "loyalty.orders.max_failed_delivery: nie jest ustawieniem znanym w [loyalty.orders]" in html
    assert "max_failed_deliveries" in html.split("max_failed_delivery: ")[1]  # the likely key, as written


def test_L30_the_preview_says_which_leads_the_new_rules_reach(app, client):
    tenant = _tenant(app, "distributor")
    admin = factories.user(tenant, ADMIN, email="admin@distributor.test.example", locale="en")
    factories.login(client, tenant, admin.email)
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/distributor/programme.toml")[0]))
    html = client.post("/t/distributor/programme", data={"text": source.replace('rate = "0.12"', 'rate = "0.20"', 1),
                                                         "action": "preview", "effective_from": "2030-01-01"}
                       ).get_data(as_text=True)
    assert "qualified on or after 2030-01-01" in html and "L-30" in html


def _preview(app, client, slug: str, locale: str, old: str, new: str, effective_from: str = "2030-01-01"):
    """The editor's preview of the preset's definition with one text replaced, read by an admin in ``locale``."""
    tenant = _tenant(app, slug)
    admin = factories.user(tenant, ADMIN, email=f"admin@{slug}.test.example", locale=locale)
    factories.login(client, tenant, admin.email)
    client.get(f"/t/{slug}/language/{locale}")
    source = dumps(definition.to_json(definition.read(ROOT / f"tenants/{slug}/programme.toml")[0]))
    return client.post(f"/t/{slug}/programme", data={"text": source.replace(old, new, 1), "action": "preview",
                                                     "effective_from": effective_from})


def test_E01_the_lead_rules_own_checks_read_in_polish_too(app, client):
    html = _preview(app, client, "distributor", "pl", 'rate = "0.12"', 'rate = "1.20"').get_data(as_text=True)
    assert "musi być ułamkiem od 0 do 1" in html
    assert "must be a fraction" not in html


@pytest.mark.parametrize("wording", [
    "is missing: a campaign needs an end date", "'x' is not a lead field: use one of ref, pcs",
    "is not a realisation setting: use one of a, b", "must be one of licences, contacts", "needs at least one rule",
    'must be a fraction between 0 and 1, e.g. "0.30"', 'must be a decimal string, e.g. "0.15"',
    "'X' is not one of lead.families", "must be a whole number not below band_min", "is before sales_from",
    "is missing: a first-year subscription value needs the tier prices", "is below contacts_min (5)",
    "leaves 1–4 contacts without a price: the lowest tier must start at 1",
    "leaves 11–19 contacts without a price after tier 1", "overlaps tier 1, which ends at 10", "must be at least 1",
    "overlaps term discount 1: a term may have one discount only", "must be a number of months from 1 to 12",
    "is not a valid pattern", 'must be an amount such as "549.00"'])
def test_E01_every_wording_of_the_programme_types_checks_has_a_polish_reading(app, wording):
    from flask_babel import force_locale

    from portal.programmes.labels import definition_message

    with app.test_request_context(), force_locale("pl"):
        said = definition_message(wording)
    assert said != wording, wording


def _field_error(html: str, field: str) -> str:
    """The error text shown under a field of the editor (``<field>-error``), or ""."""
    marker = f'id="{field}-error"'
    if marker not in html:
        return ""
    part = html[html.index(marker):]
    return part[:part.index("</div>")]


def _versions(client, slug) -> int:
    return client.get(f"/t/{slug}/programme").get_data(as_text=True).count("— from ")


@pytest.mark.parametrize("effective_from, said", [("0001-01-01", "1900-01-01"), ("9999-12-31", "2099-12-31"),
                                                   ("", "YYYY-MM-DD"), ("2018-02-30", "YYYY-MM-DD")])
@pytest.mark.parametrize("action", ["publish", "preview"])
def test_E02_an_effective_day_out_of_range_or_missing_is_said_at_its_field(app, client, effective_from, said,
                                                                           action):
    app.extensions["clock"] = as_of(date(2018, 9, 3))
    tenant = _tenant(app, "distributor")
    factories.login(client, tenant, factories.user(tenant, ADMIN, email="admin@distributor.test.example",
                                                   locale="en").email)
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/distributor/programme.toml")[0]))
    before = _versions(client, "distributor")
    answer = client.post("/t/distributor/programme", data={"text": source.replace('rate = "0.12"', 'rate = "0.13"',
                                                                                  1),
                                                           "action": action, "effective_from": effective_from})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and said in _field_error(html, "effective_from"), html[-3000:]
    assert 'aria-describedby="effective_from-error"' in html
    assert _versions(client, "distributor") == before


def test_E01_an_empty_definition_is_refused_at_its_field_and_nothing_is_published(app, client):
    """An emptied text box is not "the definition in force": publishing it must not make a version nor tell the
    participants of a change."""
    from sqlalchemy import func, select

    from portal.notifications.models import Notification

    app.extensions["clock"] = as_of(date(2018, 9, 3))
    tenant = _tenant(app, "distributor")
    factories.login(client, tenant, factories.user(tenant, ADMIN, email="admin@distributor.test.example",
                                                   locale="en").email)
    before = _versions(client, "distributor")
    for action in ("publish", "preview"):
        answer = client.post("/t/distributor/programme", data={"text": "  ", "action": action,
                                                               "effective_from": "2018-09-20"})
        assert answer.status_code == 422 and "Enter the programme definition" in _field_error(
            answer.get_data(as_text=True), "text")
    assert _versions(client, "distributor") == before
    from portal.tenancy.guard import use_tenant

    with use_tenant(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "programme_changed")) == 0


def test_E02_publishing_the_definition_in_force_again_is_said_and_the_day_typed_kept(app, client):
    app.extensions["clock"] = as_of(date(2018, 9, 3))
    tenant = _tenant(app, "distributor")
    factories.login(client, tenant, factories.user(tenant, ADMIN, email="admin@distributor.test.example",
                                                   locale="en").email)
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/distributor/programme.toml")[0]))
    answer = client.post("/t/distributor/programme", data={"text": source, "action": "publish",
                                                           "effective_from": "2018-10-15"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "nothing was published" in _field_error(html, "text")
    assert 'value="2018-10-15"' in html


@pytest.mark.parametrize("make, said", [
    (lambda folder: (folder / "programme.toml").write_bytes("[tenant]\nname = \"Zażółć\"\n".encode("cp1250")),
     "not UTF-8"),
    (lambda folder: None, "no such file"),
    (lambda folder: (folder / "programme.toml").mkdir(), "is a folder"),
])
def test_E01_a_definition_that_cannot_be_read_is_said_so_with_exit_1(app, tmp_path, make, said):
    """FORMATS: rejected input exits 1 with the reason — a file in another encoding, missing, or a folder — not a
    traceback."""
    folder = tmp_path / "organiser"
    folder.mkdir()
    make(folder)
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(folder)])
    assert result.exit_code == 1 and said in result.output, result.output
    assert not isinstance(result.exception, (UnicodeDecodeError, OSError))


@pytest.mark.parametrize("old, new, key", [
    ("points_expiry_months = 24", "points_expiry_months = 99999999999999999", "points_expiry_months"),
    ("points = 120", "points = 99999999999999999999", "device_models"),
])
def test_E01_a_number_no_date_or_column_can_hold_is_refused_with_its_key(app, tmp_path, old, new, key):
    """A definition's count of months beyond any calendar, or points beyond any integer column, would be stored and
    crash every later command (a device import, the end's announcement): it is refused when loaded."""
    import shutil

    folder = tmp_path / "manufacturer"
    shutil.copytree(ROOT / "tenants" / "manufacturer", folder)
    text = (folder / "programme.toml").read_text(encoding="utf-8")
    assert old in text
    (folder / "programme.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["tenants", "create", str(folder)])
    assert result.exit_code == 1 and key in result.output and "must be at most" in result.output, result.output


def test_E01_a_section_pasted_as_a_list_of_tables_is_a_message_at_its_line_not_a_500(app, client):
    tenant = _tenant(app, "manufacturer")
    factories.login(client, tenant, factories.user(tenant, ADMIN, email="admin@manufacturer.test.example").email)
    text = (ROOT / "tenants/manufacturer/programme.toml").read_text(encoding="utf-8").replace("[tenant]", "[[tenant]]")
    for action in ("preview", "publish"):
        response = client.post("/t/manufacturer/programme", data={"text": text, "action": action,
                                                                  "effective_from": "2030-01-01"})
        assert response.status_code == 422 and "must be a table" in response.get_data(as_text=True), action


def test_E02_P04_the_preview_judges_the_notice_as_publishing_does_and_the_editor_starts_from_what_is_scheduled(
        app, client):
    """A rise of a model's points (120 → 200) is scheduled from the 7th; on the 5th the editor opens on the scheduled
    version (so an edit does not quietly undo the rise), and a text still holding 120 from the 9th is refused alike by
    the preview and by publishing (a change of announced points, 7 days ahead)."""
    app.extensions["clock"] = as_of(date(2024, 5, 1))
    tenant = _tenant(app, "manufacturer")
    factories.login(client, tenant, factories.user(tenant, ADMIN, email="admin@manufacturer.test.example").email)
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/manufacturer/programme.toml")[0]))
    rise = source.replace("points = 120", "points = 200", 1)
    assert client.post("/t/manufacturer/programme", data={"text": rise, "action": "publish",
                                                          "effective_from": "2024-05-08"}).status_code == 302
    app.extensions["clock"] = as_of(date(2024, 5, 5))
    editor = client.get("/t/manufacturer/programme").get_data(as_text=True)
    assert 'code = &#34;TV-KOND-24C&#34;\ncategory = &#34;condensing_boiler&#34;\npoints = 200' in editor, editor
    verdicts = [client.post("/t/manufacturer/programme", data={"text": source, "action": action,
                                                               "effective_from": "2024-05-09"})
                for action in ("preview", "publish")]
    assert [(v.status_code, "P-04" in v.get_data(as_text=True)) for v in verdicts] == [(422, True), (422, True)]


def test_L30_a_change_published_from_an_earlier_day_settles_the_leads_qualified_since_as_its_preview_said(
        app, client, tmp_path):
    """The organiser publishes, on the 20th, a change in force from the 17th: the lead qualified on the 17th is
    settled by it — as the preview showed — and the lead qualified before keeps its rules (L-30)."""
    from tests.leads.conftest import Campaign
    from tests.leads.test_campaign_commands import by_ref

    test_E02_L30_the_preview_changes_the_payout_of_a_lead_qualified_on_or_after_the_effective_day(app, client,
                                                                                                    tmp_path)
    campaign = Campaign(app, tmp_path)
    source = dumps(definition.to_json(definition.read(ROOT / "tenants/distributor/programme.toml")[0]))
    published = client.post("/t/distributor/programme", data={
        "text": source.replace('rate = "0.12"', 'rate = "0.20"', 1), "action": "publish",
        "effective_from": "2018-09-17"})
    assert published.status_code == 302, published.get_data(as_text=True)
    _, rows = campaign.settle(1, "2018-09-20")
    assert (by_ref(rows)["P1"]["amount"], by_ref(rows)["P2"]["amount"]) == ("120.00", "200.00")
