"""An installer programme's rules, read from its definition (SPEC §6)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Campaign:
    """P-06: extra points for devices of some categories installed in a window."""

    code: str
    starts_on: date
    ends_on: date
    categories: tuple[str, ...]
    extra_points: int


@dataclass
class LoyaltyRules:
    starts_on: date
    models: dict[str, tuple[int, str]]  # code -> (points, category)
    min_code: str
    code_pattern: str
    installed_from: date
    expiry_months: int
    annual_cap: Decimal
    refund_days: int
    max_failed_deliveries: int
    activation_months: int
    first_points_months: int
    rejoin_grounds: tuple[str, ...]
    complaint_days: int
    decision_days: int
    notice_days: int
    proof_mb: int
    proof_types: tuple[str, ...]
    end_notice_months: int
    post_end_days: int
    points_notice_days: int
    statuses: list[str] = field(default_factory=list)
    min_criteria: int = 2
    required_criterion: str = "training"
    device_points_threshold: int | None = None
    device_points_window_months: int = 12
    campaigns: list[Campaign] = field(default_factory=list)
    rewards: list[dict] = field(default_factory=list)

    @classmethod
    def parse(cls, d: dict) -> LoyaltyRules:
        loyalty = d["loyalty"]
        orders = loyalty.get("orders", {})
        membership = loyalty.get("membership", {})
        complaints = loyalty.get("complaints", {})
        proofs = loyalty.get("proofs", {})
        end = loyalty.get("end", {})
        criteria = {c["code"]: c for c in d.get("status_criteria", [])}
        points = criteria.get("device_points", {})
        return cls(
            starts_on=_date(d["programme"]["starts_on"]),
            models={m["code"]: (int(m["points"]), m.get("category", "")) for m in d.get("device_models", [])},
            min_code=loyalty.get("production_code_min", "FD000"),
            code_pattern=loyalty.get("production_code_pattern", r"^FD[0-9]{3}$"),
            installed_from=_date(loyalty.get("installed_on_or_after", d["programme"]["starts_on"])),
            expiry_months=int(loyalty.get("points_expiry_months", 24)),
            annual_cap=Decimal(orders.get("annual_gross_cap", "18000.00")),
            refund_days=int(orders.get("substitute_refund_days", 21)),
            max_failed_deliveries=int(orders.get("max_failed_deliveries", 2)),
            activation_months=int(membership.get("activation_deadline_months", 3)),
            first_points_months=int(membership.get("first_points_deadline_months", 3)),
            rejoin_grounds=tuple(membership.get("rejoin_allowed_after", ["not_activated", "no_points"])),
            complaint_days=int(complaints.get("points_complaint_days", 30)),
            decision_days=int(complaints.get("commission_decision_days", 14)),
            notice_days=int(complaints.get("decision_notice_days", 7)),
            proof_mb=int(proofs.get("max_file_mb", 20)),
            proof_types=tuple(proofs.get("content_types", ["application/pdf", "image/jpeg", "image/png"])),
            end_notice_months=int(end.get("notice_months", 3)),
            post_end_days=int(end.get("post_end_order_days", 7)),
            points_notice_days=int(loyalty.get("points_table_notice_days", 7)),
            statuses=[s["code"] for s in sorted(d.get("statuses", []), key=lambda s: s.get("rank", 0))],
            min_criteria=int(d.get("status_change", {}).get("min_criteria", 2)),
            required_criterion=d.get("status_change", {}).get("required_criterion", "training"),
            device_points_threshold=points.get("threshold_points"),
            device_points_window_months=int(points.get("window_months", 12)),
            campaigns=[Campaign(c["code"], _date(c["starts_on"]), _date(c["ends_on"]), tuple(c.get("categories", [])),
                                int(c["extra_points"])) for c in d.get("bonus_campaigns", [])],
            rewards=list(d.get("rewards", [])),
        )

    def production_period(self, code: str, reference: date) -> tuple[int, int] | None:
        """P-05: FDyxx → (year, period): y is the last digit of the latest year not after ``reference``."""
        if not re.fullmatch(self.code_pattern, code or ""):
            return None
        digits = re.sub(r"\D", "", code)
        year_digit, period = int(digits[0]), int(digits[1:])
        year = reference.year - ((reference.year - year_digit) % 10)
        return year, period

    def code_is_new_enough(self, code: str, installed_on: date) -> bool:
        device = self.production_period(code, installed_on)
        minimum = self.production_period(self.min_code, self.installed_from)
        return device is not None and minimum is not None and device >= minimum

    def extra_points(self, category: str, installed_on: date) -> int:
        return sum(c.extra_points for c in self.campaigns
                   if category in c.categories and c.starts_on <= installed_on <= c.ends_on)


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)



REWARD_CODE = re.compile(r"[\w.-]+")  # Unicode letters and digits: "NAGRODA-ŁÓDŹ" is fine, "ZESTAW/1" is not a link


def reward_code_ok(code: str) -> bool:
    """P-20: a reward's code is part of the link the participant orders it by (``/rewards/<code>/order``)."""
    return REWARD_CODE.fullmatch(code) is not None and set(code) != {"."}


def problems(definition: dict) -> list[tuple[str, str]]:
    """(key path, message) for what an installer programme cannot run on."""
    found: list[tuple[str, str]] = []
    loyalty = definition.get("loyalty")
    if not isinstance(loyalty, dict):
        return [("loyalty", "is missing: an installer programme needs a [loyalty] table")]
    try:
        re.compile(loyalty.get("production_code_pattern", ""))
    except re.error:
        found.append(("loyalty.production_code_pattern", "is not a valid pattern"))
    minimum, pattern = loyalty.get("production_code_min"), loyalty.get("production_code_pattern")
    if isinstance(minimum, str) and isinstance(pattern, str) and not found and not re.search(pattern, minimum):
        found.append(("loyalty.production_code_min", "must be a production code as production_code_pattern reads "
                                                     f"them ({pattern}), such as \"FD517\""))
    found += _status_change_problems(definition.get("status_change"))
    categories = {m.get("category") for m in definition.get("device_models", []) if isinstance(m, dict)}
    for i, campaign in enumerate(definition.get("bonus_campaigns", []), start=1):
        unknown = [c for c in campaign.get("categories", []) if c not in categories] if isinstance(campaign, dict) \
            else []
        if unknown:
            found.append((f"bonus_campaigns[{i}].categories",
                          f"{', '.join(map(str, unknown))}: no device model has this category (they have: "
                          f"{', '.join(sorted(str(c) for c in categories if c))})"))
    for i, model in enumerate(definition.get("device_models", []), start=1):
        if not isinstance(model.get("points"), int) or model["points"] < 0:
            found.append((f"device_models[{i}].points", "must be a whole number of at least 0"))
    for i, reward in enumerate(definition.get("rewards", []), start=1):
        if not reward_code_ok(str(reward.get("code", ""))):
            found.append((f"rewards[{i}].code", "must be letters, digits, dots, dashes and underscores (it is part of "
                                                "the link the reward is ordered by)"))
        if not isinstance(reward.get("points"), int) or reward["points"] <= 0:
            found.append((f"rewards[{i}].points", "must be a whole number above 0"))
        try:
            if Decimal(str(reward.get("gross_value"))) < 0:
                raise ValueError
        except (ArithmeticError, ValueError):
            found.append((f"rewards[{i}].gross_value", "must be an amount such as \"549.00\""))
    return found


def _status_change_problems(status_change) -> list[tuple[str, str]]:
    """P-03: the criterion every status change needs, and how many of the four it takes — a name no evidence is
    recorded under, or more criteria than there are, would stop every status change (and undo those made)."""
    from portal.loyalty.service.members import CRITERIA

    if not isinstance(status_change, dict):
        return []
    found = []
    required, least = status_change.get("required_criterion"), status_change.get("min_criteria")
    if required is not None and required not in CRITERIA:
        found.append(("status_change.required_criterion", f"must be one of {', '.join(CRITERIA)}"))
    if least is not None and (not isinstance(least, int) or isinstance(least, bool)
                              or not 1 <= least <= len(CRITERIA)):
        found.append(("status_change.min_criteria", f"must be a whole number between 1 and {len(CRITERIA)}"))
    return found
