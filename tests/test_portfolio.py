"""The optimiser against brute-force enumeration, and its invariants.

The brute force here is a second, deliberately plain implementation of the value model and the
rules (every subset, or every (action, start year) choice, scored and checked in pure Python);
funding-stream feasibility, which needs an LP, is confirmed by `wb.evaluate` for the best few.
"""
from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.examples import random_model, random_tables
from workbench.portfolio import SYNERGY_FORMULATIONS
from workbench.portfolio.rules import limits_in_force
from workbench.portfolio.schedule import action_timing, active_years, resource_amounts

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def plain_value(model, values, starts, horizon, timing):
    active = {a: set(active_years(t, timing.at[a, "duration"], horizon)) for a, t in starts.items()}
    total = sum(values[a] * len(years) for a, years in active.items())
    for i in model.interactions.itertuples():
        if i.kind == "synergy":
            a, b = i.members
            total += i.bonus * len(active.get(a, set()) & active.get(b, set()))
        elif i.kind == "critical_mass":
            total += i.bonus * sum(
                sum(t in active.get(m, ()) for m in i.members) >= i.threshold
                for t in range(1, horizon + 1))
    return total / horizon, active


def plain_feasible(model, starts, active, horizon, timing, running, setup, limits):
    for row in limits.itertuples():
        years = range(1, horizon + 1) if row.year == 0 else [row.year]
        used = sum(setup.at[a, row.resource] * (t in years) for a, t in starts.items())
        used += sum(running.at[a, row.resource] * len(active[a] & set(years)) for a in starts)
        if used > row.limit + 1e-7 * max(1, row.limit):
            return False
    lag_counts = horizon > 1
    for i in model.interactions.itertuples():
        if i.kind == "requires":
            x, y = i.members
            lag = int(i.lag) if lag_counts else 0
            if x in starts and (y not in starts or starts[y] > starts[x] - lag):
                return False
        if i.kind == "excludes" and sum(m in starts for m in i.members) > 1:
            return False
    for c in model.constraints.itertuples():
        column = "lead" if c.kind == "lead_max" else "theme"
        count = sum(model.actions.at[a, column] == c.target for a in starts)
        if ((c.kind == "include" and c.target not in starts)
                or (c.kind == "exclude" and c.target in starts)
                or (c.kind == "theme_min" and count < c.value)
                or (c.kind in ("theme_max", "lead_max") and count > c.value)):
            return False
    return all(timing.at[a, "earliest"] <= t <= horizon for a, t in starts.items())


def brute_force(model, horizon=1, limits=None):
    """Best value over every (action -> no start / start year) choice, or None if none is feasible."""
    values = wb.action_values(model)
    timing = action_timing(model, horizon)
    running, setup = resource_amounts(model)
    table = limits_in_force(model, limits, horizon)
    ids = list(model.actions.index)
    options = [[None, *range(int(timing.at[a, "earliest"]), horizon + 1)] for a in ids]
    candidates = []
    for choice in itertools.product(*options):
        starts = {a: t for a, t in zip(ids, choice) if t is not None}
        value, active = plain_value(model, values, starts, horizon, timing)
        if plain_feasible(model, starts, active, horizon, timing, running, setup, table):
            candidates.append((value, starts))
    candidates.sort(key=lambda c: -c[0])
    for value, starts in candidates:  # funding needs an LP: confirm with the evaluator
        check = wb.evaluate(model, starts, limits=limits, horizon=horizon)
        assert check.value["total"] == pytest.approx(value, abs=1e-6)
        if check.status == "feasible":
            return value
    return None


model_options = st.fixed_dictionaries({
    "n_resources": st.integers(1, 3),
    "synergy_share": st.sampled_from([0.3, 0.6, 1.0]),
    "cluster_every": st.integers(3, 8),
    "n_requires": st.integers(0, 2),
    "n_excludes": st.integers(0, 1),
    "budget_share": st.floats(0.2, 0.8),
    "funding": st.booleans(),
    "group_limits": st.booleans(),
    "forced": st.booleans(),
})


@SETTINGS
@given(n_actions=st.integers(2, 8), seed=st.integers(0, 10**6), options=model_options,
       solver=st.sampled_from(["highs", "highs", "cbc"]),
       synergy=st.sampled_from(SYNERGY_FORMULATIONS))
def test_single_period_optimum_equals_brute_force(n_actions, seed, options, solver, synergy):
    model = random_model(n_actions, seed, **options)
    result = wb.optimise(model, solver=solver, synergy=synergy)
    best = brute_force(model)
    if best is None:
        assert result.status == "infeasible"
    else:
        assert result.status == "optimal"
        assert result.objective == pytest.approx(best, abs=1e-6)
        assert wb.evaluate(model, result.selected).status == "feasible"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(n_actions=st.integers(2, 5), seed=st.integers(0, 10**6), horizon=st.integers(2, 3),
       options=model_options, synergy=st.sampled_from(SYNERGY_FORMULATIONS))
def test_multi_year_optimum_equals_brute_force(n_actions, seed, horizon, options, synergy):
    model = random_model(n_actions, seed, horizon=horizon, **options)
    result = wb.optimise(model, synergy=synergy)
    best = brute_force(model, horizon=horizon)
    if best is None:
        assert result.status == "infeasible"
    else:
        assert result.status == "optimal"
        assert result.objective == pytest.approx(best, abs=1e-6)


def single_period_copy(tables):
    """The same model written as a single-period one: no timing columns, no per-year rows."""
    tables = {name: frame.copy() for name, frame in tables.items()}
    tables["actions"] = tables["actions"].drop(columns=["duration_years", "earliest_start"])
    resources = tables["resources"]
    if "year" in resources:  # in a one-year model a year-1 limit is just another total limit
        in_year_one = resources[resources["year"].isna() | (resources["year"] == 1)]
        tables["resources"] = in_year_one.groupby("resource", as_index=False)["limit"].min()
    tables["interactions"] = tables["interactions"].assign(lag="")
    tables["settings"] = pd.DataFrame({"setting": ["horizon_years"], "value": ["1"]})
    return tables


@settings(max_examples=60, deadline=None, derandomize=True)
@given(n_actions=st.integers(2, 25), seed=st.integers(0, 10**6), options=model_options)
def test_horizon_one_reduces_to_the_single_period_model(n_actions, seed, options):
    tables = random_tables(n_actions, seed, horizon=3, **options)
    multi_year = wb.from_tables(tables)
    single = wb.from_tables(single_period_copy(tables))
    limits = {row.resource: row.limit for row in single.resources.itertuples()}
    as_one_year = wb.optimise(multi_year, horizon=1, limits=limits)
    reference = wb.optimise(single)
    assert as_one_year.status == reference.status
    assert as_one_year.objective == pytest.approx(reference.objective, abs=1e-6)
    assert as_one_year.cost == pytest.approx(reference.cost)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(n_actions=st.integers(3, 30), seed=st.integers(0, 10**6), options=model_options,
       raise_by=st.floats(1.0, 2.0))
def test_raising_a_budget_never_lowers_the_optimum(n_actions, seed, options, raise_by):
    model = random_model(n_actions, seed, **options)
    limit = float(model.resources.loc[model.resources["resource"] == "cost", "limit"].iloc[0])
    lower = wb.optimise(model, limits={"cost": limit})
    higher = wb.optimise(model, limits={"cost": limit * raise_by})
    if lower.status == "optimal":
        assert higher.status == "optimal"
        assert higher.objective >= lower.objective - 1e-6


@settings(max_examples=40, deadline=None, derandomize=True)
@given(n_actions=st.integers(3, 40), seed=st.integers(0, 10**6), options=model_options,
       horizon=st.integers(1, 3))
def test_every_portfolio_respects_every_limit_and_rule(n_actions, seed, options, horizon):
    model = random_model(n_actions, seed, horizon=horizon, **options)
    result = wb.optimise(model)
    if result.status == "infeasible":
        return
    running, setup = resource_amounts(model)
    for row in limits_in_force(model, None, horizon).itertuples():
        used = result.cost_by_year.loc[row.resource]
        used = used.sum() if row.year == 0 else used[row.year]
        assert used <= row.limit * (1 + 1e-9) + 1e-6
    for rule in model.interactions[model.interactions["kind"] == "requires"].itertuples():
        x, y = rule.members
        if x in result.selected:
            assert y in result.selected
            lag = int(rule.lag) if horizon > 1 else 0
            assert result.start_year[y] <= result.start_year[x] - lag
    for rule in model.interactions[model.interactions["kind"] == "excludes"].itertuples():
        assert sum(m in result.selected for m in rule.members) <= 1
    if not model.funding.empty:
        paid = result.funding.groupby("stream")["amount"].sum()
        for stream in model.funding[model.funding["year"].isna()].itertuples():
            assert paid.get(stream.stream, 0.0) <= stream.limit * (1 + 1e-9) + 1e-6


def test_include_and_exclude_arguments_are_honoured(example_model):
    free = wb.optimise(example_model)
    dropped = free.selected[0]
    outsider = next(a for a in example_model.actions.index if a not in free.selected
                    and not example_model.interactions["members"].map(
                        lambda m, a=a: a in m).any())
    forced = wb.optimise(example_model, include=[outsider], exclude=[dropped])
    assert outsider in forced.selected and dropped not in forced.selected
    assert forced.objective <= free.objective + 1e-9


def test_unknown_action_to_include_is_a_clear_error(example_model):
    with pytest.raises(wb.ModelError, match="unknown action 'no_such_action'"):
        wb.optimise(example_model, include=["no_such_action"])


def test_worked_example_cbc_and_highs_agree(example_model):
    highs = wb.optimise(example_model, solver="highs")
    cbc = wb.optimise(example_model, solver="cbc")
    assert highs.status == cbc.status == "optimal"
    assert highs.objective == pytest.approx(cbc.objective, abs=1e-6)


def test_value_split_adds_up_and_criteria_explain_the_standalone_part(example_model):
    result = wb.optimise(example_model)
    value = result.value
    assert value["total"] == pytest.approx(value["standalone"] + value["synergy"]
                                           + value["critical_mass"])
    assert result.value_by_criterion.sum() == pytest.approx(value["standalone"])


def test_negative_synergy_is_charged_when_both_run():
    tables = random_tables(2, 0, n_resources=1, n_requires=0, n_excludes=0, budget_share=1.0,
                           cluster_every=99)
    tables["interactions"] = pd.DataFrame({"kind": ["synergy"], "actions": ["a00;a01"],
                                           "bonus": [-1000]})
    model = wb.from_tables(tables)
    result = wb.optimise(model)
    assert len(result.selected) == 1  # both together would cost 1000 value points
    assert result.value["synergy"] == 0


def test_critical_mass_bonus_only_once_the_threshold_runs():
    tables = random_tables(3, 0, n_resources=1, n_requires=0, n_excludes=0, budget_share=1.0,
                           synergy_share=0.0, cluster_every=99)
    tables["interactions"] = pd.DataFrame({"kind": ["critical_mass"], "actions": ["a00;a01;a02"],
                                           "threshold": [3], "bonus": [50], "name": ["trio"]})
    model = wb.from_tables(tables)
    total = float(model.resources["limit"].iloc[0])
    everything = wb.optimise(model)
    assert everything.value["critical_mass"] == 50
    cost = model.actions["cost"] + model.actions["cost_setup"]
    squeezed = wb.optimise(model, limits={"cost": float(cost.sum() - cost.min())})
    assert squeezed.value["critical_mass"] == 0 and len(squeezed.selected) == 2
    assert math.isclose(total, float(cost.sum()))
