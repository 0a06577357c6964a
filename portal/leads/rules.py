"""A lead-reward programme's rules, read from its definition (data, not code: SPEC §4, L-30).

``LeadRules.parse`` turns the JSON-stored definition into typed values and ``problems`` lists what is wrong in a
definition (key paths such as ``lead.reward_rules[2].rate``), which ``programmes.definition`` maps to lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from portal.core.money import money

BASES = ("sale_value", "annual_subscription_value", "consumption_at_settlement", "first_year_subscription_value")
# L-02: what a submission holds, by the names a definition's ``lead.required_fields`` uses → the lead's column
# (None: the partner's record gives it; it is not asked again on each lead).
SUBMISSION_FIELDS = {
    "customer_name": "customer_name", "customer_address": "customer_address", "customer_nip": "customer_nip",
    "customer_contact_first_name": "customer_contact_first_name",
    "customer_contact_last_name": "customer_contact_last_name",
    "customer_contact_phone": "customer_contact_phone", "customer_contact_email": "customer_contact_email",
    "service_plan": "plan", "quantity": "licences", "customer_pc_count": "pcs", "term_months": "term_months",
    "partner_name": None, "partner_address": None, "partner_nip": None,
    "contact_first_name": "contact_first_name", "contact_last_name": "contact_last_name",
    "contact_phone": "contact_phone", "contact_email": "contact_email",
}
# Asked only when the definition lists them; a definition without ``required_fields`` asks the distributor's L-02 set.
OPTIONAL_FIELDS = ("plan", "pcs", "customer_contact_first_name", "customer_contact_last_name",
                   "customer_contact_phone", "customer_contact_email", "term_months")
DEFAULT_REQUIRED = ("service_plan", "customer_pc_count")
QUANTITY_UNITS = ("licences", "contacts")


@dataclass(frozen=True)
class RewardRule:
    code: str
    families: tuple[str, ...]
    billing: tuple[str, ...]
    band_min: int
    band_max: int | None
    rate: Decimal
    base: str
    min_active_months: int = 0

    def matches(self, family: str, billing: str, band: int) -> bool:
        return (family in self.families and billing in self.billing and band >= self.band_min
                and (self.band_max is None or band <= self.band_max))


@dataclass(frozen=True)
class CustomerExclusion:
    code: str
    flag: str
    families: tuple[str, ...] | None
    unless_flag: str | None
    reason: dict[str, str]

    def applies(self, flags: set[str], family: str) -> bool:
        if self.flag not in flags:
            return False
        if self.unless_flag and self.unless_flag in flags:
            return False
        return self.families is None or family in self.families


@dataclass(frozen=True)
class Period:
    number: int
    sales_from: date
    sales_until: date
    payout_by: date
    settle_on: date | None = None  # FORMATS "jobs run": the day the daily job drafts it; None: staff run it


@dataclass(frozen=True)
class Tier:
    contacts_min: int
    contacts_max: int
    monthly_fee: Decimal


@dataclass(frozen=True)
class TermDiscount:
    min_months: int
    max_months: int | None
    rate: Decimal


@dataclass
class LeadRules:
    starts_on: date
    ends_on: date
    families: tuple[str, ...]
    billing_models: tuple[str, ...]
    min_quantity: int
    max_submissions: int | None
    review_business_days: int
    vendor_registry_flag: str | None
    base_cap_quantity: int | None
    max_paid_per_month: int | None
    ineligible_partner_flags: tuple[str, ...]
    withhold_flags: tuple[str, ...]
    exclusions: list[CustomerExclusion]
    reward_rules: list[RewardRule]
    periods: list[Period]
    realisation_min_quantity: int
    require_new_tenant: bool
    not_before_qualification: bool
    carry_over: tuple[date, date] | None = None
    new_partner_amount: Decimal | None = None
    new_partner_flag: str | None = None
    top_partner_tiers: list[tuple[int, Decimal]] = field(default_factory=list)
    tiers: list[Tier] = field(default_factory=list)
    term_discounts: list[TermDiscount] = field(default_factory=list)
    first_year_months: int = 12
    asked: frozenset[str] = frozenset({"plan", "pcs"})
    quantity_unit: str = "licences"
    lead_consent_kind: str = "data_transfer"
    lead_consent_texts: dict[str, str] = field(default_factory=dict)  # language → the lead form's consent text

    def asks(self, column: str) -> bool:
        """L-02: whether a submission of this programme holds ``column`` (the always-asked ones are not optional)."""
        return column not in OPTIONAL_FIELDS or column in self.asked

    @classmethod
    def parse(cls, definition: dict) -> LeadRules:
        lead = definition["lead"]
        programme = definition["programme"]
        realisation = lead.get("realisation", {})
        carry = lead.get("carry_over")
        bonuses = definition.get("bonuses", {})
        new_partner = bonuses.get("new_partner")
        pricing = definition.get("pricing", {})
        return cls(
            starts_on=_date(programme["starts_on"]),
            ends_on=_date(programme["ends_on"]),
            families=tuple(f["code"] for f in lead.get("families", [])),
            billing_models=tuple(b["code"] for b in lead.get("billing_models", [])),
            min_quantity=int(lead.get("min_quantity", 1)),
            max_submissions=lead.get("max_submissions_per_partner"),
            review_business_days=int(lead.get("review_business_days", 5)),
            vendor_registry_flag=lead.get("vendor_registry_flag"),
            base_cap_quantity=lead.get("base_cap_quantity"),
            max_paid_per_month=lead.get("max_paid_per_month"),
            ineligible_partner_flags=tuple(lead.get("ineligible_partner_flags", [])),
            withhold_flags=tuple(lead.get("payout", {}).get("withhold_flags", [])),
            exclusions=[CustomerExclusion(e["code"], e["flag"], tuple(e["families"]) if e.get("families") else None,
                                          e.get("unless_flag"), {"pl": e.get("reason_pl", ""),
                                                                 "en": e.get("reason_en", "")})
                        for e in lead.get("customer_exclusions", [])],
            reward_rules=[RewardRule(r["code"], tuple(r["families"]), tuple(r["billing"]), int(r.get("band_min", 1)),
                                     r.get("band_max"), Decimal(r["rate"]), r["base"],
                                     int(r.get("min_active_months", 0)))
                          for r in lead.get("reward_rules", [])],
            periods=[Period(int(p["number"]), _date(p["sales_from"]), _date(p["sales_until"]), _date(p["payout_by"]),
                            _date(p["settle_on"]) if p.get("settle_on") is not None else None)
                     for p in definition.get("settlement_periods", [])],
            realisation_min_quantity=int(realisation.get("min_quantity", 0)),
            require_new_tenant=bool(realisation.get("require_new_tenant", False)),
            not_before_qualification=bool(realisation.get("not_before_qualification", True)),
            carry_over=(_date(carry["previous_starts_on"]), _date(carry["previous_ends_on"])) if carry else None,
            new_partner_amount=Decimal(new_partner["amount"]) if new_partner else None,
            new_partner_flag=new_partner.get("disqualifying_flag") if new_partner else None,
            top_partner_tiers=sorted((int(t["min_leads"]), Decimal(t["amount"]))
                                     for t in bonuses.get("top_partner", {}).get("tiers", [])),
            tiers=sorted((Tier(int(t["contacts_min"]), int(t["contacts_max"]), Decimal(t["monthly_fee"]))
                          for t in pricing.get("tiers", [])), key=lambda t: t.contacts_min),  # any order (E-01)
            term_discounts=[TermDiscount(int(d["min_months"]), d.get("max_months"), Decimal(d["rate"]))
                            for d in pricing.get("term_discounts", [])],
            first_year_months=int(definition.get("referral", {}).get("first_year_months", 12)),
            asked=_asked(lead.get("required_fields", DEFAULT_REQUIRED)),
            quantity_unit=lead.get("quantity_unit", "licences"),
            lead_consent_kind=lead_consent_kind(definition),
            lead_consent_texts={key.removeprefix("text_"): text for key, text in _lead_form_consent(definition).items()
                                if key.startswith("text_") and text},
        )

    def first_match(self, family: str, billing: str, band: int) -> tuple[int, RewardRule] | None:
        """L-11: the first rule in table order that matches wins; its position is shown to the organiser."""
        for index, rule in enumerate(self.reward_rules, start=1):
            if rule.matches(family, billing, band):
                return index, rule
        return None

    def period(self, number: int) -> Period | None:
        return next((p for p in self.periods if p.number == number), None)

    @property
    def awards_top_partner(self) -> bool:
        """L-16: the campaign awards its top partner (the SaaS vendor's referral programme does not)."""
        return bool(self.top_partner_tiers)

    def top_partner_amount(self, realised: int) -> Decimal | None:
        """L-16: the highest tier whose threshold the count reaches."""
        amount = None
        for threshold, value in self.top_partner_tiers:
            if realised >= threshold:
                amount = value
        return amount

    def first_year_value(self, contacts: int, term_months: int) -> Decimal | None:
        """SPEC §7: tier price for the contact count × (1 − term discount) × months of the first year; the discounted
        monthly fee is a price in grosze, as the order form states it (OWU VIII.7: its prices include discounts)."""
        terms = self.first_year_terms(contacts, term_months)
        if terms is None:
            return None
        fee, discount, months = terms
        return money(fee * (1 - discount)) * months

    def first_year_terms(self, contacts: int, term_months: int) -> tuple[Decimal, Decimal, int] | None:
        """The order form's terms of a first year (SPEC §7): the tier's monthly price for the contact count, the term
        discount, and the months of the first year the term covers; None when no tier prices the count."""
        tier = next((t for t in self.tiers if t.contacts_min <= contacts <= t.contacts_max), None)
        if tier is None and self.tiers and contacts > self.tiers[-1].contacts_max:
            tier = self.tiers[-1]
        if tier is None:
            return None
        discount = next((d.rate for d in self.term_discounts if d.min_months <= term_months
                         and (d.max_months is None or term_months <= d.max_months)), Decimal(0))
        return tier.monthly_fee, discount, min(term_months, self.first_year_months)


def _lead_form_consent(definition: dict) -> dict:
    """The programme's first `[[consents]]` entry scoped to the lead form ({} where it words none)."""
    return next((c for c in definition.get("consents", []) if c.get("scope") == "lead_form"), {})


def lead_consent_kind(definition: dict) -> str:
    """L-21/§7: what the lead form asks about the contact's data: the kind its consent entry names; a lead form that
    words no statement of its own asks for the consent to pass the lead to a vendor (`data_transfer`)."""
    return _lead_form_consent(definition).get("kind", "data_transfer")


def _asked(required) -> frozenset[str]:
    """The optional lead columns a definition's ``required_fields`` names (E-01 reports names it does not know)."""
    names = required if isinstance(required, list | tuple) else DEFAULT_REQUIRED
    return frozenset(SUBMISSION_FIELDS[n] for n in names
                     if isinstance(n, str) and SUBMISSION_FIELDS.get(n) in OPTIONAL_FIELDS)


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# L-10: the [lead.realisation] keys; the engine reads min_quantity, not_before_qualification and require_new_tenant,
# the others document the campaign's terms (the sales report's source, its dates and sellers)
REALISATION_SETTINGS = ("source", "min_quantity", "billing", "within_programme", "not_before_qualification",
                        "require_new_tenant", "any_seller")


def problems(definition: dict) -> list[tuple[str, str]]:
    """(key path, message) for everything in a lead-reward definition the engine cannot run on."""
    found: list[tuple[str, str]] = []
    lead = definition.get("lead")
    if not isinstance(lead, dict):
        return [("lead", "is missing: a lead-reward programme needs a [lead] table")]
    if not isinstance(definition.get("programme", {}).get("ends_on"), date | str):
        found.append(("programme.ends_on", "is missing: a campaign needs an end date"))
    families = {f.get("code") for f in lead.get("families", [])}
    billing = {b.get("code") for b in lead.get("billing_models", [])}
    for key in ("min_quantity", "review_business_days"):
        if not isinstance(lead.get(key), int) or lead.get(key) < 0:
            found.append((f"lead.{key}", "must be a whole number of at least 0"))
    required = lead.get("required_fields", [])
    if not isinstance(required, list):
        found.append(("lead.required_fields", "must be a list of lead field names"))
        required = []
    for i, name in enumerate(required, start=1):
        if not isinstance(name, str) or name not in SUBMISSION_FIELDS:
            found.append((f"lead.required_fields[{i}]", f"{name!r} is not a lead field: use one of "
                                                        f"{', '.join(SUBMISSION_FIELDS)}"))
    for key in lead.get("realisation", {}):
        if key not in REALISATION_SETTINGS:
            found.append((f"lead.realisation.{key}", f"is not a realisation setting: use one of "
                                                     f"{', '.join(REALISATION_SETTINGS)}"))
    if lead.get("quantity_unit", "licences") not in QUANTITY_UNITS:
        found.append(("lead.quantity_unit", f"must be one of {', '.join(QUANTITY_UNITS)}"))
    rules = lead.get("reward_rules", [])
    if not rules:
        found.append(("lead.reward_rules", "needs at least one rule"))
    for i, rule in enumerate(rules, start=1):
        path = f"lead.reward_rules[{i}]"
        for key in ("code", "families", "billing", "rate", "base"):
            if key not in rule:
                found.append((f"{path}.{key}", "is missing"))
        try:
            rate = Decimal(str(rule.get("rate", "")))
            if not Decimal(0) <= rate <= Decimal(1):
                found.append((f"{path}.rate", "must be a fraction between 0 and 1, e.g. \"0.15\""))
        except InvalidOperation:
            found.append((f"{path}.rate", "must be a decimal string, e.g. \"0.15\""))
        if rule.get("base") not in BASES:
            found.append((f"{path}.base", f"must be one of {', '.join(BASES)}"))
        for family in rule.get("families", []):
            if families and family not in families:
                found.append((f"{path}.families", f"{family!r} is not one of lead.families"))
        for model in rule.get("billing", []):
            if billing and model not in billing:
                found.append((f"{path}.billing", f"{model!r} is not one of lead.billing_models"))
        low, high = rule.get("band_min", 1), rule.get("band_max")
        if high is not None and (not isinstance(high, int) or high < low):
            found.append((f"{path}.band_max", "must be a whole number not below band_min"))
    found += _pricing_problems(definition, lead, rules)
    for i, period in enumerate(definition.get("settlement_periods", []), start=1):
        for key in ("number", "sales_from", "sales_until", "payout_by"):
            if key not in period:
                found.append((f"settlement_periods[{i}].{key}", "is missing"))
        first, last, payout = (_day(period.get(k)) for k in ("sales_from", "sales_until", "payout_by"))
        if first and last and last < first:
            found.append((f"settlement_periods[{i}].sales_until", "is before sales_from"))
        if last and payout and payout < last:
            found.append((f"settlement_periods[{i}].payout_by", "is before sales_until: a payout cannot come before "
                                                                "the sales it pays for"))
        settle_on = _day(period.get("settle_on"))
        if settle_on and last and payout and not last < settle_on <= payout:
            found.append((f"settlement_periods[{i}].settle_on", "must fall after sales_until and by payout_by"))
    found += _period_sequence_problems(definition)
    return found


def _period_sequence_problems(definition: dict) -> list[tuple[str, str]]:
    """L-17 / L-08: the settlement periods cover the campaign's sales once — in number order each starts the day
    after the previous one ends (an overlap would pay a sale twice, a gap never), none outside the campaign."""
    found: list[tuple[str, str]] = []
    programme = definition.get("programme", {})
    starts, ends = _day(programme.get("starts_on")), _day(programme.get("ends_on"))
    periods = [(i, p, _day(p.get("sales_from")), _day(p.get("sales_until")))
               for i, p in enumerate(definition.get("settlement_periods", []), start=1)]
    periods = sorted((item for item in periods if item[2] and item[3] and item[2] <= item[3]
                      and isinstance(item[1].get("number"), int)), key=lambda item: item[1]["number"])
    previous = None
    for i, period, first, last in periods:
        path = f"settlement_periods[{i}]"
        if starts and first < starts:
            found.append((f"{path}.sales_from", f"is before the campaign starts ({starts}): sales outside the "
                                                f"campaign are not rewarded"))
        if ends and last > ends:
            found.append((f"{path}.sales_until", f"is after the campaign ends ({ends}): sales outside the campaign "
                                                 f"are not rewarded"))
        if previous is not None:
            number, until = previous
            if first <= until:
                found.append((f"{path}.sales_from", f"overlaps period {number}, whose sales run until {until}: "
                                                    f"a sale would be settled twice"))
            elif first > until + timedelta(days=1):
                found.append((f"{path}.sales_from", f"leaves a gap after period {number}: sales from "
                                                    f"{until + timedelta(days=1)} to {first - timedelta(days=1)} "
                                                    f"would never be settled"))
        previous = (period["number"], last)
    return found


def _day(value) -> date | None:
    """A calendar day from a definition value (a TOML date or its ISO text); None for anything else."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _pricing_problems(definition: dict, lead: dict, rules: list) -> list[tuple[str, str]]:
    """SPEC §7 / C-02: the order form's price list a first-year value is computed from — every contact count from
    the smallest a lead may hold up to the top tier has exactly one tier price, every term at most one discount."""
    found: list[tuple[str, str]] = []
    pricing = definition.get("pricing", {}) if isinstance(definition.get("pricing"), dict) else {}
    tiers = [t for t in pricing.get("tiers", []) if isinstance(t, dict)]
    if any(isinstance(r, dict) and r.get("base") == "first_year_subscription_value" for r in rules) and not tiers:
        found.append(("pricing.tiers", "is missing: a first-year subscription value needs the tier prices"))
    previous = None
    for i, tier in sorted(enumerate(tiers, start=1), key=lambda item: _int(item[1].get("contacts_min")) or 0):
        low, high = _int(tier.get("contacts_min")), _int(tier.get("contacts_max"))
        if low is None or high is None:
            continue  # the schema reports a missing or mistyped bound
        if high < low:
            found.append((f"pricing.tiers[{i}].contacts_max", f"is below contacts_min ({low})"))
            continue
        if previous is None:
            smallest = max(1, _int(lead.get("min_quantity")) or 1)
            if low > smallest:
                found.append((f"pricing.tiers[{i}].contacts_min", f"leaves {smallest}–{low - 1} contacts without "
                                                                  f"a price: the lowest tier must start at {smallest}"))
        elif low > previous[1] + 1:
            found.append((f"pricing.tiers[{i}].contacts_min", f"leaves {previous[1] + 1}–{low - 1} contacts without "
                                                              f"a price after tier {previous[0]}"))
        elif low <= previous[1]:
            found.append((f"pricing.tiers[{i}].contacts_min", f"overlaps tier {previous[0]}, which ends at "
                                                              f"{previous[1]}"))
        previous = (i, high) if previous is None or high > previous[1] else previous
    spans: list[tuple[int, int, int | None]] = []
    for i, discount in enumerate(pricing.get("term_discounts", []), start=1):
        if not isinstance(discount, dict):
            continue
        try:
            rate = Decimal(str(discount.get("rate", "")))
            if not Decimal(0) <= rate <= Decimal(1):
                found.append((f"pricing.term_discounts[{i}].rate", "must be a fraction between 0 and 1, e.g. "
                                                                   "\"0.30\""))
        except InvalidOperation:
            pass  # the schema reports it
        low, high = _int(discount.get("min_months")), _int(discount.get("max_months"))
        if low is None:
            continue
        if low < 1:
            found.append((f"pricing.term_discounts[{i}].min_months", "must be at least 1"))
        if high is not None and high < low:
            found.append((f"pricing.term_discounts[{i}].max_months", f"is below min_months ({low})"))
            continue
        for j, other_low, other_high in spans:
            if low <= (other_high if other_high is not None else low) and other_low <= (high if high is not None
                                                                                          else other_low):
                found.append((f"pricing.term_discounts[{i}].min_months", f"overlaps term discount {j}: a term "
                                                                         f"may have one discount only"))
                break
        spans.append((i, low, high))
    referral = definition.get("referral", {}) if isinstance(definition.get("referral"), dict) else {}
    if "first_year_months" in referral and _int(referral["first_year_months"]) is not None \
            and not 1 <= referral["first_year_months"] <= 12:
        found.append(("referral.first_year_months", "must be a number of months from 1 to 12"))
    return found


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
