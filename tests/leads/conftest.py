"""The demo distributor's campaign, driven through the bulk commands of FORMATS.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import valid_nip

ROOT = Path(__file__).resolve().parents[2]


class Campaign:
    """Writes CSV files and runs `flask …` commands against the distributor preset."""

    def __init__(self, app, tmp_path: Path, preset: Path = ROOT / "tenants" / "distributor"):
        self.app = app
        self.tmp = tmp_path
        self.runner = app.test_cli_runner()
        result = self.runner.invoke(args=["tenants", "create", str(preset)])
        assert result.exit_code == 0, result.output

    def csv(self, name: str, header: str, rows: list[str]) -> Path:
        path = self.tmp / name
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        return path

    def run(self, *args: str):
        return self.runner.invoke(args=[str(a) for a in args])

    def partners(self, *rows: str):
        return self.run("participants", "import", "distributor",
                        self.csv("partners.csv", "nip,name,address,contact_first_name,contact_last_name,"
                                 "contact_phone,contact_email,flags", list(rows)))

    def leads(self, *rows: str, commit_valid: bool = False):
        args = ["leads", "import", "distributor",
                self.csv("leads.csv", "ref,partner_nip,customer_nip,customer_name,customer_address,family,plan,"
                         "billing,licences,pcs,submitted_on", list(rows))]
        return self.run(*args, *(["--commit-valid"] if commit_valid else []))

    def decide(self, *rows: str):
        return self.run("leads", "decide", "distributor",
                        self.csv("decisions.csv", "ref,decision,decided_on,reason", list(rows)))

    def flags(self, *rows: str):
        return self.run("customers", "flag", "distributor", self.csv("facts.csv", "customer_nip,flag", list(rows)))

    def sales(self, *rows: str):
        return self.run("sales", "import", "distributor",
                        self.csv("sales.csv", "ref,transaction_date,family,billing,licences,value,months_active,"
                                 "new_tenant", list(rows)))

    def settle(self, period: int, as_of: str) -> tuple[object, list[dict]]:
        out = self.tmp / f"settlement-{period}.csv"
        result = self.run("settlement", "run", "distributor", "--period", period, "--as-of", as_of, "--out", out)
        rows = []
        if out.exists():
            import csv

            rows = list(csv.DictReader(out.open(encoding="utf-8")))
        return result, rows


@pytest.fixture
def campaign(app, tmp_path) -> Campaign:
    return Campaign(app, tmp_path)


def nip(n: int) -> str:
    return valid_nip(1000 + n)


def partner_row(n: int, flags: str = "") -> str:
    return f"{nip(n)},Partner {n} Sp. z o.o.,ul. Handlowa {n} Warszawa,Jan,Kowalski{n},+48 600 000 00{n % 10}," \
           f"jan{n}@partner{n}.example.com,{flags}"


def lead_row(ref: str, partner: int, customer: int, family: str = "O365", billing: str = "annual",
             licences: int = 20, submitted: str = "2018-08-10") -> str:
    return f"{ref},{nip(partner)},{nip(100 + customer)},Klient {customer},ul. Kliencka {customer},{family}," \
           f"E3,{billing},{licences},{licences},{submitted}"
