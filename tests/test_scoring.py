"""Scoring (workbench.scoring): value functions, weights and stakeholder aggregation.

A criterion's partial value maps its scale linearly onto 0..100 (reversed when lower is
better); an action's value is the weighted sum of its partial values with the weights
normalised to sum to 1, so it lies between 0 (worst on every criterion) and 100 (best on every
criterion) whatever scale the weights were typed on.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.examples import random_model, tiny_model
from workbench.scoring import (criterion_values, normalised_weights, partial_values,
                               stakeholder_values)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MODEL_SETTINGS = settings(SETTINGS, max_examples=15)  # each example validates a random model


def scored_model(criteria: list[tuple], scores: dict[str, list[float]],
                 stakeholders: dict[str, dict[str, list[float]]] | None = None,
                 aggregation: str = "mean") -> wb.Model:
    """A model with the given criteria (id, weight, scale_min, scale_max, direction) and scores
    {action: one score per criterion}, or per stakeholder {group: {action: scores}}."""
    ids = list(scores) if stakeholders is None else list(next(iter(stakeholders.values())))
    criterion_ids = [c[0] for c in criteria]
    if stakeholders is None:
        rows = [{"action": a, "criterion": c, "score": s}
                for a, row in scores.items() for c, s in zip(criterion_ids, row)]
    else:
        rows = [{"action": a, "criterion": c, "stakeholder": group, "score": s}
                for group, table in stakeholders.items() for a, row in table.items()
                for c, s in zip(criterion_ids, row)]
    tables = {
        "actions": pd.DataFrame({"id": ids, "name": ids, "theme": "t", "lead": "l",
                                 "indicator": "i", "cost": 1}),
        "resources": pd.DataFrame({"resource": ["cost"], "limit": [len(ids)]}),
        "criteria": pd.DataFrame(criteria, columns=["id", "weight", "scale_min", "scale_max",
                                                    "direction"]).assign(name=criterion_ids),
        "scores": pd.DataFrame(rows),
        "settings": pd.DataFrame({"setting": ["aggregation"], "value": [aggregation]}),
    }
    if stakeholders is not None:
        tables["stakeholders"] = pd.DataFrame({"stakeholder": list(stakeholders)})
    return wb.from_tables(tables)


# ---------------------------------------------------------------- the value function


@pytest.mark.parametrize("score, expected", [(2, 0), (4, 25), (6, 50), (8, 75), (10, 100)])
def test_partial_value_is_linear_from_the_scale_minimum_to_its_maximum(score, expected):
    """On a 2..10 scale: the minimum is worth 0, the maximum 100, a quarter of the way 25."""
    criteria = pd.DataFrame({"scale_min": [2.0], "scale_max": [10.0], "direction": ["higher"]},
                            index=pd.Index(["c"], name="id"))
    values = partial_values(pd.Series([float(score)]), criteria, pd.Series(["c"]))
    assert values.iloc[0] == pytest.approx(expected)


@SETTINGS
@given(low=st.floats(-100, 100), width=st.floats(0.5, 1000), fraction=st.floats(0, 1))
def test_direction_lower_reverses_the_value_function(low, width, fraction):
    high = low + width
    score = low + fraction * width
    criteria = pd.DataFrame({"scale_min": [low, low], "scale_max": [high, high],
                             "direction": ["higher", "lower"]},
                            index=pd.Index(["up", "down"], name="id"))
    values = partial_values(pd.Series([score, score]), criteria, pd.Series(["up", "down"]))
    assert 0 - 1e-9 <= values.iloc[0] <= 100 + 1e-9
    assert values.iloc[0] == pytest.approx(100 * fraction, abs=1e-6)
    assert values.iloc[1] == pytest.approx(100 - values.iloc[0], abs=1e-6)


def test_best_on_every_criterion_is_worth_100_and_worst_is_worth_0():
    criteria = [("reach", 3, 0, 10, "higher"), ("cost_to_users", 1, 0, 5, "lower"),
                ("evidence", 2, 1, 4, "higher")]
    model = scored_model(criteria, {"best": [10, 0, 4], "worst": [0, 5, 1],
                                    "middle": [5, 2.5, 2.5]})
    values = wb.action_values(model)
    assert values["best"] == pytest.approx(100)
    assert values["worst"] == pytest.approx(0)
    assert values["middle"] == pytest.approx(50)


def test_value_is_the_weighted_sum_of_partial_values():
    """Weights 3 and 1 count as 0.75 and 0.25: partial values 40 and 80 give 50."""
    model = scored_model([("a", 3, 0, 10, "higher"), ("b", 1, 0, 10, "higher")],
                         {"x": [4, 8], "y": [8, 4]})
    values = wb.action_values(model)
    assert values["x"] == pytest.approx(0.75 * 40 + 0.25 * 80)
    assert values["y"] == pytest.approx(0.75 * 80 + 0.25 * 40)


# ---------------------------------------------------------------- weights


def test_weights_are_normalised_to_sum_to_one():
    weights = normalised_weights(pd.Series({"a": 20.0, "b": 5.0, "c": 0.0}))
    assert weights.to_dict() == pytest.approx({"a": 0.8, "b": 0.2, "c": 0.0})


def test_weights_adding_up_to_zero_are_refused():
    with pytest.raises(ValueError, match="criterion weights add up to zero"):
        normalised_weights(pd.Series({"a": 0.0, "b": 0.0}))


@MODEL_SETTINGS
@given(seed=st.integers(0, 10_000), n_criteria=st.integers(1, 5),
       factor=st.floats(1e-3, 1e3), draw=st.data())
def test_scaling_every_weight_by_a_constant_leaves_values_unchanged(seed, n_criteria, factor,
                                                                     draw):
    model = random_model(6, seed, n_criteria=n_criteria)
    weights = pd.Series(draw.draw(st.lists(st.floats(0.1, 100), min_size=n_criteria,
                                           max_size=n_criteria)),
                        index=model.criteria.index)
    values = wb.action_values(model, weights)
    scaled = wb.action_values(model, weights * factor)
    pd.testing.assert_series_equal(scaled, values, rtol=1e-9)
    table = wb.score(model, weights * factor)  # sorted by value: compare action by action
    pd.testing.assert_series_equal(table["value"].sort_index(),
                                   wb.score(model, weights)["value"].sort_index(), rtol=1e-9)


@MODEL_SETTINGS
@given(seed=st.integers(0, 10_000), n_criteria=st.integers(1, 5))
def test_every_value_lies_between_0_and_100(seed, n_criteria):
    model = random_model(8, seed, n_criteria=n_criteria, stakeholders=3)
    values = wb.action_values(model)
    assert ((values >= -1e-9) & (values <= 100 + 1e-9)).all(), values
    by_group = stakeholder_values(model)
    assert ((by_group >= -1e-9) & (by_group <= 100 + 1e-9)).all().all(), by_group


# ---------------------------------------------------------------- the score table


def test_score_table_columns_add_up_to_the_value(example_model):
    table = wb.score(example_model)
    criteria = list(example_model.criteria.index)
    assert list(table.columns[:2]) == ["name", "theme"]
    pd.testing.assert_series_equal(table[criteria].sum(axis=1), table["value"],
                                   check_names=False)
    pd.testing.assert_series_equal(table["value"].sort_index(),
                                   wb.action_values(example_model).sort_index(),
                                   check_names=False)
    assert table["value"].is_monotonic_decreasing  # best first


def test_score_table_weights_each_criterion_as_given():
    model = scored_model([("a", 1, 0, 10, "higher"), ("b", 1, 0, 10, "higher")],
                         {"x": [10, 0], "y": [0, 10]})
    even = wb.score(model)
    assert even.loc["x", "value"] == pytest.approx(even.loc["y", "value"]) == pytest.approx(50)
    tilted = wb.score(model, pd.Series({"a": 3.0, "b": 1.0}))
    assert tilted.loc["x", "a"] == pytest.approx(75) and tilted.loc["x", "b"] == 0
    assert tilted.index[0] == "x"


def test_tiny_model_value_is_ten_times_the_score():
    """examples.tiny_model promises value = 10 x score: the builder the other tests lean on."""
    model = tiny_model([("a", 3, 10), ("b", 7.5, 10)], limit=20)
    assert wb.action_values(model).to_dict() == pytest.approx({"a": 30, "b": 75})


# ---------------------------------------------------------------- stakeholders


GROUPS = {"council": {"x": [10, 4], "y": [0, 6]},
          "nhs": {"x": [6, 4], "y": [2, 6]},
          "residents": {"x": [2, 10], "y": [4, 6]}}
CRITERIA = [("a", 1, 0, 10, "higher"), ("b", 1, 0, 10, "higher")]


@pytest.mark.parametrize("aggregation, combine", [("mean", np.mean), ("median", np.median)])
def test_stakeholders_scores_combine_by_the_model_aggregation(aggregation, combine):
    model = scored_model(CRITERIA, {}, GROUPS, aggregation=aggregation)
    partial = criterion_values(model)
    for action in ("x", "y"):
        for k, criterion in enumerate(["a", "b"]):
            expected = 10 * combine([GROUPS[g][action][k] for g in GROUPS])
            assert partial.loc[action, criterion] == pytest.approx(expected)


def test_each_stakeholder_values_with_their_own_scores_and_spread_is_max_minus_min():
    model = scored_model(CRITERIA, {}, GROUPS)
    by_group = stakeholder_values(model)
    for group, table in GROUPS.items():
        for action, row in table.items():
            assert by_group.loc[action, group] == pytest.approx(10 * np.mean(row))
    table = wb.score(model)
    assert table.loc["x", "stakeholder_min"] == pytest.approx(by_group.loc["x"].min())
    assert table.loc["x", "stakeholder_max"] == pytest.approx(by_group.loc["x"].max())
    assert (table["spread"] == table["stakeholder_max"] - table["stakeholder_min"]).all()


def test_one_set_of_scores_has_no_spread_columns():
    table = wb.score(scored_model(CRITERIA, {"x": [1, 2], "y": [3, 4]}))
    assert not {"stakeholder_min", "stakeholder_max", "spread"} & set(table.columns)
