"""Weight stability intervals and score tipping points, checked by re-solving around each end."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.examples import random_model, random_tables
from workbench.scoring import normalised_weights
from workbench.sensitivity import weight_path

MARGIN = 1e-3  # weight share [0..1] or value points: "just inside" and "just outside" an end


def selected_at(model, criterion, share):
    weights = weight_path(model.criteria["weight"], criterion, share)
    return wb.optimise(model, weights=weights).selected


@pytest.mark.parametrize("seed", [1, 4, 11])
def test_stability_interval_holds_inside_and_breaks_outside(seed):
    model = random_model(9, seed=seed, n_criteria=3, funding=True)
    baseline = wb.optimise(model).selected
    table = wb.weight_stability(model)
    interior_ends = 0
    for criterion, row in table.iterrows():
        assert row["low"] <= row["weight"] <= row["high"]
        for inside in (row["low"] + MARGIN, row["weight"], row["high"] - MARGIN):
            if row["low"] <= inside <= row["high"]:
                assert selected_at(model, criterion, inside) == baseline
        if row["low"] > 0:
            interior_ends += 1
            outside = selected_at(model, criterion, row["low"] - MARGIN)
            assert outside != baseline
            assert outside == row["below"]
        else:
            assert row["below"] == () and row["below_change"] == ""
        if row["high"] < 1:
            interior_ends += 1
            outside = selected_at(model, criterion, row["high"] + MARGIN)
            assert outside != baseline
            assert outside == row["above"]
        else:
            assert row["above"] == ()
    assert interior_ends > 0  # the check above has ends to bite on


def test_stability_of_the_worked_example_criterion(example_model):
    table = wb.weight_stability(example_model, criteria=["reach"])
    row = table.loc["reach"]
    baseline = wb.optimise(example_model).selected
    assert 0 < row["low"] < 0.2 < row["high"] < 1
    assert selected_at(example_model, "reach", row["low"] + MARGIN) == baseline
    assert selected_at(example_model, "reach", row["high"] - MARGIN) == baseline
    assert selected_at(example_model, "reach", row["low"] - MARGIN) != baseline
    assert selected_at(example_model, "reach", row["high"] + MARGIN) != baseline
    # stated 15..25 of 100 with the others at 80: shares 15/95 and 25/105
    assert row["range_low"] == pytest.approx(15 / 95)
    assert row["range_high"] == pytest.approx(25 / 105)
    assert row["stable_over_range"] == (row["low"] <= 15 / 95 and 25 / 105 <= row["high"])
    assert row["above_change"] and all(part[0] in "+-" for part in row["above_change"].split(", "))


def test_weight_path_keeps_the_others_in_proportion():
    weights = pd.Series({"a": 2.0, "b": 1.0, "c": 1.0})
    moved = weight_path(weights, "a", 0.2)
    assert moved.sum() == pytest.approx(1.0)
    assert moved["a"] == pytest.approx(0.2)
    assert moved["b"] == pytest.approx(moved["c"]) == pytest.approx(0.4)


def test_unknown_criterion_is_named(small_model):
    with pytest.raises(wb.ModelError) as error:
        wb.weight_stability(small_model, criteria=["nope"])
    assert "criteria: unknown criterion 'nope'" in str(error.value)


def flips(model, values, action, change, selected):
    moved = values.copy()
    moved[action] += change
    return (action in wb.optimise(model, values=moved).selected) != selected


@pytest.mark.parametrize("seed, horizon", [(2, 1), (5, 1), (3, 3)])
def test_tipping_points_flip_just_beyond_and_not_before(seed, horizon):
    model = random_model(8, seed=seed, horizon=horizon, funding=horizon == 1)
    values = wb.action_values(model)
    table = wb.tipping_points(model)
    assert set(table.index) == set(model.actions.index)
    checked = 0
    for action, row in table.iterrows():
        assert row["selected"] == (action in wb.optimise(model).selected)
        if np.isnan(row["change"]):
            assert row["note"]
            continue
        assert (row["change"] <= 0) if row["selected"] else (row["change"] >= 0)
        assert row["flips_at"] == pytest.approx(row["value"] + row["change"])
        direction = -1 if row["selected"] else 1
        assert flips(model, values, action, row["change"] + direction * MARGIN, row["selected"])
        if abs(row["change"]) > MARGIN:
            assert not flips(model, values, action, row["change"] - direction * MARGIN,
                             row["selected"])
        checked += 1
    assert checked >= 4


def test_tipping_point_of_a_forced_or_unaffordable_action():
    tables = random_tables(6, seed=2, n_requires=0, n_excludes=0)
    tables["actions"].loc[5, "cost"] = 10 ** 9  # more than any limit
    tables["constraints"] = pd.DataFrame({"kind": ["include"], "target": ["a00"]})
    model = wb.from_tables(tables)
    table = wb.tipping_points(model, actions=["a00", "a05"])
    assert np.isnan(table.at["a00", "change"])
    assert table.at["a00", "note"] == "forced in or out: its value does not decide"
    assert np.isnan(table.at["a05", "change"])
    assert table.at["a05", "note"] == "cannot be funded within the limits and rules at any value"


def test_tipping_points_unknown_action(small_model):
    with pytest.raises(wb.ModelError) as error:
        wb.tipping_points(small_model, actions=["zz"])
    assert "actions: unknown action 'zz'" in str(error.value)


def test_weight_stability_chart(small_model):
    table = wb.weight_stability(small_model)
    figure = wb.plots.plot_weight_stability(table)
    bars = [p for p in figure.axes[0].patches if p.get_gid() == "stable"]
    assert len(bars) == len(table)
    assert sorted(round(b.get_width(), 6) for b in bars) == sorted(
        round((h - l) * 100, 6) for l, h in zip(table["low"], table["high"]))
    with pytest.raises(wb.ModelError) as error:
        wb.plots.plot_weight_stability(pd.DataFrame({"x": [1]}))
    assert "expected the table of wb.weight_stability(model)" in str(error.value)


def test_normalised_agreed_weight_is_reported(small_model):
    table = wb.weight_stability(small_model)
    expected = normalised_weights(small_model.criteria["weight"])
    assert np.allclose(table["weight"], expected.reindex(table.index))


def test_an_infeasible_model_is_reported():
    tables = random_tables(6, seed=2, n_requires=0, n_excludes=0)
    tables["actions"].loc[5, "cost"] = 10 ** 9
    model = wb.from_tables(tables)
    with pytest.raises(wb.InfeasibleError) as error:
        wb.weight_stability(model, include=["a05"])
    assert "weight stability: no portfolio satisfies every constraint (infeasible)" in str(
        error.value)
    with pytest.raises(wb.InfeasibleError) as error:
        wb.tipping_points(model, include=["a05"])
    assert "tipping points: no portfolio satisfies every constraint" in str(error.value)
