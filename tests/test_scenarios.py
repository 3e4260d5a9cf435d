"""Scenarios: the scenarios.csv format, its validation, applying a scenario, saving one safely."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench import cli
from workbench.examples import random_tables
from workbench.scenarios import (Scenario, apply_scenario, check_scenario, load_scenario,
                                 load_scenarios, save_scenario, scenario_names,
                                 stakeholder_choices, stakeholder_weights)

HEADER = "scenario,kind,target,value,note\n"


def write_scenarios(folder: Path, text: str) -> Path:
    path = folder / "scenarios.csv"
    path.write_text(text, encoding="utf-8")
    return path


LOCK = ".scenarios.csv.lock"  # the folder's lock file: empty, kept between saves


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the folder with its bytes, except the (empty) lock file of saves."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != LOCK}


@pytest.fixture
def small_folder(tmp_path) -> Path:
    """A small random model written as a folder of CSV files (scenarios can be saved there)."""
    folder = tmp_path / "small"
    folder.mkdir()
    for name, table in random_tables(8, seed=3, funding=True, group_limits=True).items():
        table.to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame([(group, criterion, weight) for group, weights in
                  (("group0", (1, 2, 3)), ("group1", (3, 0, 1)))
                  for criterion, weight in zip(("c0", "c1", "c2"), weights)],
                 columns=["stakeholder", "criterion", "weight"]).to_csv(
        folder / "weights.csv", index=False)
    return folder


# ---------------------------------------------------------------- the worked example


def test_the_worked_example_ships_valid_feasible_scenarios(example_model):
    table = load_scenarios(example_model)
    names = scenario_names(table)
    assert names[:3] == ["lean_year", "lived_experience_first", "crisis_cafe_in"]
    assert {"limit", "stream_limit", "stakeholder", "weight", "include"} <= set(table["kind"])
    for name in names:
        model, options = apply_scenario(example_model, name)
        assert wb.optimise(model, options).status == "optimal", name


def test_a_loaded_scenario_gives_the_same_portfolio_as_its_settings_typed_in(example_model):
    model, options = apply_scenario(example_model, "lean_year")
    result = wb.optimise(model, options)
    assert options.limits == {"cost": 500000.0}
    assert model.funding.set_index("stream").at["public_health_grant", "limit"] == 250000
    assert example_model.funding.set_index("stream").at["public_health_grant", "limit"] == 330000
    assert result.status == "optimal" and result.cost["cost"] <= 500000 + 1e-6
    funded = result.funding[result.funding["stream"] == "public_health_grant"]["amount"].sum()
    assert funded <= 250000 + 1e-6
    model, options = apply_scenario(example_model, "crisis_cafe_in")
    assert options.include == ("crisis_cafe_scheme",)  # a scheme: whichever level is funded
    levels = set(wb.optimise(model, options).selected) & {"crisis_cafe", "crisis_cafe_weekends"}
    assert len(levels) == 1


def test_stakeholder_weights_come_from_weights_csv(example_model):
    own = stakeholder_weights(example_model, "lived_experience")
    rows = example_model.weights[example_model.weights["stakeholder"] == "lived_experience"]
    assert own.to_dict() == rows.set_index("criterion")["weight"].astype(float).to_dict()
    combined = stakeholder_weights(example_model, "combined")
    assert combined["reach"] == pytest.approx(
        example_model.weights.query("criterion == 'reach'")["weight"].mean())
    assert stakeholder_weights(example_model).equals(
        example_model.criteria["weight"].astype(float).rename("weight"))
    scenario = load_scenario(example_model, "lived_experience_first")
    _, options = apply_scenario(example_model, scenario)
    assert options.weights["inequalities"] == 25
    assert options.weights["lived_experience"] == own["lived_experience"]


def test_cli_scenario_matches_the_library_and_an_explicit_limit_overrides(
        example_folder, capsys):
    assert cli.main(["optimise", str(example_folder), "--scenario", "lean_year", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    model, options = apply_scenario(wb.load(example_folder), "lean_year")
    expected = wb.optimise(model, options)
    assert printed["selected"] == list(expected.selected)
    assert printed["objective"] == pytest.approx(expected.objective)
    assert cli.main(["optimise", str(example_folder), "--scenario", "lean_year",
                     "--limit", "cost=400000", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["cost"]["cost"] <= 400000 + 1e-6
    assert printed["objective"] < expected.objective


def test_cli_unknown_scenario_is_bad_input(example_folder, capsys):
    assert cli.main(["optimise", str(example_folder), "--scenario", "no_such_plan"]) == 2
    error = capsys.readouterr().err
    assert "workbench: scenarios.csv:scenario: no scenario named 'no_such_plan' (known: " \
           "lean_year, lived_experience_first, crisis_cafe_in" in error
    assert "Traceback" not in error


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("rows, message", [
    ("x,limit,cots,5,\n", "scenarios.csv:2:target: unknown resource 'cots' (did you mean 'cost'?)"),
    ("x,limit,cost,-5,\n", "scenarios.csv:2:value: -5 is below the minimum of 0"),
    ("x,limit,cost,,\n", "scenarios.csv:2:value: is blank: limit needs an amount"),
    ("x,limit,cost,lots,\n", "scenarios.csv:2:value: 'lots' is not a number"),
    (",include,a01,,\n", "scenarios.csv:2:scenario: is blank: name the scenario"),
    ("my plan,include,a01,,\n", "scenarios.csv:2:scenario: 'my plan' must be letters, digits"),
    ("x,wieght,c0,3,\n", "scenarios.csv:2:kind: 'wieght' must be one of limit, stream_limit, "
                         "stakeholder, weight, include, exclude, horizon (did you mean 'weight'?)"),
    ("x,horizon,,0,\n", "scenarios.csv:2:value: horizon '0' must be a whole number of years "
                        "from 1 to 20"),
    ("x,horizon,,1.5,\n", "scenarios.csv:2:value: horizon '1.5' must be a whole number"),
    ("x,include,a01,3,\n", "scenarios.csv:2:value: leave value blank for include (found '3')"),
    ("x,include,zz,,\n", "scenarios.csv:2:target: unknown action 'zz'"),
    ("x,stakeholder,nobody,,\n", "scenarios.csv:2:target: unknown weighting 'nobody' (choose "
                                 "agreed, combined, group0, group1)"),
    ("x,stream_limit,genral,5,\n", "scenarios.csv:2:target: unknown funding stream 'genral' "
                                   "(did you mean 'general'?)"),
    ("x,include,a01,,\nx,exclude,a01,,\n", "scenarios.csv:3:target: action 'a01' is both "
                                           "included and excluded in scenario 'x'"),
    ("x,limit,cost,5,\nx,limit,cost,6,\n", "scenarios.csv:3:kind: this setting appears twice"),
    ("Lean,include,a01,,\nlean,include,a02,,\n", "scenarios.csv:3:scenario: 'lean' differs "
                                                 "from scenario 'Lean' only in case"),
    ("x,weight,c0,0,\nx,weight,c1,0,\nx,weight,c2,0,\n", "scenarios.csv:2:value: scenario 'x' "
                                                         "leaves every criterion weight at zero"),
    ("x,limit,cost,5,a,b\n", "scenarios.csv:2: has 6 cells but the header names only 5 columns "
                            "(a comma inside a value needs quotes)"),
    ("x,limit,cost,'-5,\n", "scenarios.csv:2:value: \"'-5\" is not a number"),
])
def test_bad_rows_are_reported_as_file_row_column(small_folder, rows, message):
    write_scenarios(small_folder, HEADER + rows)
    model = wb.load(small_folder)
    with pytest.raises(wb.ModelError) as caught:
        load_scenarios(model)
    assert message in str(caught.value)


def test_every_problem_is_reported_at_once(small_folder):
    write_scenarios(small_folder, HEADER + "x,limit,cots,5,\n\ny,include,zz,,\nz,horizon,,99,\n")
    with pytest.raises(wb.ModelError) as caught:
        load_scenarios(wb.load(small_folder))
    lines = [str(p) for p in caught.value.problems]
    assert [line.split(": ")[0] for line in lines] == [
        "scenarios.csv:2:target", "scenarios.csv:4:target", "scenarios.csv:5:value"]


def test_a_missing_column_is_reported(small_folder):
    write_scenarios(small_folder, "scenario,kind,value\nx,limit,5\n")
    with pytest.raises(wb.ModelError, match="scenarios.csv:1:target: required column is missing"):
        load_scenarios(wb.load(small_folder))


def test_no_scenarios_file_means_no_scenarios(small_folder):
    table = load_scenarios(wb.load(small_folder))
    assert table.empty and list(table.columns) == ["scenario", "kind", "target", "value", "note"]


def test_a_scenario_built_in_code_is_checked_by_setting(small_model):
    problems = check_scenario(small_model, Scenario(limits={"cots": 5.0}, include=("zz",)))
    assert [str(p) for p in problems] == [
        "scenario 'current':limit: unknown resource 'cots' (did you mean 'cost'?)",
        "scenario 'current':include: unknown action 'zz'"]
    with pytest.raises(wb.ModelError, match="unknown resource 'cots'"):
        apply_scenario(small_model, Scenario(limits={"cots": 5.0}))


def test_an_unknown_scenario_name_lists_the_known_ones(example_model):
    with pytest.raises(wb.ModelError, match=r"no scenario named 'lean' \(known: lean_year, "):
        load_scenario(example_model, "lean")


# ---------------------------------------------------------------- saving


def test_save_and_load_round_trip_every_kind(small_folder):
    model = wb.load(small_folder)
    scenario = Scenario(name="every_kind", limits={"cost": 12345.5, "staff_fte": 40.0},
                        stream_limits={"general": 20000.0}, stakeholder="group1",
                        weights={"c0": 2.5}, include=("a01",), exclude=("a02", "a03"),
                        horizon=2, note="=a note that looks like a formula")
    path = save_scenario(model, scenario)
    assert path == small_folder / "scenarios.csv"
    loaded = load_scenario(model, "every_kind")
    assert loaded == scenario
    assert "'=a note" in path.read_text(encoding="utf-8-sig")  # escaped on disk only
    model_after, options = apply_scenario(model, loaded)
    assert options.limits == {"cost": 12345.5, "staff_fte": 40.0}
    assert options.include == ("a01",) and options.exclude == ("a02", "a03")
    assert options.horizon == 2
    assert options.weights["c0"] == 2.5
    assert model_after.funding.set_index("stream").at["general", "limit"] == 20000


def test_save_refuses_an_existing_name_unless_asked_and_keeps_other_rows(small_folder):
    write_scenarios(small_folder, HEADER + "first,limit,cost,\"1,000\",kept as typed\n"
                                           "mine,include,a01,,\nlast,exclude,a04,,\n")
    model = wb.load(small_folder)
    before = (small_folder / "scenarios.csv").read_text(encoding="utf-8-sig")
    with pytest.raises(wb.ModelError, match="name 'mine': a scenario of that name already exists"):
        save_scenario(model, Scenario(name="mine", exclude=("a05",)))
    assert (small_folder / "scenarios.csv").read_text(encoding="utf-8-sig") == before
    with pytest.raises(wb.ModelError, match="'MINE'.*differs only in case"):
        save_scenario(model, Scenario(name="MINE", exclude=("a05",)))
    save_scenario(model, Scenario(name="mine", exclude=("a05",)), overwrite=True)
    lines = (small_folder / "scenarios.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines == [HEADER.strip(), 'first,limit,cost,"1,000",kept as typed',
                     "mine,exclude,a05,,", "last,exclude,a04,,"]
    assert load_scenario(model, "mine") == Scenario(name="mine", exclude=("a05",))


def test_save_touches_no_other_file_and_leaves_nothing_behind(small_folder):
    model = wb.load(small_folder)
    before = folder_snapshot(small_folder)
    save_scenario(model, Scenario(name="plan_b", limits={"cost": 1000.0}))
    after = folder_snapshot(small_folder)
    assert set(after) == set(before) | {"scenarios.csv"}
    assert (small_folder / LOCK).read_bytes() == b""
    assert {k: v for k, v in after.items() if k != "scenarios.csv"} == before


def test_a_failed_save_leaves_the_old_file_whole(small_folder, monkeypatch):
    write_scenarios(small_folder, HEADER + "first,limit,cost,1000,\n")
    model = wb.load(small_folder)
    before = folder_snapshot(small_folder)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises((OSError, wb.WorkbenchError)):
        save_scenario(model, Scenario(name="second", limits={"cost": 2000.0}))
    assert folder_snapshot(small_folder) == before


@pytest.mark.parametrize("scenario, message", [
    (Scenario(name="has space", include=("a01",)), "name 'has space': a scenario name is"),
    (Scenario(name="empty"), "name 'empty': nothing to save"),
    (Scenario(name="bad", include=("zz",)), "unknown action 'zz'"),
])
def test_save_refuses_bad_scenarios(small_folder, scenario, message):
    model = wb.load(small_folder)
    with pytest.raises(wb.ModelError, match=message):
        save_scenario(model, scenario)
    assert not (small_folder / "scenarios.csv").exists()


def test_scenarios_save_only_into_a_folder(small_model):
    with pytest.raises(wb.ModelError, match="scenarios are saved into a model folder's "
                                            "scenarios.csv"):
        save_scenario(small_model, Scenario(name="x", include=("a01",)))


def test_a_workbook_model_reads_its_scenarios_sheet(small_folder, tmp_path):
    write_scenarios(small_folder, HEADER + "lean,limit,cost,1000,\n")
    book = tmp_path / "model.xlsx"
    with pd.ExcelWriter(book) as writer:
        for csv_file in sorted(small_folder.glob("*.csv")):
            pd.read_csv(csv_file, dtype=str, keep_default_na=False).to_excel(
                writer, sheet_name=csv_file.stem, index=False)
    model = wb.load(book)
    assert load_scenario(model, "lean").limits == {"cost": 1000.0}


names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_scenario_round_trips(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("model")
    for name, table in random_tables(6, seed=0, funding=True).items():
        table.to_csv(folder / f"{name}.csv", index=False)
    model = wb.load(folder)
    actions = list(model.actions.index)
    include = data.draw(st.lists(st.sampled_from(actions), unique=True, max_size=2))
    exclude = data.draw(st.lists(st.sampled_from([a for a in actions if a not in include]),
                                 unique=True, max_size=2))
    amounts = st.floats(0, 1e7, allow_nan=False).map(lambda x: round(x, 2))
    scenario = Scenario(
        name=data.draw(names),
        limits=data.draw(st.dictionaries(st.sampled_from(model.resource_names), amounts)),
        stream_limits=data.draw(st.dictionaries(st.sampled_from(["general", "targeted"]),
                                                amounts)),
        stakeholder=data.draw(st.sampled_from(stakeholder_choices(model))),
        weights=data.draw(st.dictionaries(st.sampled_from(list(model.criteria.index)),
                                          st.floats(0.5, 100).map(lambda x: round(x, 3)))),
        include=tuple(include), exclude=tuple(exclude),
        horizon=data.draw(st.none() | st.integers(1, 5)),
        note=data.draw(st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20)
                       ).strip())
    if scenario.key() == Scenario().key():
        return
    save_scenario(model, scenario)
    assert load_scenario(model, scenario.name) == scenario
    shutil.rmtree(folder)
