"""Monte Carlo robustness: determinism, the core index at its extremes, executors, inputs."""
from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.cli import main
from workbench.examples import random_model
from workbench.robustness import classify, draw_inputs, plan_draws


def dominance_tables(cost_columns: dict | None = None) -> dict[str, pd.DataFrame]:
    """Six actions: `star` is cheapest and strictly best on every criterion in every draw,
    `mansion` costs more than the whole budget, the other four compete for it."""
    ids = ["star", "mansion", "b1", "b2", "b3", "b4"]
    actions = pd.DataFrame({"id": ids, "name": ids, "theme": "t", "lead": "l", "indicator": "i",
                            "cost": [10, 500, 40, 50, 60, 70]})
    for column, values in (cost_columns or {}).items():
        actions[column] = values
    criteria = pd.DataFrame({"id": ["c0", "c1", "c2"], "name": ["c0", "c1", "c2"],
                             "weight": [3, 2, 1], "scale_min": 0, "scale_max": 10,
                             "direction": "higher", "weight_low": [1, None, None],
                             "weight_high": [5, None, None]})
    rng = np.random.default_rng(7)
    rows = []
    for action in ids:
        for criterion in criteria["id"]:
            for group in ("g1", "g2"):
                if action == "star":
                    rows.append((action, criterion, group, 9.5, 9, 10))
                elif group == "g1":  # ranged scores
                    score = float(rng.integers(2, 7))
                    rows.append((action, criterion, group, score, score - 1, score + 1.5))
                else:  # no range: the stakeholder spread applies
                    rows.append((action, criterion, group, float(rng.integers(1, 8)), None, None))
    scores = pd.DataFrame(rows, columns=["action", "criterion", "stakeholder", "score", "low",
                                         "high"])
    return {"actions": actions, "resources": pd.DataFrame({"resource": ["cost"], "limit": [120]}),
            "criteria": criteria, "scores": scores,
            "stakeholders": pd.DataFrame({"stakeholder": ["g1", "g2"]})}


@pytest.fixture
def dominance_model() -> wb.Model:
    return wb.from_tables(dominance_tables())


def test_same_seed_same_numbers(small_model):
    first = wb.robustness(small_model, samples=15, seed=4, cost_spread=0.2, progress=False)
    again = wb.robustness(small_model, samples=15, seed=4, cost_spread=0.2, progress=False)
    pd.testing.assert_frame_equal(first.draws, again.draws)
    pd.testing.assert_frame_equal(first.core, again.core)
    pd.testing.assert_frame_equal(first.portfolios, again.portfolios)
    other = wb.robustness(small_model, samples=15, seed=5, cost_spread=0.2, progress=False)
    assert not np.allclose(first.draws["value"], other.draws["value"])


def test_chunking_does_not_change_the_numbers(small_model):
    one = wb.robustness(small_model, samples=9, seed=2, progress=False, chunk_size=1)
    four = wb.robustness(small_model, samples=9, seed=2, progress=False, chunk_size=4)
    pd.testing.assert_frame_equal(one.draws, four.draws)


def test_dominant_action_core_index_one_unaffordable_zero(dominance_model):
    result = wb.robustness(dominance_model, samples=40, seed=1, cost_spread=0.2, progress=False)
    assert result.core_index["star"] == 1.0
    assert result.core_index["mansion"] == 0.0
    assert result.core.at["star", "status"] == "core"
    assert result.core.at["mansion", "status"] == "exterior"
    # the others really do move, so the extremes above are not an artefact of a frozen model
    others = result.core_index[["b1", "b2", "b3", "b4"]]
    assert ((others > 0) & (others < 1)).any()
    assert result.selected.mean().equals(result.core_index.reindex(result.selected.columns))


def test_core_index_is_the_share_of_draws(small_model):
    result = wb.robustness(small_model, samples=12, seed=3, progress=False)
    counts = pd.Series(0, index=small_model.actions.index)
    for portfolio in result.draws["portfolio"]:
        for action in filter(None, portfolio.split(";")):
            counts[action] += 1
    assert np.allclose(result.core_index.reindex(counts.index), counts / 12)
    assert result.portfolios["draws"].sum() == 12
    assert result.portfolios["draws"].is_monotonic_decreasing
    assert result.value_summary()["draws"] == 12


def test_each_draw_beats_the_agreed_optimum_where_that_still_fits(small_model):
    fixed = wb.robustness(small_model, samples=10, seed=6, progress=False)
    assert fixed.draws["baseline_value"].notna().all()
    assert (fixed.draws["value"] >= fixed.draws["baseline_value"] - 1e-6).all()
    moving = wb.robustness(small_model, samples=25, seed=6, cost_spread=0.3, progress=False)
    fits = moving.draws["baseline_value"].notna()
    assert fits.any() and not fits.all()  # some draws price the agreed optimum out of reach
    assert (moving.draws["value"][fits] >= moving.draws["baseline_value"][fits] - 1e-6).all()


def test_classes_at_their_limits():
    index = pd.Series([1.0, 0.9, 0.89, 0.5, 0.11, 0.1, 0.0], index=list("abcdefg"))
    assert list(classify(index)) == ["core", "core", "borderline", "borderline", "borderline",
                                     "exterior", "exterior"]


def test_draws_stay_within_the_stated_ranges(dominance_model):
    plan = plan_draws(dominance_model, cost_spread=0.2)
    scores = dominance_model.scores
    ranged = scores["low"].notna().to_numpy()
    assert np.array_equal(plan.score_low[ranged], scores["low"][ranged])
    assert np.array_equal(plan.score_high[ranged], scores["high"][ranged])
    spread = scores.groupby(["action", "criterion"])["score"].agg(["min", "max"])
    cell = pd.MultiIndex.from_frame(scores[["action", "criterion"]])
    assert np.array_equal(plan.score_low[~ranged], spread["min"].reindex(cell)[~ranged])
    assert np.array_equal(plan.weight_low, [1, np.nan, np.nan], equal_nan=True)
    assert np.allclose(plan.cost_low, 0.8) and np.allclose(plan.cost_high, 1.2)
    for seed in np.random.SeedSequence(0).spawn(20):
        values, drawn = draw_inputs(dominance_model, plan, seed)
        assert values.between(0, 100).all()
        ratio = drawn.actions["cost"] / dominance_model.actions["cost"]
        assert ratio.between(0.8, 1.2).all() and not np.allclose(ratio, 1.0)
        assert values["star"] > values.drop("star").max()


def test_stated_cost_columns_set_the_range():
    model = wb.from_tables(dominance_tables({"cost_low": [5, 90, 30, 50, 60, 70],
                                             "cost_high": [20, 800, 45, 55, 60, 70]}))
    plan = plan_draws(model)
    assert np.allclose(plan.cost_low[:, 0], [0.5, 0.18, 0.75, 1, 1, 1])
    assert np.allclose(plan.cost_high[:, 0], [2, 1.6, 1.125, 1.1, 1, 1])
    low, high = model.actions["cost_low"].astype(float), model.actions["cost_high"].astype(float)
    drawn = [draw_inputs(model, plan, seed)[1].actions["cost"]
             for seed in np.random.SeedSequence(1).spawn(20)]
    assert all(((cost >= low - 1e-9) & (cost <= high + 1e-9)).all() for cost in drawn)
    assert min(cost["mansion"] for cost in drawn) < 200 < max(cost["mansion"] for cost in drawn)


def test_bad_stated_cost_columns_are_reported():
    tables = dominance_tables({"cost_low": ["5", "lots", "", "50", "70", "70"],
                               "cost_high": ["20", "800", "", "55", "80", "80"]})
    with pytest.raises(wb.ModelError) as error:
        wb.robustness(wb.from_tables(tables), samples=2, progress=False)
    text = str(error.value)
    assert "actions.csv:cost_low: action 'mansion': 'lots' is not a number" in text
    assert "action 'b4': cost 70 must lie within cost_low..cost_high" not in text
    assert "action 'b3': cost 60 must lie within cost_low..cost_high" in text


@pytest.mark.parametrize("arguments, message", [
    ({"samples": 0}, "samples: must be a whole number of at least 1, not 0"),
    ({"seed": -1}, "seed: must be a whole number of at least 0, not -1"),
    ({"values": pd.Series(dtype=float)}, "values: robustness draws its own values: do not pass values="),
    ({"cost_spread": 1.5}, "cost_spread: for 'cost' must be a share from 0 to below 1"),
    ({"cost_spread": {"money": 0.1}}, "cost_spread: names unknown resource(s) 'money'"),
    ({"weight_concentration": 0}, "weight_concentration: must be above 0, not 0"),
    ({"executor": "pool"}, "executor: must be a concurrent.futures.Executor, not str"),
])
def test_bad_arguments_are_named(dominance_model, arguments, message):
    with pytest.raises(wb.ModelError) as error:
        wb.robustness(dominance_model, **{"samples": 2, "progress": False, **arguments})
    assert message in str(error.value)


def test_a_forking_pool_is_refused_before_it_can_hang(dominance_model):
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        with pytest.raises(wb.ModelError) as error:
            wb.robustness(dominance_model, samples=2, executor=pool, progress=False)
    assert "executor: a process pool that forks its workers can hang" in str(error.value)
    assert "wb.process_pool(workers)" in str(error.value)


def test_process_pool_equals_in_process():
    model = random_model(10, seed=3, funding=True)
    here = wb.robustness(model, samples=16, seed=9, cost_spread=0.1, progress=False)
    with wb.process_pool(2) as pool:
        there = wb.robustness(model, samples=16, seed=9, cost_spread=0.1, executor=pool,
                              progress=False, chunk_size=3)
    pd.testing.assert_frame_equal(here.draws, there.draws)
    pd.testing.assert_frame_equal(here.core, there.core)
    pd.testing.assert_frame_equal(here.selected, there.selected)


def test_dask_cluster_equals_in_process():
    distributed = pytest.importorskip("distributed")
    model = random_model(8, seed=2)
    here = wb.robustness(model, samples=8, seed=1, progress=False)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=None) as client:
        there = wb.robustness(model, samples=8, seed=1, executor=client.get_executor(),
                              progress=False, chunk_size=3)
    pd.testing.assert_frame_equal(here.draws, there.draws)


def test_workers_or_executor_not_both(dominance_model):
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        with pytest.raises(wb.ModelError) as error:
            wb.robustness(dominance_model, samples=2, executor=pool, workers=2, progress=False)
    assert "workers: give either executor= or workers=, not both" in str(error.value)


def test_process_pool_needs_a_worker():
    with pytest.raises(wb.ModelError) as error:
        wb.process_pool(0)
    assert "workers: must be a whole number of at least 1, not 0" in str(error.value)


def test_cli_robustness_json(example_folder, capsys):
    code = main(["robustness", str(example_folder), "--samples", "3", "--seed", "1", "--json"])
    output = json.loads(capsys.readouterr().out)
    assert code == 0
    assert output["settings"]["samples"] == 3 and output["settings"]["seed"] == 1
    assert len(output["core_index"]) == 27
    assert sum(p["draws"] for p in output["portfolios"]) <= 3
    assert {r["status"] for r in output["core_index"]} <= {"core", "borderline", "exterior"}


def test_cli_robustness_text_and_bad_workers(example_folder, capsys):
    assert main(["robustness", str(example_folder), "--samples", "2", "--workers", "0"]) == 2
    assert "workbench: --workers: 0: at least 1 worker is needed" in capsys.readouterr().err
    assert main(["robustness", str(example_folder), "--samples", "2"]) == 0
    text = capsys.readouterr().out
    assert "2 draws (seed 0); 0 without a feasible portfolio" in text
    assert "core index" in text and "most frequent portfolios" in text


def test_charts_of_a_robustness_result(dominance_model):
    result = wb.robustness(dominance_model, samples=10, seed=0, progress=False)
    figure = wb.plots.plot_core_index(result)
    bars = {gid: sum(patch.get_gid() == gid for patch in figure.axes[0].patches)
            for gid in ("core", "borderline", "exterior")}
    assert sum(bars.values()) == 6
    assert bars["core"] == (result.core["status"] == "core").sum()
    histogram = wb.plots.plot_value_distribution(result)
    assert len(histogram.axes) == 2
    with pytest.raises(wb.ModelError) as error:
        wb.plots.plot_core_index(object())
    assert "expected the result of wb.robustness" in str(error.value)
