"""The efficient frontier: the best value [value points] at each budget level of one resource.

Every level is re-optimised (exact, not a ratio sort). By default the levels are found
adaptively: the optimal value is a step function of the budget that can only change at the
cost of some portfolio, so the walk solves at the top of the range, then just below the cost
of the portfolio it found, and so on down. Each solve lands on a new step, flat stretches cost
nothing, and the table holds exactly the budgets where the best value steps up, each with the
portfolio that buys it (where optima tie, the cheapest level is kept). `resolution` coarsens
the walk for large models: steps closer together than that may be merged. With actions that
may be funded in part (min_share) the best value also rises smoothly between steps, as the
share of an action grows with the budget, so the walk then samples the range every 1% unless
`resolution` says otherwise. `points=N` gives an even grid instead.
"""
from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .baselines import action_amounts
from .errors import ModelError
from .model import Model, PortfolioResult
from .options import Options, run_options
from .portfolio import optimise
from .portfolio.formulation import minimum_shares
from .portfolio.reoptimise import Reoptimiser
from .portfolio.rules import action_values_for

COLUMNS = ["budget", "value", "standalone", "synergy", "critical_mass", "cost", "n_selected",
           "selected", "added", "dropped", "jump", "jump_clusters", "status"]
RELATIVE_STEP = 1e-6  # the walk's smallest step, as a share of the range (solver tolerance)
PARALLEL_LEVELS = 2  # grid levels solved at once (a fixed number: ties break the same anywhere)
MOST_POINTS = 1_000  # grid levels; each is a solve
PARTIAL_STEPS = 100  # with actions funded in part, the walk's default steps over the range
MOST_BUDGETS = 1_000


def frontier(model: Model, budgets: Iterable[float] | None = None, resource: str | None = None,
             points: int | None = None, options: Options | None = None, *,
             resolution: float | None = None, parallel: int = PARALLEL_LEVELS,
             **keywords) -> pd.DataFrame:
    """One row per budget level [the resource's unit], ascending.

    budgets: the levels to solve at; points: an even grid of that many levels from 0 to what
    every action together would need; neither: the adaptive walk (exact up to `resolution`).
    resource: the one whose limit varies (default the model's first, in resources.csv).
    options / keywords: the run's options, as for `optimise` (weights, values, horizon,
    include, limits of other resources, ...). The varied resource's whole-horizon limit is
    replaced at each level;
    its per-year limits, if any, stay. parallel: grid levels solved at once (threads).
    Columns: budget, value, standalone, synergy, critical_mass [value points], cost (the
    portfolio's use of the resource), n_selected, selected, added, dropped (';'-joined ids,
    against the row before), jump (a critical-mass cluster is newly earned and the value rose
    by more than the standalone values of the actions added, net of those dropped: the extra
    is what the cluster pays), jump_clusters (';'-joined names of the critical-mass clusters
    newly earned), status. `table.attrs`: resource, and solves (how many optimisations).
    """
    resource = resource or model.resource_names[0]
    if resource not in model.resource_names:
        raise ModelError(f"resource={resource!r}: unknown resource (the model has "
                         f"{', '.join(model.resource_names)})")
    if budgets is not None and points is not None:
        raise ModelError("frontier: give budgets or points, not both")
    options = run_options(model, options, **keywords)
    options = options.changed(values=action_values_for(model, options), weights=None)
    top = full_need(model, resource, options.horizon)
    if budgets is not None:
        levels = sorted(float(b) for b in budgets)
        if any(not np.isfinite(b) or b < 0 for b in levels) or len(levels) > MOST_BUDGETS:
            raise ModelError(f"frontier: budgets cannot be negative, infinite or more than "
                             f"{MOST_BUDGETS:,}")
    elif points is not None:
        if (isinstance(points, bool) or not isinstance(points, (int, np.integer))
                or not 2 <= points <= MOST_POINTS):
            raise ModelError(f"frontier: points={points!r} must be a whole number of at least 2 "
                             f"and at most {MOST_POINTS:,}")
        levels = [float(b) for b in np.linspace(0.0, top, int(points))]
    else:
        if resolution is not None and (not np.isfinite(resolution) or resolution < 0):
            raise ModelError(f"frontier: resolution={resolution!r} cannot be negative or "
                             "infinite")
        if resolution is None and minimum_shares(model):
            resolution = top / PARTIAL_STEPS  # value rises smoothly: sample it, do not trace it
        levels = None
    make_solver = _level_solver(model, resource, top, options)
    if levels is not None:
        results = _solve_levels(make_solver, levels, parallel, resource)
        found = list(zip(levels, results))
        solves = len({id(result) for result in results})
    else:
        solve_at = make_solver(1)
        found, solves = _walk(solve_at, resource, top, resolution)
    table = _table(model, found, resource)
    table.attrs.update(resource=resource, solves=solves)
    return table


def _level_solver(model: Model, resource: str, top: float, options: Options):
    """make(parallel) -> solve_at(budget): a Reoptimiser (the MILP built once, each level
    warm-started) when HiGHS solves, else `optimise` at every level. An infeasible level
    needs no explanation here."""
    def at(budget: float) -> dict:
        return {**options.limits, resource: float(budget)}

    if options.solver != "highs":
        return lambda parallel: lambda budget: optimise(
            model, options.changed(limits=at(budget)), explain=False)

    def make(parallel: int):
        reoptimiser = Reoptimiser(model, options.changed(limits=at(top), values=None))
        threads = 1 if parallel > 1 else None  # one HiGHS thread per level solved at once
        return lambda budget: reoptimiser.optimise(
            limits={resource: float(budget)}, values=options.values,
            time_limit=options.time_limit, threads=threads, explain=False)
    return make


def _solve_levels(make_solver, levels: list[float], parallel: int,
                  resource: str) -> list[PortfolioResult]:
    """Every level: the top one first, then the rest `parallel` at a time.

    The top level's optimum is also the optimum at every level from its cost up: a smaller
    budget that it still fits cannot buy more than the top budget does. So those levels take
    its answer without a solve (on generated 200-action models a third of a 50-point grid,
    where the other resource is the limit). Of the rest, worker k solves levels k,
    k + parallel, ... in ascending order, each warm-started from the last (which still fits
    a larger budget).
    """
    results: list[PortfolioResult | None] = [None] * len(levels)
    if not levels:
        return results
    parallel = max(1, min(int(parallel), len(levels)))
    top = make_solver(parallel)(levels[-1])
    results[-1] = top
    if top.status == "optimal":
        for j, budget in enumerate(levels[:-1]):
            if budget >= top.cost[resource]:
                results[j] = top
    todo = [j for j, result in enumerate(results) if result is None]
    parallel = max(1, min(parallel, len(todo)))

    def work(k: int) -> None:
        solve_at = make_solver(parallel)
        for j in todo[k::parallel]:
            results[j] = solve_at(levels[j])

    if parallel == 1:
        work(0)
    else:  # HiGHS releases the GIL while it solves, so threads run levels side by side
        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(work, range(parallel)))
    return results


def _walk(solve_at, resource: str, top: float, resolution: float | None
          ) -> tuple[list[tuple[float, PortfolioResult]], int]:
    """Solve at the top, then just below each portfolio's cost, down to a budget of 0.

    Each row's budget is its portfolio's cost: the least budget that buys that value. Rows
    whose value a cheaper row already reaches are dropped (ties between optima).
    """
    step = max(resolution or 0.0, RELATIVE_STEP * max(top, 1.0))
    found = []
    budget = top
    solves = 0
    while True:
        result = solve_at(budget)
        solves += 1
        if not result.found:
            break
        cost = min(result.cost[resource], budget)
        found.append((cost, result))
        if cost <= 0:
            break
        budget = max(cost - step, 0.0)
    found.reverse()
    efficient = []
    for budget, result in found:
        if efficient and result.objective <= efficient[-1][1].objective + _tolerance(result):
            continue
        efficient.append((budget, result))
    return efficient, solves


def _tolerance(result: PortfolioResult) -> float:
    return 1e-6 * max(1.0, abs(result.objective))


def full_need(model: Model, resource: str, horizon: int) -> float:
    """What every action together would use of a resource over the horizon, each started as
    early as it may [the resource's unit]: above it the resource cannot bind."""
    return float(action_amounts(model, resource, horizon).sum())


def _table(model: Model, found: list[tuple[float, PortfolioResult]],
           resource: str) -> pd.DataFrame:
    rows = []
    previous: PortfolioResult | None = None
    for budget, result in found:
        row = {"budget": float(budget), "status": result.status}
        if not result.found:
            rows.append({**row, "value": np.nan, "standalone": np.nan, "synergy": np.nan,
                         "critical_mass": np.nan, "cost": np.nan, "n_selected": 0,
                         "selected": "", "added": "", "dropped": "", "jump": False,
                         "jump_clusters": ""})
            continue
        before = set(previous.selected) if previous else set()
        added = [a for a in result.selected if a not in before]
        dropped = [a for a in model.actions.index if a in before and a not in result.selected]
        clusters = [c for c in _earned_clusters(result) if c not in
                    (_earned_clusters(previous) if previous else [])]
        rise = result.objective - (previous.objective if previous else 0.0)
        standalone_rise = result.value["standalone"] - (
            previous.value["standalone"] if previous else 0.0)
        rows.append({
            **row, "value": result.objective, "standalone": result.value["standalone"],
            "synergy": result.value["synergy"], "critical_mass": result.value["critical_mass"],
            "cost": result.cost[resource], "n_selected": len(result.selected),
            "selected": ";".join(result.selected), "added": ";".join(added),
            "dropped": ";".join(dropped),
            "jump": bool(clusters) and rise > standalone_rise + _tolerance(result),
            "jump_clusters": ";".join(clusters),
        })
        previous = result
    return pd.DataFrame(rows, columns=COLUMNS)


def _earned_clusters(result: PortfolioResult) -> list[str]:
    earned = result.earned_interactions
    if earned.empty:
        return []
    return list(earned.loc[earned["kind"] == "critical_mass", "name"])


def value_at(frontier_table: pd.DataFrame, budget: float) -> float:
    """The frontier's value at any budget [value points]: that of the last level at or below it
    (NaN below the first level)."""
    rows = frontier_table[(frontier_table["budget"] <= budget + 1e-9)
                          & frontier_table["value"].notna()]
    return float(rows["value"].iloc[-1]) if not rows.empty else float("nan")


def budget_for_value(frontier_table: pd.DataFrame, value: float | pd.Series) -> float | pd.Series:
    """The least budget on the frontier whose value reaches `value` [the resource's unit]
    (NaN when no level does). Given a Series of values, a Series of budgets with its index."""
    if isinstance(value, pd.Series):
        return value.map(lambda v: budget_for_value(frontier_table, v)).rename("budget")
    rows = frontier_table[frontier_table["value"] >= value - 1e-6 * max(1.0, abs(value))]
    return float(rows["budget"].min()) if not rows.empty else float("nan")
