"""SPEC §7: the SaaS vendor's agency referral programme runs on the same engine, configured by data only."""

from __future__ import annotations

from pathlib import Path

from tests.factories import valid_nip

ROOT = Path(__file__).resolve().parents[2]


def _run(runner, tmp_path, name, header, rows, *args):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return runner.invoke(args=[*args[:2], "saas-vendor", str(path)])


def test_saas_referral_reward_is_a_share_of_the_first_year_value(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    agency, customer = valid_nip(901), valid_nip(902)
    assert _run(runner, tmp_path, "p.csv", "nip,name,address,contact_first_name,contact_last_name,contact_phone,"
                "contact_email,flags", [f"{agency},Agencja,ul. A 1,Ewa,Nowak,+48 600 100 300,ewa@agencja.example.com,"],
                "participants", "import").exit_code == 0
    small = _run(runner, tmp_path, "l0.csv", "ref,partner_nip,customer_nip,customer_name,customer_address,family,"
                 "plan,billing,licences,pcs,submitted_on",
                 [f"S0,{agency},{valid_nip(903)},Mały,ul. C,engagement_platform,Pro,fixed_term,2,5,2024-02-01"],
                 "leads", "import")
    # SPEC §7 sets no minimum contact count: the distributor's "at least 3 licences" is not this preset's rule
    assert small.exit_code == 0, small.output
    assert _run(runner, tmp_path, "l.csv", "ref,partner_nip,customer_nip,customer_name,customer_address,family,plan,"
                "billing,licences,pcs,submitted_on",
                [f"S1,{agency},{customer},Klient,ul. B,engagement_platform,Pro,fixed_term,20000,50,2024-02-01"],
                "leads", "import").exit_code == 0
    assert _run(runner, tmp_path, "d.csv", "ref,decision,decided_on,reason", ["S1,qualified,2024-02-05,"],
                "leads", "decide").exit_code == 0
    assert _run(runner, tmp_path, "d0.csv", "ref,decision,decided_on,reason", ["S0,qualified,2024-02-05,"],
                "leads", "decide").exit_code == 0
    assert _run(runner, tmp_path, "s.csv", "ref,transaction_date,family,billing,licences,value,months_active,"
                "new_tenant", ["S1,2024-02-20,engagement_platform,fixed_term,20000,0.00,12,yes",
                               "S0,2024-02-21,engagement_platform,fixed_term,2,0.00,0,yes"],
                "sales", "import").exit_code == 0
    out = tmp_path / "settlement.csv"
    result = runner.invoke(args=["settlement", "run", "saas-vendor", "--period", "1", "--as-of", "2024-04-05",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in out.read_text().splitlines()[1:]]
    reward = next(r for r in rows if r[2] == "reward" and r[1] == "S1")
    # 20,000 contacts: tier 10,001–25,000 at 3,490.00/month, 12-month term −50 %, 12 months → 20,940.00; 10 %
    assert reward[4:8] == ["20940.00", "0.10", "2094.00", "payable"]
    # a signed order without its term in months gives no first-year value: not paid, and the line says why
    no_term = next(r for r in rows if r[2] == "reward" and r[1] == "S0")
    assert no_term[6:8] == ["0.00", "not_paid"] and "no contract term" in no_term[8]


def test_saas_referral_pays_only_for_a_new_customer(app, tmp_path):
    """SPEC §7: agencies are rewarded for bringing *new* customers; a signed order of a customer that already had a
    contract (new_tenant = no) is listed as not paid, with the reason."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "saas-vendor")]).exit_code == 0
    agency = valid_nip(901)
    assert _run(runner, tmp_path, "p.csv", "nip,name,address,contact_first_name,contact_last_name,contact_phone,"
                "contact_email,flags", [f"{agency},Agencja,ul. A 1,Ewa,Nowak,+48 600 100 300,ewa@agencja.example.com,"],
                "participants", "import").exit_code == 0
    assert _run(runner, tmp_path, "l.csv", "ref,partner_nip,customer_nip,customer_name,customer_address,family,plan,"
                "billing,licences,pcs,submitted_on",
                [f"NEW,{agency},{valid_nip(904)},Nowy,ul. B,engagement_platform,Pro,fixed_term,5000,5,2024-02-01",
                 f"OLD,{agency},{valid_nip(905)},Stały,ul. C,engagement_platform,Pro,fixed_term,5000,5,2024-02-01"],
                "leads", "import").exit_code == 0
    assert _run(runner, tmp_path, "d.csv", "ref,decision,decided_on,reason",
                ["NEW,qualified,2024-02-05,", "OLD,qualified,2024-02-05,"], "leads", "decide").exit_code == 0
    assert _run(runner, tmp_path, "s.csv", "ref,transaction_date,family,billing,licences,value,months_active,"
                "new_tenant", ["NEW,2024-02-20,engagement_platform,fixed_term,5000,0.00,12,yes",
                               "OLD,2024-02-21,engagement_platform,fixed_term,5000,0.00,12,no"],
                "sales", "import").exit_code == 0
    out = tmp_path / "settlement.csv"
    result = runner.invoke(args=["settlement", "run", "saas-vendor", "--period", "1", "--as-of", "2024-04-05",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r[1]: r for r in (line.split(",") for line in out.read_text().splitlines()[1:]) if r[2] == "reward"}
    assert rows["NEW"][7] == "payable"
    assert rows["OLD"][6:8] == ["0.00", "not_paid"] and "customer is not new" in rows["OLD"][8]
