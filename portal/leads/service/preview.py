"""What a new version of the rules would do to the current period: per partner, before → after (SPEC §4)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from portal.core.clock import get_clock
from portal.leads.rules import LeadRules
from portal.leads.service import settlement
from portal.leads.service.programme import rules_on
from portal.programmes.definition import to_json


def compare(data: dict) -> list[dict]:
    today = get_clock().today()
    current = rules_on(today)
    period = next((p for p in current.periods if p.sales_from <= today <= p.sales_until), None) or \
        (current.periods[-1] if current.periods else None)
    if period is None:
        return []
    before = _totals(settlement.compute(period.number, as_of=today))
    proposed = LeadRules.parse(to_json(data))
    after = _totals(settlement.compute(period.number, as_of=today, override=proposed))
    nips = sorted(set(before) | set(after))
    return [{"partner_nip": nip, "before": before.get(nip, Decimal("0.00")), "after": after.get(nip, Decimal("0.00"))}
            for nip in nips]


def _totals(lines) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        if line.status in ("payable", "withheld"):
            totals[line.partner.nip] += line.amount
    return totals
