"""E-01: a definition the engine could run only wrongly is refused with the key and line — settlement periods that
overlap, leave a gap or fall outside the campaign, codes given twice, a date-time where a day belongs, and tenant
settings (time zone, language, currency) the platform cannot honour. E-04: the programme's money is in PLN."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.programmes import definition

ROOT = Path(__file__).resolve().parents[2]


def _changed(tmp_path: Path, slug: str, *edits: tuple[str, str]) -> Path:
    """The preset with each ``old`` text replaced (once, where it first occurs) by ``new``."""
    text = (ROOT / "tenants" / slug / "programme.toml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "programme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _errors(path: Path) -> dict[str, definition.DefinitionError]:
    with pytest.raises(definition.DefinitionErrors) as caught:
        definition.read(path)
    return {e.key: e for e in caught.value.errors}


def _line(path: Path, text: str, after: int = 0) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if i > after and line.startswith(text))


@pytest.mark.parametrize("old, new, message", [
    ("sales_from = 2018-10-01", "sales_from = 2018-09-15", "overlaps period 1"),   # a sale would be paid twice
    ("sales_from = 2018-10-01", "sales_from = 2018-10-08", "2018-10-01"),          # sales of 1–7 Oct never settled
    ("sales_until = 2018-12-27", "sales_until = 2019-01-31", "campaign"),          # sales after the campaign
])
def test_E01_L17_settlement_periods_cover_the_campaign_once(tmp_path, old, new, message):
    path = _changed(tmp_path, "distributor", (old, new))
    errors = _errors(path)
    key = "settlement_periods[2]." + old.split(" ")[0]
    assert key in errors, errors
    assert message in errors[key].message
    assert errors[key].line == _line(path, new)


def test_E01_L17_a_payout_before_the_end_of_its_sales_is_refused(tmp_path):
    path = _changed(tmp_path, "distributor", ("payout_by = 2019-02-28", "payout_by = 2018-12-01"))
    errors = _errors(path)
    assert "before sales_until" in errors["settlement_periods[2].payout_by"].message
    assert errors["settlement_periods[2].payout_by"].line == _line(path, "payout_by = 2018-12-01")


@pytest.mark.parametrize("slug, old, new, key", [
    ("distributor", 'code = "o365-annual-upto150"', 'code = "m365-d365-annual-upto150"', "lead.reward_rules[2].code"),
    ("distributor", "min_leads = 4", "min_leads = 3", "bonuses.top_partner.tiers[2].min_leads"),
    ("manufacturer", 'code = "authorised"', 'code = "installer"', "statuses[2].code"),
])
def test_E01_a_code_given_twice_is_refused_at_its_second_place(tmp_path, slug, old, new, key):
    path = _changed(tmp_path, slug, (old, new))
    errors = _errors(path)
    assert key in errors, errors
    assert "twice" in errors[key].message
    assert errors[key].line == _line(path, new, after=_line(path, new))


def test_E01_a_reward_code_given_twice_is_refused(tmp_path):
    text = (ROOT / "tenants" / "manufacturer" / "programme.toml").read_text(encoding="utf-8")
    first = text.split("[[rewards]]")[1].split("\n")[1]  # the first reward's code line
    second = text.split("[[rewards]]")[2].split("\n")[1]
    path = _changed(tmp_path, "manufacturer", (second, first.split("#")[0].rstrip()))
    assert "twice" in _errors(path)["rewards[2].code"].message


def test_E01_a_date_time_where_a_day_belongs_is_refused_not_a_crash(tmp_path):
    path = _changed(tmp_path, "distributor", ("starts_on = 2018-08-01", "starts_on = 2018-08-01T10:00:00"))
    errors = _errors(path)
    assert "programme.starts_on" in errors
    assert errors["programme.starts_on"].line == _line(path, "starts_on = 2018-08-01T10:00:00")


@pytest.mark.parametrize("old, new, key, message", [
    ('timezone = "Europe/Warsaw"', 'timezone = "Europe/Warszawa"', "tenant.timezone", "time zone"),
    ('locale = "pl"', 'locale = "de"', "tenant.locale", "pl, en"),
    ('currency = "PLN"', 'currency = "EUR"', "tenant.currency", "PLN"),
])
def test_E01_E04_tenant_settings_the_platform_cannot_honour_are_refused(tmp_path, old, new, key, message):
    path = _changed(tmp_path, "distributor", (old, new))
    errors = _errors(path)
    assert key in errors, errors
    assert message in errors[key].message
    assert errors[key].line == _line(path, new)


@pytest.mark.parametrize("old, new, key", [
    ('paid_selection = "earliest_transaction_first"', 'paid_selection = "highest_value_first"', "lead.paid_selection"),
    ('rules_version_at = "qualification"', 'rules_version_at = "submission"', "lead.rules_version_at"),
    ('duplicate_scope = "programme"', 'duplicate_scope = "organiser"', "lead.duplicate_scope"),
    ('tie_policy = "organiser_decides"', 'tie_policy = "split"', "bonuses.top_partner.tie_policy"),
    ('within_programme = true', 'within_programme = false', "lead.realisation.within_programme"),
    ('statuses = ["qualified"]', 'statuses = ["qualified", "rejected"]', "lead.carry_over.statuses"),
    ('reward_recipient = "registering_partner"', 'reward_recipient = "closing_partner"', "lead.reward_recipient"),
    ('metric = "realised_leads"', 'metric = "sales_value"', "bonuses.top_partner.metric"),
])
def test_E01_a_setting_the_engine_runs_one_way_only_refuses_another_value(tmp_path, old, new, key):
    """A definition must not promise what the engine does not do: a value the engine does not run is refused with
    the one it runs, rather than accepted and silently ignored."""
    _refused_as_not_run(tmp_path, "distributor", old, new, key)


def test_E01_a_referral_value_taken_from_the_registration_is_refused(tmp_path):
    _refused_as_not_run(tmp_path, "saas-vendor", 'value_from = "signed_order"', 'value_from = "registration"',
                        "referral.value_from")


def _refused_as_not_run(tmp_path, slug, old, new, key):
    path = _changed(tmp_path, slug, (old, new))
    errors = _errors(path)
    assert key in errors, errors
    assert "the engine runs" in errors[key].message
    assert errors[key].line == _line(path, new)



@pytest.mark.parametrize("old, new, key", [
    ("[tenant]", "[[tenant]]", "tenant"),            # a list of tables where one table belongs
    ("[programme]", "[[programme]]", "programme"),
    ("[loyalty]", "[[loyalty]]", "loyalty"),
])
def test_E01_a_section_that_is_not_a_table_is_named_at_its_line_not_a_traceback(tmp_path, old, new, key):
    path = _changed(tmp_path, "manufacturer", (old, new))
    errors = _errors(path)
    assert key in errors and "must be a table" in errors[key].message, errors
    assert errors[key].line == _line(path, new)


def test_E01_a_section_given_as_text_is_named_too(tmp_path):
    path = _changed(tmp_path, "manufacturer", ("[tenant]", 'tenant = "x"\n[tenant_was]'))
    assert "must be a table" in _errors(path)["tenant"].message


@pytest.mark.parametrize("old, new, key, message", [
    # P-03: a criterion no evidence is ever recorded for — nobody's status could be raised, everyone's would fall
    ('required_criterion = "training"', 'required_criterion = "trening"', "status_change.required_criterion",
     "must be one of"),
    ("min_criteria = 2", "min_criteria = 9", "status_change.min_criteria", "between 1 and 4"),
    # P-06: a campaign on a category no device model has pays nobody
    ('categories = ["heat_pump"]', 'categories = ["heatpump"]', "bonus_campaigns[1].categories",
     "no device model"),
    # P-05: the oldest production code that earns is compared with the codes, so it is written as they are
    ('production_code_min = "FD517"', 'production_code_min = "517FD"', "loyalty.production_code_min",
     "production_code_pattern"),
])
def test_E01_P03_P05_P06_a_setting_the_engine_would_silently_misread_is_refused(tmp_path, old, new, key, message):
    path = _changed(tmp_path, "manufacturer", (old, new))
    errors = _errors(path)
    assert key in errors and message in errors[key].message, errors
    assert errors[key].line == _line(path, new.split(" =")[0] if "categories" not in new else "categories")
