"""Baselines: the value-for-money greedy and reference portfolios, compared with the optimum."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench import plots
from workbench.examples import random_model, tiny_model
from workbench.portfolio.rules import limits_in_force

SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


tiny = tiny_model  # one criterion (value = 10 x score), one resource 'cost'


@pytest.fixture
def ratio_trap():
    """Greedy by value per pound takes c, then a no longer fits, then b (60 points in all);
    the optimum is a alone (80)."""
    return tiny([("a", 8, 60), ("b", 5, 40), ("c", 1, 5)], 60)


def test_ranking_is_value_per_pound(ratio_trap):
    table = wb.value_for_money_ranking(ratio_trap)
    assert list(table["action"]) == ["c", "a", "b"]
    assert table.set_index("action")["value_per_1000"].to_dict() == pytest.approx(
        {"a": 1000 * 80 / 60, "b": 1000 * 50 / 40, "c": 1000 * 10 / 5})
    assert list(table["rank"]) == [1, 2, 3]


def test_greedy_falls_into_the_ratio_trap(ratio_trap):
    greedy = wb.value_for_money(ratio_trap)
    assert greedy.selected == ("b", "c") and greedy.status == "feasible"
    assert greedy.value["total"] == pytest.approx(60)
    table = wb.compare(ratio_trap).set_index("portfolio")
    assert table.loc["optimised", "value"] == pytest.approx(80)
    assert table.loc["value for money", "gain"] == pytest.approx(20)
    assert table.loc["value for money", "added"] == "b;c"
    assert table.loc["value for money", "dropped"] == "a"


def test_greedy_waits_for_a_prerequisite():
    """x ranks first but needs y, which ranks later: a second pass funds x after y."""
    model = tiny([("x", 9, 10), ("y", 2, 20), ("z", 5, 100)], 35,
                 interactions=[{"kind": "requires", "actions": "x;y"}])
    assert list(wb.value_for_money_ranking(model)["action"]) == ["x", "y", "z"]
    assert wb.value_for_money(model).selected == ("x", "y")


def test_greedy_meets_theme_minimums_first():
    """Down the list x and y would leave no room for z, the only action of theme 'dear'."""
    model = tiny([("x", 9, 10, "cheap"), ("y", 8, 10, "cheap"), ("z", 5, 50, "dear")], 60,
                 constraints=[{"kind": "theme_min", "target": "dear", "value": 1}])
    assert list(wb.value_for_money_ranking(model)["action"]) == ["x", "y", "z"]
    greedy = wb.value_for_money(model)
    assert greedy.selected == ("x", "z") and greedy.status == "feasible"


def test_greedy_keeps_the_rules_of_the_example(example_model):
    greedy = wb.value_for_money(example_model)
    assert greedy.status == "feasible" and greedy.breaches.empty
    assert greedy.cost["cost"] <= 680_000 and greedy.cost["staff_fte"] <= 5.5 + 1e-9
    ranking = wb.value_for_money_ranking(example_model)
    first = ranking["action"].iloc[0]
    assert first in greedy.selected
    assert not {"governance_reform", "new_action_group"} <= set(greedy.selected)


@SETTINGS
@given(seed=st.integers(0, 10_000), n_actions=st.integers(3, 9))
def test_greedy_is_never_over_a_limit(seed, n_actions):
    model = random_model(n_actions, seed, funding=seed % 2 == 0, group_limits=seed % 3 == 0,
                         horizon=1 + seed % 2, n_requires=2)
    greedy = wb.value_for_money(model)
    for row in limits_in_force(model, None).itertuples():
        used = greedy.cost_by_year.loc[row.resource]
        used = used.sum() if row.year == 0 else used.get(row.year, 0.0)
        assert used <= row.limit * (1 + 1e-9) + 1e-9
    breaches = greedy.breaches
    lasting = list(breaches.loc[~breaches["family"].isin(["theme_min", "include"]), "message"])
    assert lasting == []
    if greedy.status == "feasible":  # then it is a portfolio the optimiser could have chosen
        optimum = wb.optimise(model)
        assert optimum.status == "optimal"
        assert greedy.objective <= optimum.objective + 1e-6


def test_compare_lists_the_roundtable_breach(example_model):
    table = wb.compare(example_model).set_index("portfolio")
    assert list(table.index) == ["optimised", "value for money", "roundtable"]
    roundtable = table.loc["roundtable"]
    assert not roundtable["feasible"]
    assert roundtable["breaches"] == "cost: uses 740,000, over the limit of 680,000 by 60,000"
    assert roundtable["cost"] == 740_000 and roundtable["n_selected"] == 14
    optimum = wb.optimise(example_model)
    assert table.loc["optimised", "value"] == pytest.approx(optimum.objective)
    assert table.loc["optimised", "gain"] == 0 and table.loc["optimised", "feasible"]
    assert roundtable["gain"] == pytest.approx(optimum.objective - roundtable["value"])
    picks = set(example_model.reference_portfolio("roundtable"))
    assert set(roundtable["added"].split(";")) == picks - set(optimum.selected)
    assert set(roundtable["dropped"].split(";")) == set(optimum.selected) - picks
    parts = table[["standalone", "synergy", "critical_mass"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(table["value"].to_numpy())


def test_compare_takes_ids_start_years_and_results(example_model):
    result = wb.optimise(example_model, limits={"cost": 500_000})
    table = wb.compare(example_model, {
        "ids": ["peer_support", "crisis_cafe"],
        "with years": {"peer_support": 1},
        "tighter": result,
    }, references=False, baseline=False).set_index("portfolio")
    assert list(table.index) == ["optimised", "ids", "with years", "tighter"]
    assert table.loc["ids", "value"] == pytest.approx(
        wb.evaluate(example_model, ["peer_support", "crisis_cafe"]).objective)
    assert table.loc["ids", "synergy"] == pytest.approx(12)  # peer support + crisis cafe
    assert table.loc["tighter", "value"] == pytest.approx(result.objective)
    assert table.loc["tighter", "feasible"]


def test_compare_under_other_options(example_model):
    """The same limits apply to every portfolio: the roundtable fits a 750,000 budget."""
    table = wb.compare(example_model, limits={"cost": 750_000}).set_index("portfolio")
    assert table.loc["roundtable", "feasible"]
    assert table.loc["optimised", "value"] == pytest.approx(
        wb.optimise(example_model, limits={"cost": 750_000}).objective)


def test_compare_refuses_a_used_name(example_model):
    with pytest.raises(wb.ModelError, match="the portfolio name 'roundtable' is already used"):
        wb.compare(example_model, {"roundtable": ["peer_support"]})


def test_bad_resource_and_unknown_action(example_model):
    with pytest.raises(wb.ModelError, match="resource='money': unknown resource"):
        wb.value_for_money(example_model, "money")
    with pytest.raises(wb.ModelError, match="unknown action 'nothing' to include or exclude"):
        wb.value_for_money(example_model, include=["nothing"])
    with pytest.raises(wb.ModelError, match="unknown action"):
        wb.compare(example_model, {"odd": ["nothing"]}, baseline=False)


def test_plot_comparison_hatches_what_breaks_a_rule(example_model):
    table = wb.compare(example_model)
    figure = plots.plot_comparison(table)
    axes = figure.axes[0]
    hatched = [p for p in axes.patches if p.get_hatch()]
    assert len(hatched) == 3 * (~table["feasible"]).sum()  # three parts per broken portfolio
    totals = np.zeros(len(table))
    for container in axes.containers:
        totals += [bar.get_width() for bar in container]
    assert totals[::-1] == pytest.approx(table["value"].to_numpy())
    assert any("breaks a limit or rule" in t.get_text() for t in axes.texts)
    with pytest.raises(wb.ModelError, match="expected the table of wb.compare"):
        plots.plot_comparison(pd.DataFrame({"portfolio": ["x"]}))


def test_compare_scores_over_the_optimum_horizon(example_model):
    plan = wb.optimise(example_model, horizon=2)
    table = wb.compare(example_model, optimum=plan, references=False).set_index("portfolio")
    assert table.loc["optimised", "value"] == pytest.approx(plan.objective)
    assert table.loc["optimised", "feasible"] and table.loc["value for money", "feasible"]
