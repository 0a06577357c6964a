"""E-01 on §7: a referral programme's price list that cannot price every referral is refused at its line, and
nothing of it is applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.programmes.models import ProgrammeVersion
from portal.tenancy import service as tenants
from portal.tenancy.guard import use_tenant

ROOT = Path(__file__).resolve().parents[2]
PRESET = (ROOT / "tenants" / "saas-vendor" / "programme.toml").read_text(encoding="utf-8")

BROKEN = {
    "tier ending before it starts": (("contacts_min = 5001\ncontacts_max = 10000",
                                      "contacts_min = 5001\ncontacts_max = 100"),
                                     "pricing.tiers[2].contacts_max", "contacts_max = 100"),
    "gap between tiers": (("contacts_min = 10001", "contacts_min = 12001"),
                          "pricing.tiers[3].contacts_min", "contacts_min = 12001"),
    "overlapping tiers": (("contacts_min = 10001", "contacts_min = 9001"),
                          "pricing.tiers[3].contacts_min", "contacts_min = 9001"),
    "overlapping term discounts": (('min_months = 12\nrate = "0.50"', 'min_months = 10\nrate = "0.50"'),
                                   "pricing.term_discounts[3].min_months", "min_months = 10"),
    "discount above 100 %": (('rate = "0.50"', 'rate = "1.50"'), "pricing.term_discounts[3].rate",
                             'rate = "1.50"'),
    "no first-year months": (("first_year_months = 12", "first_year_months = 0"), "referral.first_year_months",
                             "first_year_months = 0"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_E01_S7_a_price_list_that_cannot_price_a_referral_is_refused_at_its_line(app, tmp_path, case):
    (old, new), key, line_text = BROKEN[case]
    assert old in PRESET
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    broken = PRESET.replace(old, new, 1)
    line = next(n for n, text in enumerate(broken.splitlines(), start=1) if text.startswith(line_text))
    path = tmp_path / "programme.toml"
    path.write_text(broken, encoding="utf-8")
    result = runner.invoke(args=["programme", "load", "saas-vendor", str(path), "--effective-from", "2024-06-01"])
    assert result.exit_code == 1
    assert f"programme.toml:{line}: {key}" in result.output, result.output
    with use_tenant(tenants.by_slug("saas-vendor").id):
        assert db.session.scalar(select(func.count()).select_from(ProgrammeVersion)) == 1


def test_E01_S7_the_preset_price_list_is_accepted():
    from portal.leads.rules import problems
    from portal.programmes import changes

    assert not [p for p in problems(changes.definitions.to_json(changes.parse_text(PRESET)))
                if p[0].startswith(("pricing", "referral"))]
