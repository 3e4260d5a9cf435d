"""Hardening round 2 (issue 14), the command line's share: every size a user can type is
bounded and checked before work starts, Ctrl-C stops a solve at once (exit 130, nothing
written), and infeasibility reasons go to stderr."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from test_solver_faults import hard_knapsack_tables  # tests/ is on pytest's path

import workbench as wb
from workbench import cli
from workbench.export import save


@pytest.mark.parametrize("arguments, message", [
    (["plan", "--horizon", "100000000", "--out", "p.csv"],
     "--horizon 100000000: the plan needs at least 1 year and at most 20"),
    (["plan", "--horizon", "50", "--out", "p.csv"],
     "--horizon 50: the plan needs at least 1 year and at most 20"),
    (["plan", "--horizon", "0", "--out", "p.csv"], "--horizon 0: the plan needs at least 1 year"),
    (["frontier", "--horizon", "51"], "--horizon 51: the plan needs at least 1 year and at most 20"),
    (["frontier", "--resolution", "nan"], "resolution=nan cannot be negative or infinite"),
    (["frontier", "--resolution", "inf"], "resolution=inf cannot be negative or infinite"),
    (["frontier", "--points", "1000001"], "points=1000001 must be a whole number of at least 2 "
                                         "and at most 1,000"),
    (["robustness", "--samples", "0"], "samples: must be a whole number of at least 1"),
    (["robustness", "--samples", "2000000"], "(and at most 1,000,000)"),
    (["optimise", "--time-limit", "-1"], "--time-limit -1.0: give a number of seconds above 0"),
    (["optimise", "--time-limit", "nan"], "--time-limit nan: give a number of seconds above 0"),
    (["optimise", "--time-limit", "1e9"], "and at most 86,400"),
    (["optimise", "--limit", "cost=1e16"], "--limit: 'cost=1e16': 1e+16 is too large"),
])
def test_sizes_are_bounded_before_work_starts(example_folder, tmp_path, capsys, arguments,
                                              message):
    command, *rest = arguments
    rest = [str(tmp_path / a) if a.endswith(".csv") else a for a in rest]
    began = time.perf_counter()
    assert cli.main([command, str(example_folder), *rest]) == 2
    assert time.perf_counter() - began < 10  # refused, not worked through
    err = capsys.readouterr().err
    assert message in err, err
    assert not any(tmp_path.glob("p.csv"))


def test_infeasibility_reasons_go_to_stderr(example_folder, capsys):
    assert cli.main(["optimise", str(example_folder), "--limit", "cost=10"]) == 1
    captured = capsys.readouterr()
    assert "no portfolio satisfies every constraint" in captured.err
    assert "conflicting constraints" in captured.err
    assert "conflicting constraints" not in captured.out


def test_ctrl_c_stops_a_solve_at_once_and_writes_nothing(tmp_path):
    """A solve HiGHS cannot prove in minutes (Pisinger's hard knapsack): SIGINT after a
    second ends the command within a few seconds, exit 130, no plan file."""
    folder = tmp_path / "hard"
    save(wb.from_tables(hard_knapsack_tables(0, n_actions=300)), folder)
    out = tmp_path / "plan.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "plan", str(folder), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        time.sleep(3.0)  # loaded and solving
        assert process.poll() is None, process.communicate()
        interrupted = time.perf_counter()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
        stopped = time.perf_counter() - interrupted
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted; nothing was written" in err
    assert "Traceback" not in err
    assert stopped < 5
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))
