"""The schema of a programme definition (E-01): every setting the engine knows, with its type. A definition is
checked against it as a whole before anything is stored: a value of the wrong type, a date that is no date, an
amount that is no amount or a key the engine does not know (a typo would otherwise leave the default silently in
force) is reported with its key path, so the caller can name its line."""

from __future__ import annotations

import difflib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# types: str, label (a text, or a date the editor's TOML gives back unquoted), int (whole number ≥ 0), bool, date,
# money (amount with at most 2 decimals, as a string such as "549.00"), rate (a decimal fraction such as "0.15"),
# strs (a list of texts), table ([x]), tables ([[x]])
SCHEMA: dict[str, str] = {
    "tenant": "table",
    "tenant.slug": "str", "tenant.name": "str", "tenant.kind": "str", "tenant.legal_name": "str", "tenant.nip": "str",
    "tenant.address": "str", "tenant.dpo_name": "str", "tenant.dpo_email": "str", "tenant.locale": "str",
    "tenant.timezone": "str", "tenant.currency": "str",
    "programme": "table",
    "programme.code": "str", "programme.type": "str", "programme.name_pl": "str", "programme.name_en": "str",
    "programme.summary_pl": "str", "programme.summary_en": "str", "programme.starts_on": "date",
    "programme.ends_on": "date", "programme.edition": "int",
    "documents": "table",
    "documents.version": "label", "documents.terms_pl": "str", "documents.terms_en": "str",
    "documents.privacy_pl": "str", "documents.privacy_en": "str",
    "retention": "table",
    "retention.settlement_years_after_tax_year": "int",
    "consents": "tables",
    "consents[].code": "str", "consents[].kind": "str", "consents[].required": "bool", "consents[].scope": "str",
    "consents[].text_pl": "str", "consents[].text_en": "str",
    # lead-reward programmes (SPEC §5, §7)
    "lead": "table",
    "lead.quantity_unit": "str", "lead.min_quantity": "int", "lead.max_submissions_per_partner": "int",
    "lead.review_business_days": "int", "lead.duplicate_key": "str", "lead.duplicate_scope": "str",
    "lead.vendor_registry_flag": "str", "lead.base_cap_quantity": "int", "lead.max_paid_per_month": "int",
    "lead.paid_selection": "str", "lead.reward_recipient": "str", "lead.rules_version_at": "str",
    "lead.ineligible_partner_flags": "strs", "lead.exclusion_grounds": "strs", "lead.customer_country": "str",
    "lead.customer_segment": "str", "lead.vendor_name": "str", "lead.required_fields": "strs",
    "lead.families": "tables",
    "lead.families[].code": "str", "lead.families[].name_pl": "str", "lead.families[].name_en": "str",
    "lead.billing_models": "tables",
    "lead.billing_models[].code": "str", "lead.billing_models[].name_pl": "str", "lead.billing_models[].name_en": "str",
    "lead.customer_exclusions": "tables",
    "lead.customer_exclusions[].code": "str", "lead.customer_exclusions[].flag": "str",
    "lead.customer_exclusions[].unless_flag": "str", "lead.customer_exclusions[].families": "strs",
    "lead.customer_exclusions[].reason_pl": "str", "lead.customer_exclusions[].reason_en": "str",
    "lead.realisation": "table",
    "lead.realisation.source": "str", "lead.realisation.min_quantity": "int", "lead.realisation.billing": "strs",
    "lead.realisation.within_programme": "bool", "lead.realisation.not_before_qualification": "bool",
    "lead.realisation.require_new_tenant": "bool", "lead.realisation.any_seller": "bool",
    "lead.carry_over": "table",
    "lead.carry_over.previous_starts_on": "date", "lead.carry_over.previous_ends_on": "date",
    "lead.carry_over.statuses": "strs", "lead.carry_over.requires_reverification": "bool",
    "lead.payout": "table",
    "lead.payout.withhold_flags": "strs", "lead.payout.invoice_required": "bool",
    "lead.payout.agreement_name_pl": "str", "lead.payout.agreement_name_en": "str",
    "lead.reward_rules": "tables",
    "lead.reward_rules[].code": "str", "lead.reward_rules[].families": "strs", "lead.reward_rules[].billing": "strs",
    "lead.reward_rules[].band_min": "int", "lead.reward_rules[].band_max": "int", "lead.reward_rules[].rate": "rate",
    "lead.reward_rules[].base": "str", "lead.reward_rules[].min_active_months": "int",
    "settlement": "table",
    "settlement.consumption_measured_at": "str", "settlement.active_licences_counted_at": "str",
    "settlement.rerun_until_approved": "bool", "settlement.statement_formats": "strs",
    "settlement_periods": "tables",
    "settlement_periods[].number": "int", "settlement_periods[].sales_from": "date",
    "settlement_periods[].sales_until": "date", "settlement_periods[].payout_by": "date",
    "settlement_periods[].settle_on": "date",
    "bonuses": "table",
    "bonuses.new_partner": "table",
    "bonuses.new_partner.amount": "money", "bonuses.new_partner.once_per_partner": "bool",
    "bonuses.new_partner.no_realised_lead_since": "date", "bonuses.new_partner.disqualifying_flag": "str",
    "bonuses.top_partner": "table",
    "bonuses.top_partner.metric": "str", "bonuses.top_partner.tie_policy": "str",
    "bonuses.top_partner.tiers": "tables",
    "bonuses.top_partner.tiers[].min_leads": "int", "bonuses.top_partner.tiers[].amount": "money",
    "referral": "table",
    "referral.first_year_months": "int", "referral.value_from": "str",
    "pricing": "table",
    "pricing.tier_basis": "str", "pricing.tier_fee_becomes_minimum": "bool", "pricing.annual_premium_rate": "rate",
    "pricing.discount_reclaimed_pro_rata": "bool",
    "pricing.tiers": "tables",
    "pricing.tiers[].contacts_min": "int", "pricing.tiers[].contacts_max": "int",
    "pricing.tiers[].monthly_fee": "money",
    "pricing.term_discounts": "tables",
    "pricing.term_discounts[].min_months": "int", "pricing.term_discounts[].max_months": "int",
    "pricing.term_discounts[].rate": "rate",
    # installer programmes (SPEC §6)
    "loyalty": "table",
    "loyalty.territory": "str", "loyalty.points_table_notice_days": "int", "loyalty.production_code_min": "str",
    "loyalty.production_code_pattern": "str", "loyalty.installed_on_or_after": "date", "loyalty.unique_serial": "bool",
    "loyalty.points_expiry_months": "int", "loyalty.expire_all_at_end": "bool", "loyalty.spend_order": "str",
    "loyalty.required_device_fields": "strs",
    "loyalty.orders": "table",
    "loyalty.orders.cash_top_up": "bool", "loyalty.orders.annual_gross_cap": "money",
    "loyalty.orders.substitute_refund_days": "int", "loyalty.orders.delivery_method": "str",
    "loyalty.orders.max_failed_deliveries": "int", "loyalty.orders.restore_points_on_forfeit": "bool",
    "loyalty.orders.cash_equivalent": "bool", "loyalty.orders.transferable": "bool",
    "loyalty.orders.receipt_confirmation": "bool",
    "loyalty.membership": "table",
    "loyalty.membership.open_to": "strs", "loyalty.membership.others_need_approval": "bool",
    "loyalty.membership.data_consent_required": "bool", "loyalty.membership.activation_deadline_months": "int",
    "loyalty.membership.first_points_deadline_months": "int", "loyalty.membership.exclusion_grounds": "strs",
    "loyalty.membership.rejoin_allowed_after": "strs",
    "loyalty.complaints": "table",
    "loyalty.complaints.points_complaint_days": "int", "loyalty.complaints.commission_decision_days": "int",
    "loyalty.complaints.decision_notice_days": "int",
    "loyalty.proofs": "table",
    "loyalty.proofs.max_file_mb": "int", "loyalty.proofs.content_types": "strs",
    "loyalty.tax": "table",
    "loyalty.tax.pit8c_for": "str", "loyalty.tax.pit8c_fields": "strs", "loyalty.tax.pit8c_issue_by_month": "int",
    "loyalty.tax.employee_needs_employer_acceptance": "bool",
    "loyalty.end": "table",
    "loyalty.end.notice_months": "int", "loyalty.end.joining_closed_on_announcement": "bool",
    "loyalty.end.registrations_until": "str", "loyalty.end.post_end_order_days": "int",
    "loyalty.end.deliveries_after_end": "bool",
    "statuses": "tables",
    "statuses[].code": "str", "statuses[].rank": "int", "statuses[].default": "bool",
    "statuses[].registration_credential": "str", "statuses[].name_pl": "str", "statuses[].name_en": "str",
    "status_change": "table",
    "status_change.min_criteria": "int", "status_change.required_criterion": "str",
    "status_change.credential_loss_changes_status": "bool",
    "status_criteria": "tables",
    "status_criteria[].code": "str", "status_criteria[].assessed_by": "str",
    "status_criteria[].threshold_points": "int",
    "status_criteria[].window_months": "int", "status_criteria[].name_pl": "str", "status_criteria[].name_en": "str",
    "device_models": "tables",
    "device_models[].code": "str", "device_models[].category": "str", "device_models[].points": "int",
    "device_models[].name_pl": "str", "device_models[].name_en": "str",
    "bonus_campaigns": "tables",
    "bonus_campaigns[].code": "str", "bonus_campaigns[].starts_on": "date", "bonus_campaigns[].ends_on": "date",
    "bonus_campaigns[].categories": "strs", "bonus_campaigns[].extra_points": "int",
    "bonus_campaigns[].name_pl": "str", "bonus_campaigns[].name_en": "str",
    "rewards": "tables",
    "rewards[].code": "str", "rewards[].kind": "str", "rewards[].points": "int", "rewards[].gross_value": "money",
    "rewards[].delivery_days": "int", "rewards[].stock": "int", "rewards[].name_pl": "str", "rewards[].name_en": "str",
    "rewards[].description": "str",
}

# what a table must hold when it is there (the engine reads these without a default)
REQUIRED: dict[str, tuple[str, ...]] = {
    "lead.families[]": ("code",), "lead.billing_models[]": ("code",),
    "lead.customer_exclusions[]": ("code", "flag"),
    "lead.carry_over": ("previous_starts_on", "previous_ends_on"),
    "bonuses.new_partner": ("amount",), "bonuses.top_partner.tiers[]": ("min_leads", "amount"),
    "pricing.tiers[]": ("contacts_min", "contacts_max", "monthly_fee"),
    "pricing.term_discounts[]": ("min_months", "rate"),
    "statuses[]": ("code",), "status_criteria[]": ("code",),
    "device_models[]": ("code", "points"),
    "bonus_campaigns[]": ("code", "starts_on", "ends_on", "extra_points"),
    "rewards[]": ("code", "points", "gross_value"),
    "consents[]": ("code", "kind"),
}

# tables whose unknown keys the programme type's own check reports, naming the settings it reads
OPEN_TABLES = frozenset({"lead.realisation"})

# lists whose items are told apart by one key: a second item with the same value is refused (E-01), e.g. two reward
# rules of one code, or two top-partner tiers of one threshold, where only one could ever apply
UNIQUE = {"consents": "code", "lead.families": "code", "lead.billing_models": "code",
          "lead.customer_exclusions": "code", "lead.reward_rules": "code", "settlement_periods": "number",
          "bonuses.top_partner.tiers": "min_leads", "pricing.tiers": "contacts_min", "statuses": "code",
          "status_criteria": "code", "device_models": "code", "bonus_campaigns": "code", "rewards": "code"}

# settings that document the one way the engine runs a rule: another value would be a promise the engine does not
# keep, so it is refused (E-01) — a key pattern and the values the engine runs
ONLY = {"lead.duplicate_key": ("customer_nip",), "lead.duplicate_scope": ("programme",),
        "lead.paid_selection": ("earliest_transaction_first",), "lead.reward_recipient": ("registering_partner",),
        "lead.rules_version_at": ("qualification",), "lead.realisation.within_programme": (True,),
        "lead.carry_over.statuses": ("qualified",), "bonuses.top_partner.metric": ("realised_leads",),
        "bonuses.top_partner.tie_policy": ("organiser_decides",), "referral.value_from": ("signed_order",)}

# a start and the end it must not come after, in the same table (a table path, its start key, its end key)
DATE_ORDER = (("lead.carry_over", "previous_starts_on", "previous_ends_on"),
              ("bonus_campaigns[]", "starts_on", "ends_on"))

MESSAGES = {
    "str": "must be a text in quotes",
    "label": "must be a text in quotes",
    "int": "must be a whole number of at least 0",
    "bool": "must be true or false",
    "date": "must be a date written YYYY-MM-DD",
    "money": "must be an amount with at most 2 decimals, e.g. \"549.00\"",
    "rate": "must be a decimal fraction, e.g. \"0.15\"",
    "strs": "must be a list of texts, e.g. [\"a\", \"b\"]",
    "table": "must be a table ([%s])",
    "tables": "must be a list of tables ([[%s]])",
}


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# the largest whole number a setting may hold: a count of months, days or years that dates can still be counted
# with (a definition's "expiry in 99999999999 months" would overflow every date after it), any other count (points,
# stock, licences or contacts) far below what the integer columns summing it hold
CEILINGS = {"_months": 1200, "_days": 36500, "_years": 100}
INT_CEILING = 10_000_000


def int_ceiling(key: str) -> int:
    return next((ceiling for part, ceiling in CEILINGS.items() if part in key), INT_CEILING)


def _fits(kind: str, value) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "label":
        return isinstance(value, str | date) and not isinstance(value, datetime)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "date":
        if isinstance(value, datetime):
            return False
        if isinstance(value, date):
            return True
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return len(value) == 10
    if kind == "money":
        number = _decimal(value)
        return number is not None and number >= 0 and number == number.quantize(Decimal("0.01"))
    if kind == "rate":
        number = _decimal(value)
        return number is not None and number >= 0
    if kind == "strs":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "table":
        return isinstance(value, dict)
    if kind == "tables":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return True


def as_date(value) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def problems(data: dict) -> list[tuple[str, str]]:
    """(key path, message) for every value that breaks the schema; key paths number list items from 1, e.g.
    ``rewards[3].gross_value``. Amounts and rates written as numbers are turned into their exact text in ``data``."""
    found: list[tuple[str, str]] = []
    _walk(data, "", "", found)
    return found


def _walk(table: dict, pattern: str, path: str, found: list[tuple[str, str]]) -> None:
    for key, value in table.items():
        key_pattern = f"{pattern}.{key}" if pattern else key
        key_path = f"{path}.{key}" if path else key
        kind = SCHEMA.get(key_pattern)
        if kind is None and pattern in OPEN_TABLES:
            continue
        if kind is None:
            known = [k.rsplit(".", 1)[-1] for k in SCHEMA
                     if k.rpartition(".")[0] == pattern and "[" not in k.rsplit(".", 1)[-1]]
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            where = f"[{pattern.replace('[]', '')}]" if pattern else "the top level"
            found.append((key_path, f"is not a setting the engine knows in {where}{hint}"))
            continue
        if not _fits(kind, value):
            message = MESSAGES[kind]
            found.append((key_path, message % key_pattern.replace("[]", "") if "%s" in message else message))
            continue
        if kind == "int" and value > (ceiling := int_ceiling(key_pattern)):
            found.append((key_path, f"must be at most {ceiling}"))
            continue
        if key_pattern in ONLY and not _runs(value, ONLY[key_pattern]):
            runs = ", ".join(str(v).lower() if isinstance(v, bool) else f'"{v}"' for v in ONLY[key_pattern])
            found.append((key_path, f"the engine runs {runs} only"))
            continue
        if kind in ("money", "rate") and not isinstance(value, str):
            table[key] = str(value)  # E-04: 0.15 written without quotes is kept as the exact "0.15", never a float
        if kind == "table":
            _walk(value, key_pattern, key_path, found)
        elif kind == "tables":
            for index, item in enumerate(value, start=1):
                _walk(item, f"{key_pattern}[]", f"{key_path}[{index}]", found)
            found += _twice(value, key_pattern, key_path)
    for key in REQUIRED.get(pattern, ()):
        if key not in table:
            found.append((f"{path}.{key}", "is missing"))
    for table_pattern, start, end in DATE_ORDER:
        if pattern == table_pattern:
            first, last = as_date(table.get(start)), as_date(table.get(end))
            if first is not None and last is not None and last < first:
                found.append((f"{path}.{end}", f"is before {start}"))


def _twice(items: list[dict], pattern: str, path: str) -> list[tuple[str, str]]:
    """E-01: the items of a list repeating the value of the key that tells them apart (``UNIQUE``)."""
    key = UNIQUE.get(pattern)
    if key is None:
        return []
    found, seen = [], {}
    for index, item in enumerate(items, start=1):
        value = item.get(key)
        if value is None or isinstance(value, list | dict):
            continue
        if value in seen:
            found.append((f"{path}[{index}].{key}", f"{value!r} appears twice: item {seen[value]} has it already"))
        else:
            seen[value] = index
    return found


def _runs(value, supported: tuple) -> bool:
    """Whether a setting of ``ONLY`` asks for what the engine runs (a list: each of its items)."""
    values = value if isinstance(value, list) else [value]
    return all(v in supported and type(v) is type(supported[0]) for v in values)
