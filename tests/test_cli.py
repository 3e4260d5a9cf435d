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
    assert out.startswith(f"{EXAMPLE}: valid. actions 27, criteria 7")


def test_validate_json(capsys):
    code, out, _ = run(capsys, "validate", EXAMPLE, "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["valid"] is True
    assert (summary["actions"], summary["criteria"], summary["resources"]) == (
        27, 7, ["cost", "staff_fte"])


def test_score_json(capsys):
    code, out, _ = run(capsys, "score", EXAMPLE, "--json")
    rows = json.loads(out)
    assert code == 0
    assert len(rows) == 27
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
    used = optimise_json(capsys, "--limit", "cost=500000")["cost"]["cost"]
    code, out, _ = run(capsys, "optimise", EXAMPLE, "--limit", "cost=500000")
    assert code == 0
    assert (f"  Money: £{used:,.0f} of £500,000 ({used / 5000:.0f}%); this run's limit, "
            "the model's is £680,000") in out.splitlines()
    used = optimise_json(capsys)["cost"]["cost"]
    code, out, _ = run(capsys, "optimise", EXAMPLE)
    assert f"  Money: £{used:,.0f} of £680,000 ({used / 6800:.0f}%)" in out.splitlines()


def _money(text: str) -> float:
    assert text.startswith("£"), text
    return float(text[1:].replace(",", ""))


def _action_rows(out: str) -> tuple[list[str], list[list[str]], list[str]]:
    """The header, the action rows and the total row of `optimise`'s table (split on 2+
    spaces, so names with single spaces stay whole)."""
    import re

    lines = out.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("selected ("))
    header = re.split(r"\s{2,}", lines[start + 1].strip())
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[start + 2:]]
    end = next(k for k, row in enumerate(rows) if row[0] == "total")
    return header, rows[:end], rows[end]


def test_optimise_text_for_people(capsys):
    """Amounts with units and separators, per-action columns (set-up included) that add up to
    the headline, value per action, the funding split by stream with descriptions, and the
    next commands."""
    result = optimise_json(capsys)
    code, out, err = run(capsys, "optimise", EXAMPLE)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    value = result["value"]
    assert lines[1] == (f"value: {value['total']:,.1f} value points = "
                        f"{value['standalone']:,.1f} standalone + {value['synergy']:,.1f} "
                        f"synergy + {value['critical_mass']:,.1f} critical mass")
    assert lines[2] == "limits in force (used of limit):"
    staff = result["cost"]["staff_fte"]
    assert lines[4] == f"  Staff time: {staff:g} FTE of 5.5 FTE ({staff / 0.055:.0f}%)"
    header, rows, total = _action_rows(out)
    partly = {a: q for a, q in result["shares"].items() if q < 1}
    assert header == ["action", "name", "theme", "lead", *(["funded [%]"] if partly else []),
                      "Money [£]", "Staff time [FTE]", "value [value points]"]
    column = {name: k for k, name in enumerate(header)}
    assert [row[0] for row in rows] == result["selected"]
    money = [_money(row[column["Money [£]"]]) for row in rows]
    assert sum(money) == pytest.approx(result["cost"]["cost"])  # set-up included
    assert _money(total[1]) == pytest.approx(result["cost"]["cost"])
    assert total[2] == f"{staff:g} FTE"
    assert sum(float(row[column["Staff time [FTE]"]].removesuffix(" FTE"))
               for row in rows) == pytest.approx(staff)
    assert sum(float(row[column["value [value points]"]]) for row in rows) == pytest.approx(
        value["standalone"], abs=0.1 * len(rows))
    assert total[3] == f"{value['standalone']:,.1f}"
    for row in rows:
        if row[0] in partly:
            assert row[column["funded [%]"]] == f"{100 * partly[row[0]]:.0f}%"
        if row[0] == "awareness_campaign" and row[0] not in partly:
            assert row[column["Money [£]"]] == "£70,000"  # £60,000 a year + £10,000 set-up
    streams = {row["stream"]: row for row in result["funding_by_stream"]}
    assert sum(row["used"] for row in streams.values()) == pytest.approx(result["cost"]["cost"])
    at = lines.index("funding by stream (the optimiser's split; used of limit):")
    grant = streams["public_health_grant"]
    assert lines[at + 1:at + 3] == [
        f"  public_health_grant: £{grant['used']:,.0f} of £330,000",
        "      Public health grant (ring-fenced): any action that improves the public's "
        "mental health."]
    assert lines[-5:] == [
        "next:",
        f"  workbench plan {EXAMPLE} --out plan.xlsx",
        "      the action plan as a workbook for the action group",
        f"  workbench frontier {EXAMPLE}",
        "      what more or less Money would buy"]


def test_optimise_text_carries_the_run_into_the_next_commands(capsys):
    code, out, _ = run(capsys, "optimise", EXAMPLE, "--scenario", "lean_year",
                       "--limit", "staff_fte=4")
    assert code == 0
    assert out.splitlines()[-4] == (f"  workbench plan {EXAMPLE} --scenario lean_year "
                                    "--limit staff_fte=4 --out plan.xlsx")
    assert out.splitlines()[-2] == (f"  workbench frontier {EXAMPLE} --scenario lean_year "
                                    "--limit staff_fte=4")
    assert "  Staff time: " in out and "this run's limit, the model's is 5.5 FTE" in out


def test_optimise_json_adds_units_limits_and_funding(capsys):
    result = optimise_json(capsys, "--limit", "cost=500000")
    assert result["resources"] == {"cost": {"name": "Money", "unit": "£"},
                                   "staff_fte": {"name": "Staff time", "unit": "FTE"}}
    limits = {row["resource"]: row for row in result["limits_in_force"]}
    assert limits["cost"]["limit"] == 500_000
    assert limits["cost"]["used"] == pytest.approx(result["cost"]["cost"])
    assert {row["stream"] for row in result["funding_by_stream"]} >= {"public_health_grant"}
    assert all(row["used"] <= row["limit"] + 1e-6 for row in result["funding_by_stream"])


def test_a_model_without_units_shows_its_resource_ids(capsys, tmp_path):
    """Nothing assumes a currency: a resource without a unit shows its id after the amount."""
    from workbench.examples import random_model
    from workbench.export import save

    folder = save(random_model(6, seed=3), tmp_path / "model")
    code, out, err = run(capsys, "optimise", folder, "--json")
    result = json.loads(out)
    code, out, err = run(capsys, "optimise", folder)
    assert code == 0, err
    used = result["cost"]["cost"]
    limit = result["limits_in_force"][0]["limit"]
    assert f"  cost: {used:,.0f} cost of {limit:,.0f} cost ({100 * used / limit:.0f}%)" in (
        out.splitlines())
    assert "£" not in out


def test_frontier_marks_the_current_limit_and_skips_infeasible_levels(capsys):
    code, out, _ = run(capsys, "frontier", EXAMPLE, "--points", "5", "--json")
    levels = json.loads(out)["levels"]
    feasible = [level for level in levels if level["value"] is not None]
    missing = len(levels) - len(feasible)
    assert missing >= 1  # budget 0 cannot meet the theme minimums
    code, out, _ = run(capsys, "frontier", EXAMPLE, "--points", "5")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("frontier of Money [£]: best value [value points] at an even grid of "
                        "5 levels; * = a critical-mass cluster becomes affordable")
    assert lines[1] == (f"{missing} level{'s' * (missing != 1)} below "
                        f"£{feasible[0]['budget']:,.0f} {'have' if missing != 1 else 'has'} "
                        "no portfolio that satisfies every constraint: not shown")
    assert lines[2] == ("> = the last level within the current limit of £680,000 (the limit "
                        "buys at least this)")
    rows = lines[4:]
    assert len(rows) == len(feasible)
    marked = max(level["budget"] for level in feasible if level["budget"] <= 680_000)
    assert [row.split()[1] for row in rows if row.startswith(">")] == [f"£{marked:,.0f}"]
    assert [row.split()[0] for row in rows if not row.startswith(">")] == [
        f"£{level['budget']:,.0f}" for level in feasible if level["budget"] != marked]


def test_the_exact_frontier_marks_what_the_current_limit_buys(capsys, tmp_path):
    from workbench.examples import random_model
    from workbench.export import save

    model = random_model(8, seed=2)
    folder = save(model, tmp_path / "model")
    limit = float(model.resources["limit"].iloc[0])
    code, out, _ = run(capsys, "frontier", folder, "--json")
    levels = [level for level in json.loads(out)["levels"] if level["value"] is not None]
    code, out, _ = run(capsys, "frontier", folder)
    assert code == 0
    assert out.splitlines()[1] == f"> = what the current limit of {limit:,.0f} cost buys"
    code, best, _ = run(capsys, "optimise", folder, "--json")
    marked = [line.split() for line in out.splitlines() if line.startswith(">  ")]
    assert len(marked) == 1
    assert marked[0][1:3] == [f"{max(l['budget'] for l in levels if l['budget'] <= limit):,.0f}",
                              "cost"]
    assert marked[0][3] == f"{json.loads(best)['objective']:,.1f}"  # what the limit buys


def test_frontier_marks_the_limit_given_on_the_command_line(capsys):
    code, out, _ = run(capsys, "frontier", EXAMPLE, "--points", "5", "--json")
    feasible = [level["budget"] for level in json.loads(out)["levels"]
                if level["value"] is not None]
    limit = round(feasible[1] + 1000)  # just above the second level with a portfolio
    code, out, _ = run(capsys, "frontier", EXAMPLE, "--points", "5", "--limit",
                       f"cost={limit}", "--json")
    data = json.loads(out)
    assert data["current_limit"] == limit
    assert (data["name"], data["unit"]) == ("Money", "£")
    code, out, _ = run(capsys, "frontier", EXAMPLE, "--points", "5", "--limit", f"cost={limit}")
    assert (f"> = the last level within the current limit of £{limit:,.0f} (the limit buys at "
            "least this)") in out.splitlines()
    assert [line.split()[1] for line in out.splitlines() if line.startswith(">  ")] == [
        f"£{feasible[1]:,.0f}"]


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
