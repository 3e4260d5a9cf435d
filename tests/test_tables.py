"""Presentation tables: the model's names and units in every label, amounts that add up."""
from __future__ import annotations

import pytest

import workbench as wb
from workbench.examples import random_model
from workbench.tables import (VALUE_COLUMN, action_value, funding_used, headline,
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
