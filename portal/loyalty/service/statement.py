"""A participant's points statement (FORMATS: `flask points statement`; the dashboard)."""

from __future__ import annotations

from datetime import date, timedelta

from portal.loyalty.models import Installer
from portal.loyalty.rules import LoyaltyRules
from portal.loyalty.service import ledger, members, orders
from portal.loyalty.service.programme import end as programme_end


def statement(installer: Installer, *, as_of: date, rules: LoyaltyRules) -> dict:
    end = programme_end()
    if end is not None and end.announced_on > as_of:  # a day replayed from before the announcement knew of no end
        end = None
    live = ledger.usable(installer.id, as_of=as_of, end=end, rules=rules)
    soon = as_of + timedelta(days=30)
    status = members.status_on(installer, as_of)
    if installer.excluded_on is not None and installer.excluded_on <= as_of:
        status = "excluded"
    elif installer.approval == "pending":
        status = "pending"
    return {
        "balance": sum(lot.remaining for lot in live),
        "lots": [{"earned_on": lot.earned_on.isoformat(),
                  "expires_on": ledger.effective_expiry(lot, end, rules).isoformat(),
                  "points": lot.points, "remaining": lot.remaining} for lot in live],
        "expiring_30_days": sum(lot.remaining for lot in live if ledger.effective_expiry(lot, end, rules) <= soon),
        "status": status,
        "reward_value_this_year": f"{orders.value_this_year(installer.id, as_of.year, as_of=as_of):.2f}",
    }
