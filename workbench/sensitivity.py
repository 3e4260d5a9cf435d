"""Sensitivity: how far can a weight or a value move before the chosen portfolio changes?

Both questions move one number t and re-solve. For a fixed portfolio, value is a straight line
in t (values are linear in the weights, bonuses do not move), and the optimum is the upper
envelope of those lines. So the search brackets each end exactly: solve at the far end; if
another portfolio wins there, the end lies where its line crosses the baseline's; re-solve at
that crossing and repeat with whatever wins there, until the baseline is still optimal at the
crossing. Each re-solve either confirms the end or finds a portfolio that overtakes sooner.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .errors import InfeasibleError, SolverError
from .model import Model, PortfolioResult
from .options import Options, run_options
from .portfolio import optimise
from .robustness import argument_error, portfolio_value
from .portfolio.rules import forced_actions
from .portfolio.schedule import horizon_shares
from .scoring import action_values, normalised_weights

STEP = 1e-4  # just outside an end, to name the portfolio that takes over [weight share]
MAX_ROUNDS = 100  # re-solves allowed per end before we call it a solver fault


def _tolerance(value: float) -> float:
    return 1e-7 * max(1.0, abs(value))


def _solved(result: PortfolioResult, what: str) -> PortfolioResult:
    if not result.found:
        raise InfeasibleError(f"{what}: no portfolio satisfies every constraint ({result.status})",
                              result.reasons)
    return result


# ---------------------------------------------------------------- weight stability


def weight_path(weights: pd.Series, criterion: str, share: float) -> pd.Series:
    """Weights with `criterion` at `share` [0..1] and the others rescaled in proportion."""
    weights = normalised_weights(weights)
    others = 1.0 - weights[criterion]
    scale = (1.0 - share) / others if others > 0 else 0.0
    moved = weights * scale
    moved[criterion] = share
    return moved


def _end(solve_at: Callable[[float], PortfolioResult],
         line: Callable[[PortfolioResult, float], float], baseline: PortfolioResult,
         start: float, stop: float) -> tuple[float, bool]:
    """The far end (toward `stop`) of the interval around `start` where `baseline` stays optimal.

    Returns (end, changed): changed is False when the baseline is optimal all the way to stop.
    """
    probe, previous = stop, None
    for _ in range(MAX_ROUNDS):
        result = solve_at(probe)
        own = line(baseline, probe)
        if result.objective <= own + _tolerance(own):
            return probe, previous is not None
        if previous is not None and result.selected == previous.selected:
            return probe, True  # the crossing itself, up to rounding
        gap_start = line(baseline, start) - line(result, start)  # >= 0: baseline optimal there
        gap_probe = own - result.objective  # < 0: result wins at probe
        probe = start + (probe - start) * gap_start / (gap_start - gap_probe)
        previous = result
    raise SolverError(f"the stability search did not settle after {MAX_ROUNDS} re-solves")


def weight_stability(model: Model, weights: pd.Series | None = None,
                     criteria: Iterable[str] | None = None, options: Options | None = None,
                     **keywords) -> pd.DataFrame:
    """For each criterion, the interval of its weight share over which the optimum holds.

    The criterion's share of the total weight moves from 0 to 1, the others keep their
    proportions. Columns: name, weight (agreed share), low and high (the interval's ends,
    shares 0..1), range_low / range_high (the stated weight_low / weight_high as shares, others
    agreed), stable_over_range (the interval covers the stated range), below / above (the
    portfolio that takes over just outside each end; empty when the end is 0 or 1), and
    below_change / above_change (actions added '+' and dropped '-'). options / keywords: the
    run's other options, as for `optimise` (not weights or values: this moves them).
    """
    weights = model.criteria["weight"] if weights is None else weights
    weights = weights.reindex(model.criteria.index)
    if weights.isna().any():
        missing = ", ".join(weights.index[weights.isna()])
        raise argument_error("weights", f"no weight for criterion {missing}")
    shares = normalised_weights(weights.astype(float))
    criteria = list(model.criteria.index if criteria is None else criteria)
    for criterion in criteria:
        if criterion not in model.criteria.index:
            raise argument_error("criteria", f"unknown criterion {criterion!r} "
                             f"(known: {', '.join(model.criteria.index)})")
    options = run_options(model, options, **keywords)
    baseline = _solved(optimise(model, options.changed(weights=shares), explain=False),
                       "weight stability")
    rows = []
    for criterion in criteria:
        at = float(shares[criterion])

        def values_at(t: float, criterion=criterion) -> pd.Series:
            return action_values(model, weight_path(shares, criterion, t))

        def solve_at(t: float) -> PortfolioResult:
            return _solved(optimise(model, options.changed(values=values_at(t)), explain=False),
                           "weight stability")

        def line(result: PortfolioResult, t: float) -> float:
            return portfolio_value(model, result, values_at(t))

        if at >= 1.0:  # the only criterion that counts: nothing to trade against
            low, high, below, above = 0.0, 1.0, (), ()
        else:
            low, low_moved = _end(solve_at, line, baseline, at, 0.0)
            high, high_moved = _end(solve_at, line, baseline, at, 1.0)
            below = solve_at(max(0.0, low - STEP)).selected if low_moved else ()
            above = solve_at(min(1.0, high + STEP)).selected if high_moved else ()
        range_low, range_high = _stated_range_shares(model, weights, criterion)
        rows.append({
            "criterion": criterion, "name": model.criteria.at[criterion, "name"],
            "weight": at, "low": low, "high": high, "range_low": range_low,
            "range_high": range_high,
            "stable_over_range": bool(np.isnan(range_low)
                                      or low <= range_low and range_high <= high),
            "below": below, "above": above,
            "below_change": describe_change(baseline.selected, below),
            "above_change": describe_change(baseline.selected, above),
        })
    return pd.DataFrame(rows).set_index("criterion")


def _stated_range_shares(model: Model, weights: pd.Series, criterion: str) -> tuple[float, float]:
    """weight_low / weight_high of a criterion as shares of the total, the others as agreed."""
    row = model.criteria.loc[criterion]
    if pd.isna(row.get("weight_low")) or pd.isna(row.get("weight_high")):
        return np.nan, np.nan
    others = float(weights.sum() - weights[criterion])
    return tuple(float(w / (w + others)) if w + others > 0 else 1.0
                 for w in (row["weight_low"], row["weight_high"]))


def describe_change(baseline: Iterable[str], other: Iterable[str]) -> str:
    """'+added, -dropped' between two portfolios ('' when `other` is empty or the same)."""
    baseline, other = list(baseline), list(other)
    if not other:
        return ""
    added = [f"+{a}" for a in other if a not in baseline]
    dropped = [f"-{a}" for a in baseline if a not in other]
    return ", ".join(added + dropped)


# ---------------------------------------------------------------- score tipping points


def tipping_points(model: Model, actions: Iterable[str] | None = None,
                   values: pd.Series | None = None, options: Options | None = None,
                   **keywords) -> pd.DataFrame:
    """How much each action's value must rise (if left out) or fall (if funded) to flip it.

    The best portfolio without the action does not depend on its value; the best one with it
    gains the action's horizon share for every value point. The flip is where they meet,
    found by re-solving with `values=` (Newton steps on the upper envelope; one step when the
    horizon is one year). Columns: name, selected, value [value points], change [value points,
    negative: a fall], flips_at [value points], relative (change / value), note.
    """
    options = run_options(model, options, values=values, **keywords)
    if options.values is None:
        options = options.changed(values=action_values(model, options.weights), weights=None)
    values = options.values
    baseline = _solved(optimise(model, options, explain=False), "tipping points")
    actions = list(model.actions.index if actions is None else actions)
    for action in actions:
        if action not in model.actions.index:
            raise argument_error("actions", f"unknown action {action!r}")
    rows = []
    for action in actions:
        selected = action in baseline.selected
        change, note = _tipping(model, action, baseline, options)
        value = float(values[action])
        rows.append({"action": action, "name": model.actions.at[action, "name"],
                     "selected": selected, "value": value, "change": change,
                     "flips_at": value + change, "relative": change / value if value else np.nan,
                     "note": note})
    table = pd.DataFrame(rows).set_index("action")
    order = table["change"].abs().fillna(np.inf).sort_values(kind="stable").index
    return table.loc[order]


def _tipping(model: Model, action: str, baseline: PortfolioResult,
             options: Options) -> tuple[float, str]:
    selected = action in baseline.selected
    forced, barred = forced_actions(model, options)
    if action in forced or action in barred:
        return np.nan, "forced in or out: its value does not decide"

    def best(shift: float, with_action: bool) -> PortfolioResult:
        moved = options.values.copy()
        moved[action] += shift
        return optimise(model, options.changed(
            values=moved, include=options.include + ((action,) if with_action else ()),
            exclude=options.exclude + (() if with_action else (action,))), explain=False)

    other = best(0.0, not selected)
    if not other.found:
        return np.nan, ("the rules need it: it stays funded at any value" if selected else
                        "cannot be funded within the limits and rules at any value")
    without = baseline if not selected else other
    with_action = baseline if selected else other
    shift = 0.0
    for _ in range(MAX_ROUNDS):
        share = horizon_shares(model, with_action.start_year, with_action.horizon,
                               with_action.shares)[action]
        step = (without.objective - with_action.objective) / share
        shift += step
        if with_action.horizon == 1 or abs(step) <= _tolerance(shift):
            return shift, ""
        with_action = best(shift, True)
    raise SolverError(f"the tipping point of {action!r} did not settle after {MAX_ROUNDS} "
                      "re-solves")
