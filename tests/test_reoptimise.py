"""Re-optimising a model kept in HiGHS: every answer is the one `optimise` finds from scratch.

The Reoptimiser changes objective coefficients, limit rows and budget-cut coefficients in
place and warm-starts each solve; these tests check that none of that changes an answer's
value or feasibility, whatever order the changes come in.
"""
from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.portfolio import highs
from workbench.examples import random_model
from workbench.portfolio.reoptimise import Reoptimiser
from workbench.robustness import ValueMap, draw_inputs, plan_draws, run_draws
from workbench.scoring import action_values

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def same_optimum(a: wb.PortfolioResult, b: wb.PortfolioResult) -> bool:
    if a.status != b.status:
        return False
    return a.status != "optimal" or abs(a.objective - b.objective) <= 1e-6 * max(1.0,
                                                                                  abs(b.objective))


@SETTINGS
@given(seed=st.integers(0, 10_000), n_actions=st.integers(3, 10),
       horizon=st.sampled_from([1, 1, 2]), funding=st.booleans(),
       synergy=st.sampled_from(["auto", "budget", "plain", "glover"]),
       changes=st.lists(st.tuples(st.floats(0.0, 1.2), st.integers(0, 2**31 - 1)),
                        min_size=2, max_size=6))
def test_any_sequence_of_limit_and_value_changes_gives_optimise_answers(
        seed, n_actions, horizon, funding, synergy, changes):
    model = random_model(n_actions, seed, horizon=horizon, funding=funding,
                         synergy_share=0.6, group_limits=seed % 3 == 0)
    reoptimiser = Reoptimiser(model, synergy=synergy)
    top = float(model.actions["cost"].sum()) * horizon
    for share, value_seed in changes:
        limits = {"cost": share * top}
        values = pd.Series(np.random.default_rng(value_seed).uniform(0, 100, n_actions),
                           index=model.actions.index)
        again = reoptimiser.optimise(values=values, limits=limits, explain=False)
        fresh = wb.optimise(model, values=values, limits=limits, synergy=synergy, explain=False)
        assert same_optimum(again, fresh), (share, again.objective, fresh.objective)
        if again.status == "optimal":
            check = wb.evaluate(model, again.start_year, values=values, limits=limits)
            assert check.status == "feasible", check.breaches
            assert check.value["total"] == pytest.approx(again.objective)


def test_weights_change_the_answer_as_optimise_does(example_model):
    reoptimiser = Reoptimiser(example_model)
    for weights in ([1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1], [3, 1, 1, 1, 1, 1, 2]):
        series = pd.Series(weights[:len(example_model.criteria)], index=example_model.criteria.index,
                           dtype=float)
        again = reoptimiser.optimise(weights=series)
        fresh = wb.optimise(example_model, weights=series)
        assert same_optimum(again, fresh)
        assert again.value_by_criterion.sum() == pytest.approx(again.value["standalone"])


def test_a_limit_set_back_gives_the_first_answer_again(example_model):
    reoptimiser = Reoptimiser(example_model)
    first = reoptimiser.optimise()
    assert reoptimiser.optimise(limits={"cost": 200_000}).cost["cost"] <= 200_000 + 1e-6
    back = reoptimiser.optimise(limits={"cost": float(example_model.resources.set_index(
        "resource").at["cost", "limit"])})
    assert back.objective == pytest.approx(first.objective)
    assert back.objective == pytest.approx(wb.optimise(example_model).objective)


def test_an_infeasible_change_is_explained_and_the_next_one_recovers(example_model):
    reoptimiser = Reoptimiser(example_model)
    broken = reoptimiser.optimise(limits={"cost": 10})
    assert broken.status == "infeasible"
    assert any("the Money limit is £10" in line for line in broken.reasons)
    assert reoptimiser.optimise().objective == pytest.approx(wb.optimise(example_model).objective)


def test_a_limit_without_a_row_is_refused_by_name():
    reoptimiser = Reoptimiser(random_model(6, 0, horizon=2))
    with pytest.raises(wb.ModelError, match="unknown resource 'nowhere'"):
        reoptimiser.optimise(limits={"nowhere": 5})
    yearly = random_model(6, 0, horizon=2)  # a resource limited per year only
    yearly = replace(yearly, resources=yearly.resources.drop_duplicates("resource").assign(
        year=1.0))
    with pytest.raises(wb.ModelError, match="cannot vary the limit of cost"):
        Reoptimiser(yearly).optimise(limits={"cost": 5})


def test_unknown_forced_action_is_named(example_model):
    with pytest.raises(wb.ModelError, match="unknown action 'no_such_action'"):
        Reoptimiser(example_model, include=["no_such_action"])


# ---------------------------------------------------------------- the warm start


def test_best_start_offers_only_answers_that_still_fit():
    model = random_model(8, 3)
    reoptimiser = Reoptimiser(model)
    reoptimiser.optimise()  # an answer at the model's own limit
    held = reoptimiser.held
    assert held.best_start(reoptimiser.answers) is not None
    reoptimiser._set_limits({"cost": 0.0})
    start = held.best_start(reoptimiser.answers)
    if start is not None:  # only a portfolio that costs nothing fits a budget of 0
        starts = reoptimiser._starts(start)
        assert all(model.actions.at[a, "cost"] == 0 for a in starts)


def test_best_start_prefers_the_answer_worth_most_now():
    model = random_model(6, 5)
    reoptimiser = Reoptimiser(model)
    values = [pd.Series(v, index=model.actions.index, dtype=float)
              for v in (np.arange(6) * 10.0, np.arange(6)[::-1] * 10.0)]
    answers = [reoptimiser.optimise(values=v) for v in values]
    reoptimiser._set_values(values[0])
    start = reoptimiser.held.best_start(reoptimiser.answers)
    assert set(reoptimiser._answer(start).starts) == set(answers[0].selected)


# ---------------------------------------------------------------- threads


def test_solves_with_different_thread_counts_all_succeed(example_model):
    """HiGHS fixes its thread pool at the first solve; highs.py resets it between solves."""
    held = [Reoptimiser(example_model) for _ in range(3)]
    for threads, reoptimiser in zip((1, 2, 1), held):
        assert reoptimiser.optimise(threads=threads).status == "optimal"
    assert highs._running == 0


def test_thread_counts_may_change_between_solves_made_in_other_threads(example_model):
    """A pool reset made in one thread leaves other threads' handles stale ("Not Set" before
    highs.py refreshed them): the main thread, then a worker thread, then the main thread."""
    other = random_model(40, 1)
    results = [Reoptimiser(example_model).optimise(threads=2).status]

    def worker() -> None:
        results.append(Reoptimiser(other).optimise(threads=1).status)

    for _ in range(2):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        results.append(Reoptimiser(example_model).optimise(threads=1).status)
        results.append(Reoptimiser(other).optimise(threads=2).status)
    assert results == ["optimal"] * 7


def test_solves_in_parallel_threads_equal_sequential_ones():
    model = random_model(40, 2)
    budgets = np.linspace(0.1, 0.9, 8) * float(model.actions["cost"].sum())
    sequential = [wb.optimise(model, limits={"cost": b}).objective for b in budgets]
    parallel: dict[int, float] = {}

    def work(k: int) -> None:
        reoptimiser = Reoptimiser(model)
        for j in range(k, len(budgets), 2):
            parallel[j] = reoptimiser.optimise(limits={"cost": budgets[j]}, threads=1).objective

    workers = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [parallel[j] for j in range(len(budgets))] == pytest.approx(sequential)


def test_frontier_in_parallel_equals_one_level_at_a_time():
    model = random_model(30, 4, funding=True)
    one = wb.frontier(model, points=12, parallel=1)
    two = wb.frontier(model, points=12, parallel=2)
    assert list(two["value"]) == pytest.approx(list(one["value"]))
    assert list(two["status"]) == list(one["status"])
    assert two.attrs["solves"] == one.attrs["solves"] <= 12


def test_levels_above_the_top_optimum_cost_take_its_answer_without_a_solve():
    """The top level's optimum is optimal at every level from its cost up; the other levels
    are each solved, and every level equals optimise at that budget."""
    model = random_model(12, 3, budget_share=0.3)  # the staff limit binds: a flat top
    table = wb.frontier(model, points=10)
    flat = table["budget"] >= table["cost"].iloc[-1]
    assert flat.sum() > 1
    assert table.attrs["solves"] == 10 - flat.sum() + 1
    for row in table.itertuples():
        assert row.value == pytest.approx(wb.optimise(model, limits={"cost": row.budget}).objective)


# ---------------------------------------------------------------- robustness draws


@SETTINGS
@given(seed=st.integers(0, 10_000), n_actions=st.integers(2, 12),
       stakeholders=st.integers(1, 4), draw=st.integers(0, 2**31 - 1))
def test_value_map_gives_the_values_of_action_values(seed, n_actions, stakeholders, draw):
    model = random_model(n_actions, seed, stakeholders=stakeholders)
    rng = np.random.default_rng(draw)
    scores = model.scores["score"].to_numpy(float) * rng.uniform(0.8, 1.0, len(model.scores))
    weights = rng.uniform(0.0, 1.0, len(model.criteria)) + 1e-3
    quick = ValueMap.of(model).values(scores, weights, model.actions.index)
    slow = action_values(model, pd.Series(weights, index=model.criteria.index),
                         model.scores.assign(score=scores))
    assert np.allclose(quick.to_numpy(), slow.to_numpy(), rtol=1e-12, atol=1e-9)


def test_draws_on_one_reoptimiser_equal_draws_solved_from_scratch(example_model):
    plan = plan_draws(example_model)
    seeds = list(enumerate(np.random.SeedSequence(7).spawn(12)))
    quick = run_draws(example_model, plan, seeds, None, wb.run_options(example_model))
    for record, (_, seed) in zip(quick, seeds):
        values, _ = draw_inputs(example_model, plan, seed)
        fresh = wb.optimise(example_model, values=values)
        assert record["value"] == pytest.approx(fresh.objective)
        check = wb.evaluate(example_model, record["selected"], values=values,
                            shares=record["shares"])
        assert check.status == "feasible"
        assert check.value["total"] == pytest.approx(record["value"])


def test_an_answer_that_does_not_match_its_objective_is_solved_again():
    """HiGHS 1.16, given a start, once reported a better portfolio's objective but handed back
    the start itself (budget 0, then 2/11, then 4/11 of what all five actions cost); the
    Reoptimiser notices and solves again from scratch instead of failing its check."""
    model = random_model(5, 5)
    top = float(model.actions["cost"].sum())
    reoptimiser = Reoptimiser(model, limits={"cost": top})
    for share in (0, 2, 4, 6, 8, 10):
        budget = top * share / 11
        again = reoptimiser.optimise(limits={"cost": budget}, explain=False)
        assert again.objective == pytest.approx(
            wb.optimise(model, limits={"cost": budget}).objective)
