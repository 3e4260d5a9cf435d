"""The second worked example (data/active_lives_strategy: a council's physical activity plan,
money in a resource called `money` [£], staff time in hours, two funding streams, two
critical-mass clusters) through validate, optimise, frontier and plan on the command line, so
that nothing is tied to the first example. Assertions are properties of the answers (limits
kept, clusters earned exactly when enough members run, exit codes), not copied numbers."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
SECOND = ROOT / "data" / "active_lives_strategy"
PACKAGE = "active_travel_package"  # the critical-mass cluster the README tells the story of


@pytest.fixture(scope="module")
def model() -> wb.Model:
    return wb.load(SECOND)


def run_json(capsys, *argv) -> tuple[int, dict]:
    code = main([*map(str, argv), "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def cluster_reached(model: wb.Model, selected, name: str) -> bool:
    """Whether at least `threshold` of the cluster's actions are in `selected`."""
    row = model.interactions.set_index("name").loc[name]
    return sum(action in set(selected) for action in row["members"]) >= row["threshold"]


def assert_within_limits(model: wb.Model, result, limits: dict | None = None) -> None:
    in_force = {**model.resources.query("year.isna()", engine="python")
                .set_index("resource")["limit"].to_dict(), **(limits or {})}
    for resource, used in result.cost.items():
        assert used <= in_force[resource] + 1e-6, resource
    paid = result.funding.groupby("stream")["amount"].sum()
    streams = model.funding.set_index("stream")
    for stream, amount in paid.items():
        assert amount <= streams.loc[stream, "limit"] + 1e-6, stream
    themes = model.actions["theme"]
    for row in result.funding.itertuples():
        allowed = streams.loc[row.stream, "themes"]
        if allowed and row.amount > 1e-6:
            assert themes[row.action] in allowed, (row.stream, row.action)


def assert_clusters_earned_exactly_when_reached(model: wb.Model, result) -> None:
    earned = set(result.earned_interactions["name"])
    for name in model.interactions.loc[model.interactions["kind"] == "critical_mass", "name"]:
        assert (name in earned) == cluster_reached(model, result.selected, name), name


# ---------------------------------------------------------------- the model itself


def test_the_second_example_is_a_different_field_and_shape(model, capsys):
    code, summary = run_json(capsys, "validate", SECOND)
    assert code == 0 and summary["valid"]
    assert 12 <= summary["actions"] <= 20
    assert "cost" not in model.resource_names
    assert set(model.resources["unit"]) == {"£", "hours"}
    assert model.resources["name"].ne("").all()
    assert model.funding["stream"].nunique() == 2
    assert model.funding["description"].str.len().gt(20).all()
    assert (model.interactions["kind"] == "critical_mass").sum() >= 1
    assert len(model.reference_portfolio("steering_group")) > 0
    assert len(set(wb.load_scenarios(model)["scenario"])) >= 2


def test_its_readme_names_sources_and_says_the_numbers_are_illustrative():
    readme = (SECOND / "README.md").read_text(encoding="utf-8")
    assert "illustrative" in readme
    for source in ("Everybody active, every day", "Uniting the Movement", "NG90", "PH54",
                   "Physical Activity Guidelines"):
        assert source in readme


def test_its_readme_states_the_limits_and_bonuses_the_files_hold(model):
    readme = (SECOND / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    for row in model.interactions.itertuples():
        if row.kind == "critical_mass":
            line = next(text for text in lines if f"`{row.name}`" in text and "|" in text)
            assert f"| {row.bonus:g} |" in line, row.name
    for row in model.resources.itertuples():
        assert f"| `{row.resource}` | {row.name} | {row.limit:,.0f} |" in readme
    for row in model.funding.itertuples():
        assert f"| `{row.stream}` | £{row.limit:,.0f} |" in readme
    everything = model.actions["money"].sum() + model.actions["money_setup"].sum()
    assert f"£{everything:,.0f}" in readme
    assert f"{model.actions['staff_hours'].sum():,.0f} hours" in readme


# ---------------------------------------------------------------- optimise


def test_optimise_keeps_every_limit_and_earns_clusters_exactly_when_reached(model, capsys):
    code, answer = run_json(capsys, "optimise", SECOND)
    assert code == 0 and answer["status"] == "optimal"
    result = wb.optimise(model)
    assert sorted(answer["selected"]) == sorted(result.selected)
    assert_within_limits(model, result)
    assert_clusters_earned_exactly_when_reached(model, result)
    assert wb.evaluate(model, result.selected).fits


def test_the_optimum_reaches_the_package_the_steering_group_misses(model):
    best = wb.optimise(model)
    picks = wb.evaluate(model, model.reference_portfolio("steering_group"))
    assert picks.fits
    assert cluster_reached(model, best.selected, PACKAGE)
    assert not cluster_reached(model, picks.selected, PACKAGE)
    assert best.objective >= picks.objective


def test_the_lean_year_keeps_its_own_limits_and_loses_the_package(model, capsys):
    code, answer = run_json(capsys, "optimise", SECOND, "--scenario", "lean_year")
    assert code == 0
    lean, options = wb.apply_scenario(model, "lean_year")
    result = wb.optimise(lean, options)
    assert sorted(answer["selected"]) == sorted(result.selected)
    assert_within_limits(lean, result, options.limits)
    assert result.cost["money"] <= options.limits["money"] + 1e-6 < model.resources.set_index(
        "resource").loc["money", "limit"]
    assert_clusters_earned_exactly_when_reached(lean, result)
    assert not cluster_reached(model, result.selected, PACKAGE)
    assert result.objective <= wb.optimise(model).objective + 1e-6


def test_the_text_output_names_the_resources_not_cost(capsys):
    assert main(["optimise", str(SECOND)]) == 0
    out = capsys.readouterr().out
    assert "£" in out and "hours" in out


# ---------------------------------------------------------------- frontier


def test_the_frontier_rises_and_marks_where_the_package_becomes_affordable(model, capsys):
    code, answer = run_json(capsys, "frontier", SECOND)
    assert code == 0 and answer["resource"] == "money"  # the first resource, not 'cost'
    levels = pd.DataFrame(answer["levels"]).dropna(subset=["value"])
    assert levels["value"].is_monotonic_increasing
    assert (levels["cost"] <= levels["budget"] + 1e-6).all()
    marked = levels[levels["jump_clusters"].str.contains(PACKAGE)]
    assert len(marked), "the active travel package is never marked as becoming affordable"
    first = marked["budget"].min()
    limit = model.resources.set_index("resource").loc["money", "limit"]
    assert first <= limit  # consistent with the optimum reaching it at the model's limit
    below = levels[levels["budget"] < first]
    assert not any(cluster_reached(model, selected.split(";"), PACKAGE)
                   for selected in below["selected"])


def test_the_frontier_of_staff_time(capsys):
    code, answer = run_json(capsys, "frontier", SECOND, "--resource", "staff_hours",
                            "--points", 5)
    assert code == 0 and answer["resource"] == "staff_hours" and len(answer["levels"]) == 5


# ---------------------------------------------------------------- plan


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_plan_lists_the_optimised_actions(model, tmp_path, capsys, suffix):
    out = tmp_path / f"plan{suffix}"
    assert main(["plan", str(SECOND), "--out", str(out)]) == 0
    assert out.exists() and "action plan of" in capsys.readouterr().out
    if suffix == ".csv":
        plan = pd.read_csv(out, encoding="utf-8-sig")
    else:
        sheet = openpyxl.load_workbook(out).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        plan = pd.DataFrame(rows[1:], columns=rows[0])
    ids = {value for value in plan[plan.columns[0]] if value in set(model.actions.index)}
    assert ids == set(wb.optimise(model).selected)


# ---------------------------------------------------------------- exit codes


def test_exit_codes(tmp_path, capsys):
    assert main(["optimise", str(SECOND), "--limit", "money=1000"]) == 1
    assert "no portfolio satisfies every constraint" in capsys.readouterr().err
    assert main(["optimise", str(SECOND), "--limit", "cost=5"]) == 2
    assert "unknown resource 'cost'" in capsys.readouterr().err
    assert main(["optimise", str(SECOND), "--scenario", "no_such"]) == 2
    assert "lean_year" in capsys.readouterr().err
    assert main(["plan", str(SECOND), "--out", str(tmp_path / "p.csv"), "--limit",
                 "money=1000"]) == 1
    assert not (tmp_path / "p.csv").exists()
