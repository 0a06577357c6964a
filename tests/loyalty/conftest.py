"""The demo manufacturer's installer programme, driven through the commands of FORMATS.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = "TV-KOND-24C"  # 120 points in the preset table


class Programme:
    def __init__(self, app, tmp_path: Path):
        self.app = app
        self.tmp = tmp_path
        self.runner = app.test_cli_runner()
        result = self.runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / "manufacturer")])
        assert result.exit_code == 0, result.output
        self._n = 0

    def run(self, *args):
        """One command, as its own process would run it: an ``--as-of`` moves the clock for that command only."""
        clock = self.app.extensions["clock"]
        try:
            return self.runner.invoke(args=[str(a) for a in args])
        finally:
            self.app.extensions["clock"] = clock

    def csv(self, header: str, rows) -> Path:
        self._n += 1
        path = self.tmp / f"file{self._n}.csv"
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        return path

    def participants(self, *rows: str):
        return self.run("participants", "import", "manufacturer",
                        self.csv("email,first_name,last_name,nip,business,status,registered_on,activated_on", rows))

    def join(self, email: str, registered_on: str = "2024-01-10", business: str = "yes", nip: str = "5252248481",
             status: str = "installer", address: str | None = "ul. Montażowa 1 00-001 Warszawa"):
        """A participant imported as the organiser's system gives it, with the address rewards go to (P-25) unless
        ``address`` is None."""
        row = f"{email},Jan,Kowalski,{nip if business == 'yes' else ''},{business},{status},{registered_on}," \
              f"{registered_on}"
        if address is None:
            result = self.participants(row)
        else:
            result = self.run("participants", "import", "manufacturer", self.csv(
                "email,first_name,last_name,nip,business,status,registered_on,activated_on,delivery_address",
                [f"{row},{address}"]))
        assert result.exit_code == 0, result.output
        return result

    def devices(self, *rows: str, commit_valid: bool = False):
        return self.run("devices", "import", "manufacturer",
                        self.csv("email,serial,model_code,production_code,installed_on,registered_on", rows),
                        *(["--commit-valid"] if commit_valid else []))

    def device(self, email: str, serial: str, registered_on: str, model: str = MODEL, code: str = "FD612",
               installed_on: str | None = None):
        result = self.devices(f"{email},{serial},{model},{code},{installed_on or registered_on},{registered_on}")
        assert result.exit_code == 0, result.output

    def statement(self, email: str, as_of: str) -> dict:
        result = self.run("points", "statement", "manufacturer", email, "--as-of", as_of, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    def order(self, email: str, reward: str, as_of: str):
        return self.run("rewards", "order", "manufacturer", "--participant", email, "--reward", reward,
                        "--as-of", as_of)

    def jobs(self, as_of: str):
        result = self.run("jobs", "run", "manufacturer", "--as-of", as_of)
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def programme(app, tmp_path) -> Programme:
    return Programme(app, tmp_path)
