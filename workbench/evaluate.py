"""Evaluate any given portfolio under the value model, and list every constraint it breaks.

This is deliberately independent of the MILP: the optimiser's answer is re-checked here before
it is returned, reference portfolios (e.g. the roundtable's picks) are scored here, and the
brute-force tests enumerate portfolios through it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from .model import Model, PortfolioResult
from .schedule import (action_timing, active_years, eligible_streams, resource_amounts,
                       resource_limits)
from .scoring import criterion_values, normalised_weights

TOLERANCE = 1e-6  # relative slack allowed on a limit, as solvers work in floating point


def as_starts(model: Model, selection: Iterable[str] | Mapping[str, int],
              horizon: int) -> dict[str, int]:
    """Selected actions with start years; plain ids start as early as they may."""
    if isinstance(selection, Mapping):
        return {a: int(y) for a, y in selection.items()}
    timing = action_timing(model, horizon)
    return {a: int(timing.loc[a, "earliest"]) if a in timing.index else 1 for a in selection}


def evaluate(model: Model, selection: Iterable[str] | Mapping[str, int], *,
             values: pd.Series | None = None, weights: pd.Series | None = None,
             limits: dict[str, float] | None = None, horizon: int | None = None,
             include: Iterable[str] = (), exclude: Iterable[str] = ()) -> PortfolioResult:
    """Value, cost and breaches of a portfolio; status 'feasible' or 'infeasible'."""
    horizon = horizon or model.horizon
    starts = as_starts(model, selection, horizon)
    unknown = [a for a in starts if a not in model.actions.index]
    if unknown:
        from .errors import ModelError

        raise ModelError(f"unknown action(s) in the portfolio: {', '.join(unknown)}")
    timing = action_timing(model, horizon)
    active = {a: set(active_years(y, int(timing.loc[a, "duration"]), horizon))
              for a, y in starts.items()}
    share = {a: len(years) / horizon for a, years in active.items()}
    if values is None:
        weight = normalised_weights((model.criteria["weight"] if weights is None else weights)
                                    .reindex(model.criteria.index))
        contributions = criterion_values(model).mul(weight, axis=1)
        values = contributions.sum(axis=1)  # as action_values, without scoring twice
        by_criterion = contributions.mul(pd.Series(share), axis=0).sum().reindex(
            model.criteria.index).fillna(0.0)
    else:
        by_criterion = pd.Series(dtype=float)
    standalone = float(sum(values[a] * s for a, s in share.items()))
    earned = earned_interactions(model, active, horizon)
    synergy = float(earned.loc[earned["kind"] == "synergy", "earned"].sum())
    critical_mass = float(earned.loc[earned["kind"] == "critical_mass", "earned"].sum())
    cost_by_year = cost_table(model, starts, active, horizon)
    funding, funding_breaches = allocate_funding(model, starts, active, horizon)
    breaches = [
        *limit_breaches(cost_by_year, resource_limits(model, limits, horizon)),
        *funding_breaches,
        *rule_breaches(model, starts, timing, horizon, set(include), set(exclude)),
    ]
    return PortfolioResult(
        status="infeasible" if breaches else "feasible",
        selected=tuple(a for a in model.actions.index if a in starts),
        start_year={a: starts[a] for a in model.actions.index if a in starts},
        value={"standalone": standalone, "synergy": synergy, "critical_mass": critical_mass,
               "total": standalone + synergy + critical_mass},
        value_by_criterion=by_criterion,
        cost={r: float(cost_by_year.loc[r].sum()) for r in model.resource_names},
        cost_by_year=cost_by_year,
        funding=funding,
        earned_interactions=earned,
        horizon=horizon,
        breaches=tuple(breaches),
    )


def earned_interactions(model: Model, active: dict[str, set[int]], horizon: int) -> pd.DataFrame:
    """Synergy and critical-mass bonuses earned [value points], counted per year / horizon."""
    rows = []
    for i in model.interactions.itertuples():
        if i.kind == "synergy":
            a, b = i.members
            years = len(active.get(a, set()) & active.get(b, set()))
        elif i.kind == "critical_mass":
            years = sum(1 for t in range(1, horizon + 1)
                        if sum(t in active.get(m, ()) for m in i.members) >= i.threshold)
        else:
            continue
        if years:
            rows.append((i.name, i.kind, ";".join(i.members), i.bonus * years / horizon, years))
    return pd.DataFrame(rows, columns=["name", "kind", "actions", "earned", "years"])


def cost_table(model: Model, starts: dict[str, int], active: dict[str, set[int]],
               horizon: int) -> pd.DataFrame:
    """Resource x year amounts used: set-up in the start year plus running cost while active."""
    running, setup = resource_amounts(model)
    years = range(1, horizon + 1)
    chosen = list(starts)
    starts_in = pd.DataFrame([[starts[a] == t for t in years] for a in chosen],
                             index=chosen, columns=years, dtype=float)
    runs_in = pd.DataFrame([[t in active[a] for t in years] for a in chosen],
                           index=chosen, columns=years, dtype=float)
    table = (setup.loc[chosen].T @ starts_in + running.loc[chosen].T @ runs_in) if chosen else (
        pd.DataFrame(0.0, index=model.resource_names, columns=years))
    table.columns.name = "year"
    return table.reindex(model.resource_names).astype(float)


def limit_breaches(cost_by_year: pd.DataFrame, limits: pd.DataFrame) -> list[str]:
    breaches = []
    for row in limits.itertuples():
        used = cost_by_year.loc[row.resource].sum() if row.year == 0 else (
            cost_by_year.loc[row.resource].get(row.year, 0.0))
        if used > row.limit * (1 + TOLERANCE) + TOLERANCE:
            when = "" if row.year == 0 else f" in year {row.year}"
            breaches.append(f"{row.resource}{when}: uses {used:,.6g}, over the limit of "
                            f"{row.limit:,.6g} by {used - row.limit:,.6g}")
    return breaches


def rule_breaches(model: Model, starts: dict[str, int], timing: pd.DataFrame, horizon: int,
                  include: set[str], exclude: set[str]) -> list[str]:
    """Every interaction, constraint and timing rule the portfolio breaks, in words."""
    breaches = []
    lag_counts = horizon > 1
    for i in model.interactions.itertuples():
        if i.kind == "requires":
            x, y = i.members
            lag = int(i.lag) if lag_counts else 0
            if x in starts and y not in starts:
                breaches.append(f"requires: {x} is funded without {y}")
            elif x in starts and starts[y] > starts[x] - lag:
                breaches.append(f"requires: {x} starts in year {starts[x]} but {y} starts in "
                                f"year {starts[y]} (lag {lag})")
        elif i.kind == "excludes":
            chosen = [m for m in i.members if m in starts]
            if len(chosen) > 1:
                breaches.append(f"excludes: at most one of {', '.join(i.members)} may be funded, "
                                f"not {', '.join(chosen)}")
    for c in model.constraints.itertuples():
        if c.kind == "include":
            include.add(c.target)
        elif c.kind == "exclude":
            exclude.add(c.target)
    breaches += [f"include: {a} must be funded" for a in sorted(include) if a not in starts]
    breaches += [f"exclude: {a} must not be funded" for a in sorted(exclude) if a in starts]
    counts = {
        "theme": model.actions.loc[list(starts), "theme"].value_counts(),
        "lead": model.actions.loc[list(starts), "lead"].value_counts(),
    }
    for c in model.constraints.itertuples():
        if c.kind in ("theme_min", "theme_max", "lead_max"):
            group = "lead" if c.kind == "lead_max" else "theme"
            count = int(counts[group].get(c.target, 0))
            if (c.kind == "theme_min" and count < c.value) or (
                    c.kind != "theme_min" and count > c.value):
                bound = "at least" if c.kind == "theme_min" else "at most"
                breaches.append(f"{c.kind}: {group} {c.target!r} needs {bound} {int(c.value)} "
                                f"actions, the portfolio has {count}")
    for action, start in starts.items():
        if not timing.loc[action, "earliest"] <= start <= horizon:
            breaches.append(f"timing: {action} starts in year {start}, outside "
                            f"{int(timing.loc[action, 'earliest'])}..{horizon}")
    return breaches


def allocate_funding(model: Model, starts: dict[str, int], active: dict[str, set[int]],
                     horizon: int) -> tuple[pd.DataFrame, list[str]]:
    """Split each funded amount over eligible streams within their limits (a small LP)."""
    columns = ["action", "stream", "year", "amount"]
    if model.funding.empty or not starts:
        return pd.DataFrame(columns=columns), []
    running, setup = resource_amounts(model)
    eligible = eligible_streams(model)
    needs = []  # (action, resource, year, amount)
    for action, start in starts.items():
        for resource in set(model.funding["resource"]):
            for year in active[action] | {start}:
                amount = running.loc[action, resource] * (year in active[action]) + (
                    setup.loc[action, resource] if year == start else 0.0)
                if amount > 0:
                    needs.append((action, resource, year, amount))
    breaches, variables = [], []
    for k, (action, resource, year, amount) in enumerate(needs):
        streams = eligible.get((action, resource), [])
        if not streams:
            breaches.append(f"funding: no stream may pay the {resource} of {action}")
        variables += [(k, s, year, action) for s in streams]
    if breaches or not variables:
        return pd.DataFrame(columns=columns), breaches
    equality = np.zeros((len(needs), len(variables)))
    for v, (k, _, _, _) in enumerate(variables):
        equality[k, v] = 1.0
    rows, bounds = [], []
    for s in model.funding.itertuples():
        row = [1.0 if stream == s.stream and (pd.isna(s.year) or year == s.year) else 0.0
               for _, stream, year, _ in variables]
        rows.append(row)
        bounds.append(s.limit)
    solution = linprog(np.zeros(len(variables)), A_ub=np.array(rows), b_ub=np.array(bounds),
                       A_eq=equality, b_eq=np.array([n[3] for n in needs]), method="highs")
    if not solution.success:
        total = sum(n[3] for n in needs)
        return pd.DataFrame(columns=columns), [
            f"funding: the eligible streams cannot cover the {total:,.6g} needed within their "
            "limits"]
    allocation = pd.DataFrame([(a, s, y, x) for (_, s, y, a), x in zip(variables, solution.x)
                               if x > TOLERANCE], columns=columns)
    return allocation.groupby(["action", "stream", "year"], as_index=False)["amount"].sum(), []
