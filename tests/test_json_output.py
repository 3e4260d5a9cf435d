"""`--json` prints JSON that any reader accepts: never NaN or Infinity (null instead).

Python's json module writes float('nan') as `NaN`, which is not JSON: a time-limited CBC
solve printed `"gap": NaN` and robustness with no feasible draw `"median": NaN`. Every output
here is parsed strictly, with a parse_constant that fails the test on NaN or Infinity.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.cli import _print_json, main
from workbench.examples import random_model

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "mental_health_strategy"


def strict_json(text: str):
    """json.loads that refuses the NaN, Infinity and -Infinity that Python writes."""
    def refuse(constant: str):
        pytest.fail(f"{constant} in --json output is not JSON:\n{text[:2000]}")

    return json.loads(text, parse_constant=refuse)


def run_json(capsys, *arguments) -> tuple[int, object]:
    code = main([*map(str, arguments), "--json"])
    return code, strict_json(capsys.readouterr().out)


@pytest.mark.parametrize("command", [
    ["validate"], ["score"], ["optimise"], ["optimise", "--solver", "cbc"],
    ["frontier", "--points", "5"], ["robustness", "--samples", "3", "--seed", "2"],
])
def test_every_json_command_prints_strict_json(capsys, command):
    code, output = run_json(capsys, command[0], EXAMPLE, *command[1:])
    assert code == 0
    assert output  # something was said


def test_plan_json_is_strict(capsys, tmp_path):
    code, output = run_json(capsys, "plan", EXAMPLE, "--out", tmp_path / "plan.csv")
    assert code == 0
    assert output["status"] == "optimal" and output["plan"]
    assert (tmp_path / "plan.csv").is_file()


def test_time_limited_cbc_reports_an_unknown_gap_as_null(capsys, tmp_path):
    """CBC stopped by its time limit reports no bound: the gap is unknown, null in JSON."""
    folder = wb.save(random_model(100, seed=0, dense_synergy=0.25), tmp_path / "dense")
    code, output = run_json(capsys, "optimise", folder, "--solver", "cbc", "--time-limit", "1")
    assert code == 0
    assert output["status"] == "time_limit"
    assert output["gap"] is None or math.isfinite(output["gap"])
    assert output["selected"]


def test_robustness_without_a_feasible_draw_says_null(capsys):
    code, output = run_json(capsys, "robustness", EXAMPLE, "--samples", "2", "--limit",
                            "cost=0")
    assert code == 1  # no draw has a feasible portfolio
    assert output["infeasible_draws"] == 2
    assert output["value"]["median"] is None and output["value"]["draws"] == 0


def test_print_json_turns_nan_inf_and_numpy_into_json(capsys):
    _print_json({"nan": float("nan"), "inf": [math.inf, -np.inf], "int": np.int64(3),
                 "float": np.float32(0.5), "bool": np.bool_(True), "missing": pd.NA,
                 "nested": {"gap": np.float64("nan"), 4: (1, 2)}, "path": Path("a/b"),
                 "array": np.array([1.5, np.nan])})
    output = strict_json(capsys.readouterr().out)
    assert output == {"nan": None, "inf": [None, None], "int": 3, "float": 0.5, "bool": True,
                      "missing": None, "nested": {"gap": None, "4": [1, 2]}, "path": "a/b",
                      "array": [1.5, None]}
