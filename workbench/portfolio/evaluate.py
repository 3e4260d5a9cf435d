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

from ..errors import ModelError
from ..model import Model, PortfolioResult, breach_table
from ..options import Options, run_options
from .rules import forced_actions, limits_in_force
from .schedule import (Amounts, action_timing, active_years, eligible_streams, horizon_share,
                       resource_amounts)
from ..scoring import criterion_values, normalised_weights

TOLERANCE = 1e-6  # relative slack allowed on a limit, as solvers work in floating point


def as_starts(model: Model, selection: Iterable[str] | Mapping[str, int],
              horizon: int) -> dict[str, int]:
    """Selected actions with start years; plain ids start as early as they may."""
    if isinstance(selection, Mapping):
        return {a: int(y) for a, y in selection.items()}
    timing = action_timing(model, horizon)
    return {a: int(timing.loc[a, "earliest"]) if a in timing.index else 1 for a in selection}


def evaluate(model: Model, selection: Iterable[str] | Mapping[str, int] | PortfolioResult,
             options: Options | None = None, *, shares: Mapping[str, float] | None = None,
             funding: pd.DataFrame | None = None, **keywords) -> PortfolioResult:
    """Value, cost and breaches of a portfolio; status 'feasible' or 'infeasible'.

    selection: action ids (each started as early as it may), {action: start year}, or a
    result (its start years and shares, e.g. one optimised with other options).

    options / keywords: the run's options (limits, horizon, include, exclude, weights or
    values), as for `optimise`. shares: {action: share funded [0..1]} for actions funded in
    part (others count whole); an action's amounts and standalone value scale with its share,
    its rules and bonuses count it as funded. funding: a split of the amounts over funding
    streams (action, stream, year, amount) to check, e.g. the solver's; without it the split
    is worked out here by a small LP.
    """
    options = run_options(model, options, **keywords)
    horizon = options.horizon
    if isinstance(selection, PortfolioResult):
        shares = selection.shares if shares is None else shares
        selection = selection.start_year
    starts = as_starts(model, selection, horizon)
    unknown = [a for a in starts if a not in model.actions.index]
    if unknown:
        raise ModelError(f"unknown action(s) in the portfolio: {', '.join(unknown)}")
    funded = {a: float((shares or {}).get(a, 1.0)) for a in starts}
    timing = action_timing(model, horizon)
    active = {a: set(active_years(y, int(timing.loc[a, "duration"]), horizon))
              for a, y in starts.items()}
    share = {a: horizon_share(y, int(timing.loc[a, "duration"]), horizon) * funded[a]
             for a, y in starts.items()}
    values = options.values
    if values is None:
        weights = model.criteria["weight"] if options.weights is None else options.weights
        contributions = criterion_values(model).mul(normalised_weights(
            weights.reindex(model.criteria.index)), axis=1)
        values = contributions.sum(axis=1)  # as action_values, without scoring twice
        by_criterion = contributions.mul(pd.Series(share), axis=0).sum().reindex(
            model.criteria.index).fillna(0.0)
    else:
        by_criterion = pd.Series(dtype=float)
    standalone = float(sum(values[a] * s for a, s in share.items()))
    earned = earned_interactions(model, with_schemes(model, active, _union), horizon)
    synergy = float(earned.loc[earned["kind"] == "synergy", "earned"].sum())
    critical_mass = float(earned.loc[earned["kind"] == "critical_mass", "earned"].sum())
    cost_by_year = cost_table(model, starts, active, horizon, funded)
    if funding is None:
        funding, funding_breaches = allocate_funding(model, starts, active, horizon, funded)
    else:
        funding, funding_breaches = check_funding(model, starts, active, horizon, funding,
                                                  funded)
    breaches = breach_table([
        *limit_breaches(cost_by_year, limits_in_force(model, options.limits, horizon)),
        *funding_breaches,
        *share_breaches(model, funded),
        *rule_breaches(model, starts, timing, horizon, *forced_actions(model, options)),
    ])
    return PortfolioResult(
        status="infeasible" if len(breaches) else "feasible",
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
        breaches=breaches,
        shares={a: funded[a] for a in model.actions.index if a in starts},
    )


def with_schemes(model: Model, by_action: dict, combine) -> dict:
    """`by_action` with each scheme added under its own id: `combine` of its funded versions'
    entries (a scheme stands for whichever version is funded)."""
    out = dict(by_action)
    for scheme, versions in model.schemes.items():
        funded = [by_action[v] for v in versions if v in by_action]
        if funded:
            out[scheme] = combine(funded)
    return out


def _union(sets: list[set]) -> set:
    return set().union(*sets)


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
               horizon: int, shares: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Resource x year amounts used: set-up in the start year plus running amount while active
    (the cost profile's amount in the years it names), times each action's share."""
    running, setup = resource_amounts(model)
    years = range(1, horizon + 1)
    chosen = list(starts)
    q = pd.Series({a: float((shares or {}).get(a, 1.0)) for a in chosen}, dtype=float)
    starts_in = pd.DataFrame([[starts[a] == t for t in years] for a in chosen],
                             index=chosen, columns=years, dtype=float)
    runs_in = pd.DataFrame([[t in active[a] for t in years] for a in chosen],
                           index=chosen, columns=years, dtype=float)
    table = (setup.loc[chosen].mul(q, axis=0).T @ starts_in
             + running.loc[chosen].mul(q, axis=0).T @ runs_in) if chosen else (
        pd.DataFrame(0.0, index=model.resource_names, columns=years))
    if len(model.profiles) and chosen:
        amounts = Amounts.of(model)
        for (action, resource), own in amounts.profile.items():
            if action in starts:
                for t in active[action]:
                    life_year = t - starts[action] + 1
                    if life_year in own:
                        table.loc[resource, t] += q[action] * (
                            own[life_year] - amounts.running[resource][action])
    table.columns.name = "year"
    return table.reindex(model.resource_names).astype(float)


def _breach(family: str, target: str, message: str, amount: float = np.nan,
            limit: float = np.nan) -> dict:
    return {"family": family, "target": target, "amount": float(amount),
            "limit": float(limit), "message": message}


def limit_breaches(cost_by_year: pd.DataFrame, limits: pd.DataFrame) -> list[dict]:
    breaches = []
    for row in limits.itertuples():
        used = cost_by_year.loc[row.resource].sum() if row.year == 0 else (
            cost_by_year.loc[row.resource].get(row.year, 0.0))
        if used > row.limit * (1 + TOLERANCE) + TOLERANCE:
            when = "" if row.year == 0 else f" in year {row.year}"
            breaches.append(_breach(
                "limit", row.resource, f"{row.resource}{when}: uses {used:,.6g}, over the limit "
                f"of {row.limit:,.6g} by {used - row.limit:,.6g}", used, row.limit))
    return breaches


def share_breaches(model: Model, shares: Mapping[str, float]) -> list[dict]:
    """A share outside min_share..1 (or below 1 for an action funded whole or not at all)."""
    least = model.actions["min_share"].astype(float) if "min_share" in model.actions else None
    breaches = []
    for action, q in shares.items():
        low = least[action] if least is not None and least[action] == least[action] else 1.0
        if not low * (1 - TOLERANCE) - TOLERANCE <= q <= 1 + TOLERANCE:
            breaches.append(_breach("share", action, f"share: {action} is funded at {q:.4g}, "
                                    f"outside {low:g}..1", q, low))
    return breaches


def rule_breaches(model: Model, starts: dict[str, int], timing: pd.DataFrame, horizon: int,
                  include: set[str], exclude: set[str]) -> list[dict]:
    """Every interaction, constraint and timing rule the portfolio breaks (include / exclude:
    the forced actions, `rules.forced_actions`)."""
    breaches = []
    lag_counts = horizon > 1
    counted = starts
    starts = with_schemes(model, starts, min)  # a scheme starts when its funded version does
    for scheme, versions in model.schemes.items():
        chosen = [v for v in versions if v in counted]
        if len(chosen) > 1:
            breaches.append(_breach("scheme", scheme, f"scheme: at most one version of "
                                    f"{scheme} may be funded, not {', '.join(chosen)}",
                                    len(chosen), 1))
    for i in model.interactions.itertuples():
        if i.kind == "requires":
            x, y = i.members
            lag = int(i.lag) if lag_counts else 0
            if x in starts and y not in starts:
                breaches.append(_breach("requires", i.name, f"requires: {x} is funded without {y}"))
            elif x in starts and starts[y] > starts[x] - lag:
                breaches.append(_breach("requires", i.name, f"requires: {x} starts in year "
                                        f"{starts[x]} but {y} starts in year {starts[y]} "
                                        f"(lag {lag})"))
        elif i.kind == "excludes":
            chosen = [m for m in i.members if m in starts]
            if len(chosen) > 1:
                breaches.append(_breach(
                    "excludes", i.name, f"excludes: at most one of {', '.join(i.members)} may "
                    f"be funded, not {', '.join(chosen)}", len(chosen), 1))
    breaches += [_breach("include", a, f"include: {a} must be funded")
                 for a in sorted(include) if a not in starts]
    breaches += [_breach("exclude", a, f"exclude: {a} must not be funded")
                 for a in sorted(exclude) if a in starts]
    starts = counted
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
                breaches.append(_breach(
                    c.kind, c.target, f"{c.kind}: {group} {c.target!r} needs {bound} "
                    f"{int(c.value)} actions, the portfolio has {count}", count, c.value))
    for action, start in starts.items():
        if not timing.loc[action, "earliest"] <= start <= horizon:
            breaches.append(_breach("timing", action, f"timing: {action} starts in year "
                                    f"{start}, outside "
                                    f"{int(timing.loc[action, 'earliest'])}..{horizon}", start))
    return breaches


FUNDING_COLUMNS = ["action", "stream", "year", "amount"]


def funding_needs(model: Model, starts: dict[str, int], active: dict[str, set[int]],
                  shares: Mapping[str, float] | None = None
                  ) -> list[tuple[str, str, int, float]]:
    """(action, resource, year, amount) that funding streams must pay, for the resources
    that have streams (an action funded in part needs its share of each amount)."""
    amounts = Amounts.of(model)
    needs = []
    for action, start in starts.items():
        q = (shares or {}).get(action, 1.0)
        years = range(start, start + len(active[action]))
        for resource in dict.fromkeys(model.funding["resource"]):
            for year in sorted(active[action] | {start}):
                amount = q * amounts.in_year(resource, action, start, year, years)
                if amount > 0:
                    needs.append((action, resource, year, float(amount)))
    return needs


def _unpaid(needs, eligible) -> list[dict]:
    return [_breach("funding", action, f"funding: no stream may pay the {resource} of {action}")
            for action, resource in dict.fromkeys((a, r) for a, r, _, _ in needs)
            if not eligible.get((action, resource))]


def allocate_funding(model: Model, starts: dict[str, int], active: dict[str, set[int]],
                     horizon: int, shares: Mapping[str, float] | None = None
                     ) -> tuple[pd.DataFrame, list[dict]]:
    """Split each funded amount over eligible streams within their limits (a small LP)."""
    if model.funding.empty or not starts:
        return pd.DataFrame(columns=FUNDING_COLUMNS), []
    eligible = eligible_streams(model)
    needs = funding_needs(model, starts, active, shares)
    breaches = _unpaid(needs, eligible)
    variables = [(k, s, year, action) for k, (action, resource, year, _) in enumerate(needs)
                 for s in eligible.get((action, resource), [])]
    if breaches or not variables:
        return pd.DataFrame(columns=FUNDING_COLUMNS), breaches
    equality = np.zeros((len(needs), len(variables)))
    for v, (k, _, _, _) in enumerate(variables):
        equality[k, v] = 1.0
    rows, bounds = [], []
    for s in model.funding.itertuples():
        rows.append([1.0 if stream == s.stream and (pd.isna(s.year) or year == s.year) else 0.0
                     for _, stream, year, _ in variables])
        bounds.append(s.limit)
    solution = linprog(np.zeros(len(variables)), A_ub=np.array(rows), b_ub=np.array(bounds),
                       A_eq=equality, b_eq=np.array([n[3] for n in needs]), method="highs")
    if not solution.success:
        total = sum(n[3] for n in needs)
        return pd.DataFrame(columns=FUNDING_COLUMNS), [_breach(
            "funding", "", f"funding: the eligible streams cannot cover the {total:,.6g} "
            "needed within their limits", total)]
    allocation = pd.DataFrame([(a, s, y, x) for (_, s, y, a), x in zip(variables, solution.x)
                               if x > TOLERANCE], columns=FUNDING_COLUMNS)
    return allocation.groupby(["action", "stream", "year"], as_index=False)["amount"].sum(), []


def check_funding(model: Model, starts: dict[str, int], active: dict[str, set[int]],
                  horizon: int, funding: pd.DataFrame,
                  shares: Mapping[str, float] | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Check a given split (e.g. the solver's): each amount paid in full by eligible streams,
    each stream within its limits. Returns the split and what it breaks."""
    if model.funding.empty:
        return pd.DataFrame(columns=FUNDING_COLUMNS), []
    eligible = eligible_streams(model)
    needs = funding_needs(model, starts, active, shares)
    breaches = _unpaid(needs, eligible)
    resource_of = dict(zip(model.funding["stream"], model.funding["resource"]))
    paid = funding.groupby(["action", "stream", "year"])["amount"].sum() if len(funding) else (
        pd.Series(dtype=float))
    for (action, stream, year), amount in paid.items():
        allowed = eligible.get((action, resource_of.get(stream)), [])
        if stream not in allowed and amount > TOLERANCE:
            breaches.append(_breach("funding", action, f"funding: {stream} pays {amount:,.6g} "
                                    f"for {action} but may not pay for it", amount))
    for action, resource, year, amount in needs:
        given = sum(paid.get((action, s, year), 0.0) for s in eligible.get((action, resource), []))
        if abs(given - amount) > TOLERANCE * max(1.0, amount):
            breaches.append(_breach("funding", action, f"funding: {action} needs "
                                    f"{amount:,.6g} of {resource} in year {year}, the streams "
                                    f"pay {given:,.6g}", given, amount))
    for s in model.funding.itertuples():
        rows = paid[[stream == s.stream and (pd.isna(s.year) or year == s.year)
                     for (_, stream, year) in paid.index]] if len(paid) else paid
        used = float(rows.sum())
        if used > s.limit * (1 + TOLERANCE) + TOLERANCE:
            when = "" if pd.isna(s.year) else f" in year {int(s.year)}"
            breaches.append(_breach("stream", s.stream, f"funding: {s.stream}{when} pays "
                                    f"{used:,.6g}, over its limit of {s.limit:,.6g}", used,
                                    s.limit))
    kept = funding[funding["amount"] > TOLERANCE] if len(funding) else funding
    return kept.reset_index(drop=True)[FUNDING_COLUMNS], breaches
