"""FORMATS (exit 1 on rejected input, with the reason; 2 on a usage error): a command of one kind of programme run
for an organiser of the other kind says the organiser runs no such programme — not that a lead, a period or a
participant is missing — and `points revoke` without exactly one of --points and --device is a usage error."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner(app):
    runner = app.test_cli_runner()
    for slug in ("distributor", "manufacturer"):
        assert runner.invoke(args=["tenants", "create", str(ROOT / "tenants" / slug)]).exit_code == 0
    return runner


def test_FORMATS_a_command_for_the_other_kind_of_programme_says_so(runner, tmp_path):
    decisions = tmp_path / "d.csv"
    decisions.write_text("ref,decision,decided_on,reason\nL-1,qualified,2024-01-10,\n", encoding="utf-8")
    for args, said in (
        (["leads", "decide", "manufacturer", str(decisions)], "runs no lead-reward programme"),
        (["settlement", "approve", "manufacturer", "--period", "1"], "runs no lead-reward programme"),
        (["settlement", "decide-tie", "manufacturer", "--period", "1", "--partner", "all"],
         "runs no lead-reward programme"),
        (["points", "statement", "distributor", "participant1@distributor.example", "--as-of", "2018-09-03"],
         "runs no installer programme"),
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and said in result.output, (args, result.output)


@pytest.mark.parametrize("options", [[], ["--points", "5", "--device", "X-1"]])
def test_FORMATS_points_revoke_needs_exactly_one_of_points_and_device(runner, options):
    result = runner.invoke(args=["points", "revoke", "manufacturer", "ala@example.com", "--reason", "x", "--as-of",
                                 "2024-03-01", *options])
    assert result.exit_code == 2 and "--points or --device" in result.output, result.output
