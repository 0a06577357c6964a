"""The worker steps back for the web: on a machine serving both, a request in flight gets the CPU before queued mail
(issue 7's load run; WORKER_NICE in the README)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from worker.__main__ import lower_priority

ROOT = Path(__file__).resolve().parents[2]


def _niceness_after(value: str | None) -> subprocess.CompletedProcess:
    """``lower_priority`` in a child process (niceness cannot be raised back), printing the niceness it ends with."""
    env = {k: v for k, v in os.environ.items() if k != "WORKER_NICE"}
    if value is not None:
        env["WORKER_NICE"] = value
    code = "import os; from worker.__main__ import lower_priority; print(os.nice(0), lower_priority())"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_worker_runs_ten_steps_nicer_than_it_was_started_by_default():
    done = _niceness_after(None)
    before, after = map(int, done.stdout.split())
    assert after == min(before + 10, 19)


def test_worker_nice_zero_keeps_the_priority():
    before, after = map(int, _niceness_after("0").stdout.split())
    assert after == before


@pytest.mark.parametrize("bad", ["fast", "-5", "20"])
def test_a_worker_nice_that_is_not_0_to_19_stops_with_a_clear_message(bad):
    with pytest.raises(SystemExit, match="WORKER_NICE must be a whole number from 0 to 19"):
        lower_priority({"WORKER_NICE": bad})
