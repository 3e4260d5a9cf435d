"""The efficient frontier: exact at every level, adaptive where the composition changes."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench import plots
from workbench.cli import main
from workbench.examples import random_model, tiny_model
from workbench.frontier import full_need

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


tiny = tiny_model  # one criterion (value = 10 x score), one resource 'cost'


@pytest.fixture
def trio_model():
    """a (80 points, 60) beats b + c alone; all three earn the 'trio' cluster (+30)."""
    return tiny([("a", 8, 60, "t", "x"), ("b", 5, 40, "t", "x"), ("c", 1, 5, "u", "y")], 60,
                interactions=[{"kind": "critical_mass", "actions": "a;b;c", "threshold": 3,
                               "bonus": 30, "name": "trio"}])


def random_options(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return dict(funding=bool(rng.random() < 0.4), group_limits=bool(rng.random() < 0.4),
                forced=bool(rng.random() < 0.3), horizon=int(rng.choice([1, 1, 2])))


def test_trio_frontier_is_every_step_with_its_composition(trio_model):
    table = wb.frontier(trio_model)
    assert list(table["budget"]) == [0, 5, 40, 45, 60, 65, 100, 105]
    assert list(table["value"]) == [0, 10, 50, 60, 80, 90, 130, 170]
    assert list(table["selected"])[-3:] == ["a;c", "a;b", "a;b;c"]
    assert table.loc[4, "added"] == "a" and table.loc[4, "dropped"] == "b;c"
    assert list(table["jump"]) == [False] * 7 + [True]
    assert table.loc[7, "jump_clusters"] == "trio"
    assert table.loc[7, "critical_mass"] == 30
    assert (table["cost"] == table["budget"]).all()  # each level is where a portfolio fits
    assert table.attrs["resource"] == "cost"


def test_every_level_is_the_optimum_at_that_budget(trio_model):
    table = wb.frontier(trio_model, budgets=[0, 30, 59.5, 60, 200])
    for row in table.itertuples():
        best = wb.optimise(trio_model, limits={"cost": row.budget})
        assert row.value == pytest.approx(best.objective)
        assert row.status == "optimal"
    assert list(table["budget"]) == [0, 30, 59.5, 60, 200]


@SETTINGS
@given(seed=st.integers(0, 10_000), n_actions=st.integers(3, 7))
def test_value_never_decreases_with_budget(seed, n_actions):
    model = random_model(n_actions, seed, **random_options(seed))
    for table in (wb.frontier(model), wb.frontier(model, points=12)):
        values = table["value"].dropna().to_numpy()
        assert np.all(np.diff(values) >= -1e-6)
        assert table["budget"].is_monotonic_increasing
        # once a level is feasible, every higher one is too
        feasible = table["value"].notna().to_numpy()
        assert not np.any(feasible[:-1] & ~feasible[1:])


@SETTINGS
@given(seed=st.integers(0, 10_000), n_actions=st.integers(3, 7))
def test_adaptive_equals_a_fine_grid(seed, n_actions):
    model = random_model(n_actions, seed, **random_options(seed))
    adaptive = wb.frontier(model)
    top = full_need(model, "cost", model.horizon)
    grid = wb.frontier(model, budgets=np.linspace(0, top * 1.05, 25))
    for budget, value in zip(grid["budget"], grid["value"]):
        expected = wb.value_at(adaptive, budget)
        if np.isnan(value):
            assert np.isnan(expected), budget
        else:
            assert expected == pytest.approx(value, abs=1e-6), budget


@pytest.mark.parametrize("seed", [3, 8])
def test_adaptive_misses_no_step(seed):
    """Just below each level the optimum is the level before: no step lies in between."""
    model = random_model(6, seed, funding=True, group_limits=True)
    table = wb.frontier(model)
    values = table["value"].to_numpy()
    assert np.all(np.diff(values) > 0)  # every row is a real step
    for k in range(1, len(table)):
        below = wb.optimise(model, limits={"cost": table["budget"].iloc[k] - 1e-3})
        assert below.objective == pytest.approx(values[k - 1], abs=1e-6)


def test_multi_year_frontier_and_other_resource():
    model = random_model(6, seed=5, horizon=2)
    table = wb.frontier(model, resource="staff_fte", points=6)
    assert table["value"].dropna().is_monotonic_increasing
    assert table.attrs["resource"] == "staff_fte"
    for row in table.dropna(subset=["value"]).itertuples():
        assert row.cost <= row.budget * (1 + 1e-9) + 1e-9


def test_resolution_coarsens_the_walk():
    model = random_model(12, seed=2)
    exact = wb.frontier(model)
    coarse = wb.frontier(model, resolution=full_need(model, "cost", 1) / 10)
    assert len(coarse) < len(exact)
    for budget, value in zip(coarse["budget"], coarse["value"]):
        assert wb.value_at(exact, budget) == pytest.approx(value)


def test_budget_for_value_and_value_at(trio_model):
    table = wb.frontier(trio_model)
    assert wb.budget_for_value(table, 85) == 65
    assert wb.budget_for_value(table, 170) == 105
    assert np.isnan(wb.budget_for_value(table, 171))
    many = wb.budget_for_value(table, pd.Series({"low": 10.0, "high": 130.0, "over": 999.0}))
    assert many["low"] == 5 and many["high"] == 100 and np.isnan(many["over"])
    assert wb.value_at(table, 64.9) == 80
    assert np.isnan(wb.value_at(table.iloc[1:], 1))


def test_infeasible_levels_are_kept_in_a_grid():
    model = tiny([("a", 8, 60, "t", "x"), ("b", 5, 40, "t", "x")], 100,
                 constraints=[{"kind": "include", "target": "a"}])
    table = wb.frontier(model, budgets=[0, 50, 60, 100])
    assert list(table["status"]) == ["infeasible", "infeasible", "optimal", "optimal"]
    assert table["value"].isna().sum() == 2
    assert table.loc[2, "added"] == "a"  # against the last feasible level (none)
    adaptive = wb.frontier(model)
    assert list(adaptive["budget"]) == [60, 100]


@pytest.mark.parametrize("arguments, message", [
    (dict(resource="money"), "resource='money': unknown resource (the model has cost)"),
    (dict(points=1), "points=1 must be a whole number of at least 2"),
    (dict(points=5, budgets=[1, 2]), "give budgets or points, not both"),
    (dict(budgets=[-1, 5]), "budgets cannot be negative"),
    (dict(resolution=-2), "resolution=-2 cannot be negative"),
])
def test_bad_arguments_are_named(trio_model, arguments, message):
    with pytest.raises(wb.ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        wb.frontier(trio_model, **arguments)


def test_cli_frontier_json_and_text(example_folder, capsys):
    assert main(["frontier", str(example_folder), "--points", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["resource"] == "cost" and len(data["levels"]) == 5
    assert data["levels"][0]["value"] is None  # budget 0 cannot meet the theme minimums
    values = [level["value"] for level in data["levels"] if level["value"] is not None]
    assert values == sorted(values)
    assert main(["frontier", str(example_folder), "--points", "4"]) == 0
    out = capsys.readouterr().out
    assert "best value [value points] at an even grid of 4 levels" in out


def test_cli_frontier_bad_input_exits_2(example_folder, capsys):
    assert main(["frontier", str(example_folder), "--points", "1"]) == 2
    assert "points=1 must be a whole number of at least 2" in capsys.readouterr().err
    assert main(["frontier", str(example_folder), "--resource", "money"]) == 2
    assert "unknown resource (the model has cost, staff_fte)" in capsys.readouterr().err


def test_plot_frontier_marks_jumps_and_the_current_budget(trio_model):
    table = wb.frontier(trio_model)
    figure = plots.plot_frontier(table, current_budget=60)
    axes = figure.axes[0]
    jumps = [c for c in axes.collections if c.get_gid() == "jump"]
    assert len(jumps) == 1 and len(jumps[0].get_offsets()) == table["jump"].sum()
    assert [line.get_xdata()[0] for line in axes.lines
            if line.get_gid() == "current_budget"] == [60]
    texts = [t.get_text() for t in axes.texts]
    assert "trio" in texts
    assert any("80.0 value points" in t for t in texts)
    assert figure._repr_png_().startswith(b"\x89PNG")


def test_plot_frontier_needs_a_frontier_table():
    with pytest.raises(wb.ModelError, match="expected the table of wb.frontier"):
        plots.plot_frontier(pd.DataFrame({"budget": [1.0]}))
