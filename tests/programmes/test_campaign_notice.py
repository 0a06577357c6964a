"""E-02 / P-04 with P-06: the seed asks for notice of any change to the announced points (§4.3), and a running or
announced bonus campaign's extra points are announced points too: taking a campaign away, lowering its bonus,
cutting its window short or narrowing its devices needs the same 7 days' notice as a point-table cut. Adding or
improving a campaign needs none, nor does changing one that is already over."""

from __future__ import annotations

from datetime import date

from portal.programmes.changes import notice_problems

TODAY = date(2026, 3, 2)
CAMPAIGN = {"code": "WIOSNA", "starts_on": "2026-03-01", "ends_on": "2026-05-31", "categories": ["heat_pump", "boiler"],
            "extra_points": 100}


def _loyalty(*campaigns: dict) -> dict:
    return {"programme": {"type": "loyalty"}, "loyalty": {}, "device_models": [{"code": "A", "points": 100}],
            "bonus_campaigns": list(campaigns)}


def _problems(after: dict, effective_from: date = TODAY) -> list[str]:
    return notice_problems(_loyalty(CAMPAIGN), after, effective_from, TODAY)


def test_P04_P06_removing_a_running_campaign_needs_seven_days_notice():
    problems = _problems(_loyalty())
    assert len(problems) == 1 and problems[0].startswith("P-04:") and "WIOSNA" in problems[0]
    assert _problems(_loyalty(), date(2026, 3, 9)) == []


def test_P04_P06_a_lower_bonus_a_shorter_window_or_fewer_devices_need_notice_too():
    for change in ({"extra_points": 50}, {"ends_on": "2026-04-30"}, {"starts_on": "2026-04-01"},
                   {"categories": ["heat_pump"]}):
        problems = _problems(_loyalty(CAMPAIGN | change))
        assert len(problems) == 1 and "WIOSNA" in problems[0], change


def test_P04_P06_adding_or_improving_a_campaign_needs_no_notice():
    better = CAMPAIGN | {"extra_points": 150, "ends_on": "2026-06-30", "categories": ["heat_pump", "boiler", "solar"]}
    new = {"code": "LATO", "starts_on": "2026-06-01", "ends_on": "2026-08-31", "categories": ["solar"],
           "extra_points": 50}
    assert _problems(_loyalty(better, new)) == []


def test_P04_P06_a_campaign_already_over_can_be_dropped_at_once():
    over = CAMPAIGN | {"starts_on": "2025-09-01", "ends_on": "2025-11-30"}
    assert notice_problems(_loyalty(over), _loyalty(), TODAY, TODAY) == []


def test_P04_P06_moving_a_model_out_of_a_running_campaigns_categories_needs_notice_too():
    """The campaign is unchanged, but a heat pump it paid +100 for is put in a category it does not cover: that
    model's announced points fall, so the change needs the same 7 days' notice; moving a model in needs none."""
    def with_pump(category: str) -> dict:
        return _loyalty(CAMPAIGN) | {"device_models": [{"code": "POMPA-7", "points": 300, "category": category}]}

    problems = notice_problems(with_pump("heat_pump"), with_pump("heat_pump_split"), TODAY, TODAY)
    assert len(problems) == 1 and "WIOSNA" in problems[0]
    assert notice_problems(with_pump("heat_pump"), with_pump("heat_pump_split"), date(2026, 3, 9), TODAY) == []
    assert notice_problems(with_pump("solar"), with_pump("heat_pump"), TODAY, TODAY) == []
