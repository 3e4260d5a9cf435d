"""Stakeholder values and portfolios, the disagreement view, and the maximin consensus."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.examples import random_tables
from workbench.scoring import normalised_weights


def stakeholder_model(n_actions: int, seed: int, groups: int = 3, **options) -> wb.Model:
    """A random model whose groups score separately and weigh the criteria their own way."""
    tables = random_tables(n_actions, seed, stakeholders=groups, **options)
    rng = np.random.default_rng(seed + 100)
    tables["weights"] = pd.DataFrame([
        {"stakeholder": f"group{g}", "criterion": c,
         "weight": int(rng.integers(0, 10)) + (c == "c0")}
        for g in range(groups) for c in tables["criteria"]["id"]])
    return wb.from_tables(tables)


def brute_force_maximin(model: wb.Model) -> tuple[float, dict[str, float]]:
    """Every subset: feasibility by wb.evaluate, each group's value in plain Python."""
    own = wb.stakeholder_own_values(model)
    agreed = wb.action_values(model)
    rows = []
    for size in range(len(model.actions) + 1):
        for subset in itertools.combinations(model.actions.index, size):
            result = wb.evaluate(model, subset, values=agreed)
            if result.status != "feasible":
                continue
            bonus = result.value["synergy"] + result.value["critical_mass"]
            rows.append({g: own[g][list(subset)].sum() + bonus for g in own.columns})
    table = pd.DataFrame(rows)
    optima = table.max()
    return float((table / optima).min(axis=1).max()), optima.to_dict()


def test_weights_of_each_group(example_model):
    weights = wb.stakeholder_weights(example_model)
    assert list(weights.columns) == ["statutory", "vcs", "lived_experience", "employers"]
    assert np.allclose(weights.sum(), 1.0)
    assert weights.at["lived_experience", "lived_experience"] == pytest.approx(0.30)
    assert weights.at["inequalities", "employers"] == pytest.approx(0.05)


def test_group_without_weights_uses_the_agreed_ones():
    model = stakeholder_model(5, seed=1)
    model = wb.from_tables({**random_tables(5, 1, stakeholders=3),
                            "weights": pd.DataFrame({"stakeholder": ["group0"] * 3,
                                                     "criterion": ["c0", "c1", "c2"],
                                                     "weight": [1, 0, 0]})})
    weights = wb.stakeholder_weights(model)
    agreed = normalised_weights(model.criteria["weight"])
    assert list(weights["group0"]) == [1.0, 0.0, 0.0]
    assert np.allclose(weights["group1"], agreed) and np.allclose(weights["group2"], agreed)


def test_a_missing_group_weight_is_named():
    tables = random_tables(5, 1, stakeholders=2)
    tables["weights"] = pd.DataFrame({"stakeholder": ["group1", "group1"],
                                      "criterion": ["c0", "c1"], "weight": [1, 2]})
    with pytest.raises(wb.ModelError) as error:
        wb.stakeholder_weights(wb.from_tables(tables))
    assert "weights.csv:weight: stakeholder 'group1' gives no weight for c2" in str(error.value)


def test_own_values_use_own_scores_and_own_weights(example_model):
    own = wb.stakeholder_own_values(example_model)
    weights = wb.stakeholder_weights(example_model)
    for group in own.columns:
        scores = example_model.scores[example_model.scores["stakeholder"] == group]
        expected = wb.action_values(example_model, weights[group], scores)
        assert np.allclose(own[group], expected.reindex(own.index))
    assert (own["lived_experience"]["crisis_cafe"] > own["employers"]["crisis_cafe"] + 20)


def test_each_group_gets_its_own_optimum():
    model = stakeholder_model(8, seed=4)
    portfolios = wb.stakeholder_portfolios(model)
    own = wb.stakeholder_own_values(model)
    assert set(portfolios) == {"agreed", *own.columns}
    assert portfolios["agreed"].selected == wb.optimise(model).selected
    for group in own.columns:
        assert portfolios[group].objective == pytest.approx(
            wb.optimise(model, values=own[group]).objective)
    shares = wb.portfolio_shares(model, portfolios)
    for group in own.columns:
        assert shares.at[group, group] == pytest.approx(1.0)
    assert (shares.drop(columns="minimum") <= 1 + 1e-9).all().all()


@pytest.mark.parametrize("seed, options", [
    (0, {}), (3, {"funding": True}), (6, {"group_limits": True}),
    (8, {"synergy_share": 0.6, "cluster_every": 4})])
def test_consensus_equals_brute_force_maximin(seed, options):
    model = stakeholder_model(7, seed=seed, **options)
    result = wb.consensus(model)
    brute, optima = brute_force_maximin(model)
    assert result.minimum_share == pytest.approx(brute, abs=1e-7)
    for group, optimum in optima.items():
        assert result.portfolios[group].objective == pytest.approx(optimum)
    minimum = result.shares["minimum"]
    assert (minimum.drop("consensus") <= minimum["consensus"] + 1e-9).all()
    assert result.portfolio.status == "optimal" and result.portfolio.breaches.empty
    assert result.selection.columns[0] == "consensus"
    assert list(result.selection.index[result.selection["consensus"]]) == list(
        result.portfolio.selected)


def test_consensus_of_the_worked_example(example_model):
    result = wb.consensus(example_model)
    minimum = result.shares["minimum"]
    assert list(minimum.index) == ["consensus", "agreed weights", "own: statutory", "own: vcs",
                                   "own: lived_experience", "own: employers"]
    assert (minimum <= minimum["consensus"] + 1e-9).all()
    assert 0.9 < result.minimum_share <= 1
    figure = wb.plots.plot_stakeholder_portfolios(result)
    funded = sum(len(c.get_offsets()) for c in figure.axes[0].collections
                 if c.get_gid() == "funded")
    assert funded == int(result.selection.to_numpy().sum())


def test_consensus_refuses_outside_values(example_model):
    with pytest.raises(wb.ModelError) as error:
        wb.consensus(example_model, weights=example_model.criteria["weight"])
    assert "weights: stakeholder analysis sets each group's own values: do not pass weights=" in str(error.value)


@pytest.mark.parametrize("seed", [0, 6])
def test_disagreement_decisions_hold_when_re_solved(seed):
    model = stakeholder_model(8, seed=seed)
    table = wb.disagreement(model)
    values = wb.action_values(model)
    baseline = wb.optimise(model).selected
    assert (table["value_spread"] > 0).all()
    assert (table["swing_down"] <= 1e-9).all() and (table["swing_up"] >= -1e-9).all()
    flags = table["changes_decision"].to_numpy()
    assert list(flags) == sorted(flags, reverse=True)  # decisive cells first
    for (action, criterion), row in table.iterrows():
        moved = values.copy()
        moved[action] += row["swing_down"] if row["selected"] else row["swing_up"]
        changed = wb.optimise(model, values=moved).selected != baseline
        assert changed == row["changes_decision"], (action, criterion)
    assert table["changes_decision"].any() and not table["changes_decision"].all()
    finite = table["tipping"].abs() > 1e-6
    assert ((table["share_of_tipping"] > 1 + 1e-9) == table["changes_decision"])[finite].all()


def test_disagreement_swing_is_the_lowest_groups_score(example_model):
    table = wb.disagreement(example_model)
    row = table.loc[("crisis_cafe", "impact")]
    scores = example_model.scores.query("action == 'crisis_cafe' and criterion == 'impact'")
    assert row["lowest_score"] == scores["score"].min()
    assert row["highest_score"] == scores["score"].max()
    weight = normalised_weights(example_model.criteria["weight"])["impact"]
    assert row["swing_down"] == pytest.approx(weight * 10 * (scores["score"].min()
                                                             - scores["score"].mean()))
    hanging = table[table["action_changes_decision"] & ~table["changes_decision"]]
    assert hanging["effect"].str.contains("scores of the action hold").all()
    figure = wb.plots.plot_disagreement_heatmap(table, example_model)
    assert len(figure.axes[0].get_yticklabels()) == 15


def test_disagreement_needs_two_groups():
    model = wb.from_tables(random_tables(5, 1, stakeholders=1))
    with pytest.raises(wb.ModelError) as error:
        wb.disagreement(model)
    assert "disagreement needs scores from at least two stakeholder groups" in str(error.value)


def test_consensus_of_an_infeasible_model_is_reported():
    tables = random_tables(6, seed=2, stakeholders=2, n_requires=0, n_excludes=0)
    tables["actions"].loc[5, "cost"] = 10 ** 9
    with pytest.raises(wb.InfeasibleError) as error:
        wb.consensus(wb.from_tables(tables), include=["a05"])
    assert "agreed: no portfolio satisfies every constraint (infeasible)" in str(error.value)
