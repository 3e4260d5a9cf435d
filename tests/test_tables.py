"""Presentation tables: the model's names and units in every label, amounts that add up."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.examples import random_model
from workbench.tables import (SHARE_COLUMN, VALUE_COLUMN, action_value, funding_used, headline,
                              limits_used, model_summary, selected_actions)


def test_selected_actions_use_names_units_and_add_up(example_model):
    result = wb.optimise(example_model, horizon=3)
    table = selected_actions(result, example_model)
    assert list(table.columns) == ["name", "theme", "lead", "start year", "Money [£]",
                                   "Staff time [FTE]", VALUE_COLUMN]
    assert table["Money [£]"].sum() == pytest.approx(result.cost["cost"])  # set-up included
    assert table["Staff time [FTE]"].sum() == pytest.approx(result.cost["staff_fte"])
    assert table[VALUE_COLUMN].sum() == pytest.approx(result.value["standalone"])
    assert dict(table["start year"]) == result.start_year


def test_action_value_follows_the_runs_weights(example_model):
    weights = example_model.criteria["weight"] * 0 + 1
    result = wb.optimise(example_model, weights=weights)
    values = action_value(result, example_model, wb.run_options(example_model, weights=weights))
    assert values.sum() == pytest.approx(result.value["standalone"])


def test_headline_in_names_and_units(example_model):
    result = wb.optimise(example_model, limits={"cost": 500_000})
    table = headline({"optimised": result}, example_model, limits={"cost": 500_000})
    assert table.at["Money (limit £500,000)", "optimised"] == f"£{result.cost['cost']:,.0f}"
    assert table.at["Staff time (limit 5.5 FTE)", "optimised"] == (
        f"{result.cost['staff_fte']:g} FTE")


def test_limits_and_funding_used(example_model):
    result = wb.optimise(example_model)
    limits = limits_used(result, example_model).set_index("resource")
    assert limits.at["cost", "name"] == "Money"
    assert limits.at["cost", "used"] == pytest.approx(result.cost["cost"])
    assert limits.at["cost", "share"] == pytest.approx(100 * result.cost["cost"] / 680_000)
    streams = funding_used(result, example_model).set_index("stream")
    assert streams["used"].sum() == pytest.approx(result.cost["cost"])
    assert streams.at["council_workforce", "description"] == (
        "Council HR workforce development budget: council staff only.")
    assert (streams["used"] <= streams["limit"] + 1e-6).all()


def test_model_summary_limits_with_units(example_model):
    summary = model_summary(example_model)
    assert summary.loc["limit: Money"].tolist() == ["680,000", "£"]
    assert summary.loc["limit: Staff time"].tolist() == ["5.5", "FTE"]
    bare = model_summary(random_model(5, seed=1))
    assert bare.loc["limit: cost", "unit"] == "cost"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), horizon=st.integers(1, 3))
def test_per_action_columns_add_up_with_partial_funding_and_profiles(seed, horizon):
    """Partly funded actions (min_share), cost profiles and schemes: each action's amounts and
    value still add up to the result's totals, in the table and in the plan."""
    from workbench.plan import action_plan, yearly_column
    from workbench.units import resource_label

    model = random_model(8, seed=seed, horizon=horizon, scalable=0.5, profiles=True,
                         schemes=1, funding=True)
    result = wb.optimise(model)
    if not result.found:
        return
    table = selected_actions(result, model)
    for resource in model.resource_names:
        assert table[resource_label(model, resource)].sum() == pytest.approx(
            result.cost[resource], abs=1e-6)
    assert table[VALUE_COLUMN].sum() == pytest.approx(result.value["standalone"], abs=1e-6)
    plan = action_plan(result, model)
    for resource in model.resource_names:
        for year in range(1, horizon + 1):
            assert plan[yearly_column(resource, year)].sum() == pytest.approx(
                result.cost_by_year.at[resource, year], abs=1e-6)


def test_a_partly_funded_action_shows_its_share():
    model = random_model(8, seed=1, horizon=2, scalable=0.5, funding=True)
    result = wb.optimise(model)
    partly = {a: q for a, q in result.shares.items() if q < 1}
    assert partly  # this model funds some actions in part
    table = selected_actions(result, model)
    for action, share in partly.items():
        assert table.at[action, SHARE_COLUMN] == pytest.approx(100 * share)
    whole = selected_actions(wb.optimise(random_model(6, seed=1)), random_model(6, seed=1))
    assert SHARE_COLUMN not in whole
