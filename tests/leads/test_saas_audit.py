"""SPEC §7 audit: the referral reward is the preset % of the first year's subscription value computed like the order
form (OWU V.4–V.5 contact-count tier price, VIII.7 term discount), checked by hand for each band of the tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import valid_nip

ROOT = Path(__file__).resolve().parents[2]
LEADS = "ref,partner_nip,customer_nip,customer_name,customer_address,family,plan,billing,licences,pcs,submitted_on"
SALES = "ref,transaction_date,family,billing,licences,value,months_active,new_tenant"

# (contacts, term months, expected base, expected amount) — preset tiers 1–5,000: 1,490.00; 5,001–10,000: 2,190.00;
# 250,001–500,000: 19,990.00; discounts 1–5 months 0 %, 6–11 months 30 %, 12+ months 50 %; rate 10 %.
CASES = [
    (7000, 24, "13140.00", "1314.00"),     # 2,190.00 × (1 − 0.50) × 12 months (first year only)
    (5000, 6, "6258.00", "625.80"),        # 1,490.00 × (1 − 0.30) × 6
    (5001, 11, "16863.00", "1686.30"),     # 2,190.00 × (1 − 0.30) × 11
    (1000, 3, "4470.00", "447.00"),        # 1,490.00 × 1 × 3: under 6 months no discount
    (10000, 12, "13140.00", "1314.00"),    # 2,190.00 × 0.50 × 12: the last contact of a tier stays in it
    (600000, 36, "119940.00", "11994.00"),  # capped at the 500,000-contact tier: 19,990.00 × 0.50 × 12
]


def _write(tmp_path: Path, name: str, header: str, rows: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture()
def settled(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    agencies = [valid_nip(950 + i) for i in range(len(CASES))]
    partners = [f"{nip},Agencja {i},ul. A {i},Ewa,Nowak,+48 600 100 30{i},ewa{i}@agencja.example.com,"
                for i, nip in enumerate(agencies)]
    result = runner.invoke(args=["participants", "import", "saas-vendor",
                                 _write(tmp_path, "p.csv", "nip,name,address,contact_first_name,contact_last_name,"
                                        "contact_phone,contact_email,flags", partners)])
    assert result.exit_code == 0, result.output
    leads, decisions, sales = [], [], []
    for i, (contacts, term, _, _) in enumerate(CASES):
        leads.append(f"R{i},{agencies[i]},{valid_nip(970 + i)},Klient {i},ul. K {i},engagement_platform,Pro,"
                     f"fixed_term,{contacts},1,2024-02-01")
        decisions.append(f"R{i},qualified,2024-02-05,")
        sales.append(f"R{i},2024-02-20,engagement_platform,fixed_term,{contacts},0.00,{term},yes")
    for command, name, header, rows in (("leads import", "l.csv", LEADS, leads),
                                        ("leads decide", "d.csv", "ref,decision,decided_on,reason", decisions),
                                        ("sales import", "s.csv", SALES, sales)):
        result = runner.invoke(args=[*command.split(), "saas-vendor", _write(tmp_path, name, header, rows)])
        assert result.exit_code == 0, result.output
    out = tmp_path / "settlement.csv"
    result = runner.invoke(args=["settlement", "run", "saas-vendor", "--period", "1", "--as-of", "2024-04-05",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {r[1]: r for r in (line.split(",", 8) for line in out.read_text().splitlines()[1:]) if r[2] == "reward"}


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{c}c-{t}m" for c, t, _, _ in CASES])
def test_S7_C02_first_year_value_follows_tier_term_discount_and_rate(settled, index):
    _, _, base, amount = CASES[index]
    row = settled[f"R{index}"]
    assert row[4:8] == [base, "0.10", amount, "payable"], row


def test_S7_L12_a_capped_referral_says_contacts_not_licences(settled):
    """The cap reason of a referral speaks of contacts, the unit this programme counts in."""
    row = settled[f"R{len(CASES) - 1}"]
    assert row[3] == "L-12" and "500000" in row[8] and "contacts" in row[8] and "licences" not in row[8], row


def test_S7_L12_the_contacts_wording_reads_in_polish_on_the_pages(app, settled):
    """The reason stored in the programme's unit is still translated for the partner's statement."""
    from flask_babel import force_locale

    from portal.leads.labels import settlement_reason
    from portal.tenancy import service as tenants
    from portal.tenancy.guard import use_tenant

    stored = settled[f"R{len(CASES) - 1}"][8].strip('"')
    with app.test_request_context("/t/saas-vendor/"), use_tenant(tenants.by_slug("saas-vendor").id), \
            force_locale("pl"):
        shown = settlement_reason(stored)
        too_few = settlement_reason("0 contacts signed for; at least 1 are needed")
    assert "ograniczona do wartości 500000 kontaktów; pierwszy rok: 12 × 19\u00a0990,00\u00a0zł miesięcznie" \
        in shown, shown
    assert too_few == "liczba kontaktów w podpisanym zamówieniu: 0; wymagane co najmniej 1"


def test_S7_L04_a_prospect_another_agency_registered_is_refused(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    first, second, customer = valid_nip(991), valid_nip(992), valid_nip(993)
    partners = [f"{nip},Agencja {i},ul. A {i},Ewa,Nowak,+48 600 100 31{i},e{i}@agencja.example.com,"
                for i, nip in enumerate((first, second))]
    assert runner.invoke(args=["participants", "import", "saas-vendor", _write(
        tmp_path, "p.csv", "nip,name,address,contact_first_name,contact_last_name,contact_phone,contact_email,"
        "flags", partners)]).exit_code == 0
    ok = runner.invoke(args=["leads", "import", "saas-vendor", _write(tmp_path, "a.csv", LEADS, [
        f"A1,{first},{customer},Klient,ul. K,engagement_platform,Pro,fixed_term,7000,1,2024-02-01"])])
    assert ok.exit_code == 0, ok.output
    dup = runner.invoke(args=["leads", "import", "saas-vendor", _write(tmp_path, "b.csv", LEADS, [
        f"B1,{second},{customer},Klient,ul. K,engagement_platform,Pro,fixed_term,7000,1,2024-02-03"])])
    assert dup.exit_code == 1 and "L-04" in dup.output and "line 2" in dup.output.lower(), dup.output


@pytest.mark.parametrize(("index", "worked"), [(0, "12 × 2190.00 a month less 0.50 term discount"),
                                               (3, "3 × 1490.00 a month less 0.00 term discount")])
def test_S7_L19_the_statement_shows_how_the_first_year_value_was_worked_out(app, settled, index, worked):
    """An agency checks its reward by hand: the reason names the months, the tier's monthly price and the term
    discount the first year's value comes from (the CSV's machine form), and reads in words on the pages."""
    from flask_babel import force_locale

    from portal.leads.labels import settlement_reason

    reason = settled[f"R{index}"][8]
    assert reason.endswith(f"; first year: {worked}"), reason
    with app.test_request_context(), force_locale("pl"):
        shown = settlement_reason(reason)
    assert "pierwszy rok" in shown and "miesięcznie" in shown, shown


def test_S7_C02_a_price_list_written_from_the_top_tier_down_prices_the_same():
    """E-01 takes the tiers in any order: a count above the top tier is priced at the top tier, not the last listed."""
    import tomllib
    from decimal import Decimal

    from portal.leads.rules import LeadRules, problems

    definition = tomllib.loads((ROOT / "tenants" / "saas-vendor" / "programme.toml").read_text(encoding="utf-8"))
    definition["pricing"]["tiers"].reverse()
    definition["lead"].pop("base_cap_quantity", None)
    assert not [p for p in problems(definition) if p[0].startswith("pricing")]
    rules = LeadRules.parse(definition)
    assert rules.first_year_value(400_000, 12) == Decimal("119940.00")
    assert rules.first_year_value(600_000, 12) == Decimal("119940.00")  # above every tier: the top tier's price


def test_S7_C02_the_discounted_monthly_fee_is_a_price_in_grosze_as_the_order_form_states_it():
    """OWU VIII.7: the order form's prices include the discount — a monthly fee of 1,490.01 less 30 % is stated as
    1,043.01 (1,043.007 rounded), and six months of it are 6,258.06, not 6,258.04."""
    import tomllib
    from decimal import Decimal

    from portal.leads.rules import LeadRules

    definition = tomllib.loads((ROOT / "tenants" / "saas-vendor" / "programme.toml").read_text(encoding="utf-8"))
    definition["pricing"]["tiers"][0]["monthly_fee"] = "1490.01"
    assert LeadRules.parse(definition).first_year_value(1000, 6) == Decimal("6258.06")


def test_S7_L01_an_agency_of_the_organisers_capital_group_is_told_so_not_about_csp_partners(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    agency = valid_nip(990)
    assert runner.invoke(args=["participants", "import", "saas-vendor", _write(
        tmp_path, "p.csv", "nip,name,address,contact_first_name,contact_last_name,contact_phone,contact_email,flags",
        [f"{agency},Agencja G,ul. A 1,Ewa,Nowak,+48 600 100 399,ewa@grupa.example.com,vendor_group_company"])
    ]).exit_code == 0
    result = runner.invoke(args=["leads", "import", "saas-vendor", _write(tmp_path, "l.csv", LEADS, [
        f"G1,{agency},{valid_nip(991)},Klient G,ul. K 1,engagement_platform,Pro,fixed_term,5000,1,2024-02-01"])])
    assert result.exit_code == 1 and "L-01" in result.output
    assert "capital group of the organiser" in result.output or "organiser's capital group" in result.output
    assert "CSP" not in result.output


def test_S7_L19_a_referral_statement_names_its_lines_rewards_for_a_referral(app, settled):
    """§7: the SaaS vendor's agencies refer prospects, so its statement (page and PDF) pays a reward for a referral,
    while the distributor's campaign pays one for a lead."""
    from flask_babel import force_locale

    from portal.leads.labels import line_label
    from portal.tenancy import service as tenants
    from portal.tenancy.guard import use_tenant

    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "distributor")]).exit_code == 0
    for slug, english, polish in (("saas-vendor", "reward for a referral", "nagroda za polecenie"),
                                  ("distributor", "reward for a lead", "nagroda za lead")):
        with app.test_request_context(f"/t/{slug}/"), use_tenant(tenants.by_slug(slug).id):
            with force_locale("en"):
                assert line_label("reward") == english
            with force_locale("pl"):
                assert line_label("reward") == polish
                assert line_label("new_partner_bonus") == "premia dla nowego partnera"
