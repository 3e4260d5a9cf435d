"""The command line: exit codes (0 ok, 1 infeasible, 2 bad input), JSON output, --limit,
problems on stderr without a traceback, and the installed `workbench` console script."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "mental_health_strategy"
SCRIPT = Path(sys.executable).parent / "workbench"


def run(capsys, *arguments: str) -> tuple[int, str, str]:
    code = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def optimise_json(capsys, *arguments: str) -> dict:
    code, out, err = run(capsys, "optimise", EXAMPLE, "--json", *arguments)
    assert code == 0, err
    return json.loads(out)


def break_a_cost(folder: Path) -> None:
    """Make actions.csv row 2's cost unreadable and scores.csv row 3's score off its scale."""
    for file, row, column, value in (("actions.csv", 2, "cost", "abc"),
                                     ("scores.csv", 3, "score", "11")):
        with open(folder / file, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        rows[row - 1][rows[0].index(column)] = value
        with open(folder / file, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)


# ---------------------------------------------------------------- validate and score


def test_validate(capsys):
    code, out, err = run(capsys, "validate", EXAMPLE)
    assert (code, err) == (0, "")
    assert out.startswith(f"{EXAMPLE}: valid. actions 25, criteria 7")


def test_validate_json(capsys):
    code, out, _ = run(capsys, "validate", EXAMPLE, "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["valid"] is True
    assert (summary["actions"], summary["criteria"], summary["resources"]) == (
        25, 7, ["cost", "staff_fte"])


def test_score_json(capsys):
    code, out, _ = run(capsys, "score", EXAMPLE, "--json")
    rows = json.loads(out)
    assert code == 0
    assert len(rows) == 25
    assert {"action", "name", "theme", "value"} <= set(rows[0])
    values = [row["value"] for row in rows]
    assert values == sorted(values, reverse=True)
    assert all(0 <= value <= 100 for value in values)


def test_score_text(capsys):
    code, out, _ = run(capsys, "score", EXAMPLE)
    assert code == 0
    assert "ips_employment" in out and out.startswith("Value points")


# ---------------------------------------------------------------- optimise


def test_optimise_json_keys_and_consistency(capsys):
    result = optimise_json(capsys)
    assert {"status", "objective", "selected", "cost", "value"} <= set(result)
    assert result["status"] == "optimal"
    assert set(result["value"]) >= {"standalone", "synergy", "critical_mass", "total"}
    value = result["value"]
    assert value["total"] == pytest.approx(result["objective"])
    assert value["total"] == pytest.approx(
        value["standalone"] + value["synergy"] + value["critical_mass"], abs=1e-4)
    assert set(result["cost"]) == {"cost", "staff_fte"}
    assert result["cost"]["cost"] <= 680_000 + 1e-6
    assert result["cost"]["staff_fte"] <= 5.5 + 1e-6
    assert len(result["selected"]) == len(set(result["selected"])) > 0


def test_optimise_text(capsys):
    code, out, err = run(capsys, "optimise", EXAMPLE)
    assert (code, err) == (0, "")
    assert out.startswith("status: optimal")
    assert "value: " in out and "selected (" in out


def test_text_shows_the_limit_in_force(capsys):
    """`--limit` replaces the model's limit, and the text says the one that was used."""
    code, out, _ = run(capsys, "optimise", EXAMPLE, "--limit", "cost=500000")
    assert code == 0
    cost_line = next(line for line in out.splitlines() if line.startswith("cost: "))
    assert cost_line.endswith(" of 500,000")
    code, out, _ = run(capsys, "optimise", EXAMPLE)
    assert next(line for line in out.splitlines() if line.startswith("cost: ")).endswith(
        " of 680,000")


def test_limit_option_tightens_the_budget(capsys):
    full = optimise_json(capsys)
    tight = optimise_json(capsys, "--limit", "cost=400000", "--limit", "staff_fte=3")
    assert tight["status"] == "optimal"
    assert tight["cost"]["cost"] <= 400_000 + 1e-6
    assert tight["cost"]["staff_fte"] <= 3 + 1e-6
    assert tight["objective"] < full["objective"]


def test_limit_accepts_thousands_separators(capsys):
    written = optimise_json(capsys, "--limit", "cost=400,000")
    plain = optimise_json(capsys, "--limit", "cost=400000")
    assert (written["objective"], written["selected"]) == (plain["objective"], plain["selected"])


@pytest.mark.parametrize("limit, expected", [
    ("money=1", "workbench: --limit: 'money=1': unknown resource 'money' "
                "(the model has cost, staff_fte)"),
    ("cost=abc", "workbench: --limit: 'cost=abc': 'abc' is not a number"),
    ("cost=nan", "workbench: --limit: 'cost=nan': 'nan' is not a finite number"),
    ("cost=-5", "workbench: --limit: 'cost=-5': a limit cannot be negative"),
    ("cost", "workbench: --limit: 'cost': expected RESOURCE=AMOUNT, e.g. cost=500000"),
])
def test_bad_limit_is_bad_input(capsys, limit, expected):
    code, out, err = run(capsys, "optimise", EXAMPLE, "--limit", limit)
    assert (code, out) == (2, "")
    assert err.splitlines() == [expected]


def test_infeasible_limit_exits_1_with_status_infeasible(capsys):
    code, out, err = run(capsys, "optimise", EXAMPLE, "--json", "--limit", "cost=1")
    assert code == 1
    result = json.loads(out)
    assert result["status"] == "infeasible"
    assert result["selected"] == []
    assert "no portfolio satisfies every constraint" in err


def test_cbc_and_highs_agree_on_the_example(capsys):
    highs = optimise_json(capsys, "--solver", "highs")
    cbc = optimise_json(capsys, "--solver", "cbc")
    assert (highs["solver"], cbc["solver"]) == ("highs", "cbc")
    assert cbc["objective"] == pytest.approx(highs["objective"], abs=1e-6)


# ---------------------------------------------------------------- bad models


@pytest.mark.parametrize("command", ["validate", "score", "optimise"])
def test_bad_model_exits_2_with_every_problem_and_no_traceback(capsys, example_folder, command):
    break_a_cost(example_folder)
    code, out, err = run(capsys, command, example_folder)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "workbench: actions.csv:2:cost: 'abc' is not a number",
        "workbench: scores.csv:3:score: 11 is outside the scale 0..10 of criterion 'impact'",
        "workbench: scores.csv:3:score: score 11 lies outside low..high (1..4.5)"]


def test_missing_model_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "validate", tmp_path / "nothing")
    assert code == 2
    assert err == f"workbench: {tmp_path / 'nothing'}: no such folder or file\n"


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate", str(EXAMPLE)])
    assert info.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


# ---------------------------------------------------------------- the installed console script


def test_console_script(example_folder):
    assert SCRIPT.exists(), f"{SCRIPT} is missing: install the package (make install)"
    good = subprocess.run([str(SCRIPT), "optimise", str(EXAMPLE), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["status"] == "optimal"
    break_a_cost(example_folder)
    bad = subprocess.run([str(SCRIPT), "validate", str(example_folder)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[0] == "workbench: actions.csv:2:cost: 'abc' is not a number"
