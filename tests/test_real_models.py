"""Real partnerships' models: partial funding, schemes, status-quo baselines, reach and cost
profiles, against a brute force written from the README's definitions.

The brute force enumerates every funded set (each action: not funded, or its start year; at
most one version of a scheme), checks every rule in plain Python, and for the actions that
may be funded in part finds the best shares with a small LP solved by scipy; values are
scored here from the score table, not by `workbench.scoring`.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import workbench as wb
from workbench.examples import random_tables

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def plain_values(model) -> dict[str, float]:
    """Value points of each action: the status quo at 0, the best end at 100, reach x benefit
    per person on a reach criterion, weights normalised; stakeholder scores averaged."""
    crit = model.criteria
    cells: dict[tuple[str, str], list[float]] = {}
    for row in model.scores.itertuples():
        c = crit.loc[row.criterion]
        lower = c["direction"] == "lower"
        base = c.get("baseline")
        if base is None or base != base:
            base = c["scale_max"] if lower else c["scale_min"]
        best = c["scale_min"] if lower else c["scale_max"]
        cells.setdefault((row.action, row.criterion), []).append(
            100 * (row.score - base) / (best - base))
    weights = crit["weight"] / crit["weight"].sum()
    values = {}
    for action in model.actions.index:
        total = 0.0
        for criterion, weight in weights.items():
            partial = float(np.mean(cells[(action, criterion)]))
            per = crit.loc[criterion].get("per", "")
            if isinstance(per, str) and per:
                reach = model.actions[per].astype(float)
                partial *= reach[action] / reach.max() if reach.max() > 0 else 0.0
            total += weight * partial
        values[action] = total
    return values


def members(model, target):
    return model.schemes.get(target, [target])


def life_amount(model, action, resource, start, year, duration):
    """Set-up in the start year plus the running (or profiled) amount while it runs."""
    amount = float(model.actions.at[action, resource + "_setup"]) if year == start else 0.0
    if start <= year < start + duration:
        profile = model.profiles[(model.profiles["action"] == action)
                                 & (model.profiles["resource"] == resource)
                                 & (model.profiles["year"] == year - start + 1)]
        amount += float(profile["amount"].iloc[0]) if len(profile) else float(
            model.actions.at[action, resource])
    return amount


def brute_force(model):
    """(best value, its starts and shares) over every choice, or None if nothing fits."""
    horizon = model.horizon
    values = plain_values(model)
    ids = list(model.actions.index)
    if horizon == 1:
        earliest = {a: 1 for a in ids}
        duration = {a: 1 for a in ids}
    else:
        earliest = {a: int(model.actions.at[a, "earliest_start"]) for a in ids}
        duration = {a: int(min(horizon, model.actions.at[a, "duration_years"]))
                    if model.actions.at[a, "duration_years"] == model.actions.at[
                        a, "duration_years"] else horizon for a in ids}
    least = {a: float(model.actions.at[a, "min_share"]) for a in ids
             if "min_share" in model.actions and model.actions.at[a, "min_share"] < 1}
    limits = [(r.resource, int(r.year) if r.year == r.year else 0, r.limit)
              for r in model.resources.itertuples() if not (r.year == r.year and r.year > horizon)]
    best = None
    for choice in itertools.product(*[[None, *range(earliest[a], horizon + 1)] for a in ids]):
        starts = {a: t for a, t in zip(ids, choice) if t is not None}
        if any(sum(v in starts for v in versions) > 1 for versions in model.schemes.values()):
            continue
        active = {a: set(range(t, min(t + duration[a], horizon + 1))) for a, t in starts.items()}

        def runs(target, year=None):
            years = set().union(*[active.get(m, set()) for m in members(model, target)])
            return bool(years) if year is None else year in years

        def start_of(target):
            return min(starts[m] for m in members(model, target) if m in starts)

        if not rules_hold(model, starts, runs, start_of, horizon):
            continue
        bonus = 0.0
        for i in model.interactions.itertuples():
            for year in range(1, horizon + 1):
                if i.kind == "synergy" and all(runs(m, year) for m in i.members):
                    bonus += i.bonus / horizon
                if i.kind == "critical_mass" and sum(runs(m, year) for m in i.members) >= i.threshold:
                    bonus += i.bonus / horizon
        found = best_shares(model, starts, active, duration, values, least, limits, horizon)
        if found is not None and (best is None or found[0] + bonus > best[0] + 1e-9):
            best = (found[0] + bonus, starts, found[1])
    return best


def rules_hold(model, starts, runs, start_of, horizon) -> bool:
    lag_counts = horizon > 1
    for i in model.interactions.itertuples():
        if i.kind == "requires":
            x, y = i.members
            lag = int(i.lag) if lag_counts else 0
            for version in members(model, x):
                if version in starts and (not runs(y) or start_of(y) > starts[version] - lag):
                    return False
        if i.kind == "excludes" and sum(runs(m) for m in i.members) > 1:
            return False
    for c in model.constraints.itertuples():
        column = "lead" if c.kind == "lead_max" else "theme"
        count = sum(model.actions.at[a, column] == c.target for a in starts)
        if ((c.kind == "include" and not runs(c.target)) or (c.kind == "exclude" and runs(c.target))
                or (c.kind == "theme_min" and count < c.value)
                or (c.kind in ("theme_max", "lead_max") and count > c.value)):
            return False
    return True


def best_shares(model, starts, active, duration, values, least, limits, horizon):
    """(standalone value, shares) of the best shares for a funded set (an LP), or None."""
    funded = list(starts)
    gain = [values[a] * len(active[a]) / horizon for a in funded]
    rows, bounds = [], []
    for resource, year, limit in limits:
        years = range(1, horizon + 1) if year == 0 else [year]
        rows.append([sum(life_amount(model, a, resource, starts[a], t, duration[a])
                         for t in years) for a in funded])
        bounds.append(limit)
    box = [(least[a], 1.0) if a in least else (1.0, 1.0) for a in funded]
    if not funded:
        return (0.0, {}) if all(b >= 0 for b in bounds) else None
    answer = linprog(-np.array(gain), A_ub=np.array(rows), b_ub=np.array(bounds) * (1 + 1e-9)
                     + 1e-9, bounds=box, method="highs")
    if not answer.success:
        return None
    return -answer.fun, dict(zip(funded, answer.x))


def check_against_brute_force(model):
    result = wb.optimise(model)
    best = brute_force(model)
    if best is None:
        assert result.status == "infeasible"
        return result
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best[0], abs=1e-6)
    for action, share in result.shares.items():
        low = model.actions.at[action, "min_share"] if "min_share" in model.actions else 1.0
        assert (low if low == low else 1.0) - 1e-7 <= share <= 1 + 1e-7
    again = wb.evaluate(model, result.start_year, shares=result.shares)
    assert again.fits and again.objective == pytest.approx(result.objective, abs=1e-6)
    return result


@SETTINGS
@given(n=st.integers(2, 6), seed=st.integers(0, 10**6), budget=st.floats(0.2, 0.8),
       scalable=st.sampled_from([0.3, 0.6, 1.0]))
def test_partial_funding_equals_brute_force(n, seed, budget, scalable):
    model = wb.from_tables(random_tables(n, seed, budget_share=budget, scalable=scalable,
                                         group_limits=seed % 3 == 0))
    check_against_brute_force(model)


@SETTINGS
@given(n=st.integers(3, 7), seed=st.integers(0, 10**6), budget=st.floats(0.2, 0.8),
       schemes=st.integers(1, 2))
def test_schemes_named_in_interactions_and_constraints_equal_brute_force(n, seed, budget,
                                                                        schemes):
    model = wb.from_tables(random_tables(n, seed, budget_share=budget, schemes=schemes,
                                         synergy_share=1.0, cluster_every=3, n_requires=2,
                                         n_excludes=1, scalable=0.3 if seed % 2 else 0.0))
    check_against_brute_force(model)


@SETTINGS
@given(n=st.integers(2, 6), seed=st.integers(0, 10**6), budget=st.floats(0.2, 0.8))
def test_baselines_and_reach_equal_brute_force(n, seed, budget):
    model = wb.from_tables(random_tables(n, seed, budget_share=budget, baselines=True,
                                         reach=seed % 2 == 0, forced=seed % 3 == 0))
    check_against_brute_force(model)


@SETTINGS
@given(n=st.integers(2, 4), seed=st.integers(0, 10**6), budget=st.floats(0.3, 0.8),
       horizon=st.integers(2, 3))
def test_profiles_over_multi_year_horizons_equal_brute_force(n, seed, budget, horizon):
    model = wb.from_tables(random_tables(n, seed, budget_share=budget, horizon=horizon,
                                         profiles=True, scalable=0.4 if seed % 2 else 0.0,
                                         schemes=1 if n >= 3 and seed % 3 == 0 else 0))
    check_against_brute_force(model)


def test_the_values_here_equal_the_library_values():
    for seed in range(20):
        model = wb.from_tables(random_tables(6, seed, baselines=True, reach=True))
        ours = plain_values(model)
        theirs = wb.action_values(model)
        assert all(theirs[a] == pytest.approx(v) for a, v in ours.items())
    negatives = [min(plain_values(wb.from_tables(random_tables(6, s, baselines=True))).values())
                 for s in range(20)]
    assert min(negatives) < 0
