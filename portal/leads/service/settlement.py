"""Settlement of a period (L-10 … L-19): every realised lead's reward explained line by line.

The run is deterministic: the same data gives the same lines (and the same CSV). A draft can be re-run; an
approved settlement is frozen, and corrections of its sales come back as negative lines in a later period.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select

from portal.core import safecsv
from portal.core.clock import Clock
from portal.core.errors import Conflict, DomainError, NotFound
from portal.core.money import money
from portal.core.rows import insert_rows
from portal.extensions import db
from portal.leads.models import QUALIFIED, CustomerFact, Lead, Partner, Sale, Settlement, SettlementLine
from portal.leads.rules import LeadRules
from portal.leads.service import partners as partner_service
from portal.leads.service.programme import rules_of, rules_on, version_on
from portal.privacy import audit
from portal.privacy.erasure import is_masked
from portal.programmes.models import ProgrammeVersion
from portal.programmes.service import timezone_of
from portal.tenancy.guard import current_tenant_id

CSV_COLUMNS = ("partner_nip", "ref", "line", "rule", "base", "rate", "amount", "status", "reason")
LINE_ORDER = {"reward": 0, "new_partner_bonus": 1, "top_partner_award": 2}
PAYABLE, WITHHELD, NOT_PAID = "payable", "withheld", "not_paid"
ZERO = Decimal("0.00")
LINE_COLUMNS = ("tenant_id", "settlement_id", "partner_id", "partner_nip", "lead_id", "ref", "line", "rule",
                "rule_code", "base", "rate", "amount", "status", "reason", "transaction_date", "programme_version_id")


@dataclass
class Line:
    partner: Partner
    line: str
    rule: str
    status: str
    reason: str
    ref: str = ""
    lead: Lead | None = None
    base: Decimal = ZERO
    rate: Decimal = Decimal(0)
    amount: Decimal = ZERO
    rule_code: str = ""
    transaction_date: date | None = None
    version_id: int | None = None
    realised: bool = False

    def key(self) -> tuple:
        return (self.partner.nip, LINE_ORDER.get(self.line, 9), self.transaction_date or date.min, self.ref)


@dataclass(frozen=True)
class Part:
    """A lead's sales of one family in one licensing model, summed: L-11 gives each family and model its own rate
    and base; L-12 caps each service bought ("500 licencji zakupionej usługi") over all its licensing models."""

    first_date: date
    family: str
    billing: str
    licences: int
    value: Decimal
    months_active: int
    new_tenant: bool


@dataclass
class Realisation:
    """What the vendor's report says about one lead in a window: its sales summed per family and licensing model
    (``parts``, the earliest first), dated by the first. Over the whole lead: the licences realise it (L-10) when its
    first purchase started the customer's new tenant — licences added to that tenant later come flagged as not new
    and still count — and L-14 counts it once."""

    parts: list[Part]

    @property
    def first_date(self) -> date:
        return self.parts[0].first_date

    @property
    def family(self) -> str:
        return self.parts[0].family

    @property
    def billing(self) -> str:
        return self.parts[0].billing

    @property
    def licences(self) -> int:
        return sum(part.licences for part in self.parts)

    @property
    def value(self) -> Decimal:
        return sum((part.value for part in self.parts), Decimal(0))

    @property
    def new_tenant(self) -> bool:
        """The first purchase started a new tenant (the parts bought first decide; later ones add to it)."""
        return any(part.new_tenant for part in self.parts if part.first_date == self.parts[0].first_date)

    @classmethod
    def of(cls, sales: list[Sale]) -> Realisation:
        groups: dict[tuple[str, str], list[Sale]] = {}
        for sale in sorted(sales, key=lambda s: (s.transaction_date, s.id)):
            groups.setdefault((sale.family, sale.billing), []).append(sale)
        return cls([Part(group[0].transaction_date, family, billing, sum(s.licences for s in group),
                         sum((s.value for s in group), Decimal(0)), max(s.months_active for s in group),
                         any(s.new_tenant for s in group if s.transaction_date == group[0].transaction_date))
                    for (family, billing), group in groups.items()])


@dataclass
class Context:
    as_of: date
    campaign: LeadRules
    versions: dict[int, LeadRules]
    facts: dict[str, set[str]]
    partners: dict[int, Partner]
    paid_before: dict[int, SettlementLine] = field(default_factory=dict)
    restricted: set[int] = field(default_factory=set)
    proposed_from: date | None = None  # the editor's preview: ``campaign`` settles the leads qualified from this day
    counted: dict[date, dict[int, int]] = field(default_factory=dict)  # ``realised_counts`` by its end, once a run

    def rules_for(self, lead: Lead) -> tuple[LeadRules, int | None]:
        """L-30: the version in force when the lead was qualified."""
        if self.proposed_from is not None and lead.decided_on is not None and lead.decided_on >= self.proposed_from:
            return self.campaign, None
        if lead.programme_version_id and lead.programme_version_id in self.versions:
            return self.versions[lead.programme_version_id], lead.programme_version_id
        return self.campaign, None


def _fmt_rate(rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return f"{rate:.2f}" if len(text.partition(".")[2]) < 2 else text


def _not_payable(lead: Lead, real: Realisation, partner: Partner, rules: LeadRules,
                 ctx: Context) -> tuple[str, str] | None:
    """(rule, reason) when the lead cannot earn whatever its sales: not qualified (L-07), the partner not eligible
    (L-01, L-20), the customer registered with the vendor (L-04) or excluded (L-05)."""
    if lead.status != QUALIFIED or lead.decided_on is None or lead.decided_on > ctx.as_of:
        return "L-07", "the lead was rejected" if lead.status == "rejected" else "the lead has not been qualified"
    refusal = partner_service.ineligibility(partner, rules)
    if refusal:
        return refusal
    flags = ctx.facts.get(lead.customer_nip, set())
    if rules.vendor_registry_flag and rules.vendor_registry_flag in flags:
        # Microsoft's verification answers after the submission (seed: "weryfikacja przez Microsoft")
        return "L-04", "the customer is already registered with the vendor"
    excluded = [_exclusion(flags, part.family, rules) for part in real.parts]
    if all(excluded):
        return "L-05", excluded[0]
    return None  # a family the customer is excluded from earns nothing (``_price``); the others do


def _exclusion(flags: set[str], family: str, rules: LeadRules) -> str | None:
    """L-05: why the customer cannot earn a reward for ``family`` (None when it can)."""
    for exclusion in rules.exclusions:
        if exclusion.applies(flags, family):
            return exclusion.reason.get("en") or exclusion.code
    return None


@dataclass
class Priced:
    """One part of a lead's sales under the lead's rules: payable, or the reason it earns nothing."""

    part: Part
    reason: str
    rule_code: str = ""
    rate: Decimal = Decimal(0)
    base: Decimal = ZERO
    amount: Decimal = ZERO
    capped: bool = False
    payable: bool = False


def _price(lead: Lead, part: Part, rules: LeadRules, flags: set[str] | None, family_licences: int) -> Priced:
    """L-11/L-12 for one family and licensing model of the lead's sales; ``flags``: the customer's facts when its
    exclusions (L-05) are to be judged, None when not; ``family_licences``: the licences of the part's family in all
    its licensing models (L-12 caps "500 licencji zakupionej usługi", the service whatever its billing)."""
    excluded = _exclusion(flags, part.family, rules) if flags is not None else None
    if excluded:
        return Priced(part, f"L-05: {excluded}")
    # L-12: a lead above the cap is paid as one of the cap's size, so it falls in the band of the cap
    band = min(lead.licences, rules.base_cap_quantity) if rules.base_cap_quantity else lead.licences
    match = rules.first_match(part.family, part.billing, band)
    if match is None:
        return Priced(part, f"no reward rate for {part.family} {part.billing} with {lead.licences} {_unit(rules)}")
    position, rule = match
    priced = Priced(part, "", rule_code=rule.code, rate=rule.rate)
    if rule.min_active_months and part.months_active < rule.min_active_months:
        priced.reason = (f"{part.months_active} month{'' if part.months_active == 1 else 's'} of active consumption; "
                         f"rule {position} needs {rule.min_active_months}")
        return priced
    if rule.base == "first_year_subscription_value" and part.months_active < 1:
        priced.reason = "the signed order gives no contract term in months"
        return priced
    base, priced.capped = _base(rule.base, part, rules, family_licences)
    if base is None:
        priced.reason = "no price tier for this contact count"
        return priced
    priced.base = money(base)
    priced.amount = money(priced.base * rule.rate)  # E-04: from the base as shown, so it can be checked by hand
    priced.payable = True
    priced.reason = f"rule {position} ({rule.code}): {_fmt_rate(rule.rate)} of {rule.base.replace('_', ' ')}"
    if priced.capped:
        priced.reason += f", base capped at {rules.base_cap_quantity} {_unit(rules)}"
    if rule.base == "first_year_subscription_value":  # L-19: the order form's terms, so it can be checked by hand
        contacts = min(part.licences, rules.base_cap_quantity) if rules.base_cap_quantity else part.licences
        fee, discount, months = rules.first_year_terms(contacts, part.months_active)
        priced.reason += f"; first year: {months} × {fee:.2f} a month less {_fmt_rate(discount)} term discount"
    return priced


def evaluate(lead: Lead, real: Realisation, ctx: Context, *, as_paid: bool = False) -> Line:
    """The reward line of one lead, before the per-month limit (L-14) and withholding (L-18). ``as_paid``: the lead
    was already paid (an L-19 re-evaluation), so its qualification, the partner's eligibility and the customer's
    exclusions were judged then; only the sales are looked at again."""
    partner = ctx.partners[lead.partner_id]
    rules, version_id = ctx.rules_for(lead)
    line = Line(partner, "reward", "L-10", NOT_PAID, "", ref=lead.ref, lead=lead,
                transaction_date=real.first_date, version_id=version_id)
    refusal = None if as_paid else _not_payable(lead, real, partner, rules, ctx)
    if refusal:
        line.rule, line.reason = refusal
        return line
    reason = _unrealised(lead, real, rules)
    if reason:
        line.reason = reason
        return line
    line.realised = True
    # a lead already paid was judged eligible then (L-05 then); no fact marked since takes back what it was paid
    flags = None if as_paid else ctx.facts.get(lead.customer_nip, set())
    family_licences: dict[str, int] = defaultdict(int)
    for part in real.parts:
        family_licences[part.family] += part.licences
    priced = [_price(lead, part, rules, flags, family_licences[part.family]) for part in real.parts]
    paid = [p for p in priced if p.payable]
    line.rule = "L-12" if any(p.capped for p in paid) else "L-11"
    line.rule_code, line.rate = (paid or priced)[0].rule_code, (paid or priced)[0].rate
    if len(priced) == 1:
        line.reason = priced[0].reason
    else:  # L-19: each family and model with its own rule and amount, so the line can be checked by hand
        line.reason = "; ".join(f"{p.part.family} {p.part.billing}: {p.reason}" + (f" = {p.amount}" if p.payable
                                                                                     else "") for p in priced)
    if paid:
        line.base = sum((p.base for p in paid), ZERO)
        line.amount = sum((p.amount for p in paid), ZERO)
        line.status = PAYABLE
        rates = {p.rate for p in paid}
        # one rate, or the rate the parts' amounts come to on the summed base (the reason gives each part's own)
        if len(rates) > 1 and line.base:
            line.rate = (line.amount / line.base).quantize(Decimal("0.0001"))
    return line


NOT_NEW_CUSTOMER = "the customer is not new: it had an active contract with the organiser before"
NO_REALISED_LEAD = "the vendor's report no longer shows a realised lead of the partner"


def _unrealised(lead, real: Realisation, rules: LeadRules) -> str | None:
    """L-10: why the vendor's report does not realise the lead (None when it does); reasons built only when needed."""
    if real.first_date > rules.ends_on:
        return f"the sale on {real.first_date} came after the campaign ended on {rules.ends_on}"
    if real.first_date < rules.starts_on:
        return "the sale is outside the campaign dates"
    # a lead carried over from the previous edition was confirmed then; this campaign's qualification only takes it
    # over, so any sale within the campaign realises it (seed: "w okresie trwania bieżącej promocji")
    if rules.not_before_qualification and real.first_date < lead.decided_on and not lead.carried_over:
        return f"the sale on {real.first_date} came before the qualification on {lead.decided_on}"
    if real.licences < rules.realisation_min_quantity:
        bought = "contacts signed for" if _unit(rules) == "contacts" else "licences bought"
        return f"{real.licences} {bought}; at least {rules.realisation_min_quantity} are needed"
    if rules.require_new_tenant and not real.new_tenant:
        if _unit(rules) == "contacts":  # §7: the organiser's own service — a new customer, not a vendor's tenant
            return NOT_NEW_CUSTOMER
        return "the service was not started on a new tenant"
    if not any(part.billing in rules.billing_models for part in real.parts):
        return f"licensing model {real.billing} is not covered"
    return None


def _unit(rules: LeadRules) -> str:
    """The programme's quantity unit in the reasons the statement CSV carries: a referral (§7) counts contacts."""
    return "contacts" if rules.quantity_unit == "contacts" else "licences"


def _base(kind: str, part: Part, rules: LeadRules, family_licences: int) -> tuple[Decimal | None, bool]:
    cap = rules.base_cap_quantity
    if kind == "first_year_subscription_value":
        contacts = min(part.licences, cap) if cap else part.licences
        return rules.first_year_value(contacts, part.months_active), bool(cap and part.licences > cap)
    if cap and family_licences > cap:  # the part's share of the value of ``cap`` licences of its service
        return part.value * cap / family_licences, True
    return part.value, False


def _limit_per_month(lines: list[Line], ctx: Context, already: dict[tuple[int, int, int], int]) -> None:
    """L-14: at most N realised leads per partner per calendar month are paid, the earliest transactions first;
    L-30: N is that of the version each lead was qualified under (a later cut does not reach it)."""
    by_month: dict[tuple[int, int, int], list[Line]] = defaultdict(list)
    for line in lines:
        if line.status == PAYABLE:
            day = line.transaction_date
            by_month[(line.partner.id, day.year, day.month)].append(line)
    for key, group in by_month.items():
        group.sort(key=lambda ln: (ln.transaction_date, ln.lead.submitted_on, ln.ref))
        paid = already.get(key, 0)
        for line in group:
            limit = ctx.rules_for(line.lead)[0].max_paid_per_month
            if not limit or paid < limit:
                paid += 1
                continue
            line.status, line.rule, line.amount = NOT_PAID, "L-14", ZERO
            line.reason = _also(line.reason, f"more than {limit} realised leads in {key[1]}-{key[2]:02d}; "
                                             "the earliest transactions are paid")


def _also(computed: str, decided: str) -> str:
    """A line's reason when L-14 or L-18 decides its status: what computed it (the rule applied, the cap) stays on
    the statement before what decided it (L-19)."""
    return f"{computed}; {decided}" if computed else decided


def _withhold(line: Line, rules: LeadRules) -> None:
    """L-18: payout withheld while in arrears or without an active cloud agreement."""
    flags = [f for f in line.partner.flags or [] if f in rules.withhold_flags]
    if line.status == PAYABLE and flags:
        line.status, line.rule = WITHHELD, "L-18"
        line.reason = _also(line.reason, "withheld: " + ", ".join(f.replace("_", " ") for f in flags))


def _context(as_of: date, campaign: LeadRules) -> Context:
    versions = {v.id: rules_of(v) for v in db.session.scalars(select(ProgrammeVersion))
                if v.definition.get("programme", {}).get("type") == "lead_reward"}
    facts: dict[str, set[str]] = defaultdict(set)
    for nip, flag in db.session.execute(select(CustomerFact.customer_nip, CustomerFact.flag)):
        facts[nip].add(flag)
    partners = {p.id: p for p in db.session.scalars(select(Partner))}
    return Context(as_of, campaign, versions, facts, partners, restricted=restricted_partner_ids())


def restricted_partner_ids() -> set[int]:
    """G-07: partners whose contact restricted the processing of their data are left out until it is lifted."""
    from portal.accounts.models import User

    return set(db.session.scalars(select(Partner.id).join(User, User.id == Partner.user_id)
                                  .where(User.restricted_at.is_not(None)))) | \
        set(db.session.scalars(select(Partner.id).where(Partner.restricted_at.is_not(None))))  # no account


def restricted_with_leads() -> int:
    """G-07: how many restricted partners have a qualified lead — what a settlement run leaves out for now."""
    restricted = restricted_partner_ids()
    if not restricted:
        return 0
    return len(set(db.session.scalars(select(Lead.partner_id).where(Lead.partner_id.in_(restricted),
                                                                    Lead.status == QUALIFIED))))


LEAD_COLUMNS = ("id", "ref", "partner_id", "customer_nip", "licences", "status", "decided_on", "submitted_on",
                "programme_version_id", "carried_over")
CENT = Decimal("0.01")


def _realisations(start: date, end: date) -> list[tuple[Lead, Realisation]]:
    """Leads with sales dated in [start, end], each with its sales summed in the database per family and licensing
    model (``Realisation.of`` in SQL; the parts ordered by their first sale, by date then id)."""
    parts = (select(Sale.ref, Sale.family, Sale.billing,
                    func.min(Sale.transaction_date).label("first_date"), func.min(Sale.id).label("first_id"),
                    func.sum(Sale.value).label("value"), func.sum(Sale.licences).label("sold"),
                    func.max(Sale.months_active).label("months_active"),
                    func.min(case((Sale.new_tenant, Sale.transaction_date), else_=None)).label("first_new"))
             .where(Sale.tenant_id == current_tenant_id(), Sale.transaction_date >= start,
                    Sale.transaction_date <= end)
             .group_by(Sale.ref, Sale.family, Sale.billing).subquery())
    query = (select(*(getattr(Lead, c) for c in LEAD_COLUMNS), parts.c.first_date, parts.c.first_id,
                    parts.c.family, parts.c.billing, parts.c.sold, parts.c.value, parts.c.months_active,
                    parts.c.first_new)
             .join(parts, parts.c.ref == Lead.ref))
    leads: dict[int, tuple[object, list[tuple[date, int, Part]]]] = {}
    for row in db.session.execute(query):
        value = row.value if isinstance(row.value, Decimal) else Decimal(str(row.value))
        part = Part(row.first_date, row.family, row.billing, int(row.sold), value.quantize(CENT), row.months_active,
                    row.first_new is not None and row.first_new == row.first_date)  # its first sale started one
        leads.setdefault(row.id, (row, []))[1].append((row.first_date, row.first_id, part))
    return [(row, Realisation([part for *_, part in sorted(found, key=lambda f: f[:2])]))
            for row, found in leads.values()]


def _earlier(before_period: int) -> tuple[list[SettlementLine], list[SettlementLine], set[int]]:
    """Lines of the earlier periods' settlements: (approved ones, drafts, periods approved)."""
    rows = db.session.execute(select(SettlementLine, Settlement.status, Settlement.period)
                              .join(Settlement, Settlement.id == SettlementLine.settlement_id)
                              .where(Settlement.period < before_period)).all()
    approved_periods = set(db.session.scalars(select(Settlement.period).where(
        Settlement.period < before_period, Settlement.status == "approved")))
    return ([ln for ln, status, _ in rows if status == "approved"],
            [ln for ln, status, _ in rows if status != "approved"], approved_periods)


def _paid(ln: SettlementLine) -> bool:
    return ln.line == "reward" and ln.status == PAYABLE and ln.amount > 0


def compute(period_number: int, *, as_of: date, override: LeadRules | None = None,
            override_from: date | None = None) -> list[Line]:
    """Every line of the period's statement, without writing anything. ``override`` settles every lead by the
    given rules instead — or, with ``override_from``, the leads qualified on or after that day, the others keeping
    the version they were qualified under (L-30) — for the editor's preview of a change.

    A lead's sales count from the start of the first period to the end of the period that pays it. Leads of an
    earlier, approved period that it did not pay come back when they now qualify: consumption that reached its
    months (L-11, L-17), a payout withheld while the partner was in arrears and now released (L-18)."""
    campaign = override or rules_of(version_on(as_of))
    period = campaign.period(period_number)
    if period is None:
        raise NotFound(_("The programme has no settlement period %(period)s.", period=period_number))
    ctx = _context(as_of, campaign)
    if override is not None and override_from is None:
        ctx.versions = {}
    elif override is not None:
        ctx.proposed_from = override_from
    earlier, drafts, approved_periods = _earlier(period_number)
    paid_before = {ln.lead_id for ln in earlier if _paid(ln)}
    realised = {ln.partner_id for ln in earlier + drafts
                if ln.line == "reward" and ln.status in (PAYABLE, WITHHELD) and ln.amount > 0}
    not_new = realised | {ln.partner_id for ln in earlier if ln.line == "new_partner_bonus" and ln.status == PAYABLE} \
        | {ln.partner_id for ln in drafts if ln.line == "new_partner_bonus"}
    withheld_bonus = {ln.partner_id: ln for ln in earlier if ln.line == "new_partner_bonus" and ln.status == WITHHELD}
    for ln in earlier:
        if ln.line == "new_partner_bonus" and ln.status == PAYABLE:
            withheld_bonus.pop(ln.partner_id, None)
    end = min(period.sales_until, as_of)
    first_start = min(p.sales_from for p in campaign.periods)
    again, gone = _paid_again(earlier, ctx, first_start, end)
    # L-14: a paid lead the vendor's report no longer shows as realised holds no place in its month's limit; a lead
    # paid in several lines (more sold later, L-10) holds one
    paid_in_month = {(ln.partner_id, ln.transaction_date.year, ln.transaction_date.month, ln.lead_id)
                     for ln in earlier if _paid(ln) and ln.transaction_date and ln.lead_id not in gone}
    already_per_month: dict[tuple[int, int, int], int] = defaultdict(int)
    for partner_id, year, month, _lead in paid_in_month:
        already_per_month[(partner_id, year, month)] += 1
    listed_before = {ln.lead_id for ln in earlier if ln.lead_id}
    lines, carried = [], []
    in_campaign: set[int] = set()
    for lead, real in _realisations(first_start, end):
        in_campaign.add(lead.id)
        if lead.id in paid_before or lead.partner_id in ctx.restricted:
            continue
        if real.first_date >= period.sales_from:
            lines.append(evaluate(lead, real, ctx))
            continue
        origin = next((p.number for p in campaign.periods if p.sales_from <= real.first_date <= p.sales_until), None)
        if origin in approved_periods:
            line = evaluate(lead, real, ctx)
            # paid now, or never listed: the vendor reported its sale after the period was approved (L-19)
            if line.status == PAYABLE or lead.id not in listed_before:
                carried.append(line)
    lines += carried
    _limit_per_month(lines, ctx, already_per_month)
    for line in lines:
        _withhold(line, ctx.campaign)
    # a carried lead the month's limit now refuses is listed once with L-14 (L-19: the organiser sees why it is
    # not paid); one an approved period already refused for that limit is not listed again
    refused_before = {ln.lead_id for ln in earlier if ln.line == "reward" and ln.rule == "L-14"}
    carried_ids = {id(ln) for ln in carried}  # identity: two lines may hold equal values
    lines = [ln for ln in lines if id(ln) not in carried_ids or ln.status != NOT_PAID
             or ln.lead.id not in listed_before or (ln.rule == "L-14" and ln.lead.id not in refused_before)]
    lines += again
    closes_campaign = period.sales_until >= campaign.ends_on or period_number == max(p.number for p in campaign.periods)
    if closes_campaign:
        lines += _after_the_campaign(ctx, in_campaign | paid_before)
    lines += _new_partner_bonuses(lines, ctx, not_new, withheld_bonus, end)
    lines += _bonuses_taken_back(earlier, {ln.partner_id for ln in earlier if ln.lead_id in gone}, ctx, end)
    if closes_campaign:
        decided = db.session.scalar(select(Settlement.tie_award).where(Settlement.period == period_number))
        lines += _top_partner(ctx, end, decided)
    return sorted(lines, key=Line.key)


def _after_the_campaign(ctx: Context, settled: set[int]) -> list[Line]:
    """L-10/L-19: a lead whose sales all came after the campaign ended is realised by none of them, yet is listed —
    not paid, with the reason — like every lead whose sale does not count; the period that closes the campaign lists
    it. ``settled``: the leads a sale within the campaign already settles (listed, or paid before)."""
    after = ctx.campaign.ends_on + timedelta(days=1)
    if after > ctx.as_of:
        return []
    lines = []
    for lead, real in _realisations(after, ctx.as_of):
        if lead.id in settled or lead.partner_id in ctx.restricted:
            continue
        line = evaluate(lead, real, ctx)
        if line.realised:  # a lead settled by a version whose campaign ran longer: its sale is still not this one's
            line.realised, line.status, line.rule = False, NOT_PAID, "L-10"
            line.base, line.rate, line.amount = ZERO, Decimal(0), ZERO
            line.reason = f"the sale on {real.first_date} came after the campaign ended on {ctx.campaign.ends_on}"
        lines.append(line)
    return lines


def _paid_again(earlier: list[SettlementLine], ctx: Context, first_start: date,
                end: date) -> tuple[list[Line], set[int]]:
    """A lead an approved period paid is settled again on the vendor's report up to ``end``, as one difference: a
    report reduced after the approval comes back as a negative line (L-19), licences bought since as a positive one
    (L-10: the payout is for the licences active when it is made; L-12 still caps the lead). Only what was paid is
    clawed back — a withheld amount is settled again instead (``compute``) — and what was paid was judged then; more
    is paid only while the lead would be paid now (L-01, L-05, L-20). Also returns the paid leads the report no
    longer shows as realised at all."""
    out: list[Line] = []
    gone: set[int] = set()
    paid = [ln for ln in earlier if ln.line == "reward" and ln.lead_id and ln.status == PAYABLE]
    if not paid:
        return out, gone
    settled_total: dict[int, Decimal] = defaultdict(Decimal)
    settled_base: dict[int, Decimal] = defaultdict(Decimal)
    first: dict[int, SettlementLine] = {}
    for ln in paid:
        settled_total[ln.lead_id] += ln.amount
        settled_base[ln.lead_id] += ln.base
        first.setdefault(ln.lead_id, ln)
    period_of = dict(db.session.execute(select(Settlement.id, Settlement.period).where(
        Settlement.id.in_({ln.settlement_id for ln in paid}))).all())
    last_period: dict[int, int] = {}  # the latest period that paid each lead, in one pass over the lines
    for ln in paid:
        last_period[ln.lead_id] = max(last_period.get(ln.lead_id, 0), period_of[ln.settlement_id])
    leads = {lead.id: lead for lead in db.session.scalars(select(Lead).where(Lead.id.in_(list(settled_total))))}
    # every sale of the paid leads since the campaign began up to this period's end, in one read
    sales_of: dict[str, list[Sale]] = defaultdict(list)
    for sale in db.session.scalars(select(Sale).where(Sale.ref.in_([lead.ref for lead in leads.values()]),
                                                      Sale.transaction_date >= first_start,
                                                      Sale.transaction_date <= end)):
        sales_of[sale.ref].append(sale)
    for lead_id, total in settled_total.items():
        lead, origin = leads.get(lead_id), first[lead_id]
        if lead is None:
            continue
        sales = sales_of.get(lead.ref, [])
        real = Realisation.of(sales) if sales else None
        now = evaluate(lead, real, ctx, as_paid=True) if real else None
        payable_now = now is not None and now.status == PAYABLE
        now_amount = now.amount if payable_now else ZERO
        if now is None or not now.realised:
            gone.add(lead_id)
        fields = {"ref": lead.ref, "lead": lead, "transaction_date": origin.transaction_date,
                  "version_id": origin.programme_version_id}
        if now_amount < total and lead.partner_id not in ctx.restricted:  # G-07: taken back once lifted
            out.append(Line(ctx.partners[lead.partner_id], "reward", "L-19", PAYABLE,
                            f"correction: the vendor's report for period {last_period[lead_id]} was reduced after "
                            f"its approval (paid {total}, now {now_amount})",
                            **_difference(now.base if payable_now else ZERO, now_amount, settled_base[lead_id],
                                          total, now.rate if payable_now else origin.rate), **fields))
        elif now_amount > total and lead.partner_id not in ctx.restricted:
            # more is paid only as the lead would be paid now: a family the customer is excluded from earns nothing
            full = evaluate(lead, real, ctx)
            if full.status != PAYABLE or full.amount <= total:
                continue
            line = Line(ctx.partners[lead.partner_id], "reward", "L-10", PAYABLE,
                        f"more sold after period {last_period[lead_id]} paid this lead "
                        f"(paid {total}, now {full.amount})",
                        **_difference(full.base, full.amount, settled_base[lead_id], total, full.rate), **fields)
            _withhold(line, ctx.campaign)
            out.append(line)
    return out, gone


def _difference(base: Decimal, amount: Decimal, paid_base: Decimal, paid: Decimal, rate: Decimal) -> dict:
    """L-19: a later period's line for a lead paid before states what it adds or takes back — the difference of the
    bases and of the amounts — at the lead's rate, so that base × rate gives the amount as on every other line (a
    rate of its own when the band changed the rate, none when only the rate changed)."""
    base, amount = money(base - paid_base), money(amount - paid)
    if base and money(base * rate) == amount:
        return {"base": base, "rate": rate, "amount": amount}
    if base and amount and (base > 0) == (amount > 0) and amount / base <= 1:  # parts at several rates moved alike
        return {"base": base, "rate": (amount / base).quantize(Decimal("0.0001")), "amount": amount}
    # only the rate changed, or the parts moved apart (one family down, another up): no one rate says it — the
    # reason gives the amounts before and now
    return {"base": ZERO, "rate": Decimal(0), "amount": amount}


def _bonuses_taken_back(earlier: list[SettlementLine], partners: set[int], ctx: Context, end: date) -> list[Line]:
    """L-15/L-19: the new-partner bonus is paid when the partner's lead ends in a sale; a paid bonus comes back as a
    negative line once the vendor's corrected report leaves the partner no realised lead at all (``partners``: those
    a paid lead of which is no longer realised)."""
    paid: dict[int, Decimal] = defaultdict(Decimal)
    last: dict[int, SettlementLine] = {}
    for ln in earlier:
        if ln.line == "new_partner_bonus" and ln.status == PAYABLE and ln.partner_id in partners \
                and ln.partner_id in ctx.partners and ln.partner_id not in ctx.restricted:
            paid[ln.partner_id] += ln.amount
            last.setdefault(ln.partner_id, ln)
    paid = {partner_id: amount for partner_id, amount in paid.items() if amount > 0}
    if not paid:
        return []
    counts = realised_counts(ctx, end)
    return [Line(ctx.partners[partner_id], "new_partner_bonus", "L-19", PAYABLE,
                 "correction: the vendor's report no longer shows a realised lead of the partner "
                 f"(bonus paid {amount})",
                 ref=last[partner_id].ref, base=ZERO, rate=Decimal(0), amount=money(-amount),
                 transaction_date=last[partner_id].transaction_date)
            for partner_id, amount in paid.items() if not counts.get(partner_id)]


def _new_partner_bonuses(lines: list[Line], ctx: Context, not_new: set[int],
                         withheld: dict[int, SettlementLine], end: date) -> list[Line]:
    """L-15: a one-off bonus for a partner whose first realised lead is paid in this campaign; a bonus withheld
    in an approved period (L-18) is settled again until it is paid, while a lead of the partner is still realised
    (the vendor's corrected report can leave it none: no lead then ended in a sale)."""
    rules = ctx.campaign
    out = []
    counts = realised_counts(ctx, end) if withheld else {}
    for partner_id, earlier in withheld.items():
        if partner_id in ctx.restricted or partner_id not in ctx.partners:
            continue
        partner = ctx.partners[partner_id]
        amount = money(earlier.amount)
        bonus = Line(partner, "new_partner_bonus", "L-15", PAYABLE, "first realised lead in the campaign",
                     ref=earlier.ref, base=amount, rate=Decimal(1), amount=amount,
                     transaction_date=earlier.transaction_date)
        refusal = partner_service.ineligibility(partner, rules)  # removed (L-20) or direct CSP (L-01) since
        if refusal is None and rules.new_partner_flag and rules.new_partner_flag in (partner.flags or []):
            refusal = "L-15", f"the partner is flagged {rules.new_partner_flag.replace('_', ' ')}"
        if refusal is None and not counts.get(partner_id):
            refusal = "L-15", NO_REALISED_LEAD
        if refusal is not None:
            bonus.status, bonus.amount = NOT_PAID, ZERO
            bonus.rule, bonus.reason = refusal
        _withhold(bonus, rules)
        if bonus.status == PAYABLE:  # "released" only when it is: a bonus still withheld says why, as it did before
            bonus.reason = "first realised lead in the campaign (withheld before, released)"
        out.append(bonus)
    firsts: dict[int, Line] = {}
    for line in sorted(lines, key=lambda ln: (ln.transaction_date or date.min, ln.ref)):
        # seed: paid "jeśli zgłoszony temat zakończy się transakcją sprzedaży" — the first realised lead, whatever it
        # earns itself (no rate for its licensing programme, consumption months still to come, the month's limit)
        if line.line == "reward" and line.realised:
            firsts.setdefault(line.partner.id, line)
    for partner_id, first in firsts.items():
        partner = ctx.partners[partner_id]
        earning = ctx.rules_for(first.lead)[0]  # L-30: the bonus of the version its lead was qualified under
        if earning.new_partner_amount is None:
            continue
        disqualified = earning.new_partner_flag and earning.new_partner_flag in (partner.flags or [])
        if partner_id in not_new or partner_id in withheld or disqualified:
            continue
        amount = money(earning.new_partner_amount)
        bonus = Line(partner, "new_partner_bonus", "L-15", PAYABLE, "first realised lead in the campaign",
                     ref=first.ref, base=amount, rate=Decimal(1), amount=amount,
                     transaction_date=first.transaction_date)
        _withhold(bonus, rules)
        out.append(bonus)
    return out


def _top_partner(ctx: Context, end: date, decided: str | None = None) -> list[Line]:
    """L-16: the partner with the most realised leads over the campaign; a tie is shown for the organiser, who decides
    it (``decided``: "all" or the id of the partner awarded, with the tie it decided — a tie since changed is
    undecided again)."""
    rules = ctx.campaign
    if not rules.awards_top_partner:
        return []
    counts = realised_counts(ctx, end)
    if not counts:
        return []
    best = max(counts.values())
    amount = rules.top_partner_amount(best)
    if amount is None:
        return []
    leaders = [pid for pid, n in counts.items() if n == best]
    choice = _decision_of(decided, leaders)  # "" also for a decision of another tie: the organiser decides anew
    out = []
    for partner_id in leaders:
        line = Line(ctx.partners[partner_id], "top_partner_award", "L-16", PAYABLE,
                    f"most realised leads in the campaign: {best}", base=money(amount), rate=Decimal(1),
                    amount=money(amount))
        winner = ctx.partners.get(int(choice)) if choice.isdigit() else None
        if len(leaders) > 1 and choice == "all":
            line.reason += f"; a tie of {len(leaders)} partners, awarded by the organiser to each of them"
            _withhold(line, rules)
        elif len(leaders) > 1 and winner is not None and winner.id in leaders:
            if partner_id == winner.id:
                line.reason += f"; a tie of {len(leaders)} partners, awarded by the organiser to this partner"
                _withhold(line, rules)
            else:
                line.status, line.base, line.rate, line.amount = NOT_PAID, ZERO, Decimal(0), ZERO
                line.reason = (f"tie: {len(leaders)} partners with {best} realised leads; the organiser awarded it "
                               f"to {winner.nip}")
        elif len(leaders) > 1:
            line.status = WITHHELD
            line.reason = f"tie: {len(leaders)} partners with {best} realised leads; the organiser decides"
        else:
            _withhold(line, rules)
        out.append(line)
    return out


def tied_partners(settlement: Settlement) -> list[int]:
    """L-16: the partners of a top-partner tie in the settlement's lines (empty: no tie to decide)."""
    partners = list(db.session.scalars(select(SettlementLine.partner_id).where(
        SettlementLine.settlement_id == settlement.id, SettlementLine.line == "top_partner_award")
        .order_by(SettlementLine.partner_id)))
    return partners if len(partners) > 1 else []


def tie_decision(settlement: Settlement, tied: list[int]) -> str:
    """L-16: the organiser's decision of the tie the settlement shows now ("all", a partner's id), or "" — none, or
    one taken for a tie of other partners."""
    return _decision_of(settlement.tie_award, tied)


def _tie_key(partners) -> str:
    """L-16: the tie a decision was taken for, as stored in ``settlements.tie_award`` after the choice."""
    return ",".join(str(pid) for pid in sorted(partners))


def _decision_of(tie_award: str | None, tied) -> str:
    """L-16: the choice stored in ``tie_award`` ("choice:id,id") when it decided the tie of ``tied``, else ""."""
    choice, _colon, members = (tie_award or "").partition(":")
    return choice if tied and members == _tie_key(tied) else ""


def decide_tie(period_number: int, choice: str, *, clock: Clock, actor=None) -> Settlement:
    """L-16 ("ties: organiser decides"): the top-partner award of a tie goes to one tied partner (``choice``: its
    id) or to each of them ("all"); the draft is re-run as of its own day, and every later re-run keeps the
    decision until approval freezes it."""
    settlement = by_period(period_number, for_update=True)
    if settlement.status == "approved":
        raise Conflict(_("Settlement of period %(period)s is approved and frozen; it cannot be re-run.",
                         period=period_number), rule="L-19")
    tied = tied_partners(settlement)
    if not tied:
        raise DomainError(_("There is no top-partner tie to decide in period %(period)s.", period=period_number),
                          field="choice", rule="L-16")
    if choice != "all" and not (choice.isdigit() and int(choice) in tied):
        raise DomainError(_("The award goes to one of the partners in the tie, or to each of them."),
                          field="choice", rule="L-16")
    settlement.tie_award = f"{choice}:{_tie_key(tied)}"
    audit.record(actor, "settlement.tie_decided", "settlement", settlement.id)
    return run(period_number, as_of=settlement.as_of, clock=clock, actor=actor)


def realised_counts(ctx: Context, end: date) -> dict[int, int]:
    """L-16: realised leads per partner over the campaign up to ``end``; each lead once, whatever the periods that
    listed, withheld or paid it. A restricted partner (G-07) is left out, as it is of the rest of the run."""
    if end not in ctx.counted:  # the bonuses, their corrections and the award ask the same question in one run
        rules = ctx.campaign
        counts: dict[int, int] = defaultdict(int)
        for lead, real in _realisations(rules.starts_on, min(end, rules.ends_on)):
            if lead.partner_id not in ctx.restricted and evaluate(lead, real, ctx).realised:
                counts[lead.partner_id] += 1
        ctx.counted[end] = dict(counts)
    return dict(ctx.counted[end])


def standings() -> dict[int, int]:
    """L-16: the realised leads per partner as the latest settlement run counts them for the top-partner award
    (the same definition, up to the end of that run's period); empty before the first run."""
    latest = db.session.scalars(select(Settlement).order_by(Settlement.period.desc())).first()
    if latest is None:
        return {}
    campaign = rules_of(version_on(latest.as_of))
    period = campaign.period(latest.period)
    end = min(period.sales_until, latest.as_of) if period is not None else latest.as_of
    return realised_counts(_context(latest.as_of, campaign), end)


def check_as_of(as_of: date, *, clock: Clock) -> None:
    """A day a caller names for a run (the API's ``as_of``) has come: a draft of the future, approved, would freeze a
    statement before its sales were known. (The commands' day is the clock's, so always today.)"""
    today = clock.today(timezone_of(current_tenant_id()))
    if as_of > today:
        raise DomainError(_("A settlement is run as of today or an earlier day, not %(day)s (today is %(today)s).",
                            day=as_of.isoformat(), today=today.isoformat()), field="as_of", rule="L-17")


def _check_period_started(period_number: int, as_of: date, *, clock: Clock) -> None:
    """L-17: a period is settled as of a day of it or later — a draft as of an earlier day (a typo: 2008 for 2018)
    would know none of its sales nor decisions, yet could be approved and frozen. The periods are those of the
    version in force on that day, as ``compute`` settles them (L-30: last edition's period, after a new edition took
    effect); a day before any version is checked against today's."""
    try:
        campaign = rules_on(as_of)
    except DomainError:
        try:
            campaign = rules_on(clock.today(timezone_of(current_tenant_id())))
        except DomainError:
            return  # no lead-reward programme: compute says so
    period = campaign.period(period_number)
    if period is not None and as_of < period.sales_from:
        raise DomainError(_("Period %(period)s is settled as of its first day of sales (%(day)s) or later, not "
                            "%(as_of)s.", period=period_number, day=period.sales_from.isoformat(),
                            as_of=as_of.isoformat()), field="as_of", rule="L-17")


def run(period_number: int, *, as_of: date, clock: Clock, actor=None) -> Settlement:
    """Compute and store the period's draft; refused once the period is approved (frozen)."""
    settlement = _settlement(period_number, for_update=True)
    if settlement is not None and settlement.status == "approved":
        raise Conflict(_("Settlement of period %(period)s is approved and frozen; it cannot be re-run.",
                         period=period_number), rule="L-19")
    _check_period_started(period_number, as_of, clock=clock)
    lines = compute(period_number, as_of=as_of)
    tenant_id = current_tenant_id()
    if settlement is None:
        settlement = Settlement(tenant_id=tenant_id, period=period_number, as_of=as_of, runs=0)
        db.session.add(settlement)
        db.session.flush()
    kept: dict[int, str] = {}
    if settlement.runs:
        # G-05: an erased partner's NIP lives on only in its lines, kept for the tax and accounting record; a re-run
        # of the draft carries it over instead of writing the masked value the partner row now holds
        kept = dict(db.session.execute(select(SettlementLine.partner_id, SettlementLine.partner_nip)
                                       .where(SettlementLine.settlement_id == settlement.id)).all())
        db.session.execute(delete(SettlementLine).where(SettlementLine.settlement_id == settlement.id)
                           .execution_options(synchronize_session=False))
    settlement.as_of, settlement.run_at, settlement.runs = as_of, clock.now(), settlement.runs + 1

    def nip_of(partner: Partner) -> str:
        return kept.get(partner.id, partner.nip) if is_masked(partner.nip) else partner.nip

    insert_rows(SettlementLine.__table__, LINE_COLUMNS, (
        (tenant_id, settlement.id, ln.partner.id, nip_of(ln.partner), ln.lead.id if ln.lead else None, ln.ref, ln.line,
         ln.rule, ln.rule_code, ln.base, ln.rate, ln.amount, ln.status, ln.reason, ln.transaction_date, ln.version_id)
        for ln in lines))
    audit.record(actor, "settlement.run", "settlement", settlement.id)
    return settlement


def settle_due(*, clock: Clock) -> int:
    """FORMATS `jobs run`: draft each period whose ``settle_on`` day has come and that nobody has settled yet — as
    of that day (L-17), so a late or repeated run drafts the same statement. Staff review, re-run and approve it as
    any draft (L-19); a period without ``settle_on`` is theirs to run. Returns how many periods it drafted."""
    today = clock.today(timezone_of(current_tenant_id()))
    try:
        campaign = rules_on(today)
    except DomainError:  # an installer programme, or no version in force yet
        return 0
    settled = set(db.session.scalars(select(Settlement.period)))
    due = [p for p in campaign.periods if p.settle_on is not None and p.settle_on <= today and p.number not in settled]
    for period in sorted(due, key=lambda p: p.number):
        run(period.number, as_of=period.settle_on, clock=clock)
    return len(due)


def approve(period_number: int, *, clock: Clock, actor=None) -> Settlement:
    settlement = by_period(period_number, for_update=True)
    if settlement.status == "approved":
        raise Conflict(_("Settlement of period %(period)s is already approved.", period=period_number), rule="L-19")
    approved = set(db.session.scalars(select(Settlement.period).where(Settlement.status == "approved")))
    rules = rules_of(version_on(settlement.as_of))
    defined = {p.number for p in rules.periods}
    pending = sorted(n for n in defined | set(db.session.scalars(select(Settlement.period)))
                     if n < period_number and n not in approved)
    if pending:
        raise Conflict(_("Approve the settlement of period %(earlier)s first: periods are paid in order.",
                         earlier=pending[0]), rule="L-17")
    period = rules.period(period_number)
    if period is not None and period_number == max(defined) and settlement.as_of < period.sales_until:
        # no later period carries what this one leaves out: frozen early, the rest of the campaign's sales (and the
        # top-partner award they count towards) would never be settled
        raise Conflict(_("The last period's sales run until %(day)s: run its settlement as of that day or later "
                         "before approving it.", day=period.sales_until.isoformat()), rule="L-17")
    _refuse_undecided_tie(settlement)
    settlement.status, settlement.approved_at = "approved", clock.now()
    settlement.approved_by = getattr(actor, "id", None)
    audit.record(actor, "settlement.approved", "settlement", settlement.id)
    _tell_partners(settlement, rules, clock=clock)
    # a later period's draft was computed before this approval: what this period withheld or left unpaid, and the
    # bonuses it paid, are now settled, so the draft is computed again on its own date (L-15, L-17, L-18)
    for later in db.session.scalars(select(Settlement).where(Settlement.period > period_number,
                                                             Settlement.status != "approved")
                                    .order_by(Settlement.period)).all():
        run(later.period, as_of=later.as_of, clock=clock, actor=actor)
    return settlement


def _refuse_undecided_tie(settlement: Settlement) -> None:
    """L-16 ("ties: organiser decides"): a tie is decided on the draft only, and approval freezes the draft (L-19), so
    a draft whose top-partner award is still a tie to decide is not approved — its award could never be decided."""
    tied = tied_partners(settlement)
    if tied and not tie_decision(settlement, tied):
        raise DomainError(_("Decide the top-partner tie first: once approved, the settlement is frozen and the "
                            "award could no longer be decided."), field="choice", rule="L-16")


def _tell_partners(settlement: Settlement, rules: LeadRules, *, clock: Clock) -> None:
    """L-17: every partner on the approved statement hears what it will be paid and by which day, what is held back
    and why (L-18: arrears, no active agreement) and how many of its lines pay nothing this time."""
    period = rules.period(settlement.period)
    per_partner: dict[int, dict] = defaultdict(lambda: {"payable": ZERO, "withheld": ZERO, "not_paid": 0})
    for ln in lines_of(settlement):
        sums = per_partner[ln.partner_id]
        if ln.status == NOT_PAID:
            sums["not_paid"] += 1
        else:
            sums["payable" if ln.status == PAYABLE else "withheld"] += ln.amount
    partners = {p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(list(per_partner))))}
    withhold_flags = rules.withhold_flags
    for partner_id, sums in sorted(per_partner.items()):
        partner = partners.get(partner_id)
        held_for = sorted(f for f in (partner.flags or []) if f in withhold_flags) if partner else []
        partner_service.tell(partner, "settlement_approved", clock=clock, period=settlement.period,
                             payable=f"{money(sums['payable']):.2f}", withheld=f"{money(sums['withheld']):.2f}",
                             held_for=held_for if sums["withheld"] else [], not_paid=sums["not_paid"],
                             payout_by=period.payout_by.isoformat() if period is not None else None)


def lines_of(settlement: Settlement, partner_id: int | None = None) -> list[SettlementLine]:
    query = select(SettlementLine).where(SettlementLine.settlement_id == settlement.id)
    if partner_id is not None:
        query = query.where(SettlementLine.partner_id == partner_id)
    rows = list(db.session.scalars(query))
    return sorted(rows, key=lambda ln: (ln.partner_nip, LINE_ORDER.get(ln.line, 9), ln.transaction_date or date.min,
                                        ln.ref))


def settlements() -> list[Settlement]:
    return list(db.session.scalars(select(Settlement).order_by(Settlement.period)))


def _settlement(period_number: int, *, for_update: bool = False) -> Settlement | None:
    """The period's settlement; ``for_update``: locked and as committed (``core.locks``), so re-runs and an approval
    sent at once are served one after the other — the lines are written once, an approved statement never re-run."""
    query = select(Settlement).where(Settlement.period == period_number)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalars(query).first()


def by_period(period_number: int, *, for_update: bool = False) -> Settlement:
    settlement = _settlement(period_number, for_update=for_update)
    if settlement is None:
        raise NotFound(_("Period %(period)s has not been settled yet.", period=period_number))
    return settlement


def to_csv(lines: list[SettlementLine]) -> str:
    out = io.StringIO()
    writer = safecsv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for ln in lines:
        writer.writerow([ln.partner_nip, ln.ref, ln.line, ln.rule, f"{ln.base:.2f}", _fmt_rate(Decimal(ln.rate)),
                         f"{ln.amount:.2f}", ln.status, ln.reason])
    return out.getvalue()


__all__ = ["DomainError", "approve", "compute", "run", "to_csv"]
