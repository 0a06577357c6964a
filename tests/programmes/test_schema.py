"""E-01: a definition is checked against the schema as a whole — wrong types, dates that are no dates, amounts that
are no amounts and unknown keys in every preset section are refused with their key and line, and nothing is stored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.programmes import definition
from portal.programmes.models import ProgrammeVersion
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant

ROOT = Path(__file__).resolve().parents[2]


def _preset(slug: str) -> str:
    return (ROOT / "tenants" / slug / "programme.toml").read_text(encoding="utf-8")


def _broken(tmp_path: Path, slug: str, old: str, new: str) -> tuple[Path, int]:
    """The preset with its first line starting with ``old`` replaced by ``new``; returns the file and that line."""
    lines = _preset(slug).splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith(old))
    lines[number - 1] = new
    path = tmp_path / "programme.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, number


def _errors(path: Path) -> list[definition.DefinitionError]:
    with pytest.raises(definition.DefinitionErrors) as caught:
        definition.read(path)
    return caught.value.errors


CASES = [
    # (preset, line starting with, replaced by, key reported, words of the message)
    ("distributor", "edition = 4", 'edition = "four"', "programme.edition", "whole number"),
    ("distributor", 'version = "2018-08-01"', "version = 2018", "documents.version", "text"),
    ("distributor", "settlement_years_after_tax_year", 'settlement_years_after_tax_year = "5"',
     "retention.settlement_years_after_tax_year", "whole number"),
    ("distributor", "max_paid_per_month = 5", "max_paid_per_month = 5.5", "lead.max_paid_per_month", "whole number"),
    ("distributor", "ineligible_partner_flags", 'ineligible_partner_flags = "csp_direct"',
     "lead.ineligible_partner_flags", "list of texts"),
    ("distributor", "min_quantity = 3                   # L-10", "min_quantity = \"three\"",
     "lead.realisation.min_quantity", "whole number"),
    ("distributor", "not_before_qualification", 'not_before_qualification = "yes"',
     "lead.realisation.not_before_qualification", "true or false"),
    ("distributor", "previous_starts_on", 'previous_starts_on = "2018-02-30"', "lead.carry_over.previous_starts_on",
     "YYYY-MM-DD"),
    ("distributor", "previous_ends_on", "previous_ends_on = 2018-01-01", "lead.carry_over.previous_ends_on",
     "before previous_starts_on"),
    ("distributor", "withhold_flags", "withhold_flags = [1, 2]", "lead.payout.withhold_flags", "list of texts"),
    ("distributor", "band_min = 151", 'band_min = "151"', "lead.reward_rules[5].band_min", "whole number"),
    ("distributor", "min_active_months = 3", "min_active_months = -3", "lead.reward_rules[3].min_active_months",
     "whole number"),
    ("distributor", "number = 1", 'number = "one"', "settlement_periods[1].number", "whole number"),
    ("distributor", "payout_by = 2018-10-31", "payout_by = 2018-10-31T12:00:00", "settlement_periods[1].payout_by",
     "YYYY-MM-DD"),
    ("distributor", 'amount = "365.00"', 'amount = "365.005"', "bonuses.new_partner.amount", "2 decimals"),
    ("distributor", "min_leads = 3", "min_leads = true", "bonuses.top_partner.tiers[1].min_leads", "whole number"),
    ("distributor", "rerun_until_approved", 'rerun_until_approved = "no"', "settlement.rerun_until_approved",
     "true or false"),
    ("manufacturer", "points_expiry_months", 'points_expiry_months = "24"', "loyalty.points_expiry_months",
     "whole number"),
    ("manufacturer", "installed_on_or_after", 'installed_on_or_after = "soon"', "loyalty.installed_on_or_after",
     "YYYY-MM-DD"),
    ("manufacturer", "annual_gross_cap", 'annual_gross_cap = "lots"', "loyalty.orders.annual_gross_cap", "amount"),
    ("manufacturer", "max_failed_deliveries", 'max_failed_deliveries = "2"', "loyalty.orders.max_failed_deliveries",
     "whole number"),
    ("manufacturer", "activation_deadline_months", "activation_deadline_months = 3.0",
     "loyalty.membership.activation_deadline_months", "whole number"),
    ("manufacturer", "points_complaint_days", 'points_complaint_days = "30"',
     "loyalty.complaints.points_complaint_days", "whole number"),
    ("manufacturer", "max_file_mb", 'max_file_mb = "20"', "loyalty.proofs.max_file_mb", "whole number"),
    ("manufacturer", "pit8c_issue_by_month", 'pit8c_issue_by_month = "February"', "loyalty.tax.pit8c_issue_by_month",
     "whole number"),
    ("manufacturer", "notice_months = 3", 'notice_months = "3"', "loyalty.end.notice_months", "whole number"),
    ("manufacturer", "rank = 2", 'rank = "second"', "statuses[2].rank", "whole number"),
    ("manufacturer", "min_criteria = 2", 'min_criteria = "two"', "status_change.min_criteria", "whole number"),
    ("manufacturer", "window_months = 12", 'window_months = "12"', "status_criteria[1].window_months", "whole number"),
    ("manufacturer", "extra_points = 100", 'extra_points = "100"', "bonus_campaigns[1].extra_points", "whole number"),
    ("manufacturer", "ends_on = 2018-11-30", "ends_on = 2018-08-01", "bonus_campaigns[1].ends_on",
     "before starts_on"),
    ("manufacturer", "delivery_days = 14", 'delivery_days = "two weeks"', "rewards[1].delivery_days", "whole number"),
    ("manufacturer", "required = true", 'required = "yes"', "consents[1].required", "true or false"),
    ("saas-vendor", 'monthly_fee = "', 'monthly_fee = "cheap"', "pricing.tiers[1].monthly_fee", "amount"),
    ("saas-vendor", "contacts_max = ", 'contacts_max = "many"', "pricing.tiers[1].contacts_max", "whole number"),
    ("saas-vendor", "min_months = ", 'min_months = "six"', "pricing.term_discounts[1].min_months", "whole number"),
    ("saas-vendor", "first_year_months", 'first_year_months = "12"', "referral.first_year_months", "whole number"),
]


@pytest.mark.parametrize(("slug", "old", "new", "key", "words"), CASES, ids=[c[3] for c in CASES])
def test_E01_a_wrong_value_in_any_preset_section_is_refused_with_its_key_and_line(tmp_path, slug, old, new, key,
                                                                                  words):
    path, line = _broken(tmp_path, slug, old, new)
    errors = _errors(path)
    assert [(e.key, e.line) for e in errors] == [(key, line)], [str(e) for e in errors]
    assert words in errors[0].message
    assert f"programme.toml:{line}: {key}:" in str(errors[0])


@pytest.mark.parametrize(("slug", "old", "new", "key", "hint"), [
    ("distributor", "review_business_days = 5", "review_busines_days = 5", "lead.review_busines_days",
     "review_business_days"),
    ("manufacturer", "substitute_refund_days", "substitute_refund_dayz = 21", "loyalty.orders.substitute_refund_dayz",
     "substitute_refund_days"),
    ("manufacturer", "points = 120", "pionts = 120", "device_models[1].pionts", "points"),
    ("saas-vendor", "first_year_months", "colour = \"blue\"", "referral.colour", ""),
])
def test_E01_an_unknown_key_is_refused_with_its_line_and_the_likely_key(tmp_path, slug, old, new, key, hint):
    path, line = _broken(tmp_path, slug, old, new)
    errors = _errors(path)
    unknown = [e for e in errors if e.key == key]
    assert unknown and unknown[0].line == line, [str(e) for e in errors]
    assert "not a setting" in unknown[0].message and hint in unknown[0].message


def test_E01_an_unknown_top_level_key_is_refused_with_its_line(tmp_path):
    path = tmp_path / "programme.toml"
    path.write_text('owner = "me"\n' + _preset("manufacturer"), encoding="utf-8")
    errors = _errors(path)
    assert [(e.key, e.line) for e in errors] == [("owner", 1)]


def test_E01_every_error_of_a_definition_is_listed_at_once(tmp_path):
    text = _preset("manufacturer").replace('annual_gross_cap = "18000.00"', 'annual_gross_cap = "a lot"')
    text = text.replace("points_expiry_months = 24", 'points_expiry_months = "24"')
    path = tmp_path / "programme.toml"
    path.write_text(text, encoding="utf-8")
    assert {e.key for e in _errors(path)} == {"loyalty.orders.annual_gross_cap", "loyalty.points_expiry_months"}


def test_E01_loading_a_definition_with_a_wrong_type_changes_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "manufacturer")]).exit_code == 0
    path, line = _broken(tmp_path, "manufacturer", "substitute_refund_days", 'substitute_refund_days = "21"')
    result = runner.invoke(args=["programme", "load", "manufacturer", str(path), "--effective-from", "2030-01-01"])
    assert result.exit_code == 1
    assert f":{line}: loyalty.orders.substitute_refund_days: must be a whole number" in result.output
    tenant = tenants.by_slug("manufacturer")
    with use_tenant(tenant.id):
        assert db.session.scalar(select(func.count()).select_from(ProgrammeVersion)) == 1
    from portal.loyalty.service.programme import rules_on

    with use_tenant(tenant.id):
        assert rules_on(date(2030, 1, 2)).refund_days == 21  # the version in force still reads


def test_E04_an_amount_or_rate_written_without_quotes_is_kept_exact(tmp_path):
    from decimal import Decimal

    from portal.leads.rules import LeadRules

    text = _preset("distributor").replace('rate = "0.15"', "rate = 0.15", 1).replace('amount = "365.00"',
                                                                                     "amount = 365.00", 1)
    path = tmp_path / "programme.toml"
    path.write_text(text, encoding="utf-8")
    data, _text = definition.read(path)
    rules = LeadRules.parse(definition.to_json(data))
    assert rules.reward_rules[0].rate == Decimal("0.15")
    assert rules.new_partner_amount == Decimal("365.00")


@pytest.mark.parametrize(("slug", "old", "key", "header"), [
    ("manufacturer", "extra_points = 100", "bonus_campaigns[1].extra_points", "[[bonus_campaigns]]"),
    ("manufacturer", 'gross_value = "549.00"', "rewards[1].gross_value", "[[rewards]]"),
    ("distributor", 'flag = "holds_m365"', "lead.customer_exclusions[1].flag", "[[lead.customer_exclusions]]"),
    ("distributor", "previous_ends_on", "lead.carry_over.previous_ends_on", "[lead.carry_over]"),
    ("saas-vendor", 'monthly_fee = "', "pricing.tiers[1].monthly_fee", "[[pricing.tiers]]"),
])
def test_E01_a_missing_setting_the_engine_needs_is_named_at_its_table(tmp_path, slug, old, key, header):
    path, line = _broken(tmp_path, slug, old, "")
    lines = path.read_text(encoding="utf-8").splitlines()
    header_line = max(i for i, text in enumerate(lines[:line], start=1) if text.startswith(header))
    errors = _errors(path)
    assert [(e.key, e.line, e.message) for e in errors] == [(key, header_line, "is missing")]


def test_E01_a_reward_may_carry_a_description(tmp_path):
    text = _preset("manufacturer").replace('code = "R-KURTKA"', 'code = "R-KURTKA"\ndescription = "Ciepła"', 1)
    path = tmp_path / "programme.toml"
    path.write_text(text, encoding="utf-8")
    rewards = {reward["code"]: reward for reward in definition.read(path)[0]["rewards"]}
    assert rewards["R-KURTKA"]["description"] == "Ciepła"
