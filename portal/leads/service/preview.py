"""What a new version of the rules would do to the current period: per partner, before → after (SPEC §4)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from portal.core.clock import get_clock
from portal.leads.rules import LeadRules
from portal.leads.service import settlement
from portal.leads.service.programme import rules_on
from portal.programmes.definition import to_json


def compare(data: dict, effective_from: date) -> list[dict]:
    """Per partner: the current period as settled now ("before"), as it would be settled with the new version from
    ``effective_from`` (L-30: only leads qualified from that day take it: "after"), and were every lead to take it."""
    today = get_clock().today()
    current = rules_on(today)
    period = next((p for p in current.periods if p.sales_from <= today <= p.sales_until), None) or \
        (current.periods[-1] if current.periods else None)
    if period is None:
        return []
    before = _totals(settlement.compute(period.number, as_of=today))
    proposed = LeadRules.parse(to_json(data))
    after = _totals(settlement.compute(period.number, as_of=today, override=proposed, override_from=effective_from))
    every = _totals(settlement.compute(period.number, as_of=today, override=proposed))
    zero = Decimal("0.00")
    return [{"partner_nip": nip, "before": before.get(nip, zero), "after": after.get(nip, zero),
             "every": every.get(nip, zero)} for nip in sorted(set(before) | set(after) | set(every))]


def _totals(lines) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        if line.status in ("payable", "withheld"):
            totals[line.partner.nip] += line.amount
    return totals
